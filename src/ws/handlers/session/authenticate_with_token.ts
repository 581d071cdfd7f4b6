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
import { checkAccountUsable, INVALID_CREDENTIALS, rateLimited } from "./_login.ts";

/** The request content. */
const decode = object({ token: str(256) });

/** The declaration. */
export const authenticateWithToken = defineEndpoint({
  names: ["authenticate_with_token"],
  session: "forbidden",
  permission: null,
  access: "write",
  audit: "immediately",
  wiring: false,
  uses: ["logins"],
  decode,
  handle(ctx, { token }) {
    const { logins } = ctx.services;
    // Keyed by address only: a shared "" username key let anyone lock every
    // client out of token logins with five bad tokens.
    if (logins.isLimited(null, ctx.session.remoteAddress, ctx.now)) throw rateLimited();
    const record = findToken(ctx.store.db, token);
    const user = record && getUser(ctx.store.db, record.userId);
    if (!record || !user || record.expiresAt < ctx.now) {
      logins.recordFailure(null, ctx.session.remoteAddress, ctx.now);
      return INVALID_CREDENTIALS;
    }
    checkAccountUsable(user, ctx.now);
    refreshToken(ctx.store.db, record.tokenHash, ctx.now);
    ctx.session.login(user.id, user.rank, {
      tokenHash: record.tokenHash,
      username: user.username,
      expiresAt: ctx.now + TOKEN_LIFETIME_MS,
      validity: user.validity,
    });
    return { status: 0, user_id: user.id, username: user.username };
  },
});
