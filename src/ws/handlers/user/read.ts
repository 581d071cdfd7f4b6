/**
 * `user.read` (Leosac §7.2): one user, or with id 0 every user the caller
 * may read (all of them from viewer rank up).
 *
 * @module
 */
import { listUsers } from "../../../store/users.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { findUser, serializeUser, USER_VIEW_ACTIONS } from "./_user.ts";

/** The request content. */
const decode = object({ user_id: id });

/** The declaration. */
export const userRead = defineEndpoint({
  names: ["user.read"],
  session: "required",
  permission: {
    action: "USER_READ",
    byHandler: true,
    also: ["SYSTEM_OVERVIEW", "USER_LIST_ALL", ...USER_VIEW_ACTIONS],
  },
  access: "read",
  audit: "failures",
  wiring: false,
  decode,
  handle(ctx, { user_id }) {
    const db = ctx.store.db;
    if (user_id === 0) {
      ctx.require("SYSTEM_OVERVIEW");
      const all = ctx.can("USER_LIST_ALL");
      const users = listUsers(db).filter((u) => all || ctx.can("USER_READ", { userId: u.id }));
      return { data: users.map((u) => serializeUser(ctx, u)) };
    }
    const user = findUser(db, user_id);
    ctx.require("USER_READ", { userId: user.id, userRank: user.rank });
    return { data: serializeUser(ctx, user) };
  },
});
