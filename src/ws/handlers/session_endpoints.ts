/**
 * Authentication and session endpoints: `get_leosac_version`,
 * `create_auth_token`, `authenticate_with_token`, `logout`,
 * `system_overview`, `password_change`.
 *
 * @module
 */
import {
  AppError,
  NotFoundError,
  PermissionDeniedError,
  STATUS,
  ValidationError,
} from "../../errors.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../store/audit.ts";
import { prepared, transaction } from "../../store/db.ts";
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from "../../store/secrets.ts";
import {
  createToken,
  deleteToken,
  deleteUserTokens,
  findToken,
  refreshToken,
  TOKEN_LIFETIME_MS,
} from "../../store/tokens.ts";
import { getUser, getUserByUsername, updateUser, type User } from "../../store/users.ts";
import { isValidAt } from "../../store/validity.ts";
import { LEOSAC_VERSION, VERSION } from "../../version.ts";
import { type Endpoint, endpoint, type RequestContext } from "../context.ts";
import { id, ignored, object, optional, str } from "../validate.ts";
import { userSnapshot } from "../serialize.ts";

/** Longest accepted password. */
export const MAX_PASSWORD_LENGTH = 1024;

const INVALID_CREDENTIALS = { status: -1, message: "Invalid credentials" } as const;

function rateLimited(): AppError {
  return new AppError(
    STATUS.RATE_LIMITED,
    "RateLimited",
    "Too many failed login attempts: try again later.",
  );
}

function checkAccountUsable(user: User, now: number): void {
  if (!user.validity.enabled) {
    throw new AppError(STATUS.GENERAL_FAILURE, "LEOSACException", "This user account is disabled.");
  }
  if (!isValidAt(user.validity, now)) {
    throw new AppError(
      STATUS.GENERAL_FAILURE,
      "LEOSACException",
      "This user account is not currently active.",
    );
  }
}

function recordLoginFailure(ctx: RequestContext, username: string, userId: number | null): void {
  ctx.deps.limiter.recordFailure(username, ctx.session.remoteAddress, ctx.now);
  appendAudit(ctx.deps.store.db, {
    kind: AUDIT_KIND.USER,
    mask: auditMask(AUDIT_EVENT.LOGIN_FAILED),
    authorId: null,
    timestamp: ctx.now,
    targetId: userId,
    description: `Failed login as ${
      JSON.stringify(username.slice(0, 64))
    } from ${ctx.session.remote}.`,
  });
}

/** The session endpoints, by wire name. */
export const SESSION_ENDPOINTS: Record<string, Endpoint> = {
  get_leosac_version: endpoint(ignored, {
    auth: "any",
    handle: () => ({ version: `${LEOSAC_VERSION}-deno-${VERSION}`, version_short: LEOSAC_VERSION }),
  }),

  create_auth_token: endpoint(object({ username: str(128), password: str(MAX_PASSWORD_LENGTH) }), {
    auth: "logged_out",
    auditNow: true,
    async handle(ctx, { username, password }) {
      const { limiter } = ctx.deps;
      if (limiter.isLimited(username, ctx.session.remoteAddress, ctx.now)) throw rateLimited();
      const user = getUserByUsername(ctx.deps.store.db, username);
      const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
      if (!user || !ok) {
        recordLoginFailure(ctx, username, user?.id ?? null);
        return INVALID_CREDENTIALS;
      }
      checkAccountUsable(user, ctx.now);
      limiter.recordSuccess(username);
      const { token, record } = createToken(ctx.deps.store.db, user.id, ctx.now);
      ctx.session.login(user.id, user.rank, {
        tokenHash: record.tokenHash,
        username: user.username,
        expiresAt: record.expiresAt,
        validity: user.validity,
      });
      return { status: 0, user_id: user.id, token };
    },
  }),

  authenticate_with_token: endpoint(object({ token: str(256) }), {
    auth: "logged_out",
    auditNow: true,
    handle(ctx, { token }) {
      const { limiter } = ctx.deps;
      // Keyed by address only: a shared "" username key let anyone lock every
      // client out of token logins with five bad tokens.
      if (limiter.isLimited(null, ctx.session.remoteAddress, ctx.now)) throw rateLimited();
      const record = findToken(ctx.deps.store.db, token);
      const user = record && getUser(ctx.deps.store.db, record.userId);
      if (!record || !user || record.expiresAt < ctx.now) {
        limiter.recordFailure(null, ctx.session.remoteAddress, ctx.now);
        return INVALID_CREDENTIALS;
      }
      checkAccountUsable(user, ctx.now);
      refreshToken(ctx.deps.store.db, record.tokenHash, ctx.now);
      ctx.session.login(user.id, user.rank, {
        tokenHash: record.tokenHash,
        username: user.username,
        expiresAt: ctx.now + TOKEN_LIFETIME_MS,
        validity: user.validity,
      });
      return { status: 0, user_id: user.id, username: user.username };
    },
  }),

  logout: endpoint(ignored, {
    auth: "logged_in",
    handle(ctx) {
      if (ctx.session.tokenHash !== null) deleteToken(ctx.deps.store.db, ctx.session.tokenHash);
      ctx.session.logout();
      return null;
    },
  }),

  system_overview: endpoint(ignored, {
    auth: "logged_in",
    handle(ctx) {
      ctx.require("SYSTEM_OVERVIEW");
      const row = prepared(ctx.deps.store.db, "SELECT coalesce(max(id), 0) AS v FROM audit_events")
        .get() as { v: number };
      return {
        instance_name: ctx.deps.instanceName,
        config_version: row.v,
        uptime: Math.floor((ctx.now - ctx.deps.startedAt) / 1000),
        modules: ["WEBSOCK_API", "AUTH_DB", "DOORMAN", "WIEGAND_READER", "LED_BUZZER", "LIBGPIOD"],
        // Beyond Leosac: which hardware drives the doors ("sim" enables hardware.simulate).
        hardware: ctx.deps.controller === null
          ? "none"
          : ctx.deps.controller.simulated
          ? "sim"
          : "gpio",
      };
    },
  }),

  password_change: endpoint(
    object({
      user_id: id,
      new_password: str(MAX_PASSWORD_LENGTH),
      current_password: optional(str(MAX_PASSWORD_LENGTH)),
    }),
    {
      auth: "logged_in",
      async handle(ctx, request) {
        const db = ctx.deps.store.db;
        const target = getUser(db, request.user_id);
        if (!target) throw new NotFoundError("user", request.user_id);
        const actor = ctx.require("USER_CHANGE_PASSWORD", {
          userId: target.id,
          userRank: target.rank,
        });
        const self = actor.userId === target.id;
        if (self) {
          // Guessing the current password here counts like a failed login and
          // is refused like one.
          if (ctx.deps.limiter.isLimited(target.username, ctx.session.remoteAddress, ctx.now)) {
            throw rateLimited();
          }
          const ok = request.current_password !== undefined &&
            await verifyPassword(request.current_password, target.passwordHash);
          if (!ok) {
            ctx.deps.limiter.recordFailure(target.username, ctx.session.remoteAddress, ctx.now);
            appendAudit(db, {
              kind: AUDIT_KIND.USER,
              mask: auditMask(AUDIT_EVENT.USER_PASSWORD_CHANGE_FAILURE),
              authorId: actor.userId,
              timestamp: ctx.now,
              targetId: target.id,
              description:
                `Password change of user ${target.username} failed: wrong current password.`,
            });
            throw new PermissionDeniedError("Invalid `current_password`.");
          }
        }
        if (request.new_password.length === 0) {
          throw new ValidationError("The password cannot be empty.", "data/attributes/password");
        }
        const passwordHash = await hashPassword(request.new_password);
        transaction(db, () => {
          const after = updateUser(db, target.id, { passwordHash })!;
          deleteUserTokens(db, target.id, self ? ctx.session.tokenHash ?? undefined : undefined);
          appendAudit(db, {
            kind: AUDIT_KIND.USER,
            mask: auditMask(AUDIT_EVENT.USER_EDITED, AUDIT_EVENT.USER_PASSWORD_CHANGED),
            authorId: actor.userId,
            timestamp: ctx.now,
            targetId: target.id,
            description: `Password of user ${target.username} has been changed.`,
            before: userSnapshot(target),
            after: userSnapshot(after),
          });
        });
        for (const other of ctx.deps.sessions.sessionsOf(target.id, ctx.session.id)) {
          other.abort("Session cleared.");
        }
        return null;
      },
    },
  ),
};
