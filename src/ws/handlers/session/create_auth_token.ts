/**
 * `create_auth_token`: logs in with a username and password and returns a
 * new token. Every guess counts towards the login limits
 * (`src/ws/login_limiter.ts`), from before the hash. A full disk does not
 * refuse a login: the token's row gets the disk reserve's space, or is kept
 * in memory (`src/store/tokens.ts`), and the call's audit row waits in the
 * audit writer until it can be written.
 *
 * @module
 */
import { DUMMY_PASSWORD_HASH, verifyPassword } from "../../../store/secrets.ts";
import { createToken } from "../../../store/tokens.ts";
import { getUserByUsername } from "../../../store/users.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { object, str } from "../../validate.ts";
import {
  auditLoginFailure,
  auditLoginSuccess,
  checkAccountUsable,
  INVALID_CREDENTIALS,
  MAX_PASSWORD_LENGTH,
  rateLimited,
} from "./_login.ts";

/** The request content. */
const decode = object({ username: str(128), password: str(MAX_PASSWORD_LENGTH) });

/** The declaration. */
export const createAuthToken = defineEndpoint({
  names: ["create_auth_token"],
  session: "forbidden",
  permission: null,
  access: "write",
  scope: "local",
  audit: "immediately",
  wiring: false,
  uses: ["logins"],
  decode,
  async handle(ctx, { username, password }, signal) {
    const user = getUserByUsername(ctx.store.db, username);
    // Counted before the hash, so concurrent guesses see each other.
    const attempt = ctx.services.logins.begin(
      { userId: user?.id ?? null, username },
      ctx.session.remoteAddress,
      "login",
    );
    if (attempt === null) throw rateLimited();
    let ok = false;
    try {
      ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    } finally {
      if (ok && user) attempt.succeed();
      else attempt.fail();
    }
    signal.throwIfAborted();
    if (!user || !ok) {
      // Past the minute's budget a failure is only counted (per address, no row of its own).
      if (ctx.services.logins.failureRow(ctx.now)) auditLoginFailure(ctx, username, user ?? null);
      else ctx.countedOnly = true;
      return INVALID_CREDENTIALS;
    }
    checkAccountUsable(user, ctx.now);
    // On a full disk the reserve is released so the token row fits; if even
    // that fails the token is kept in memory: a login never waits for space.
    const { token, record } = createToken(ctx.store.db, user.id, ctx.now, {
      makeRoom: () => ctx.store.reserve.release("a login token could not be stored"),
    });
    ctx.session.login(user.id, user.rank, {
      tokenHash: record.tokenHash,
      username: user.username,
      expiresAt: record.expiresAt,
      validity: user.validity,
    });
    auditLoginSuccess(ctx, user);
    return { status: 0, user_id: user.id, token };
  },
});
