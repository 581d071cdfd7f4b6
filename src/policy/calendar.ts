/**
 * The calendar rule: which dates and times exist. One home for every date
 * the controller reads (the API's validity dates through `parseDate` in
 * `src/ws/serialize.ts`, holiday dates in `src/store/holidays.ts`), so that
 * an impossible date is refused instead of rolled over (`Date.parse` reads
 * 2026-02-30 as 2026-03-02). Proleptic Gregorian calendar, as ISO 8601 and
 * `Date` use. Pure: no store, no clock.
 *
 * @module
 */

const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

/** True for a Gregorian leap year (divisible by 4, centuries only when divisible by 400). */
export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** The number of days of `month` (1–12) in `year`. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The fields of a wall-clock date and time (month 1–12). */
export interface DateTimeFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** @default 0 */
  readonly hour?: number;
  /** @default 0 */
  readonly minute?: number;
  /** @default 0 */
  readonly second?: number;
}

function outOfRange(unit: string, value: number, max: number): string {
  return `${unit} ${value} does not exist (${unit}s go from 0 to ${max})`;
}

/**
 * Why these fields are not a real date and time, as a phrase for a person
 * (`"February 2025 has no day 29"`), or null when they are one. Months are
 * 1–12, days within their month (leap years included), hours 0–23, minutes
 * and seconds 0–59 (no leap second).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calendarProblem } from "./calendar.ts";
 * assert.equal(calendarProblem({ year: 2024, month: 2, day: 29 }), null);
 * assert.equal(calendarProblem({ year: 2025, month: 2, day: 29 }), "February 2025 has no day 29");
 * assert.equal(calendarProblem({ year: 2025, month: 13, day: 1 }), "month 13 does not exist (months go from 1 to 12)");
 * ```
 */
export function calendarProblem(fields: DateTimeFields): string | null {
  const { year, month, day, hour = 0, minute = 0, second = 0 } = fields;
  for (const value of [year, month, day, hour, minute, second]) {
    if (!Number.isInteger(value)) return `${value} is not a whole number`;
  }
  if (month < 1 || month > 12) return `month ${month} does not exist (months go from 1 to 12)`;
  if (day < 1 || day > daysInMonth(year, month)) {
    return `${MONTH_NAMES[month - 1]} ${year} has no day ${day}`;
  }
  if (hour < 0 || hour > 23) return outOfRange("hour", hour, 23);
  if (minute < 0 || minute > 59) return outOfRange("minute", minute, 59);
  if (second < 0 || second > 59) return outOfRange("second", second, 59);
  return null;
}

const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d))?)?/;

/**
 * Why the calendar part of an ISO-8601 text (`YYYY-MM-DD`, optionally
 * followed by `THH:MM` or `THH:MM:SS` and anything after) is not real, or
 * null when it is, or when the text does not start that way (its shape is
 * the caller's check).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isoDateProblem } from "./calendar.ts";
 * assert.equal(isoDateProblem("2026-04-31T00:00:00Z"), "April 2026 has no day 31");
 * assert.equal(isoDateProblem("2026-04-30T23:59:59Z"), null);
 * ```
 */
export function isoDateProblem(text: string): string | null {
  const match = DATE_TIME.exec(text);
  if (!match) return null;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match.slice(1).map((
    part,
  ) => Number(part ?? 0));
  return calendarProblem({ year, month, day, hour, minute, second });
}

/**
 * True when `text` is a real calendar date written `YYYY-MM-DD`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDateString } from "./calendar.ts";
 * assert.ok(isDateString("2024-02-29"));
 * assert.ok(!isDateString("2023-02-29"));
 * assert.ok(!isDateString("2024-2-29"));
 * ```
 */
export function isDateString(text: string): boolean {
  return /^\d{4}-\d\d-\d\d$/.test(text) && isoDateProblem(text) === null;
}
