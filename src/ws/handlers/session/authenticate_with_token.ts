/**
 * `authenticate_with_token`: logs in with a token from an earlier
 * `create_auth_token`, extending it.
 *
 * @module
 */
import { findToken, refreshToken, TOKEN_LIFETIME_MS } from "../../../store/tokens.ts";
import { getUser } from "../../../store/users.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { object, str } from "../../validate.ts";
import { checkAccountUsable, INVALID_CREDENTIALS } from "./_login.ts";

/** The request content. */
const decode = object({ token: str(256) });

/** The declaration. */
export const authenticateWithToken = defineEndpoint({
  names: ["authenticate_with_token"],
  session: "forbidden",
  permission: null,
  access: "write",
  scope: "local",
  audit: "immediately",
  wiring: false,
  uses: ["logins"],
  decode,
  handle(ctx, { token }) {
    // Never limited and never counted: a 122-bit random token cannot be
    // guessed, and a stale browser tab must not lock anyone out.
    const record = findToken(ctx.store.db, token);
    const user = record && getUser(ctx.store.db, record.userId);
    if (!record || !user || record.expiresAt < ctx.now) {
      return INVALID_CREDENTIALS;
    }
    checkAccountUsable(user, ctx.now);
    refreshToken(ctx.store.db, record.tokenHash, ctx.now);
    ctx.services.logins.tokenLogin(user.id, ctx.session.remoteAddress);
    ctx.session.login(user.id, user.rank, {
      tokenHash: record.tokenHash,
      username: user.username,
      expiresAt: ctx.now + TOKEN_LIFETIME_MS,
      validity: user.validity,
    });
    return { status: 0, user_id: user.id, username: user.username };
  },
});
