/**
 * Schedule mappings: which users, groups, credentials, doors and zones a
 * schedule applies to (one table per kind of target). `schedules.ts`
 * re-exports this module.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { prepared, transaction } from "./db.ts";
import { int, rowReader, text } from "./rows.ts";

/** A stored schedule mapping. */
export interface ScheduleMapping {
  id: number;
  scheduleId: number;
  alias: string;
  version: number;
  userIds: number[];
  groupIds: number[];
  credentialIds: number[];
  doorIds: number[];
  zoneIds: number[];
}

/** Fields for creating a mapping; absent id lists are empty. */
export interface NewScheduleMapping {
  alias?: string;
  userIds?: readonly number[];
  groupIds?: readonly number[];
  credentialIds?: readonly number[];
  doorIds?: readonly number[];
  zoneIds?: readonly number[];
}

/** The kinds of entity a mapping can name. */
export type MappingTargetKind = "user" | "group" | "credential" | "door" | "zone";

/** The table and column of each kind of mapping target. */
export const MAPPING_TABLES = {
  user: { table: "mapping_users", column: "user_id", field: "userIds" },
  group: { table: "mapping_groups", column: "group_id", field: "groupIds" },
  credential: { table: "mapping_credentials", column: "credential_id", field: "credentialIds" },
  door: { table: "mapping_doors", column: "door_id", field: "doorIds" },
  zone: { table: "mapping_zones", column: "zone_id", field: "zoneIds" },
} as const;

const TARGET_KINDS = Object.keys(MAPPING_TABLES) as MappingTargetKind[];

const readTargetId = rowReader("mapping targets", { id: int });
const readLast = rowReader("schedule_mappings", { last: int });
const readMapping = rowReader("schedule_mappings", {
  id: int,
  schedule_id: int,
  alias: text,
  version: int,
});

function toMapping(db: DatabaseSync, raw: unknown): ScheduleMapping {
  const row = readMapping(raw);
  const mapping: ScheduleMapping = {
    id: row.id,
    scheduleId: row.schedule_id,
    alias: row.alias,
    version: row.version,
    userIds: [],
    groupIds: [],
    credentialIds: [],
    doorIds: [],
    zoneIds: [],
  };
  for (const kind of TARGET_KINDS) {
    const { table, column, field } = MAPPING_TABLES[kind];
    const ids = prepared(db, `SELECT ${column} AS id FROM ${table} WHERE mapping_id = ? ORDER BY 1`)
      .all(row.id);
    mapping[field] = readTargetId.all(ids).map((r) => r.id);
  }
  return mapping;
}

function toMappings(db: DatabaseSync, rows: unknown[]): ScheduleMapping[] {
  return rows.map((row) => toMapping(db, row));
}

/**
 * Adds a mapping to a schedule and returns it. Duplicate ids in a list are stored once.
 *
 * @throws {Error} a SQLite FOREIGN KEY violation when the schedule or a named entity does not exist.
 */
export function createMapping(
  db: DatabaseSync,
  scheduleId: number,
  mapping: NewScheduleMapping,
): ScheduleMapping {
  return transaction(db, () => {
    const row = prepared(
      db,
      "INSERT INTO schedule_mappings (schedule_id, alias) VALUES (?, ?) RETURNING *",
    ).all(scheduleId, mapping.alias ?? "")[0];
    const mappingId = readMapping(row).id;
    for (const kind of TARGET_KINDS) {
      const { table, column, field } = MAPPING_TABLES[kind];
      const insert = prepared(
        db,
        `INSERT OR IGNORE INTO ${table} (mapping_id, ${column}) VALUES (?, ?)`,
      );
      for (const id of mapping[field] ?? []) insert.run(mappingId, id);
    }
    return toMapping(db, row);
  });
}

/** Finds a mapping by id. */
export function getMapping(db: DatabaseSync, id: number): ScheduleMapping | undefined {
  const row = prepared(db, "SELECT * FROM schedule_mappings WHERE id = ?").get(id);
  return row && toMapping(db, row);
}

/** The mappings of a schedule, by id. */
export function listMappingsOfSchedule(db: DatabaseSync, scheduleId: number): ScheduleMapping[] {
  return toMappings(
    db,
    prepared(db, "SELECT * FROM schedule_mappings WHERE schedule_id = ? ORDER BY id")
      .all(scheduleId),
  );
}

/**
 * Deletes every mapping of a schedule and creates `mappings` instead, in one
 * transaction. New mappings always get ids the old ones did not have (ids
 * change on every call, as in Leosac). Returns the new mappings.
 *
 * @throws {Error} a SQLite FOREIGN KEY violation when a named entity does not
 * exist (nothing is changed).
 */
export function replaceMappings(
  db: DatabaseSync,
  scheduleId: number,
  mappings: readonly NewScheduleMapping[],
): ScheduleMapping[] {
  return transaction(db, () => {
    // Create before deleting, so no new mapping can reuse an old id.
    const lastRow = prepared(
      db,
      "SELECT coalesce(max(id), 0) AS last FROM schedule_mappings WHERE schedule_id = ?",
    ).get(scheduleId);
    const { last } = readLast(lastRow);
    const created = mappings.map((m) => createMapping(db, scheduleId, m));
    prepared(db, "DELETE FROM schedule_mappings WHERE schedule_id = ? AND id <= ?")
      .run(scheduleId, last);
    return created;
  });
}

/** Deletes one mapping. True if a row was deleted. */
export function deleteMapping(db: DatabaseSync, id: number): boolean {
  return Number(prepared(db, "DELETE FROM schedule_mappings WHERE id = ?").run(id).changes) > 0;
}

/** The mappings that name this entity directly, by id. */
export function listMappingsMappedTo(
  db: DatabaseSync,
  kind: MappingTargetKind,
  id: number,
): ScheduleMapping[] {
  const { table, column } = MAPPING_TABLES[kind];
  return toMappings(
    db,
    prepared(
      db,
      `SELECT m.* FROM schedule_mappings m JOIN ${table} t ON t.mapping_id = m.id
       WHERE t.${column} = ? ORDER BY m.id`,
    ).all(id),
  );
}

/** Ids of the schedules directly mapped to a user, group, credential, door or zone (by id). */
export function listScheduleIdsMappedTo(
  db: DatabaseSync,
  kind: MappingTargetKind,
  id: number,
): number[] {
  const { table, column } = MAPPING_TABLES[kind];
  return readTargetId.all(
    prepared(
      db,
      `SELECT DISTINCT m.schedule_id AS id FROM schedule_mappings m
     JOIN ${table} t ON t.mapping_id = m.id WHERE t.${column} = ? ORDER BY m.schedule_id`,
    ).all(id),
  ).map((r) => r.id);
}
