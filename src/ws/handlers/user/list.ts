/**
 * `user.list` (our extension; Leosac clients never send it): one page of
 * users found by what was typed, by username. From viewer rank every user;
 * below, only the caller. Items carry the attributes of `user.read` (e-mail
 * where the caller may read it) without relationships. See `_paged.ts` and
 * `src/store/search.ts`.
 *
 * @module
 */
import { searchUsersPage } from "../../../store/search.ts";
import { validityAttributes } from "../../serialize.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { pagedRequest, runSearch, searchQuery } from "../search/_paged.ts";

/** The declaration. */
export const userList = defineEndpoint({
  names: ["user.list"],
  session: "required",
  permission: { action: "USER_LIST_ALL", byHandler: true, also: ["USER_READ_EMAIL"] },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: pagedRequest,
  handle(ctx, request) {
    const only = ctx.can("USER_LIST_ALL") ? undefined : ctx.session.actor!.userId;
    const page = runSearch(() => searchUsersPage(ctx.store.db, searchQuery(request), only));
    return {
      data: page.rows.map((user) => ({
        id: user.id,
        type: "user",
        attributes: {
          version: user.version,
          username: user.username,
          firstname: user.firstname,
          lastname: user.lastname,
          rank: user.rank,
          ...validityAttributes(user.validity),
          ...(ctx.can("USER_READ_EMAIL", { userId: user.id }) ? { email: user.email } : {}),
        },
      })),
      meta: { next: page.next },
    };
  },
});
