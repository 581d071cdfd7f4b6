/**
 * Schedule repository: schedules, their ordered timeframes, and their
 * mappings (which users, groups, credentials, doors and zones a schedule
 * applies to).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { prepared, transaction } from "./db.ts";
import { bool, int, rowReader, text } from "./rows.ts";

/** One weekly window: a single day, start and end inclusive, in minutes since midnight. */
export interface Timeframe {
  /** 0 = Monday … 6 = Sunday (the Leosac web client's convention). */
  day: number;
  /** 0..1439. */
  startMinute: number;
  /** 0..1439, inclusive (1439 = 23:59 covers the rest of the day). */
  endMinute: number;
}

/** A stored schedule. */
export interface Schedule {
  id: number;
  /** Not unique. */
  name: string;
  description: string;
  appliesOnHolidays: boolean;
  /** 1 after create, +1 per update. */
  version: number;
  /** In their stored order (the wire `id` of a timeframe is its index). */
  timeframes: Timeframe[];
}

/** Fields for creating a schedule. */
export interface NewSchedule {
  name: string;
  description?: string;
  /** @default false */
  appliesOnHolidays?: boolean;
  timeframes?: Timeframe[];
}

/** Fields that an update may change; absent fields keep their value. `timeframes` replaces the list. */
export type SchedulePatch = Partial<Omit<Schedule, "id" | "version">>;

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

const MAPPING_TABLES = {
  user: { table: "mapping_users", column: "user_id", field: "userIds" },
  group: { table: "mapping_groups", column: "group_id", field: "groupIds" },
  credential: { table: "mapping_credentials", column: "credential_id", field: "credentialIds" },
  door: { table: "mapping_doors", column: "door_id", field: "doorIds" },
  zone: { table: "mapping_zones", column: "zone_id", field: "zoneIds" },
} as const;

const TARGET_KINDS = Object.keys(MAPPING_TABLES) as MappingTargetKind[];

const readSchedule = rowReader("schedules", {
  id: int,
  name: text,
  description: text,
  applies_on_holidays: bool,
  version: int,
});

const readTimeframe = rowReader("schedule_timeframes", {
  day: int,
  start_minute: int,
  end_minute: int,
});

const readTargetId = rowReader("mapping targets", { id: int });
const readLast = rowReader("schedule_mappings", { last: int });
const readMapping = rowReader("schedule_mappings", {
  id: int,
  schedule_id: int,
  alias: text,
  version: int,
});

function readTimeframes(db: DatabaseSync, scheduleId: number): Timeframe[] {
  const rows = prepared(
    db,
    `SELECT day, start_minute, end_minute FROM schedule_timeframes
     WHERE schedule_id = ? ORDER BY position`,
  ).all(scheduleId);
  return readTimeframe.all(rows).map((r) => ({
    day: r.day,
    startMinute: r.start_minute,
    endMinute: r.end_minute,
  }));
}

function writeTimeframes(db: DatabaseSync, scheduleId: number, frames: Timeframe[]): void {
  prepared(db, "DELETE FROM schedule_timeframes WHERE schedule_id = ?").run(scheduleId);
  const insert = prepared(
    db,
    `INSERT INTO schedule_timeframes (schedule_id, position, day, start_minute, end_minute)
     VALUES (?, ?, ?, ?, ?)`,
  );
  frames.forEach((f, position) =>
    insert.run(scheduleId, position, f.day, f.startMinute, f.endMinute)
  );
}

function toSchedule(db: DatabaseSync, raw: unknown): Schedule {
  const row = readSchedule(raw);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    appliesOnHolidays: row.applies_on_holidays,
    version: row.version,
    timeframes: readTimeframes(db, row.id),
  };
}

function toSchedules(db: DatabaseSync, rows: unknown[]): Schedule[] {
  return rows.map((row) => toSchedule(db, row));
}

/**
 * Inserts a schedule with its timeframes and returns it.
 *
 * @throws {Error} a SQLite CHECK violation for a day outside 0..6 or a minute outside 0..1439.
 */
export function createSchedule(db: DatabaseSync, schedule: NewSchedule): Schedule {
  return transaction(db, () => {
    const row = prepared(
      db,
      `INSERT INTO schedules (name, description, applies_on_holidays)
       VALUES (?, ?, ?) RETURNING *`,
    ).get(
      schedule.name,
      schedule.description ?? "",
      schedule.appliesOnHolidays ? 1 : 0,
    );
    writeTimeframes(db, readSchedule(row).id, schedule.timeframes ?? []);
    return toSchedule(db, row);
  });
}

/** Finds a schedule by id. */
export function getSchedule(db: DatabaseSync, id: number): Schedule | undefined {
  const row = prepared(db, "SELECT * FROM schedules WHERE id = ?").get(id);
  return row && toSchedule(db, row);
}

/** Lists every schedule, by id. */
export function listSchedules(db: DatabaseSync): Schedule[] {
  return toSchedules(db, prepared(db, "SELECT * FROM schedules ORDER BY id").all());
}

/** Schedules whose name contains `partial` (case-insensitive, no wildcards), by id. */
export function searchSchedules(db: DatabaseSync, partial: string): Schedule[] {
  return toSchedules(
    db,
    prepared(db, "SELECT * FROM schedules WHERE instr(lower(name), lower(?)) > 0 ORDER BY id")
      .all(partial),
  );
}

/**
 * Applies a patch (a given `timeframes` list replaces the old one wholesale)
 * and bumps the version. Returns the updated schedule, or undefined if missing.
 *
 * @throws {Error} a SQLite CHECK violation for an invalid timeframe (nothing is changed).
 */
export function updateSchedule(
  db: DatabaseSync,
  id: number,
  patch: SchedulePatch,
): Schedule | undefined {
  return transaction(db, () => {
    const current = getSchedule(db, id);
    if (!current) return undefined;
    const next = { ...current, ...patch };
    const row = prepared(
      db,
      `UPDATE schedules SET name = ?, description = ?, applies_on_holidays = ?,
         version = version + 1
       WHERE id = ? RETURNING *`,
    ).get(
      next.name,
      next.description,
      next.appliesOnHolidays ? 1 : 0,
      id,
    );
    if (patch.timeframes !== undefined) writeTimeframes(db, id, patch.timeframes);
    return toSchedule(db, row);
  });
}

/** Deletes a schedule (timeframes and mappings cascade). True if a row was deleted. */
export function deleteSchedule(db: DatabaseSync, id: number): boolean {
  return Number(prepared(db, "DELETE FROM schedules WHERE id = ?").run(id).changes) > 0;
}

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
    ).get(scheduleId, mapping.alias ?? "");
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

/**
 * The distinct schedules having a mapping that names this entity directly
 * (e.g. a user's own schedules, not those of their groups), by id.
 */
export function listSchedulesMappedTo(
  db: DatabaseSync,
  kind: MappingTargetKind,
  id: number,
): Schedule[] {
  const { table, column } = MAPPING_TABLES[kind];
  return toSchedules(
    db,
    prepared(
      db,
      `SELECT s.* FROM schedules s WHERE s.id IN (
         SELECT m.schedule_id FROM schedule_mappings m JOIN ${table} t ON t.mapping_id = m.id
         WHERE t.${column} = ?)
       ORDER BY s.id`,
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
