import assert from "node:assert/strict";
import { openTempDatabase } from "./_test_db.ts";
import { createAccessPoint, deleteAccessPoint } from "./access_points.ts";
import { isCheckViolation, isForeignKeyViolation, isUniqueViolation } from "./constraint.ts";
import { createDevice, deleteDevice } from "./devices.ts";
import {
  createDoor,
  deleteDoor,
  type DoorMode,
  getDoor,
  getDoorByAccessPoint,
  listDoors,
  searchDoors,
  setDoorMode,
  updateDoor,
} from "./doors.ts";
import { createSchedule, deleteSchedule } from "./schedules.ts";
import { createZone, getZone } from "./zones.ts";

Deno.test("createDoor() applies the schema defaults", () => {
  using t = openTempDatabase();
  const door = createDoor(t.db, { alias: "Front" });
  assert.deepEqual(door, {
    id: 1,
    alias: "Front",
    description: "",
    accessPointId: null,
    mode: "normal",
    strikeGpioId: null,
    contactGpioId: null,
    rexGpioId: null,
    unlockMs: 5000,
    heldOpenMs: 30000,
    unlockScheduleId: null,
    unlockAfterFirstCard: false,
    version: 1,
    controller: null,
  });
  assert.deepEqual(getDoor(t.db, door.id), door);
  assert.equal(getDoor(t.db, 99), undefined);
  assert.equal(createDoor(t.db).alias, "");
});

Deno.test("createDoor() stores links to an access point, GPIOs and a schedule", () => {
  using t = openTempDatabase();
  const ap = createAccessPoint(t.db, { alias: "reader" });
  const strike = createDevice(t.db, { name: "strike", type: "gpio" });
  const contact = createDevice(t.db, { name: "contact", type: "gpio" });
  const schedule = createSchedule(t.db, { name: "open-hours" });
  const door = createDoor(t.db, {
    alias: "Front",
    accessPointId: ap.id,
    mode: "locked",
    strikeGpioId: strike.id,
    contactGpioId: contact.id,
    unlockMs: 3000,
    heldOpenMs: 60000,
    unlockScheduleId: schedule.id,
    unlockAfterFirstCard: true,
  });
  assert.deepEqual(getDoor(t.db, door.id), door);
  assert.equal(door.accessPointId, ap.id);
  assert.equal(door.strikeGpioId, strike.id);
  assert.equal(door.unlockAfterFirstCard, true);
  assert.deepEqual(getDoorByAccessPoint(t.db, ap.id), door);
  assert.equal(getDoorByAccessPoint(t.db, 99), undefined);
  assert.equal(createDoor(t.db, { accessPointId: 0 }).accessPointId, null);
});

Deno.test("createDoor() rejects an access point used by another door", () => {
  using t = openTempDatabase();
  const ap = createAccessPoint(t.db);
  createDoor(t.db, { accessPointId: ap.id });
  assert.throws(() => createDoor(t.db, { accessPointId: ap.id }), isUniqueViolation);
});

Deno.test("createDoor() rejects unknown references and an unknown mode", () => {
  using t = openTempDatabase();
  assert.throws(() => createDoor(t.db, { accessPointId: 42 }), isForeignKeyViolation);
  assert.throws(() => createDoor(t.db, { strikeGpioId: "nope" }), isForeignKeyViolation);
  assert.throws(() => createDoor(t.db, { unlockScheduleId: 42 }), isForeignKeyViolation);
  assert.throws(() => createDoor(t.db, { mode: "open" as DoorMode }), isCheckViolation);
  assert.deepEqual(listDoors(t.db), []);
});

Deno.test("updateDoor() applies a patch; its own access point is not a conflict", () => {
  using t = openTempDatabase();
  const ap = createAccessPoint(t.db);
  const door = createDoor(t.db, { alias: "Front", description: "Main", accessPointId: ap.id });
  const updated = updateDoor(t.db, door.id, { alias: "Entrance", unlockMs: 7000 });
  assert.deepEqual(updated, { ...door, alias: "Entrance", unlockMs: 7000, version: 2 });
  assert.equal(updateDoor(t.db, door.id, { accessPointId: ap.id })?.accessPointId, ap.id);
  assert.equal(updateDoor(t.db, door.id, { accessPointId: 0 })?.accessPointId, null);
  assert.equal(updateDoor(t.db, door.id, { accessPointId: ap.id })?.accessPointId, ap.id);
  assert.equal(updateDoor(t.db, door.id, { accessPointId: null })?.accessPointId, null);
  assert.equal(updateDoor(t.db, 99, { alias: "x" }), undefined);
});

Deno.test("updateDoor() rejects another door's access point", () => {
  using t = openTempDatabase();
  const ap = createAccessPoint(t.db);
  createDoor(t.db, { accessPointId: ap.id });
  const other = createDoor(t.db);
  assert.throws(() => updateDoor(t.db, other.id, { accessPointId: ap.id }), isUniqueViolation);
});

Deno.test("setDoorMode() changes only the mode", () => {
  using t = openTempDatabase();
  const door = createDoor(t.db, { alias: "Front" });
  assert.deepEqual(setDoorMode(t.db, door.id, "lockdown"), {
    ...door,
    mode: "lockdown",
    version: 2,
  });
  assert.equal(setDoorMode(t.db, 99, "locked"), undefined);
});

Deno.test("setDoorMode() in a site keeps the site's version (the mode is local to this copy)", () => {
  using t = openTempDatabase();
  const door = createDoor(t.db, { alias: "Front" });
  t.db.prepare("INSERT INTO site_state (id, site, controller) VALUES (1, 'hq', 'a')").run();
  assert.deepEqual(setDoorMode(t.db, door.id, "locked"), { ...door, mode: "locked" });
});

Deno.test("deleting an access point, device or schedule clears the door's link", () => {
  using t = openTempDatabase();
  const ap = createAccessPoint(t.db);
  const rex = createDevice(t.db, { name: "rex", type: "gpio" });
  const schedule = createSchedule(t.db, { name: "hours" });
  const door = createDoor(t.db, {
    accessPointId: ap.id,
    rexGpioId: rex.id,
    unlockScheduleId: schedule.id,
  });
  deleteAccessPoint(t.db, ap.id);
  deleteDevice(t.db, rex.id);
  deleteSchedule(t.db, schedule.id);
  assert.deepEqual(getDoor(t.db, door.id), {
    ...door,
    accessPointId: null,
    rexGpioId: null,
    unlockScheduleId: null,
  });
});

Deno.test("deleteDoor() removes the door from its zones", () => {
  using t = openTempDatabase();
  const front = createDoor(t.db, { alias: "front" });
  const back = createDoor(t.db, { alias: "back" });
  const zone = createZone(t.db, { doorIds: [front.id, back.id] });
  assert.equal(deleteDoor(t.db, front.id), true);
  assert.equal(deleteDoor(t.db, front.id), false);
  assert.deepEqual(getZone(t.db, zone.id)?.doorIds, [back.id]);
  assert.deepEqual(listDoors(t.db).map((d) => d.alias), ["back"]);
});

Deno.test("searchDoors() matches a case-insensitive substring of the alias", () => {
  using t = openTempDatabase();
  createDoor(t.db, { alias: "Front Door" });
  createDoor(t.db, { alias: "back door" });
  createDoor(t.db, { alias: "Garage" });
  assert.deepEqual(searchDoors(t.db, "DOOR").map((d) => d.alias), ["Front Door", "back door"]);
  assert.deepEqual(searchDoors(t.db, "%"), []);
});
