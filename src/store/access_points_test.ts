import assert from "node:assert/strict";
import { openTempDatabase } from "./_test_db.ts";
import {
  type AccessPoint,
  BUILTIN_CONTROLLER_MODULE,
  createAccessPoint,
  deleteAccessPoint,
  type Direction,
  getAccessPoint,
  listAccessPoints,
  listAccessPointsByReader,
  type ReaderMode,
  searchAccessPoints,
  updateAccessPoint,
} from "./access_points.ts";
import { isCheckViolation, isForeignKeyViolation } from "./constraint.ts";
import { createDevice, deleteDevice } from "./devices.ts";
import { createDoor, getDoor, updateDoor } from "./doors.ts";

Deno.test("createAccessPoint() applies the schema defaults", () => {
  using t = openTempDatabase();
  const ap = createAccessPoint(t.db, { alias: "Main reader" });
  const expected: AccessPoint = {
    id: 1,
    alias: "Main reader",
    description: "",
    controllerModule: BUILTIN_CONTROLLER_MODULE,
    readerId: null,
    readerMode: "card",
    direction: "none",
    pinTimeoutMs: 10000,
    pairsOnly: false,
    doorId: null,
    version: 1,
    controller: null,
  };
  assert.deepEqual(ap, expected);
  assert.deepEqual(getAccessPoint(t.db, ap.id), ap);
  assert.equal(getAccessPoint(t.db, 99), undefined);
});

Deno.test("createAccessPoint() stores a reader and its policy", () => {
  using t = openTempDatabase();
  const reader = createDevice(t.db, { name: "r1", type: "wiegand-reader" });
  const ap = createAccessPoint(t.db, {
    alias: "in",
    description: "Entry",
    readerId: reader.id,
    readerMode: "card_and_pin",
    direction: "entry",
    pinTimeoutMs: 5000,
    pairsOnly: true,
  });
  assert.deepEqual(getAccessPoint(t.db, ap.id), ap);
  assert.equal(ap.pairsOnly, true);
  assert.equal(ap.readerId, reader.id);
  assert.equal(ap.readerMode, "card_and_pin");
  assert.equal(ap.direction, "entry");
  assert.deepEqual(listAccessPointsByReader(t.db, reader.id), [ap]);
  assert.deepEqual(listAccessPointsByReader(t.db, "other"), []);
  assert.equal(updateAccessPoint(t.db, ap.id, { pairsOnly: false })?.pairsOnly, false);
  assert.equal(updateAccessPoint(t.db, ap.id, { alias: "in 2" })?.pairsOnly, false);
});

Deno.test("createAccessPoint() rejects an unknown reader, reader mode or direction", () => {
  using t = openTempDatabase();
  assert.throws(() => createAccessPoint(t.db, { readerId: "nope" }), isForeignKeyViolation);
  assert.throws(
    () => createAccessPoint(t.db, { readerMode: "face" as ReaderMode }),
    isCheckViolation,
  );
  assert.throws(
    () => createAccessPoint(t.db, { direction: "up" as Direction }),
    isCheckViolation,
  );
  assert.deepEqual(listAccessPoints(t.db), []);
});

Deno.test("getAccessPoint() reports the door linked to it", () => {
  using t = openTempDatabase();
  const ap = createAccessPoint(t.db);
  const door = createDoor(t.db, { accessPointId: ap.id });
  assert.equal(getAccessPoint(t.db, ap.id)?.doorId, door.id);
  updateDoor(t.db, door.id, { accessPointId: 0 });
  assert.equal(getAccessPoint(t.db, ap.id)?.doorId, null);
});

Deno.test("updateAccessPoint() applies a patch and keeps absent fields", () => {
  using t = openTempDatabase();
  const reader = createDevice(t.db, { name: "r1", type: "wiegand-reader" });
  const ap = createAccessPoint(t.db, { alias: "a", readerId: reader.id });
  const updated = updateAccessPoint(t.db, ap.id, { readerMode: "pin", direction: "exit" });
  assert.deepEqual(updated, { ...ap, readerMode: "pin", direction: "exit", version: 2 });
  assert.equal(updateAccessPoint(t.db, ap.id, { readerId: null })?.readerId, null);
  assert.equal(updateAccessPoint(t.db, 99, { alias: "x" }), undefined);
  assert.throws(
    () => updateAccessPoint(t.db, ap.id, { readerMode: "x" as ReaderMode }),
    isCheckViolation,
  );
});

Deno.test("deleteDevice() clears the access point's reader", () => {
  using t = openTempDatabase();
  const reader = createDevice(t.db, { name: "r1", type: "wiegand-reader" });
  const ap = createAccessPoint(t.db, { readerId: reader.id });
  deleteDevice(t.db, reader.id);
  assert.equal(getAccessPoint(t.db, ap.id)?.readerId, null);
});

Deno.test("deleteAccessPoint() removes it and unlinks its door", () => {
  using t = openTempDatabase();
  const ap = createAccessPoint(t.db);
  const door = createDoor(t.db, { accessPointId: ap.id });
  assert.equal(deleteAccessPoint(t.db, ap.id), true);
  assert.equal(deleteAccessPoint(t.db, ap.id), false);
  assert.equal(getAccessPoint(t.db, ap.id), undefined);
  assert.equal(getDoor(t.db, door.id)?.accessPointId, null);
});

Deno.test("searchAccessPoints() matches a case-insensitive substring of the alias", () => {
  using t = openTempDatabase();
  createAccessPoint(t.db, { alias: "Lobby In" });
  createAccessPoint(t.db, { alias: "lobby out" });
  createAccessPoint(t.db, { alias: "Garage" });
  assert.deepEqual(searchAccessPoints(t.db, "LOBBY").map((a) => a.alias), [
    "Lobby In",
    "lobby out",
  ]);
  assert.deepEqual(searchAccessPoints(t.db, "_"), []);
});
