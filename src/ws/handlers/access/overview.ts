/**
 * `access_overview` (Leosac §6.3): for every door, the users some schedule
 * mapping gives access to it. Needs ACCESS_OVERVIEW (viewer rank and up).
 *
 * A mapping concerns a door when it names the door, names a zone that
 * contains the door (directly or through child zones), or names neither
 * doors nor zones (which the access engine reads as "every door"). Leosac
 * 0.8 counted only mappings naming the door itself; we follow the engine so
 * the overview shows who can really get in. A mapping's users are the users
 * it names, the members of the groups it names, and the owners of the
 * credentials it names. Schedule timeframes and validity are ignored, as in
 * Leosac.
 *
 * Reply: `[{"door_id": int, "user_ids": [int, …]}]` by door id with sorted
 * user ids, or `null` when there is no door (Leosac's quirk).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { getCredential } from "../../../store/credentials.ts";
import { listDoors } from "../../../store/doors.ts";
import { listMembershipsOfGroup } from "../../../store/memberships.ts";
import {
  listMappingsOfSchedule,
  listSchedules,
  type ScheduleMapping,
} from "../../../store/schedules.ts";
import { zonesContainingDoor } from "../../../store/zones.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { ignored } from "../../validate.ts";

/** One row of the overview. */
export interface DoorAccess {
  door_id: number;
  user_ids: number[];
}

function mappingUsers(db: DatabaseSync, mapping: ScheduleMapping): number[] {
  const users = new Set(mapping.userIds);
  for (const groupId of mapping.groupIds) {
    for (const m of listMembershipsOfGroup(db, groupId)) users.add(m.userId);
  }
  for (const credentialId of mapping.credentialIds) {
    const ownerId = getCredential(db, credentialId)?.ownerId ?? null;
    if (ownerId !== null) users.add(ownerId);
  }
  return [...users];
}

function concernsDoor(mapping: ScheduleMapping, doorId: number, zoneIds: Set<number>): boolean {
  if (mapping.doorIds.length === 0 && mapping.zoneIds.length === 0) return true;
  return mapping.doorIds.includes(doorId) || mapping.zoneIds.some((z) => zoneIds.has(z));
}

/** Computes the overview; null when there is no door. */
export function accessOverview(db: DatabaseSync): DoorAccess[] | null {
  const doors = listDoors(db);
  if (doors.length === 0) return null;
  const mappings = listSchedules(db).flatMap((s) => listMappingsOfSchedule(db, s.id))
    .map((mapping) => ({ mapping, users: mappingUsers(db, mapping) }));
  return doors.map((door) => {
    const zoneIds = new Set(zonesContainingDoor(db, door.id).map((z) => z.id));
    const users = new Set<number>();
    for (const { mapping, users: ids } of mappings) {
      if (concernsDoor(mapping, door.id, zoneIds)) { for (const u of ids) users.add(u); }
    }
    return { door_id: door.id, user_ids: [...users].sort((a, b) => a - b) };
  });
}

/** The declaration. */
export const accessOverviewEndpoint = defineEndpoint({
  names: ["access_overview"],
  session: "required",
  permission: { action: "ACCESS_OVERVIEW" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: ignored,
  handle: (ctx) => accessOverview(ctx.store.db),
});
