/**
 * Wire formats shared by the endpoints: Leosac dates, JSON:API resource
 * identifiers and the user document.
 *
 * @module
 */
import { ValidationError } from "../errors.ts";
import type { User } from "../store/users.ts";
import type { Validity } from "../policy/validity.ts";
import { isoDateProblem } from "../policy/calendar.ts";

/** Leosac's "unbounded" dates as it prints them. */
export const DATE_MIN = "1677-09-21T00:12:43.145224192+0000";
/** Leosac's "unbounded" end date. */
export const DATE_MAX = "2262-04-11T23:47:16.854775807+0000";

/** Formats Unix ms as Leosac does: `2017-01-01T00:00:00.000000000+0000` (UTC). */
export function formatDate(ms: number | null, unbounded: "min" | "max" = "min"): string {
  if (ms === null) return unbounded === "min" ? DATE_MIN : DATE_MAX;
  const iso = new Date(ms).toISOString(); // 2017-01-01T00:00:00.000Z
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000000+0000`;
}

/**
 * The bounds of the web client's `utc` transform: it clamps every date it
 * reads to [1800-01-01, 2100-01-01] and sends the clamped value back on save,
 * so our unbounded dates come back as these.
 */
const CLIENT_MIN_MS = Date.UTC(1800, 0, 1);
const CLIENT_MAX_MS = Date.UTC(2100, 0, 1);

/**
 * Parses a client date: `2017-01-01T00:00:00Z` (what the web client sends),
 * any ISO-8601 string with a zone, or Leosac's own output format. Leosac's
 * unbounded dates, `null` and `""` mean unbounded, and so does the web
 * client's clamp for that side of the range: a start (`"min"`) at or before
 * 1800-01-01 or an end (`"max"`) at or after 2100-01-01.
 *
 * @throws {ValidationError} naming `pointer` when the text is not a date, or
 * names one that does not exist (`2025-02-29`, `2026-04-31`, month 13, hour
 * 24, minute or second 60: see `src/policy/calendar.ts`).
 */
export function parseDate(
  value: unknown,
  pointer: string,
  unbounded?: "min" | "max",
): number | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value !== "string" || value.length > 64) {
    throw new ValidationError("Invalid date.", pointer);
  }
  if (value === DATE_MIN || value === DATE_MAX) return null;
  const leosac = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?([+-]\d{2}):?(\d{2})$/.exec(
    value,
  );
  const text = leosac
    ? `${leosac[1]}.${(leosac[2] ?? "0").padEnd(3, "0").slice(0, 3)}${leosac[3]}:${leosac[4]}`
    : value;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(text)) {
    throw new ValidationError("Invalid date: expected YYYY-MM-DDTHH:MM:SSZ.", pointer);
  }
  const problem = isoDateProblem(text); // Date.parse would roll 2026-02-30 over to March
  if (problem !== null) throw new ValidationError(`Invalid date: ${problem}.`, pointer);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ValidationError("Invalid date.", pointer);
  if (unbounded === "min" && ms <= CLIENT_MIN_MS) return null;
  if (unbounded === "max" && ms >= CLIENT_MAX_MS) return null;
  return ms;
}

/** A JSON:API resource identifier. */
export interface ResourceId {
  id: number | string;
  type: string;
}

/** A to-many relationship; Leosac sends `{data: null}` when empty for some types. */
export function toMany(ids: ResourceId[], emptyAsNull: boolean): { data: ResourceId[] | null } {
  return { data: ids.length === 0 && emptyAsNull ? null : ids };
}

/** The validity attributes of users and credentials. */
export function validityAttributes(validity: Validity): Record<string, unknown> {
  return {
    "validity-enabled": validity.enabled,
    "validity-start": formatDate(validity.start, "min"),
    "validity-end": formatDate(validity.end, "max"),
  };
}

/** A user without secrets, for audit snapshots. */
export function userSnapshot(user: User): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    firstname: user.firstname,
    lastname: user.lastname,
    email: user.email,
    rank: user.rank,
    validity_enabled: user.validity.enabled,
    validity_start: user.validity.start,
    validity_end: user.validity.end,
    version: user.version,
  };
}
