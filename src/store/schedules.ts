/**
 * Schedule repository: schedules and their ordered timeframes. Their
 * mappings live in `schedule_mappings.ts` (re-exported here).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { prepared, transaction } from "./db.ts";
import { bool, int, rowReader, text } from "./rows.ts";
import { MAPPING_TABLES, type MappingTargetKind } from "./schedule_mappings.ts";

export * from "./schedule_mappings.ts";

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
    ).all(
      schedule.name,
      schedule.description ?? "",
      schedule.appliesOnHolidays ? 1 : 0,
    )[0];
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
    ).all(
      next.name,
      next.description,
      next.appliesOnHolidays ? 1 : 0,
      id,
    )[0];
    if (patch.timeframes !== undefined) writeTimeframes(db, id, patch.timeframes);
    return toSchedule(db, row);
  });
}

/** Deletes a schedule (timeframes and mappings cascade). True if a row was deleted. */
export function deleteSchedule(db: DatabaseSync, id: number): boolean {
  return Number(prepared(db, "DELETE FROM schedules WHERE id = ?").run(id).changes) > 0;
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
