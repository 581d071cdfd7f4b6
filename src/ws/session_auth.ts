/**
 * A session's authentication: who is logged in, with which token, and one
 * cached check that the token still exists and is unexpired and that its user
 * is still enabled and within validity. The check is reused until
 * `authEpoch()` moves (any write to users or tokens) or the cached expiry
 * passes.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { deleteToken, getTokenByHash, refreshToken, TOKEN_LIFETIME_MS } from "../store/tokens.ts";
import { getUser, type UserRank } from "../store/users.ts";
import { isValidAt, type Validity } from "../policy/validity.ts";
import { authEpoch } from "../store/auth_epoch.ts";
import type { Actor } from "./permissions.ts";

/** Extends the token when less than this remains of its lifetime (fewer writes). */
const TOKEN_REFRESH_SLACK_MS = 60_000;

/** What a login records. */
export interface LoginToken {
  tokenHash: string;
  username: string;
  expiresAt: number;
  validity: Validity;
}

/** The outcome of {@linkcode SessionAuth.check}. */
export type AuthCheck =
  | { ok: true }
  /** The session was logged out; `reason` is the SESSION_ABORTED message. */
  | { ok: false; reason: string };

/** One connection's authentication state. */
export class SessionAuth {
  readonly #db: DatabaseSync;
  #actor: Actor | null = null;
  #tokenHash: string | null = null;
  #username: string | null = null;
  /** The last successful check, reused while nothing has changed. */
  #verified: { epoch: number; expiresAt: number; validity: Validity } | null = null;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** The logged-in user, or null. */
  get actor(): Actor | null {
    return this.#actor;
  }

  /** Hash of the session's token, or null. */
  get tokenHash(): string | null {
    return this.#tokenHash;
  }

  /** The logged-in username, or null. */
  get username(): string | null {
    return this.#username;
  }

  /** Records a login (the login endpoints checked the password or token). */
  login(userId: number, rank: UserRank, token: LoginToken): void {
    this.#actor = { userId, rank };
    this.#tokenHash = token.tokenHash;
    this.#username = token.username;
    this.#verified = { epoch: authEpoch(), expiresAt: token.expiresAt, validity: token.validity };
  }

  /** Forgets the login. */
  logout(): void {
    this.#actor = null;
    this.#tokenHash = null;
    this.#username = null;
    this.#verified = null;
  }

  /**
   * The check before a request (Leosac's before-request hook, fixed). A
   * logged-out session passes. A session whose token is gone or expired, or
   * whose user is disabled or out of validity, is logged out (its token
   * deleted) and gets the reason. A token nearing its end is extended.
   */
  check(now: number): AuthCheck {
    if (this.#tokenHash === null) return { ok: true };
    const verdict = this.#verify(now, true);
    if (verdict === null) return { ok: true };
    this.logout();
    return { ok: false, reason: verdict };
  }

  /**
   * True while logged in with an unexpired token and a user within validity
   * (pushes go only to such sessions). Never extends the token: a push must
   * not keep a session alive.
   */
  isAuthenticatedAt(now: number): boolean {
    return this.#tokenHash !== null && this.#verify(now, false) === null;
  }

  /** Null when the session is fine, else why not. */
  #verify(now: number, refresh: boolean): string | null {
    const epoch = authEpoch(), cached = this.#verified;
    if (cached !== null && cached.epoch === epoch && now <= cached.expiresAt) {
      const valid = isValidAt(cached.validity, now);
      // A push decides from the cache alone; a request past the refresh point
      // or out of validity re-reads (and deletes a dead token).
      if (!refresh) return valid ? null : DISABLED;
      if (valid && cached.expiresAt - now >= TOKEN_LIFETIME_MS - TOKEN_REFRESH_SLACK_MS) {
        return null;
      }
    }
    this.#verified = null;
    const token = getTokenByHash(this.#db, this.#tokenHash!);
    const user = token ? getUser(this.#db, token.userId) : undefined;
    let reason: string | null = null;
    if (!token) reason = "Websocket session has been aborted: the token no longer exists.";
    else if (token.expiresAt < now) {
      reason = "Websocket session has been aborted: the token expired.";
    } else if (!user || !isValidAt(user.validity, now)) reason = DISABLED;
    if (reason !== null) {
      if (token && refresh) deleteToken(this.#db, token.tokenHash);
      return reason;
    }
    this.#actor = { userId: user!.id, rank: user!.rank };
    let expiresAt = token!.expiresAt;
    if (refresh && expiresAt - now < TOKEN_LIFETIME_MS - TOKEN_REFRESH_SLACK_MS) {
      refreshToken(this.#db, token!.tokenHash, now);
      expiresAt = now + TOKEN_LIFETIME_MS;
    }
    this.#verified = { epoch, expiresAt, validity: user!.validity };
    return null;
  }
}

const DISABLED = "Websocket session has been aborted: the user account is disabled.";
