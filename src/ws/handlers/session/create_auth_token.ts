/**
 * `create_auth_token`: logs in with a username and password and returns a
 * new token. Failures count towards the login limit.
 *
 * @module
 */
import { DUMMY_PASSWORD_HASH, verifyPassword } from "../../../store/secrets.ts";
import { createToken } from "../../../store/tokens.ts";
import { getUserByUsername } from "../../../store/users.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { object, str } from "../../validate.ts";
import {
  checkAccountUsable,
  INVALID_CREDENTIALS,
  MAX_PASSWORD_LENGTH,
  rateLimited,
  recordLoginFailure,
} from "./_login.ts";

/** The request content. */
const decode = object({ username: str(128), password: str(MAX_PASSWORD_LENGTH) });

/** The declaration. */
export const createAuthToken = defineEndpoint({
  names: ["create_auth_token"],
  session: "forbidden",
  permission: null,
  access: "write",
  audit: "immediately",
  wiring: false,
  uses: ["logins"],
  decode,
  async handle(ctx, { username, password }, signal) {
    const { logins } = ctx.services;
    if (logins.isLimited(username, ctx.session.remoteAddress, ctx.now)) throw rateLimited();
    const user = getUserByUsername(ctx.store.db, username);
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    signal.throwIfAborted();
    if (!user || !ok) {
      recordLoginFailure(ctx, username, user?.id ?? null);
      return INVALID_CREDENTIALS;
    }
    checkAccountUsable(user, ctx.now);
    logins.recordSuccess(username);
    const { token, record } = createToken(ctx.store.db, user.id, ctx.now);
    ctx.session.login(user.id, user.rank, {
      tokenHash: record.tokenHash,
      username: user.username,
      expiresAt: record.expiresAt,
      validity: user.validity,
    });
    return { status: 0, user_id: user.id, token };
  },
});
