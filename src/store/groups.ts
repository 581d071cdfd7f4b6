/**
 * Group repository. Names are unique regardless of case, as usernames are:
 * a new name or a rename that equals another group's name up to case is
 * refused here (one home for every writer). The rule is code, not a unique
 * index on `lower(name)`: a database from before it may hold names that
 * differ only by case, and an index would make it fail to open. Those keep
 * working (start-up warns about them, see {@linkcode groupNameClashes}),
 * and renaming one of them is the way out.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { ATTR_POINTER, ValidationError } from "../errors.ts";
import { prepared } from "./db.ts";
import { int, rowReader, text } from "./rows.ts";

/** A stored group. */
export interface Group {
  id: number;
  /** Unique regardless of case for new names and renames (Leosac: case-sensitive `UNIQUE`). */
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

/** The error for a name another group has: status 11 on `data/attributes/name`. */
export function groupNameTaken(name: string): ValidationError {
  return new ValidationError(`A group named ${name} already exists.`, ATTR_POINTER + "name");
}

/** A group other than `exceptId` whose name equals `name` regardless of case. */
export function groupNamedLike(db: DatabaseSync, name: string, exceptId = 0): Group | undefined {
  const row = prepared(db, "SELECT * FROM groups WHERE lower(name) = lower(?) AND id <> ? LIMIT 1")
    .get(name, exceptId);
  return row && toGroup(row);
}

function checkNameFree(db: DatabaseSync, name: string, exceptId = 0): void {
  const other = groupNamedLike(db, name, exceptId);
  if (other) throw groupNameTaken(other.name);
}

/**
 * The names that differ only by case, one list per clash, each sorted
 * (`[["Staff", "staff"]]`); empty on a database written under the rule.
 * (Names are ASCII, `[A-Za-z0-9_.-]`, so SQLite's `lower()` is exact.)
 */
export function groupNameClashes(db: DatabaseSync): string[][] {
  const rows = prepared(
    db,
    `SELECT name FROM groups WHERE lower(name) IN
       (SELECT lower(name) FROM groups GROUP BY lower(name) HAVING count(*) > 1)
     ORDER BY lower(name), name`,
  ).all();
  const clashes = new Map<string, string[]>();
  for (const row of rows) {
    const name = String(row.name);
    const key = name.toLowerCase();
    clashes.set(key, [...clashes.get(key) ?? [], name]);
  }
  return [...clashes.values()];
}

/**
 * Inserts a group and returns it.
 *
 * @throws {ValidationError} on `data/attributes/name` when another group has
 * the name regardless of case ({@linkcode groupNameTaken}).
 */
export function createGroup(db: DatabaseSync, group: NewGroup): Group {
  checkNameFree(db, group.name);
  const row = prepared(db, "INSERT INTO groups (name, description) VALUES (?, ?) RETURNING *").all(
    group.name,
    group.description ?? "",
  )[0];
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
 * @throws {ValidationError} when a new name (one that is not the current
 * name) is another group's regardless of case. Sending the current name back
 * is not a rename, so a group whose name clashes from before the rule can
 * still be edited.
 */
export function updateGroup(db: DatabaseSync, id: number, patch: GroupPatch): Group | undefined {
  const current = getGroup(db, id);
  if (!current) return undefined;
  if (patch.name !== undefined && patch.name !== current.name) checkNameFree(db, patch.name, id);
  const next = { ...current, ...patch };
  const row = prepared(
    db,
    "UPDATE groups SET name = ?, description = ?, version = version + 1 WHERE id = ? RETURNING *",
  )
    .all(next.name, next.description, id)[0];
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
