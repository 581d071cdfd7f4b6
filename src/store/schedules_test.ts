import assert from "node:assert/strict";
import { openTempDatabase } from "./_test_db.ts";
import { isCheckViolation, isForeignKeyViolation } from "./constraint.ts";
import { createCredential } from "./credentials.ts";
import { createDoor, deleteDoor } from "./doors.ts";
import { createGroup } from "./groups.ts";
import {
  createMapping,
  createSchedule,
  deleteMapping,
  deleteSchedule,
  getMapping,
  getSchedule,
  listMappingsMappedTo,
  listMappingsOfSchedule,
  listSchedules,
  listSchedulesMappedTo,
  replaceMappings,
  searchSchedules,
  type Timeframe,
  updateSchedule,
} from "./schedules.ts";
import { createUser, deleteUser } from "./users.ts";
import { createZone } from "./zones.ts";

const WORK_HOURS: Timeframe[] = [
  { day: 0, startMinute: 480, endMinute: 1080 },
  { day: 4, startMinute: 480, endMinute: 720 },
  { day: 2, startMinute: 0, endMinute: 1439 },
];

Deno.test("createSchedule() stores a schedule with ordered timeframes", () => {
  using t = openTempDatabase();
  const schedule = createSchedule(t.db, {
    name: "work-hours",
    description: "Office",
    timeframes: WORK_HOURS,
  });
  assert.deepEqual(schedule, {
    id: 1,
    name: "work-hours",
    description: "Office",
    appliesOnHolidays: false,
    version: 1,
    timeframes: WORK_HOURS,
  });
  assert.deepEqual(getSchedule(t.db, schedule.id), schedule);
  assert.equal(getSchedule(t.db, 99), undefined);
  assert.deepEqual(createSchedule(t.db, { name: "empty" }).timeframes, []);
  assert.deepEqual(listSchedules(t.db).map((s) => s.name), ["work-hours", "empty"]);
});

Deno.test("createSchedule() rejects an invalid timeframe and creates nothing", () => {
  using t = openTempDatabase();
  assert.throws(
    () =>
      createSchedule(t.db, { name: "bad", timeframes: [{ day: 7, startMinute: 0, endMinute: 1 }] }),
    isCheckViolation,
  );
  assert.throws(
    () =>
      createSchedule(t.db, {
        name: "bad",
        timeframes: [{ day: 1, startMinute: 0, endMinute: 1440 }],
      }),
    isCheckViolation,
  );
  assert.deepEqual(listSchedules(t.db), []);
});

Deno.test("updateSchedule() patches fields, replaces timeframes wholesale and bumps the version", () => {
  using t = openTempDatabase();
  const s = createSchedule(t.db, { name: "work", description: "d", timeframes: WORK_HOURS });
  const renamed = updateSchedule(t.db, s.id, { name: "office", appliesOnHolidays: true });
  assert.deepEqual(renamed, { ...s, name: "office", appliesOnHolidays: true, version: 2 });
  const frames = [{ day: 6, startMinute: 60, endMinute: 120 }];
  assert.deepEqual(updateSchedule(t.db, s.id, { timeframes: frames })?.timeframes, frames);
  assert.deepEqual(updateSchedule(t.db, s.id, { timeframes: [] })?.timeframes, []);
  assert.equal(getSchedule(t.db, s.id)?.version, 4);
  assert.equal(updateSchedule(t.db, 99, { name: "x" }), undefined);
});

Deno.test("updateSchedule() leaves everything unchanged when a timeframe is invalid", () => {
  using t = openTempDatabase();
  const s = createSchedule(t.db, { name: "work", timeframes: WORK_HOURS });
  assert.throws(
    () =>
      updateSchedule(t.db, s.id, {
        name: "changed",
        timeframes: [{ day: -1, startMinute: 0, endMinute: 1 }],
      }),
    isCheckViolation,
  );
  assert.deepEqual(getSchedule(t.db, s.id), s);
});

Deno.test("createMapping() stores the named entities and reads them back", () => {
  using t = openTempDatabase();
  const s = createSchedule(t.db, { name: "work" });
  const user = createUser(t.db, { username: "alice" });
  const group = createGroup(t.db, { name: "staff" });
  const cred = createCredential(t.db, { type: "pin-code", pinHash: "h" });
  const door = createDoor(t.db, { alias: "front" });
  const zone = createZone(t.db, { alias: "lobby" });
  const mapping = createMapping(t.db, s.id, {
    alias: "everyone",
    userIds: [user.id, user.id],
    groupIds: [group.id],
    credentialIds: [cred.id],
    doorIds: [door.id],
    zoneIds: [zone.id],
  });
  assert.deepEqual(mapping, {
    id: 1,
    scheduleId: s.id,
    alias: "everyone",
    version: 1,
    userIds: [user.id],
    groupIds: [group.id],
    credentialIds: [cred.id],
    doorIds: [door.id],
    zoneIds: [zone.id],
  });
  assert.deepEqual(getMapping(t.db, mapping.id), mapping);
  assert.deepEqual(listMappingsOfSchedule(t.db, s.id), [mapping]);
  assert.equal(getMapping(t.db, 99), undefined);
});

Deno.test("createMapping() rejects an unknown entity and an unknown schedule", () => {
  using t = openTempDatabase();
  const s = createSchedule(t.db, { name: "work" });
  assert.throws(() => createMapping(t.db, s.id, { userIds: [42] }), isForeignKeyViolation);
  assert.throws(() => createMapping(t.db, 42, {}), isForeignKeyViolation);
  assert.deepEqual(listMappingsOfSchedule(t.db, s.id), []);
});

Deno.test("replaceMappings() recreates the mappings with new ids", () => {
  using t = openTempDatabase();
  const s = createSchedule(t.db, { name: "work" });
  const user = createUser(t.db, { username: "alice" });
  const old = createMapping(t.db, s.id, { alias: "old", userIds: [user.id] });
  const created = replaceMappings(t.db, s.id, [
    { alias: "a", userIds: [user.id] },
    { alias: "b" },
  ]);
  assert.deepEqual(created.map((m) => m.alias), ["a", "b"]);
  assert.ok(created.every((m) => m.id !== old.id));
  assert.equal(getMapping(t.db, old.id), undefined);
  assert.deepEqual(listMappingsOfSchedule(t.db, s.id), created);
  assert.deepEqual(replaceMappings(t.db, s.id, []), []);
  assert.deepEqual(listMappingsOfSchedule(t.db, s.id), []);
});

Deno.test("replaceMappings() keeps the old mappings when a new one is invalid", () => {
  using t = openTempDatabase();
  const s = createSchedule(t.db, { name: "work" });
  const old = createMapping(t.db, s.id, { alias: "old" });
  assert.throws(
    () => replaceMappings(t.db, s.id, [{ alias: "ok" }, { doorIds: [99] }]),
    isForeignKeyViolation,
  );
  assert.deepEqual(listMappingsOfSchedule(t.db, s.id), [old]);
});

Deno.test("listSchedulesMappedTo() lists distinct schedules naming an entity directly", () => {
  using t = openTempDatabase();
  const alice = createUser(t.db, { username: "alice" });
  const bob = createUser(t.db, { username: "bob" });
  const group = createGroup(t.db, { name: "staff" });
  const door = createDoor(t.db, { alias: "front" });
  const zone = createZone(t.db, { alias: "lobby" });
  const cred = createCredential(t.db, { type: "rfid-card", cardId: "aa", nbBits: 8 });
  const s1 = createSchedule(t.db, { name: "one" });
  const s2 = createSchedule(t.db, { name: "two" });
  createMapping(t.db, s1.id, { userIds: [alice.id], doorIds: [door.id] });
  createMapping(t.db, s1.id, { userIds: [alice.id], zoneIds: [zone.id] });
  const m3 = createMapping(t.db, s2.id, { groupIds: [group.id], credentialIds: [cred.id] });
  assert.deepEqual(listSchedulesMappedTo(t.db, "user", alice.id).map((s) => s.id), [s1.id]);
  assert.deepEqual(listSchedulesMappedTo(t.db, "user", bob.id), []);
  assert.deepEqual(listSchedulesMappedTo(t.db, "group", group.id).map((s) => s.id), [s2.id]);
  assert.deepEqual(listSchedulesMappedTo(t.db, "credential", cred.id).map((s) => s.id), [s2.id]);
  assert.deepEqual(listSchedulesMappedTo(t.db, "door", door.id).map((s) => s.id), [s1.id]);
  assert.deepEqual(listSchedulesMappedTo(t.db, "zone", zone.id).map((s) => s.id), [s1.id]);
  assert.equal(listMappingsMappedTo(t.db, "user", alice.id).length, 2);
  assert.deepEqual(listMappingsMappedTo(t.db, "group", group.id), [m3]);
});

Deno.test("deleteUser() and deleteDoor() remove their mapping rows", () => {
  using t = openTempDatabase();
  const user = createUser(t.db, { username: "alice" });
  const door = createDoor(t.db, { alias: "front" });
  const s = createSchedule(t.db, { name: "work" });
  const m = createMapping(t.db, s.id, { userIds: [user.id], doorIds: [door.id] });
  deleteUser(t.db, user.id);
  deleteDoor(t.db, door.id);
  assert.deepEqual(getMapping(t.db, m.id), { ...m, userIds: [], doorIds: [] });
});

Deno.test("deleteSchedule() removes its timeframes and mappings; deleteMapping() removes one", () => {
  using t = openTempDatabase();
  const s = createSchedule(t.db, { name: "work", timeframes: WORK_HOURS });
  const user = createUser(t.db, { username: "alice" });
  const m1 = createMapping(t.db, s.id, { userIds: [user.id] });
  const m2 = createMapping(t.db, s.id, {});
  assert.equal(deleteMapping(t.db, m2.id), true);
  assert.deepEqual(listMappingsOfSchedule(t.db, s.id), [m1]);
  assert.equal(deleteSchedule(t.db, s.id), true);
  assert.equal(deleteSchedule(t.db, s.id), false);
  assert.equal(getMapping(t.db, m1.id), undefined);
  const counts = t.db.prepare(
    `SELECT (SELECT count(*) FROM schedule_timeframes) AS frames,
            (SELECT count(*) FROM mapping_users) AS users`,
  ).get() as { frames: number; users: number };
  assert.equal(counts.frames, 0);
  assert.equal(counts.users, 0);
});

Deno.test("searchSchedules() matches a case-insensitive substring of the name", () => {
  using t = openTempDatabase();
  createSchedule(t.db, { name: "Week-Days" });
  createSchedule(t.db, { name: "weekend" });
  createSchedule(t.db, { name: "nights" });
  assert.deepEqual(searchSchedules(t.db, "WEEK").map((s) => s.name), ["Week-Days", "weekend"]);
  assert.deepEqual(searchSchedules(t.db, "%"), []);
});
