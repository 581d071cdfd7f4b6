/**
 * `search.user_username`: users the caller may read; none is `null`, whose name contains `partial_name`.
 *
 * @module
 */
import { searchUsers } from "../../../store/users.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { orNull, partialNameRequest } from "./_search.ts";

/** The declaration. */
export const searchUserUsername = defineEndpoint({
  names: ["search.user_username"],
  session: "required",
  permission: { action: "USER_SEARCH", also: ["USER_LIST_ALL", "USER_READ"] },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: partialNameRequest,
  handle(ctx, { partial_name }) {
    const all = ctx.can("USER_LIST_ALL");
    return orNull(
      searchUsers(ctx.store.db, partial_name)
        .filter((u) => all || ctx.can("USER_READ", { userId: u.id, userRank: u.rank }))
        .map((u) => ({ id: u.id, username: u.username })),
    );
  },
});
