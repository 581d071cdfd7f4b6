/**
 * `logout`: deletes the session's token and logs the session out.
 *
 * @module
 */
import { deleteToken } from "../../../store/tokens.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { ignored } from "../../validate.ts";

/** The declaration. */
export const logout = defineEndpoint({
  names: ["logout"],
  session: "required",
  permission: null,
  access: "write",
  scope: "local",
  audit: "always",
  wiring: false,
  decode: ignored,
  handle(ctx) {
    if (ctx.session.tokenHash !== null) deleteToken(ctx.store.db, ctx.session.tokenHash);
    ctx.session.logout();
    return null;
  },
});
