/**
 * `user.create`, `user.read`, `user.update`, `user.delete`.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import {
  AppError,
  NotFoundError,
  PermissionDeniedError,
  STATUS,
  ValidationError,
} from "../../errors.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../store/audit.ts";
import { isUniqueViolation } from "../../store/constraint.ts";
import { listCredentialsOfUser, updateCredential } from "../../store/credentials.ts";
import { transaction } from "../../store/db.ts";
import { hashPassword } from "../../store/secrets.ts";
import { deleteUserTokens } from "../../store/tokens.ts";
import {
  countUsableUsersWithRank,
  createUser,
  deleteUser,
  getUser,
  listUserRelationIds,
  listUsers,
  updateUser,
  type User,
  USER_RANK,
  type UserPatch,
  type UserRank,
} from "../../store/users.ts";
import { isValidAt, type Validity } from "../../store/validity.ts";
import { type Endpoint, endpoint, type RequestContext } from "../context.ts";
import { toMany, userSnapshot, validityAttributes } from "../serialize.ts";
import { any, id, object } from "../validate.ts";
import { attributesOf, validityAttribute } from "./_attributes.ts";
import { MAX_PASSWORD_LENGTH } from "./session_endpoints.ts";

const USERNAME = /^[A-Za-z0-9._-]{1,64}$/;
const P = "data/attributes/";

/** Serialises a user as a JSON:API resource, with what the caller may see. */
export function serializeUser(ctx: RequestContext, user: User): Record<string, unknown> {
  const db = ctx.deps.store.db;
  const attributes: Record<string, unknown> = {
    version: user.version,
    username: user.username,
    firstname: user.firstname,
    lastname: user.lastname,
    rank: user.rank,
    ...validityAttributes(user.validity),
  };
  if (ctx.can("USER_READ_EMAIL", { userId: user.id })) attributes.email = user.email;
  const related = listUserRelationIds(db, user.id);
  const memberships = related.memberships
    .filter((m) => ctx.can("MEMBERSHIP_READ", { userId: user.id, groupId: m.groupId }))
    .map((m) => ({ id: m.id, type: "user-group-membership" }));
  const credentials = related.credentials
    .filter((c) => ctx.can("CREDENTIAL_READ", { credentialId: c.id }))
    .map((c) => ({ id: c.id, type: c.type }));
  const schedules = related.scheduleIds
    .filter((id) => ctx.can("SCHEDULE_READ", { scheduleId: id }))
    .map((id) => ({ id, type: "schedule" }));
  return {
    id: user.id,
    type: "user",
    attributes,
    relationships: {
      memberships: toMany(memberships, true),
      credentials: toMany(credentials, true),
      schedules: toMany(schedules, true),
    },
  };
}

function text(value: unknown, key: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new ValidationError("Must be a string.", P + key);
  if (value.length > max) throw new ValidationError(`At most ${max} characters.`, P + key);
  return value;
}

function parseRank(value: unknown): UserRank | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 4) {
    throw new ValidationError(
      "Rank must be an integer from 0 (user) to 4 (administrator).",
      P + "rank",
    );
  }
  return value as UserRank;
}

function parseEmail(value: unknown): string | undefined {
  const email = text(value, "email", 254);
  if (email && !/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new ValidationError("Invalid e-mail address.", P + "email");
  }
  return email;
}

function sameValidity(a: Validity, b: Validity): boolean {
  return a.enabled === b.enabled && a.start === b.start && a.end === b.end;
}

async function parsePassword(value: unknown): Promise<string | undefined> {
  const password = text(value, "password", MAX_PASSWORD_LENGTH);
  return password === undefined || password === "" ? undefined : await hashPassword(password);
}

function findUser(db: DatabaseSync, userId: number): User {
  const user = getUser(db, userId);
  if (!user) throw new NotFoundError("user", userId);
  return user;
}

/** The user endpoints, by wire name. */
export const USER_ENDPOINTS: Record<string, Endpoint> = {
  "user.create": endpoint(object({ attributes: any }), {
    auth: "logged_in",
    async handle(ctx, request) {
      const actor = ctx.require("USER_CREATE");
      const attrs = attributesOf(request.attributes);
      const username = attrs.username;
      if (typeof username !== "string" || !USERNAME.test(username)) {
        throw new ValidationError(
          "Username must be 1 to 64 characters among letters, digits, '.', '_' and '-'.",
          P + "username",
        );
      }
      const rank = parseRank(attrs.rank) ?? USER_RANK.USER;
      if (rank >= USER_RANK.MANAGER) ctx.require("USER_GRANT_HIGH_RANK");
      const fields = {
        username,
        firstname: text(attrs.firstname, "firstname", 128) ?? "",
        lastname: text(attrs.lastname, "lastname", 128) ?? "",
        email: parseEmail(attrs.email) ?? "",
        rank,
        validity: validityAttribute(attrs, { enabled: true, start: null, end: null }) ??
          { enabled: true, start: null, end: null },
        passwordHash: (await parsePassword(attrs.password)) ?? null,
      };
      const db = ctx.deps.store.db;
      const user = transaction(db, () => {
        let created: User;
        try {
          created = createUser(db, fields);
        } catch (error) {
          if (isUniqueViolation(error)) {
            throw new ValidationError(
              `Username ${username.toLowerCase()} is already in use.`,
              P + "username",
            );
          }
          throw error;
        }
        appendAudit(db, {
          kind: AUDIT_KIND.USER,
          mask: auditMask(AUDIT_EVENT.USER_CREATED),
          authorId: actor.userId,
          timestamp: ctx.now,
          targetId: created.id,
          description: `User ${created.username} has been created.`,
          after: userSnapshot(created),
        });
        return created;
      });
      return { data: serializeUser(ctx, user) };
    },
  }),

  "user.read": endpoint(object({ user_id: id }), {
    auth: "logged_in",
    handle(ctx, { user_id }) {
      const db = ctx.deps.store.db;
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
  }),

  "user.update": endpoint(object({ user_id: id, attributes: any }), {
    auth: "logged_in",
    async handle(ctx, request) {
      const db = ctx.deps.store.db;
      const user = findUser(db, request.user_id);
      const target = { userId: user.id, userRank: user.rank };
      const actor = ctx.require("USER_UPDATE", target);
      const attrs = attributesOf(request.attributes);
      const patch: UserPatch = {};
      const firstname = text(attrs.firstname, "firstname", 128);
      const lastname = text(attrs.lastname, "lastname", 128);
      const email = parseEmail(attrs.email);
      if (firstname !== undefined) patch.firstname = firstname;
      if (lastname !== undefined) patch.lastname = lastname;
      if (email !== undefined) patch.email = email;
      const rank = parseRank(attrs.rank);
      if (rank !== undefined && rank !== user.rank) {
        ctx.require("USER_UPDATE_RANK", target);
        if (rank >= USER_RANK.MANAGER || user.rank >= USER_RANK.MANAGER) {
          ctx.require("USER_GRANT_HIGH_RANK");
        }
        patch.rank = rank;
      }
      const validity = validityAttribute(attrs, user.validity);
      if (validity !== undefined && !sameValidity(validity, user.validity)) {
        if (actor.userId === user.id && !validity.enabled) {
          throw new AppError(
            STATUS.GENERAL_FAILURE,
            "LEOSACException",
            "You cannot disable your own user account.",
          );
        }
        ctx.require("USER_MANAGE_VALIDITY", target);
        patch.validity = validity;
      }
      const passwordHash = await parsePassword(attrs.password);
      if (passwordHash !== undefined) {
        if (actor.userId === user.id) {
          throw new PermissionDeniedError("use password_change to change your own password.");
        }
        ctx.require("USER_CHANGE_PASSWORD", target);
        patch.passwordHash = passwordHash;
      }
      transaction(db, () => {
        // Some other administrator must still be able to log in afterwards.
        const losesAdmin = user.rank === USER_RANK.ADMIN &&
          ((patch.rank !== undefined && patch.rank < USER_RANK.ADMIN) ||
            (patch.validity !== undefined && !isValidAt(patch.validity, ctx.now)));
        if (losesAdmin && countUsableUsersWithRank(db, USER_RANK.ADMIN, ctx.now, user.id) === 0) {
          throw new ValidationError(
            "The last usable administrator cannot lose the rank or be disabled.",
            P + (patch.rank !== undefined ? "rank" : "validity-enabled"),
          );
        }
        const after = updateUser(db, user.id, patch)!;
        if (passwordHash !== undefined) deleteUserTokens(db, user.id);
        appendAudit(db, {
          kind: AUDIT_KIND.USER,
          mask: auditMask(
            AUDIT_EVENT.USER_EDITED,
            ...(passwordHash !== undefined ? [AUDIT_EVENT.USER_PASSWORD_CHANGED] : []),
          ),
          authorId: actor.userId,
          timestamp: ctx.now,
          targetId: user.id,
          description: `User ${user.username} has been edited.`,
          before: userSnapshot(user),
          after: userSnapshot(after),
        });
      });
      const after = { ...user, ...patch };
      let reason: string | null = null;
      if (passwordHash !== undefined) reason = "Session cleared.";
      else if (!isValidAt(after.validity, ctx.now)) reason = "User account disabled.";
      else if (after.rank < user.rank) reason = "User rank changed.";
      if (reason !== null) {
        for (const s of ctx.deps.sessions.sessionsOf(user.id, ctx.session.id)) s.abort(reason);
      }
      return null;
    },
  }),

  "user.delete": endpoint(object({ user_id: id }), {
    auth: "logged_in",
    handle(ctx, { user_id }) {
      const db = ctx.deps.store.db;
      const user = findUser(db, user_id);
      const actor = ctx.require("USER_DELETE", { userId: user.id, userRank: user.rank });
      transaction(db, () => {
        if (
          user.rank === USER_RANK.ADMIN &&
          countUsableUsersWithRank(db, USER_RANK.ADMIN, ctx.now, user.id) === 0
        ) {
          throw new ValidationError("The last usable administrator cannot be deleted.", "");
        }
        // The credentials outlive their owner (owner_id becomes NULL) so they
        // can be handed to someone else, but an ownerless card still opens the
        // doors mapped to the card itself: disable them, or a deleted user's
        // card would keep working.
        const disabled = listCredentialsOfUser(db, user.id).filter((c) => c.validity.enabled);
        for (const c of disabled) {
          updateCredential(db, c.id, { validity: { ...c.validity, enabled: false } });
        }
        deleteUser(db, user.id);
        appendAudit(db, {
          kind: AUDIT_KIND.USER,
          mask: auditMask(
            AUDIT_EVENT.USER_DELETED,
            ...(disabled.length > 0 ? [AUDIT_EVENT.CREDENTIAL_UPDATED] : []),
          ),
          authorId: actor.userId,
          timestamp: ctx.now,
          targetId: user.id,
          description: `User ${user.username} has been deleted.${
            disabled.length > 0
              ? ` Credentials disabled: ${disabled.map((c) => c.id).join(", ")}.`
              : ""
          }`,
          before: userSnapshot(user),
        });
      });
      for (const s of ctx.deps.sessions.sessionsOf(user.id)) s.abort("User account deleted.");
      return null;
    },
  }),
};
