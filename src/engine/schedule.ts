/**
 * Weekly time windows, holidays and local-time conversion. Pure: the current
 * time and the time zone are always parameters.
 *
 * @module
 */
import type { LocalDateTime, LocalTime, Schedule, Timeframe } from "./types.ts";

const MS_PER_MINUTE = 60_000;
const MINUTES_PER_DAY = 1440;

/**
 * Gives the offset of local time from UTC, in minutes (positive east of
 * Greenwich, e.g. 60 for Paris in winter), at a given instant.
 */
export type TimeZoneOffsetProvider = (utcMs: number) => number;

/** A holiday row: a `YYYY-MM-DD` date, every year on that month-day when `recurring`. */
export interface Holiday {
  /** `YYYY-MM-DD` (`holidays.date`). */
  date: string;
  /** Repeats every year on the same month and day (`holidays.recurring`). */
  recurring: boolean;
}

/**
 * Tells whether a local time falls inside any of the timeframes. Minute
 * resolution; start and end are inclusive. A frame whose end is before its
 * start crosses midnight: it covers its day from start to 23:59 and the next
 * day from 00:00 to end (Sunday wraps to Monday).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isWithinTimeframes } from "./schedule.ts";
 * // Sunday 22:00 → Monday 06:00
 * const night = [{ day: 6, startMinute: 22 * 60, endMinute: 6 * 60 }];
 * assert.ok(isWithinTimeframes(night, { day: 0, minute: 5 * 60 }));
 * ```
 */
export function isWithinTimeframes(
  timeframes: readonly Timeframe[],
  local: LocalTime,
): boolean {
  return timeframes.some((frame) => isWithinTimeframe(frame, local));
}

function isWithinTimeframe(frame: Timeframe, local: LocalTime): boolean {
  if (frame.startMinute <= frame.endMinute) {
    return local.day === frame.day && local.minute >= frame.startMinute &&
      local.minute <= frame.endMinute;
  }
  if (local.day === frame.day) return local.minute >= frame.startMinute;
  return local.day === (frame.day + 1) % 7 && local.minute <= frame.endMinute;
}

/**
 * Tells whether a schedule is active: a holiday suspends it unless it
 * `appliesOnHolidays`; otherwise one of its timeframes must contain `local`.
 *
 * The holiday flag is for the current local date, also for the after-midnight
 * part of a frame that started the day before.
 */
export function isScheduleActive(
  schedule: Schedule,
  local: LocalTime,
  isHoliday: boolean,
): boolean {
  if (isHoliday && !schedule.appliesOnHolidays) return false;
  return isWithinTimeframes(schedule.timeframes, local);
}

/**
 * Tells whether a local date (`YYYY-MM-DD`) is a holiday: an exact date match,
 * or a recurring holiday on the same month and day of any year (a recurring
 * 29 February only matches leap years).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isHolidayDate } from "./schedule.ts";
 * const holidays = [{ date: "2020-12-25", recurring: true }];
 * assert.ok(isHolidayDate(holidays, "2026-12-25"));
 * ```
 */
export function isHolidayDate(holidays: readonly Holiday[], date: string): boolean {
  const monthDay = date.slice(5);
  return holidays.some((holiday) =>
    holiday.date === date || (holiday.recurring && holiday.date.slice(5) === monthDay)
  );
}

/**
 * Converts an instant to local wall-clock time.
 *
 * @param utcMs Unix milliseconds.
 * @param offset A fixed offset from UTC in minutes (positive east), or a
 *   provider such as `intlOffsetProvider("Europe/Paris")` or
 *   `systemOffsetProvider`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { localTimeOf } from "./schedule.ts";
 * // 2026-01-05 is a Monday; 23:30 UTC is 00:30 on Tuesday in UTC+1.
 * const local = localTimeOf(Date.UTC(2026, 0, 5, 23, 30), 60);
 * assert.ok(local.day === 1 && local.minute === 30 && local.date === "2026-01-06");
 * ```
 */
export function localTimeOf(
  utcMs: number,
  offset: number | TimeZoneOffsetProvider,
): LocalDateTime {
  const offsetMinutes = typeof offset === "number" ? offset : offset(utcMs);
  const shifted = new Date(utcMs + offsetMinutes * MS_PER_MINUTE);
  const year = String(shifted.getUTCFullYear()).padStart(4, "0");
  const month = String(shifted.getUTCMonth() + 1).padStart(2, "0");
  const dayOfMonth = String(shifted.getUTCDate()).padStart(2, "0");
  return {
    date: `${year}-${month}-${dayOfMonth}`,
    day: (shifted.getUTCDay() + 6) % 7,
    minute: (shifted.getUTCHours() * 60 + shifted.getUTCMinutes()) % MINUTES_PER_DAY,
  };
}

/**
 * The offset of the process's own time zone (what `localtime` gives Leosac),
 * from `Date.prototype.getTimezoneOffset`.
 */
export function systemOffsetProvider(utcMs: number): number {
  const offset = -new Date(utcMs).getTimezoneOffset();
  return offset === 0 ? 0 : offset;
}

/**
 * Makes an offset provider for an IANA time zone, through `Intl`.
 *
 * @throws {RangeError} When the time zone is unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { intlOffsetProvider } from "./schedule.ts";
 * const paris = intlOffsetProvider("Europe/Paris");
 * assert.ok(paris(Date.UTC(2026, 6, 1)) === 120);
 * ```
 */
export function intlOffsetProvider(timeZone: string): TimeZoneOffsetProvider {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  return function offsetOf(utcMs: number): number {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(utcMs))) {
      if (part.type !== "literal") parts[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(
      parts["year"] ?? 1970,
      (parts["month"] ?? 1) - 1,
      parts["day"] ?? 1,
      parts["hour"] ?? 0,
      parts["minute"] ?? 0,
      parts["second"] ?? 0,
    );
    const wholeSecondMs = Math.floor(utcMs / 1000) * 1000;
    return Math.round((asUtc - wholeSecondMs) / MS_PER_MINUTE);
  };
}
