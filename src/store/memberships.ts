/**
 * User-group membership repository. Timestamps are Unix **milliseconds**
 * (the wire format divides by 1000: Leosac serialises seconds).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { prepared } from "./db.ts";
import { int, oneOfInt, rowReader } from "./rows.ts";

/** Group ranks (Leosac `GroupRank`). */
export const GROUP_RANK = { MEMBER: 0, OPERATOR: 1, ADMIN: 2 } as const;
/** A group rank value. */
export type GroupRank = typeof GROUP_RANK[keyof typeof GROUP_RANK];

/** A stored membership of one user in one group. */
export interface Membership {
  id: number;
  userId: number;
  groupId: number;
  rank: GroupRank;
  /** When the user joined, Unix ms. */
  timestamp: number;
  /** Bumped by every update (optimistic concurrency). */
  version: number;
}

/** Fields for creating a membership. */
export interface NewMembership {
  userId: number;
  groupId: number;
  /** @default GROUP_RANK.MEMBER */
  rank?: GroupRank;
  /** When the user joined, Unix ms. */
  timestamp: number;
}

const readMembership = rowReader("memberships", {
  id: int,
  user_id: int,
  group_id: int,
  rank: oneOfInt(Object.values(GROUP_RANK)),
  timestamp: int,
  version: int,
});

function toMembership(raw: unknown): Membership {
  const row = readMembership(raw);
  return {
    id: row.id,
    userId: row.user_id,
    groupId: row.group_id,
    rank: row.rank,
    timestamp: row.timestamp,
    version: row.version,
  };
}

function toMemberships(rows: unknown[]): Membership[] {
  return rows.map(toMembership);
}

/**
 * Inserts a membership and returns it.
 *
 * @throws {Error} a SQLite UNIQUE violation when the user is already in the group,
 * a FOREIGN KEY violation when the user or group does not exist, or a CHECK
 * violation when the rank is not 0..2.
 */
export function createMembership(db: DatabaseSync, membership: NewMembership): Membership {
  const row = prepared(
    db,
    `INSERT INTO memberships (user_id, group_id, rank, timestamp)
     VALUES (?, ?, ?, ?) RETURNING *`,
  ).all(
    membership.userId,
    membership.groupId,
    membership.rank ?? GROUP_RANK.MEMBER,
    membership.timestamp,
  )[0];
  return toMembership(row);
}

/** Finds a membership by id. */
export function getMembership(db: DatabaseSync, id: number): Membership | undefined {
  const row = prepared(db, "SELECT * FROM memberships WHERE id = ?").get(id);
  return row && toMembership(row);
}

/** Finds the membership of `userId` in `groupId`, if any. */
export function getMembershipOf(
  db: DatabaseSync,
  userId: number,
  groupId: number,
): Membership | undefined {
  const row = prepared(db, "SELECT * FROM memberships WHERE user_id = ? AND group_id = ?")
    .get(userId, groupId);
  return row && toMembership(row);
}

/** The memberships of a user, by id. */
export function listMembershipsOfUser(db: DatabaseSync, userId: number): Membership[] {
  return toMemberships(
    prepared(db, "SELECT * FROM memberships WHERE user_id = ? ORDER BY id").all(userId),
  );
}

/** The memberships of a group, by id. */
export function listMembershipsOfGroup(db: DatabaseSync, groupId: number): Membership[] {
  return toMemberships(
    prepared(db, "SELECT * FROM memberships WHERE group_id = ? ORDER BY id").all(groupId),
  );
}

/**
 * Changes a membership's rank. Returns the updated membership, or undefined if missing.
 *
 * @throws {Error} a SQLite CHECK violation when the rank is not 0..2.
 */
export function updateMembershipRank(
  db: DatabaseSync,
  id: number,
  rank: GroupRank,
): Membership | undefined {
  const row = prepared(
    db,
    "UPDATE memberships SET rank = ?, version = version + 1 WHERE id = ? RETURNING *",
  )
    .all(rank, id)[0];
  return row && toMembership(row);
}

/** Deletes a membership. True if a row was deleted. */
export function deleteMembership(db: DatabaseSync, id: number): boolean {
  return Number(prepared(db, "DELETE FROM memberships WHERE id = ?").run(id).changes) > 0;
}
