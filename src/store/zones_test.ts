import assert from "node:assert/strict";
import { openTempDatabase } from "./_test_db.ts";
import { isCheckViolation, isForeignKeyViolation } from "./constraint.ts";
import { createDoor } from "./doors.ts";
import { createMapping, createSchedule, getMapping } from "./schedules.ts";
import {
  type AntipassbackMode,
  createZone,
  deleteZone,
  getZone,
  listParentZones,
  listZones,
  searchZones,
  updateZone,
  ZONE_TYPE,
  zonesContainingDoor,
  type ZoneType,
} from "./zones.ts";

Deno.test("createZone() applies the defaults (logical, no anti-passback, no links)", () => {
  using t = openTempDatabase();
  const zone = createZone(t.db, { alias: "Lobby" });
  assert.deepEqual(zone, {
    id: 1,
    alias: "Lobby",
    description: "",
    type: ZONE_TYPE.LOGICAL,
    antipassback: "off",
    antipassbackResetS: 0,
    childIds: [],
    doorIds: [],
    version: 1,
  });
  assert.deepEqual(getZone(t.db, zone.id), zone);
  assert.equal(getZone(t.db, 99), undefined);
});

Deno.test("createZone() stores children and doors", () => {
  using t = openTempDatabase();
  const d1 = createDoor(t.db);
  const d2 = createDoor(t.db);
  const child = createZone(t.db, { alias: "room" });
  const zone = createZone(t.db, {
    alias: "floor",
    type: ZONE_TYPE.PHYSICAL,
    antipassback: "hard",
    antipassbackResetS: 3600,
    childIds: [child.id],
    doorIds: [d2.id, d1.id, d2.id],
  });
  assert.deepEqual(zone.childIds, [child.id]);
  assert.deepEqual(zone.doorIds, [d1.id, d2.id]);
  assert.equal(zone.antipassback, "hard");
  assert.deepEqual(getZone(t.db, zone.id), zone);
});

Deno.test("createZone() rejects unknown links and invalid values, creating nothing", () => {
  using t = openTempDatabase();
  assert.throws(() => createZone(t.db, { doorIds: [42] }), isForeignKeyViolation);
  assert.throws(() => createZone(t.db, { childIds: [42] }), isForeignKeyViolation);
  assert.throws(() => createZone(t.db, { type: 2 as ZoneType }), isCheckViolation);
  assert.throws(
    () => createZone(t.db, { antipassback: "strict" as AntipassbackMode }),
    isCheckViolation,
  );
  assert.deepEqual(listZones(t.db), []);
});

Deno.test("updateZone() patches fields and replaces given link lists wholesale", () => {
  using t = openTempDatabase();
  const d1 = createDoor(t.db);
  const d2 = createDoor(t.db);
  const c1 = createZone(t.db);
  const c2 = createZone(t.db);
  const zone = createZone(t.db, { alias: "z", childIds: [c1.id], doorIds: [d1.id] });
  const renamed = updateZone(t.db, zone.id, { alias: "zz", antipassback: "soft" });
  assert.deepEqual(renamed, { ...zone, alias: "zz", antipassback: "soft", version: 2 });
  const relinked = updateZone(t.db, zone.id, { childIds: [c2.id], doorIds: [d2.id] });
  assert.deepEqual(relinked?.childIds, [c2.id]);
  assert.deepEqual(relinked?.doorIds, [d2.id]);
  assert.deepEqual(updateZone(t.db, zone.id, { doorIds: [] })?.childIds, [c2.id]);
  assert.equal(updateZone(t.db, 99, { alias: "x" }), undefined);
});

Deno.test("updateZone() changes nothing when a link is unknown", () => {
  using t = openTempDatabase();
  const d1 = createDoor(t.db);
  const zone = createZone(t.db, { alias: "z", doorIds: [d1.id] });
  assert.throws(
    () => updateZone(t.db, zone.id, { alias: "new", doorIds: [d1.id, 42] }),
    isForeignKeyViolation,
  );
  assert.deepEqual(getZone(t.db, zone.id), zone);
});

Deno.test("listParentZones() lists the zones that contain a zone directly", () => {
  using t = openTempDatabase();
  const child = createZone(t.db, { alias: "room" });
  const a = createZone(t.db, { alias: "a", childIds: [child.id] });
  createZone(t.db, { alias: "b" });
  const c = createZone(t.db, { alias: "c", childIds: [child.id] });
  assert.deepEqual(listParentZones(t.db, child.id).map((z) => z.id), [a.id, c.id]);
  assert.deepEqual(listParentZones(t.db, a.id), []);
});

Deno.test("zonesContainingDoor() follows every ancestor chain", () => {
  using t = openTempDatabase();
  const door = createDoor(t.db);
  const other = createDoor(t.db);
  const room = createZone(t.db, { alias: "room", doorIds: [door.id] });
  const floor = createZone(t.db, { alias: "floor", childIds: [room.id] });
  const building = createZone(t.db, { alias: "building", childIds: [floor.id] });
  const logical = createZone(t.db, { alias: "secure", childIds: [room.id] });
  createZone(t.db, { alias: "elsewhere", doorIds: [other.id] });
  const direct = createZone(t.db, { alias: "direct", doorIds: [door.id] });
  assert.deepEqual(
    zonesContainingDoor(t.db, door.id).map((z) => z.alias),
    [room, floor, building, logical, direct].map((z) => z.alias),
  );
  assert.deepEqual(zonesContainingDoor(t.db, 99), []);
  assert.equal(building.id > floor.id, true);
});

Deno.test("zonesContainingDoor() terminates on a cyclic graph", () => {
  using t = openTempDatabase();
  const door = createDoor(t.db);
  const a = createZone(t.db, { doorIds: [door.id] });
  const b = createZone(t.db, { childIds: [a.id] });
  updateZone(t.db, a.id, { childIds: [b.id] });
  assert.deepEqual(zonesContainingDoor(t.db, door.id).map((z) => z.id), [a.id, b.id]);
});

Deno.test("deleteZone() removes its links and mapping rows", () => {
  using t = openTempDatabase();
  const door = createDoor(t.db);
  const child = createZone(t.db);
  const zone = createZone(t.db, { childIds: [child.id], doorIds: [door.id] });
  const parent = createZone(t.db, { childIds: [zone.id] });
  const schedule = createSchedule(t.db, { name: "s" });
  const mapping = createMapping(t.db, schedule.id, { zoneIds: [zone.id] });
  assert.equal(deleteZone(t.db, zone.id), true);
  assert.equal(deleteZone(t.db, zone.id), false);
  assert.deepEqual(getZone(t.db, parent.id)?.childIds, []);
  assert.deepEqual(listParentZones(t.db, child.id), []);
  assert.deepEqual(zonesContainingDoor(t.db, door.id), []);
  assert.deepEqual(getMapping(t.db, mapping.id)?.zoneIds, []);
});

Deno.test("searchZones() matches a case-insensitive substring of the alias", () => {
  using t = openTempDatabase();
  createZone(t.db, { alias: "North Wing" });
  createZone(t.db, { alias: "south wing" });
  createZone(t.db, { alias: "Lab" });
  assert.deepEqual(searchZones(t.db, "WING").map((z) => z.alias), ["North Wing", "south wing"]);
  assert.deepEqual(searchZones(t.db, "%"), []);
});
