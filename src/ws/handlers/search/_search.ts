/**
 * What the eight `search.*` endpoints (Leosac §6.5) share. Each takes
 * `{"partial_name": string}` (missing or not a string: status 1) and returns
 * the items whose name or alias contains it.
 *
 * Differences from Leosac 0.8, on purpose:
 * - matching is a case-insensitive (ASCII) substring test in which `%` and
 *   `_` are ordinary characters (Leosac used `LIKE`, so they were wildcards,
 *   and was only partly case-insensitive);
 * - results are filtered to what the caller may read: groups the caller may
 *   read, doors mapped to the caller, the caller's own credentials, schedules
 *   mapped to the caller, users visible to the caller (Leosac returned every
 *   door, credential and schedule to any logged-in user);
 * - zones and access points need viewer rank (ZONE_READ / ACCESS_POINT_READ),
 *   users USER_SEARCH (viewer), hardware HARDWARE_READ (Leosac: manager,
 *   manager, admin, admin);
 * - `search.hardware_name` is sorted by name (ids are random UUIDs), and its
 *   `type` is the web client's model name (`libgpiod-gpio` for GPIOs).
 *
 * Empty results keep Leosac's quirk: `null` for schedule_name, zone_alias
 * and user_username, `[]` for the others ({@linkcode orNull}).
 *
 * @module
 */
import { object, str } from "../../validate.ts";

/** Longest accepted `partial_name`. */
const MAX_PARTIAL_NAME_LENGTH = 256;

/** The request content of every search. */
export const partialNameRequest = object({ partial_name: str(MAX_PARTIAL_NAME_LENGTH) });

/** One found item. */
export type Item = Record<string, unknown>;

/** Leosac's quirk for some searches: no result is `null`. */
export function orNull(items: Item[]): Item[] | null {
  return items.length === 0 ? null : items;
}
