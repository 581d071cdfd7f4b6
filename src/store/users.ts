/**
 * User repository.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Validity } from "../policy/validity.ts";
import { prepared } from "./db.ts";
import { bool, int, nullableInt, nullableText, oneOf, oneOfInt, rowReader, text } from "./rows.ts";
import { bumpAuthEpoch } from "./auth_epoch.ts";

/** User ranks (Leosac `UserRank`). */
export const USER_RANK = { USER: 0, VIEWER: 1, MANAGER: 2, SUPERVISOR: 3, ADMIN: 4 } as const;
/** A user rank value. */
export type UserRank = typeof USER_RANK[keyof typeof USER_RANK];

/** A stored user. `passwordHash` never leaves the store layer's callers unredacted. */
export interface User {
  id: number;
  username: string;
  passwordHash: string | null;
  firstname: string;
  lastname: string;
  email: string;
  rank: UserRank;
  validity: Validity;
  version: number;
}

/** Fields for creating a user. */
export interface NewUser {
  username: string;
  passwordHash?: string | null;
  firstname?: string;
  lastname?: string;
  email?: string;
  rank?: UserRank;
  validity?: Validity;
}

/** Fields that an update may change; absent fields keep their value. */
export type UserPatch = Partial<Omit<User, "id" | "username" | "version">>;

const readCount = rowReader("users count", { n: int });
const readUser = rowReader("users", {
  id: int,
  username: text,
  password_hash: nullableText,
  firstname: text,
  lastname: text,
  email: text,
  rank: oneOfInt(Object.values(USER_RANK)),
  validity_enabled: bool,
  validity_start: nullableInt,
  validity_end: nullableInt,
  version: int,
});

function toUser(raw: unknown): User {
  const row = readUser(raw);
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    firstname: row.firstname,
    lastname: row.lastname,
    email: row.email,
    rank: row.rank,
    validity: {
      enabled: row.validity_enabled,
      start: row.validity_start,
      end: row.validity_end,
    },
    version: row.version,
  };
}

/** Inserts a user and returns it. Usernames are stored lower-case. */
export function createUser(db: DatabaseSync, user: NewUser): User {
  const validity = user.validity ?? { enabled: true, start: null, end: null };
  const row = prepared(
    db,
    `INSERT INTO users (username, password_hash, firstname, lastname, email, rank,
       validity_enabled, validity_start, validity_end)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  ).all(
    user.username.toLowerCase(),
    user.passwordHash ?? null,
    user.firstname ?? "",
    user.lastname ?? "",
    user.email ?? "",
    user.rank ?? USER_RANK.USER,
    validity.enabled ? 1 : 0,
    validity.start,
    validity.end,
  )[0];
  return toUser(row);
}

/** Finds a user by id. */
export function getUser(db: DatabaseSync, id: number): User | undefined {
  const row = prepared(db, "SELECT * FROM users WHERE id = ?").get(id);
  return row && toUser(row);
}

/** Finds a user by username (case-insensitive: usernames are stored lower-case). */
export function getUserByUsername(db: DatabaseSync, username: string): User | undefined {
  const row = prepared(db, "SELECT * FROM users WHERE username = ?").get(username.toLowerCase());
  return row && toUser(row);
}

/** Lists every user, by id. */
export function listUsers(db: DatabaseSync): User[] {
  return (prepared(db, "SELECT * FROM users ORDER BY id").all()).map(
    toUser,
  );
}

/** Counts the users of at least `rank`. */
export function countUsersWithRank(db: DatabaseSync, rank: UserRank): number {
  return readCount(prepared(db, "SELECT count(*) AS n FROM users WHERE rank >= ?").get(rank)).n;
}

/** Applies a patch and bumps the version. Returns the updated user, or undefined if missing. */
export function updateUser(db: DatabaseSync, id: number, patch: UserPatch): User | undefined {
  const current = getUser(db, id);
  if (!current) return undefined;
  bumpAuthEpoch();
  const next = { ...current, ...patch };
  const row = prepared(
    db,
    `UPDATE users SET password_hash = ?, firstname = ?, lastname = ?, email = ?, rank = ?,
       validity_enabled = ?, validity_start = ?, validity_end = ?, version = version + 1
     WHERE id = ? RETURNING *`,
  ).all(
    next.passwordHash,
    next.firstname,
    next.lastname,
    next.email,
    next.rank,
    next.validity.enabled ? 1 : 0,
    next.validity.start,
    next.validity.end,
    id,
  )[0];
  return toUser(row);
}

/** Deletes a user (memberships, tokens and mappings cascade). True if a row was deleted. */
export function deleteUser(db: DatabaseSync, id: number): boolean {
  bumpAuthEpoch();
  return Number(prepared(db, "DELETE FROM users WHERE id = ?").run(id).changes) > 0;
}

/** Users whose username contains `partial` (case-insensitive), by id. */
export function searchUsers(db: DatabaseSync, partial: string): User[] {
  return (prepared(db, "SELECT * FROM users WHERE instr(lower(username), lower(?)) > 0 ORDER BY id")
    .all(partial)).map(toUser);
}

/**
 * Counts the users of at least `rank` who can log in at `nowMs` (enabled and
 * within validity), other than `exceptId`.
 */
export function countUsableUsersWithRank(
  db: DatabaseSync,
  rank: UserRank,
  nowMs: number,
  exceptId = 0,
): number {
  const row = prepared(
    db,
    `SELECT count(*) AS n FROM users WHERE rank >= ? AND id != ? AND validity_enabled = 1
       AND (validity_start IS NULL OR validity_start <= ?)
       AND (validity_end IS NULL OR validity_end >= ?)`,
  ).get(rank, exceptId, nowMs, nowMs);
  return readCount(row).n;
}

const readRelationKind = rowReader("user relations", { k: oneOf(["m", "c", "s"]) });
const readRelation = {
  m: rowReader("user relations (memberships)", { id: int, x: int }),
  c: rowReader("user relations (credentials)", { id: int, x: oneOf(["rfid-card", "pin-code"]) }),
  s: rowReader("user relations (schedules)", { id: int }),
};

/** The ids a user's JSON:API relationships list, from one query. */
export interface UserRelationIds {
  memberships: Array<{ id: number; groupId: number }>;
  credentials: Array<{ id: number; type: "rfid-card" | "pin-code" }>;
  scheduleIds: number[];
}

/**
 * The user's memberships (with their group), credentials (with their type)
 * and the schedules whose mappings name the user directly, each by id.
 */
export function listUserRelationIds(db: DatabaseSync, userId: number): UserRelationIds {
  const rows = prepared(
    db,
    `SELECT 'm' AS k, id, group_id AS x FROM memberships WHERE user_id = ?1
     UNION ALL SELECT 'c', id, type FROM credentials WHERE owner_id = ?1
     UNION ALL SELECT 's', schedule_id, NULL FROM (
       SELECT DISTINCT m.schedule_id FROM schedule_mappings m
       JOIN mapping_users t ON t.mapping_id = m.id WHERE t.user_id = ?1)
     ORDER BY 1, 2`,
  ).all(userId);
  const out: UserRelationIds = { memberships: [], credentials: [], scheduleIds: [] };
  for (const raw of rows) {
    const { k } = readRelationKind(raw);
    if (k === "m") {
      const { id, x } = readRelation.m(raw);
      out.memberships.push({ id, groupId: x });
    } else if (k === "c") {
      const { id, x } = readRelation.c(raw);
      out.credentials.push({ id, type: x });
    } else out.scheduleIds.push(readRelation.s(raw).id);
  }
  return out;
}
