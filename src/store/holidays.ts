/**
 * Holiday repository. A holiday is a calendar date (`YYYY-MM-DD`, local
 * wall-clock date); a recurring one matches the same month-day every year.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { ATTR_POINTER, ValidationError } from "../errors.ts";
import { isDateString, isoDateProblem } from "../policy/calendar.ts";
import { prepared } from "./db.ts";
import { bool, int, rowReader, text } from "./rows.ts";

/** A stored holiday. */
export interface Holiday {
  id: number;
  /** `YYYY-MM-DD`. */
  date: string;
  name: string;
  /** Every year on the same month and day. */
  recurring: boolean;
  /** Bumped by every update (optimistic concurrency). */
  version: number;
}

/** Fields for creating a holiday. */
export interface NewHoliday {
  date: string;
  name?: string;
  /** @default false */
  recurring?: boolean;
}

/** Fields that an update may change; absent fields keep their value. */
export type HolidayPatch = Partial<Omit<Holiday, "id" | "version">>;

const readHoliday = rowReader("holidays", {
  id: int,
  date: text,
  name: text,
  recurring: bool,
  version: int,
});

function toHoliday(raw: unknown): Holiday {
  const row = readHoliday(raw);
  return {
    id: row.id,
    date: row.date,
    name: row.name,
    recurring: row.recurring,
    version: row.version,
  };
}

/** True when `text` is a real calendar date written `YYYY-MM-DD` (the rule: `policy/calendar.ts`). */
export { isDateString };

function checkDate(date: string): string {
  if (!isDateString(date)) {
    const problem = /^\d{4}-\d\d-\d\d$/.test(date) ? isoDateProblem(date) : null;
    throw new ValidationError(
      `Invalid date "${date}": ${problem ?? "expected YYYY-MM-DD"}`,
      ATTR_POINTER + "date",
    );
  }
  return date;
}

/**
 * Inserts a holiday and returns it.
 *
 * @throws {ValidationError} if the date is not a real `YYYY-MM-DD` date (pointer `data/attributes/date`).
 */
export function createHoliday(db: DatabaseSync, holiday: NewHoliday): Holiday {
  const row = prepared(
    db,
    "INSERT INTO holidays (date, name, recurring) VALUES (?, ?, ?) RETURNING *",
  ).all(
    checkDate(holiday.date),
    holiday.name ?? "",
    holiday.recurring ? 1 : 0,
  )[0];
  return toHoliday(row);
}

/** Finds a holiday by id. */
export function getHoliday(db: DatabaseSync, id: number): Holiday | undefined {
  const row = prepared(db, "SELECT * FROM holidays WHERE id = ?").get(id);
  return row && toHoliday(row);
}

/** Lists every holiday, by date then id. */
export function listHolidays(db: DatabaseSync): Holiday[] {
  return (prepared(db, "SELECT * FROM holidays ORDER BY date, id").all())
    .map(toHoliday);
}

/**
 * Applies a patch. Returns the updated holiday, or undefined if missing.
 *
 * @throws {ValidationError} if a new date is not a real `YYYY-MM-DD` date.
 */
export function updateHoliday(
  db: DatabaseSync,
  id: number,
  patch: HolidayPatch,
): Holiday | undefined {
  const current = getHoliday(db, id);
  if (!current) return undefined;
  const next = { ...current, ...patch };
  const row = prepared(
    db,
    "UPDATE holidays SET date = ?, name = ?, recurring = ?, version = version + 1 WHERE id = ? RETURNING *",
  ).all(checkDate(next.date), next.name, next.recurring ? 1 : 0, id)[0];
  return toHoliday(row);
}

/** Deletes a holiday. True if a row was deleted. */
export function deleteHoliday(db: DatabaseSync, id: number): boolean {
  return Number(prepared(db, "DELETE FROM holidays WHERE id = ?").run(id).changes) > 0;
}

/**
 * True when `date` (`YYYY-MM-DD`) is a holiday: a holiday on that exact date,
 * or a recurring holiday on the same month and day. A malformed date is never a holiday.
 */
export function isHoliday(db: DatabaseSync, date: string): boolean {
  if (!isDateString(date)) return false;
  const row = prepared(
    db,
    `SELECT 1 AS hit FROM holidays
     WHERE date = ? OR (recurring = 1 AND substr(date, 6) = substr(?, 6)) LIMIT 1`,
  ).get(date, date);
  return row !== undefined;
}
