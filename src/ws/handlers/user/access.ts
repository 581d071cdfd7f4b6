/**
 * `user.access` (ours, a documented extension Leosac clients can ignore): the
 * doors one person can open and why, so that every grant is visible where the
 * person is shown: for each door, the schedule mapping that opens it and the
 * way it reaches the person (named directly, through a group membership and
 * its rank, or through a card or PIN the mapping names).
 *
 * Coverage follows the access engine's rule (`src/policy/coverage.ts`): a
 * mapping covers the doors it names, the doors inside the zones it names, or
 * every door when it names neither. Schedule timeframes and validity are not
 * applied: the reply says which doors, the schedule's page says when.
 *
 * Who may ask (USER_ACCESS): the person themselves (a rank-0 user sees their
 * own doors), or viewer rank and up.
 *
 * Reply: `{data: [{door_id, door_alias, schedule_id, schedule_name,
 * mapping_id, mapping_alias, via, group_id?, group_name?, group_rank?,
 * credential_id?, credential_alias?}]}`, ordered by door then schedule;
 * `via` is `"user"`, `"group"` or `"credential"`.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { mappingCoversDoor } from "../../../policy/coverage.ts";
import { listCredentialsOfUser } from "../../../store/credentials.ts";
import { listDoors } from "../../../store/doors.ts";
import { getGroup } from "../../../store/groups.ts";
import { listMembershipsOfUser } from "../../../store/memberships.ts";
import { listMappingsMappedTo, type ScheduleMapping } from "../../../store/schedule_mappings.ts";
import { getSchedule } from "../../../store/schedules.ts";
import { zonesContainingDoor } from "../../../store/zones.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { findUser } from "./_user.ts";

/** One door a person can open, and the mapping that opens it. */
export interface DoorGrant {
  door_id: number;
  door_alias: string;
  schedule_id: number;
  schedule_name: string;
  mapping_id: number;
  mapping_alias: string;
  via: "user" | "group" | "credential";
  group_id?: number;
  group_name?: string;
  group_rank?: number;
  credential_id?: number;
  credential_alias?: string;
}

type Reach = Pick<
  DoorGrant,
  "via" | "group_id" | "group_name" | "group_rank" | "credential_id" | "credential_alias"
>;

/** The doors `userId` can open through schedule mappings, with the reason for each. */
export function userAccess(db: DatabaseSync, userId: number): DoorGrant[] {
  const reaches: [ScheduleMapping, Reach][] = [];
  for (const mapping of listMappingsMappedTo(db, "user", userId)) {
    reaches.push([mapping, { via: "user" }]);
  }
  for (const membership of listMembershipsOfUser(db, userId)) {
    const group = getGroup(db, membership.groupId);
    for (const mapping of listMappingsMappedTo(db, "group", membership.groupId)) {
      reaches.push([mapping, {
        via: "group",
        group_id: membership.groupId,
        group_name: group?.name ?? "",
        group_rank: membership.rank,
      }]);
    }
  }
  for (const credential of listCredentialsOfUser(db, userId)) {
    for (const mapping of listMappingsMappedTo(db, "credential", credential.id)) {
      reaches.push([mapping, {
        via: "credential",
        credential_id: credential.id,
        credential_alias: credential.alias,
      }]);
    }
  }
  if (reaches.length === 0) return [];
  const grants: DoorGrant[] = [];
  const scheduleNames = new Map<number, string>();
  for (const door of listDoors(db)) {
    let zones: Set<number> | null = null;
    for (const [mapping, reach] of reaches) {
      zones ??= new Set(zonesContainingDoor(db, door.id).map((z) => z.id));
      if (!mappingCoversDoor(mapping, door.id, zones)) continue;
      if (!scheduleNames.has(mapping.scheduleId)) {
        scheduleNames.set(mapping.scheduleId, getSchedule(db, mapping.scheduleId)?.name ?? "");
      }
      grants.push({
        door_id: door.id,
        door_alias: door.alias,
        schedule_id: mapping.scheduleId,
        schedule_name: scheduleNames.get(mapping.scheduleId) ?? "",
        mapping_id: mapping.id,
        mapping_alias: mapping.alias,
        ...reach,
      });
    }
  }
  return grants.sort((a, b) => a.door_id - b.door_id || a.schedule_id - b.schedule_id);
}

/** The request content. */
const decode = object({ user_id: id });

/** The declaration. */
export const userAccessEndpoint = defineEndpoint({
  names: ["user.access"],
  session: "required",
  permission: { action: "USER_ACCESS", byHandler: true },
  access: "read",
  audit: "failures",
  wiring: false,
  decode,
  handle(ctx, { user_id }) {
    const db = ctx.store.db;
    ctx.require("USER_ACCESS", { userId: user_id });
    return { data: userAccess(db, findUser(db, user_id).id) };
  },
});
