import assert from "node:assert/strict";
import { openTempDatabase } from "../store/_test_db.ts";
import { createDoor } from "../store/doors.ts";
import { createMapping, createSchedule } from "../store/schedules.ts";
import { createUser } from "../store/users.ts";
import { createZone, updateZone } from "../store/zones.ts";
import { createGroup } from "../store/groups.ts";
import { createMembership } from "../store/memberships.ts";
import { sqlRelations } from "./permissions.ts";

Deno.test("sqlRelations().doorMappedTo() follows the access engine: door, zone ancestors, all doors", () => {
  using t = openTempDatabase();
  const db = t.db;
  const alice = createUser(db, { username: "alice" });
  const bob = createUser(db, { username: "bob" });
  const carol = createUser(db, { username: "carol" });
  const door = createDoor(db, { alias: "front" });
  const other = createDoor(db, { alias: "back" });
  const inner = createZone(db, { alias: "inner" });
  const outer = createZone(db, { alias: "outer" });
  updateZone(db, inner.id, { doorIds: [door.id] });
  updateZone(db, outer.id, { childIds: [inner.id] });
  const schedule = createSchedule(db, { name: "always" });
  // alice: through the outer zone (a parent of the zone holding the door).
  createMapping(db, schedule.id, { userIds: [alice.id], zoneIds: [outer.id] });
  // bob: through a group, on a mapping with no door and no zone ("every door").
  const group = createGroup(db, { name: "staff" });
  createMembership(db, { userId: bob.id, groupId: group.id, timestamp: 0 });
  createMapping(db, schedule.id, { groupIds: [group.id] });
  // carol: the other door only.
  createMapping(db, schedule.id, { userIds: [carol.id], doorIds: [other.id] });
  const rel = sqlRelations(db);
  assert.equal(rel.doorMappedTo(alice.id, door.id), true);
  assert.equal(rel.doorMappedTo(alice.id, other.id), false);
  assert.equal(rel.doorMappedTo(bob.id, door.id), true);
  assert.equal(rel.doorMappedTo(bob.id, other.id), true);
  assert.equal(rel.doorMappedTo(carol.id, door.id), false);
  assert.equal(rel.doorMappedTo(carol.id, other.id), true);
});
