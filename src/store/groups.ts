/**
 * Group repository.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { prepared } from "./db.ts";
import { int, rowReader, text } from "./rows.ts";

/** A stored group. */
export interface Group {
  id: number;
  /** Unique (case-sensitive, as Leosac's `UNIQUE` column). */
  name: string;
  description: string;
  /** Bumped by every update (optimistic concurrency). */
  version: number;
}

/** Fields for creating a group. */
export interface NewGroup {
  name: string;
  description?: string;
}

/** Fields that an update may change; absent fields keep their value. */
export type GroupPatch = Partial<Omit<Group, "id" | "version">>;

const readGroup = rowReader("groups", {
  id: int,
  name: text,
  description: text,
  version: int,
});

function toGroup(raw: unknown): Group {
  const row = readGroup(raw);
  return { id: row.id, name: row.name, description: row.description, version: row.version };
}

function toGroups(rows: unknown[]): Group[] {
  return rows.map(toGroup);
}

/**
 * Inserts a group and returns it.
 *
 * @throws {Error} a SQLite UNIQUE violation when the name is taken (see `isUniqueViolation`).
 */
export function createGroup(db: DatabaseSync, group: NewGroup): Group {
  const row = prepared(db, "INSERT INTO groups (name, description) VALUES (?, ?) RETURNING *").get(
    group.name,
    group.description ?? "",
  );
  return toGroup(row);
}

/** Finds a group by id. */
export function getGroup(db: DatabaseSync, id: number): Group | undefined {
  const row = prepared(db, "SELECT * FROM groups WHERE id = ?").get(id);
  return row && toGroup(row);
}

/** Finds a group by its exact name. */
export function getGroupByName(db: DatabaseSync, name: string): Group | undefined {
  const row = prepared(db, "SELECT * FROM groups WHERE name = ?").get(name);
  return row && toGroup(row);
}

/** Lists every group, by id. */
export function listGroups(db: DatabaseSync): Group[] {
  return toGroups(prepared(db, "SELECT * FROM groups ORDER BY id").all());
}

/** The groups `userId` is a member of (any rank), by group id. */
export function listGroupsOfUser(db: DatabaseSync, userId: number): Group[] {
  return toGroups(
    prepared(
      db,
      `SELECT g.* FROM groups g JOIN memberships m ON m.group_id = g.id
       WHERE m.user_id = ? ORDER BY g.id`,
    ).all(userId),
  );
}

/**
 * Applies a patch. Returns the updated group, or undefined if missing.
 *
 * @throws {Error} a SQLite UNIQUE violation when the new name is taken.
 */
export function updateGroup(db: DatabaseSync, id: number, patch: GroupPatch): Group | undefined {
  const current = getGroup(db, id);
  if (!current) return undefined;
  const next = { ...current, ...patch };
  const row = prepared(
    db,
    "UPDATE groups SET name = ?, description = ?, version = version + 1 WHERE id = ? RETURNING *",
  )
    .get(next.name, next.description, id);
  return toGroup(row);
}

/** Deletes a group (memberships and schedule-mapping rows cascade). True if a row was deleted. */
export function deleteGroup(db: DatabaseSync, id: number): boolean {
  return Number(prepared(db, "DELETE FROM groups WHERE id = ?").run(id).changes) > 0;
}

/** Groups whose name contains `partial` (case-insensitive, no wildcards), by id. */
export function searchGroups(db: DatabaseSync, partial: string): Group[] {
  return toGroups(
    prepared(db, "SELECT * FROM groups WHERE instr(lower(name), lower(?)) > 0 ORDER BY id")
      .all(partial),
  );
}
