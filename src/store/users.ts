/**
 * User repository.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Validity } from "./validity.ts";
import { prepared } from "./db.ts";
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

interface UserRow {
  id: number;
  username: string;
  password_hash: string | null;
  firstname: string;
  lastname: string;
  email: string;
  rank: number;
  validity_enabled: number;
  validity_start: number | null;
  validity_end: number | null;
  version: number;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    firstname: row.firstname,
    lastname: row.lastname,
    email: row.email,
    rank: row.rank as UserRank,
    validity: {
      enabled: row.validity_enabled === 1,
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
  ).get(
    user.username.toLowerCase(),
    user.passwordHash ?? null,
    user.firstname ?? "",
    user.lastname ?? "",
    user.email ?? "",
    user.rank ?? USER_RANK.USER,
    validity.enabled ? 1 : 0,
    validity.start,
    validity.end,
  ) as unknown as UserRow;
  return toUser(row);
}

/** Finds a user by id. */
export function getUser(db: DatabaseSync, id: number): User | undefined {
  const row = prepared(db, "SELECT * FROM users WHERE id = ?").get(id) as UserRow | undefined;
  return row && toUser(row);
}

/** Finds a user by username (case-insensitive: usernames are stored lower-case). */
export function getUserByUsername(db: DatabaseSync, username: string): User | undefined {
  const row = prepared(db, "SELECT * FROM users WHERE username = ?").get(username.toLowerCase()) as
    | UserRow
    | undefined;
  return row && toUser(row);
}

/** Lists every user, by id. */
export function listUsers(db: DatabaseSync): User[] {
  return (prepared(db, "SELECT * FROM users ORDER BY id").all() as unknown as UserRow[]).map(
    toUser,
  );
}

/** Counts the users of at least `rank`. */
export function countUsersWithRank(db: DatabaseSync, rank: UserRank): number {
  const row = prepared(db, "SELECT count(*) AS n FROM users WHERE rank >= ?").get(rank) as {
    n: number;
  };
  return row.n;
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
  ).get(
    next.passwordHash,
    next.firstname,
    next.lastname,
    next.email,
    next.rank,
    next.validity.enabled ? 1 : 0,
    next.validity.start,
    next.validity.end,
    id,
  ) as unknown as UserRow;
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
    .all(partial) as unknown as UserRow[]).map(toUser);
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
  ).get(rank, exceptId, nowMs, nowMs) as { n: number };
  return row.n;
}

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
  ).all(userId) as Array<{ k: string; id: number; x: number | string | null }>;
  const out: UserRelationIds = { memberships: [], credentials: [], scheduleIds: [] };
  for (const row of rows) {
    if (row.k === "m") out.memberships.push({ id: row.id, groupId: row.x as number });
    else if (row.k === "c") {
      out.credentials.push({ id: row.id, type: row.x as "rfid-card" | "pin-code" });
    } else out.scheduleIds.push(row.id);
  }
  return out;
}
