/**
 * The eight `search.*` endpoints (Leosac §6.5). Each takes
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
 * and user_username, `[]` for the others.
 *
 * @module
 */
import { searchAccessPoints } from "../../store/access_points.ts";
import { searchCredentials } from "../../store/credentials.ts";
import { type Device, searchDevices } from "../../store/devices.ts";
import { searchDoors } from "../../store/doors.ts";
import { searchGroups } from "../../store/groups.ts";
import { searchSchedules } from "../../store/schedules.ts";
import { searchUsers } from "../../store/users.ts";
import { searchZones } from "../../store/zones.ts";
import { type Endpoint, endpoint, type RequestContext } from "../context.ts";
import { object, str } from "../validate.ts";

/** Longest accepted `partial_name`. */
const MAX_PARTIAL_NAME_LENGTH = 256;

type Item = Record<string, unknown>;

/** Defines one search endpoint: `find` checks permissions and returns the items. */
function search(
  emptyAsNull: boolean,
  find: (ctx: RequestContext, partial: string) => Item[],
): Endpoint {
  return endpoint(object({ partial_name: str(MAX_PARTIAL_NAME_LENGTH) }), {
    auth: "logged_in",
    handle(ctx, { partial_name }) {
      const items = find(ctx, partial_name);
      return items.length === 0 && emptyAsNull ? null : items;
    },
  });
}

/** The web client's model name of a device (what `findRecord` needs). */
export function hardwareModelName(device: Device): string {
  return device.type === "gpio" ? "libgpiod-gpio" : device.type;
}

/** The search endpoints, by wire name. */
export const SEARCH_ENDPOINTS: Record<string, Endpoint> = {
  "search.group_name": search(false, (ctx, partial) => {
    ctx.require("GROUP_SEARCH");
    const all = ctx.can("GROUP_LIST_ALL");
    return searchGroups(ctx.deps.store.db, partial)
      .filter((g) => all || ctx.can("GROUP_READ", { groupId: g.id }))
      .map((g) => ({ id: g.id, name: g.name }));
  }),

  "search.door_alias": search(false, (ctx, partial) => {
    const all = ctx.can("DOOR_LIST_ALL");
    return searchDoors(ctx.deps.store.db, partial)
      .filter((d) => all || ctx.can("DOOR_READ", { doorId: d.id }))
      .map((d) => ({ id: d.id, alias: d.alias }));
  }),

  "search.credential_alias": search(false, (ctx, partial) => {
    const all = ctx.can("CREDENTIAL_LIST_ALL");
    return searchCredentials(ctx.deps.store.db, partial)
      .filter((c) => all || ctx.can("CREDENTIAL_READ", { credentialId: c.id }))
      .map((c) => ({ id: c.id, alias: c.alias, type: c.type }));
  }),

  "search.schedule_name": search(true, (ctx, partial) => {
    const all = ctx.can("SCHEDULE_LIST_ALL");
    return searchSchedules(ctx.deps.store.db, partial)
      .filter((s) => all || ctx.can("SCHEDULE_READ", { scheduleId: s.id }))
      .map((s) => ({ id: s.id, name: s.name }));
  }),

  "search.zone_alias": search(true, (ctx, partial) => {
    ctx.require("ZONE_READ");
    return searchZones(ctx.deps.store.db, partial).map((z) => ({ id: z.id, alias: z.alias }));
  }),

  "search.access_point_alias": search(false, (ctx, partial) => {
    ctx.require("ACCESS_POINT_READ");
    return searchAccessPoints(ctx.deps.store.db, partial)
      .map((a) => ({ id: a.id, alias: a.alias }));
  }),

  "search.user_username": search(true, (ctx, partial) => {
    ctx.require("USER_SEARCH");
    const all = ctx.can("USER_LIST_ALL");
    return searchUsers(ctx.deps.store.db, partial)
      .filter((u) => all || ctx.can("USER_READ", { userId: u.id, userRank: u.rank }))
      .map((u) => ({ id: u.id, username: u.username }));
  }),

  "search.hardware_name": search(false, (ctx, partial) => {
    ctx.require("HARDWARE_READ");
    return searchDevices(ctx.deps.store.db, partial).map((d) => ({
      id: d.id,
      name: d.name,
      "device-class": d.deviceClass,
      type: hardwareModelName(d),
    }));
  }),
};
