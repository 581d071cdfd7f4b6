import assert from "node:assert/strict";
import { createAccessPoint } from "../src/store/access_points.ts";
import { createCredential } from "../src/store/credentials.ts";
import { createDevice } from "../src/store/devices.ts";
import { createDoor } from "../src/store/doors.ts";
import { createGroup } from "../src/store/groups.ts";
import { createMembership } from "../src/store/memberships.ts";
import { createMapping, createSchedule } from "../src/store/schedules.ts";
import { createZone } from "../src/store/zones.ts";
import { TestClient } from "../src/testing.ts";
import { failed, ok, startWorld } from "./_entity_world.ts";

const SEARCHES = [
  "search.group_name",
  "search.door_alias",
  "search.credential_alias",
  "search.schedule_name",
  "search.zone_alias",
  "search.access_point_alias",
  "search.user_username",
  "search.hardware_name",
];

Deno.test("search.* need a string partial_name (status 1) and a login (status 2)", async () => {
  await using w = await startWorld();
  for (const type of SEARCHES) {
    failed(await w.admin.request(type, {}), 1);
    failed(await w.admin.request(type, { partial_name: 3 }), 1);
  }
  await using anon = await TestClient.connect(w.server.wsUrl);
  for (const type of SEARCHES) failed(await anon.request(type, { partial_name: "" }), 2);
});

Deno.test("search.* empty results: null for schedules, zones and users, [] otherwise", async () => {
  await using w = await startWorld();
  const empty: Record<string, unknown> = {};
  for (const type of SEARCHES) {
    empty[type] = ok(await w.admin.request(type, { partial_name: "%" }));
  }
  assert.deepEqual(empty, {
    "search.group_name": [],
    "search.door_alias": [],
    "search.credential_alias": [],
    "search.schedule_name": null,
    "search.zone_alias": null,
    "search.access_point_alias": [],
    "search.user_username": null,
    "search.hardware_name": [],
  });
});

Deno.test("search.* match case-insensitive substrings with % and _ taken literally, sorted by id", async () => {
  await using w = await startWorld();
  const db = w.server.store.db;
  const open = createDoor(db, { alias: "100% Open" });
  const main = createDoor(db, { alias: "Main door" });
  const a = createGroup(db, { name: "abc_def" });
  createGroup(db, { name: "abcXdef" });
  const search = async (type: string, partial_name: string) =>
    ok(await w.admin.request(type, { partial_name }));
  assert.deepEqual(await search("search.door_alias", "%"), [{ id: open.id, alias: "100% Open" }]);
  assert.deepEqual(await search("search.door_alias", "DOOR"), [{
    id: main.id,
    alias: "Main door",
  }]);
  assert.deepEqual(await search("search.door_alias", "o"), [
    { id: open.id, alias: "100% Open" },
    { id: main.id, alias: "Main door" },
  ]);
  assert.deepEqual(await search("search.group_name", "C_D"), [{ id: a.id, name: "abc_def" }]);
  const zone = createZone(db, { alias: "Lobby" });
  const ap = createAccessPoint(db, { alias: "Lobby reader" });
  const schedule = createSchedule(db, { name: "Office hours" });
  const card = createCredential(db, {
    type: "rfid-card",
    alias: "Blue card",
    cardId: "aa",
    nbBits: 8,
  });
  assert.deepEqual(await search("search.zone_alias", "lob"), [{ id: zone.id, alias: "Lobby" }]);
  assert.deepEqual(await search("search.access_point_alias", "READER"), [
    { id: ap.id, alias: "Lobby reader" },
  ]);
  assert.deepEqual(await search("search.schedule_name", "hours"), [
    { id: schedule.id, name: "Office hours" },
  ]);
  assert.deepEqual(await search("search.credential_alias", "blue"), [
    { id: card.id, alias: "Blue card", type: "rfid-card" },
  ]);
  assert.deepEqual(await search("search.user_username", "LIC"), [{
    id: w.userId,
    username: "alice",
  }]);
});

Deno.test("search.* only return what a rank-0 user may read", async () => {
  await using w = await startWorld();
  const db = w.server.store.db;
  const { id: bobId } = await w.connectAs("bob", 0);
  const d1 = createDoor(db, { alias: "door one" });
  const d2 = createDoor(db, { alias: "door two" });
  const s1 = createSchedule(db, { name: "sched alice" });
  const s2 = createSchedule(db, { name: "sched bob" });
  createMapping(db, s1.id, { userIds: [w.userId], doorIds: [d1.id] });
  createMapping(db, s2.id, { userIds: [bobId], doorIds: [d2.id] });
  const own = createCredential(db, {
    type: "rfid-card",
    alias: "cred alice",
    cardId: "01",
    nbBits: 8,
    ownerId: w.userId,
  });
  createCredential(db, { type: "pin-code", alias: "cred bob", pinHash: "x", ownerId: bobId });
  const g1 = createGroup(db, { name: "grp-alice" });
  createGroup(db, { name: "grp-bob" });
  createMembership(db, { userId: w.userId, groupId: g1.id, timestamp: 0 });
  const search = async (type: string, partial_name: string) =>
    ok(await w.user.request(type, { partial_name }));
  assert.deepEqual(await search("search.door_alias", "door"), [{ id: d1.id, alias: "door one" }]);
  assert.deepEqual(await search("search.schedule_name", "sched"), [
    { id: s1.id, name: "sched alice" },
  ]);
  assert.deepEqual(await search("search.credential_alias", "cred"), [
    { id: own.id, alias: "cred alice", type: "rfid-card" },
  ]);
  assert.deepEqual(await search("search.group_name", "grp"), [{ id: g1.id, name: "grp-alice" }]);
  for (const type of SEARCHES.slice(4)) {
    failed(await w.user.request(type, { partial_name: "" }), 2);
  }
  const viewer = async (type: string) => ok(await w.viewer.request(type, { partial_name: "" }));
  assert.equal((await viewer("search.door_alias")).length, 2);
  assert.equal((await viewer("search.credential_alias")).length, 2);
  assert.equal((await viewer("search.schedule_name")).length, 2);
  assert.equal((await viewer("search.group_name")).length, 2);
  assert.equal((await viewer("search.user_username")).length, 4);
  assert.equal(await viewer("search.zone_alias"), null);
  assert.deepEqual(await viewer("search.access_point_alias"), []);
  failed(await w.viewer.request("search.hardware_name", { partial_name: "" }), 2);
});

Deno.test("search.hardware_name returns uuid, name, device-class and the web client's model name", async () => {
  await using w = await startWorld();
  const db = w.server.store.db;
  const gpio = createDevice(db, { name: "strike-gpio", type: "gpio" });
  const led = createDevice(db, { name: "green-led", type: "led" });
  const reader = createDevice(db, { name: "front-reader", type: "wiegand-reader" });
  const buzzer = createDevice(db, { name: "beeper", type: "buzzer" });
  assert.deepEqual(ok(await w.admin.request("search.hardware_name", { partial_name: "E" })), [
    { id: buzzer.id, name: "beeper", "device-class": 4, type: "buzzer" },
    { id: reader.id, name: "front-reader", "device-class": 2, type: "wiegand-reader" },
    { id: led.id, name: "green-led", "device-class": 3, type: "led" },
    { id: gpio.id, name: "strike-gpio", "device-class": 1, type: "libgpiod-gpio" },
  ]);
  assert.match(gpio.id, /^[0-9a-f-]{36}$/);
  const { client: sup } = await w.connectAs("sup", 3);
  assert.equal(ok(await sup.request("search.hardware_name", { partial_name: "gpio" })).length, 1);
});

Deno.test("access_overview lists users per door through users, groups, credentials and zones", async () => {
  await using w = await startWorld();
  const db = w.server.store.db;
  failed(await w.user.request("access_overview", {}), 2);
  assert.equal(ok(await w.viewer.request("access_overview", {})), null, "null without doors");
  const { id: bob } = await w.connectAs("bob", 0);
  const { id: carol } = await w.connectAs("carol", 0);
  const { id: dave } = await w.connectAs("dave", 0);
  const d1 = createDoor(db, { alias: "d1" });
  const d2 = createDoor(db, { alias: "d2" });
  const d3 = createDoor(db, { alias: "d3" });
  const inner = createZone(db, { alias: "inner", doorIds: [d2.id] });
  const outer = createZone(db, { alias: "outer", childIds: [inner.id] });
  const group = createGroup(db, { name: "team" });
  createMembership(db, { userId: bob, groupId: group.id, timestamp: 0 });
  const card = createCredential(db, {
    type: "rfid-card",
    cardId: "0c",
    nbBits: 8,
    ownerId: carol,
  });
  const s = createSchedule(db, { name: "s" });
  createMapping(db, s.id, { userIds: [w.userId], doorIds: [d1.id] });
  createMapping(db, s.id, { groupIds: [group.id], zoneIds: [outer.id] });
  createMapping(db, s.id, { credentialIds: [card.id], doorIds: [d1.id] });
  createMapping(db, createSchedule(db, { name: "all" }).id, { userIds: [dave] });
  assert.deepEqual(ok(await w.admin.request("access_overview", {})), [
    { door_id: d1.id, user_ids: [w.userId, carol, dave].sort((a, b) => a - b) },
    { door_id: d2.id, user_ids: [bob, dave].sort((a, b) => a - b) },
    { door_id: d3.id, user_ids: [dave] },
  ]);
});
