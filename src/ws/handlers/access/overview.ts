/**
 * `access_overview` (Leosac §6.3): for every door, the users some schedule
 * mapping gives access to it. Needs ACCESS_OVERVIEW (viewer rank and up).
 *
 * Which doors and users a mapping reaches is the policy's rule
 * (`src/policy/coverage.ts`): a door it names, a door inside a zone it names
 * (through parent zones), or every door when it names neither; the users it
 * names, the members of its groups, the owners of its credentials. Leosac 0.8
 * counted only mappings naming the door itself; we follow the access engine
 * so the overview shows who can really get in. Schedule timeframes and
 * validity are ignored, as in Leosac.
 *
 * Reply: `[{"door_id": int, "user_ids": [int, …]}]` by door id with sorted
 * user ids, or `null` when there is no door (Leosac's quirk).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { mappingCoversDoor, usersByMapping } from "../../../policy/coverage.ts";
import { listDoors } from "../../../store/doors.ts";
import { listMappingsOfSchedule, listSchedules } from "../../../store/schedules.ts";
import { zonesContainingDoor } from "../../../store/zones.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { ignored } from "../../validate.ts";

/** One row of the overview. */
export interface DoorAccess {
  door_id: number;
  user_ids: number[];
}

/** Computes the overview; null when there is no door. */
export function accessOverview(db: DatabaseSync): DoorAccess[] | null {
  const doors = listDoors(db);
  if (doors.length === 0) return null;
  const usersOf = usersByMapping(db);
  const mappings = listSchedules(db).flatMap((s) => listMappingsOfSchedule(db, s.id));
  return doors.map((door) => {
    const zoneIds = new Set(zonesContainingDoor(db, door.id).map((z) => z.id));
    const users = new Set<number>();
    for (const mapping of mappings) {
      if (!mappingCoversDoor(mapping, door.id, zoneIds)) continue;
      for (const u of usersOf.get(mapping.id) ?? []) users.add(u);
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
