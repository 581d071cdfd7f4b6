import assert from "node:assert/strict";
import { AUDIT_EVENT, AUDIT_KIND } from "../src/store/audit.ts";
import { createCredential } from "../src/store/credentials.ts";
import { createGroup } from "../src/store/groups.ts";
import {
  assertModelError,
  assertNotFound,
  auditRows,
  failed,
  ok,
  startCrudWorld,
} from "./_crud_fixtures.ts";
import type { TestClient } from "../src/testing.ts";

const EMPTY_MAPPING = { alias: "m", users: [], groups: [], credentials: [], doors: [], zones: [] };

async function createSchedule(
  client: TestClient,
  name: string,
  timeframes: unknown = [],
): Promise<number> {
  const content = ok(await client.request("schedule.create", { attributes: { name, timeframes } }));
  return content.data.id;
}

async function createDoor(client: TestClient, alias: string): Promise<number> {
  return ok(await client.request("door.create", { attributes: { alias } })).data.id;
}

Deno.test("schedule.create stores timeframes and schedule.read prints them unpadded", async () => {
  await using w = await startCrudWorld();
  const created = ok(
    await w.admin.request("schedule.create", {
      attributes: {
        name: "office-hours",
        description: "Weekdays",
        timeframes: [
          { day: 0, "start-time": "08:00", "end-time": "17:30" },
          { day: 4, "start-time": "8:5", "end-time": "9:07" },
          { day: 6, "start-time": "22:00", "end-time": "6:00" },
        ],
      },
    }),
  );
  assert.equal(created.data.type, "schedule");
  const read = ok(await w.admin.request("schedule.read", { schedule_id: created.data.id }));
  assert.deepEqual(read.included, []);
  assert.deepEqual(read.data, {
    id: created.data.id,
    type: "schedule",
    attributes: {
      version: 1,
      name: "office-hours",
      description: "Weekdays",
      "applies-on-holidays": false,
      timeframes: [
        { id: 0, day: 0, "start-time": "8:0", "end-time": "17:30" },
        { id: 1, day: 4, "start-time": "8:5", "end-time": "9:7" },
        { id: 2, day: 6, "start-time": "22:0", "end-time": "6:0" },
      ],
    },
    relationships: { mapping: { data: [] } },
  });
  const rows = auditRows(w.server, AUDIT_KIND.SCHEDULE, AUDIT_EVENT.SCHEDULE_CREATED);
  assert.deepEqual(rows.map((r) => r.target_id), [created.data.id]);
});

Deno.test("schedule.create accepts null timeframes and applies-on-holidays", async () => {
  await using w = await startCrudWorld();
  const content = ok(
    await w.admin.request("schedule.create", {
      attributes: { name: "holiday.ok", timeframes: null, "applies-on-holidays": true },
    }),
  );
  assert.deepEqual(content.data.attributes.timeframes, []);
  assert.equal(content.data.attributes["applies-on-holidays"], true);
});

Deno.test("schedule.create validates the name, timeframes key and times", async () => {
  await using w = await startCrudWorld();
  for (const name of ["ab", "x".repeat(51), "bad name", "été", 42, undefined]) {
    const reply = await w.admin.request("schedule.create", {
      attributes: { name, timeframes: [] },
    });
    assertModelError(reply, "data/attributes/name");
  }
  const missing = await w.admin.request("schedule.create", { attributes: { name: "abc" } });
  failed(missing, 1);
  assert.match(missing.status_string, /key 'timeframes' not found/);
  for (const time of ["25:00", "8", "8:60", "08h00", ""]) {
    const reply = await w.admin.request("schedule.create", {
      attributes: { name: "abc", timeframes: [{ day: 1, "start-time": time, "end-time": "9:0" }] },
    });
    failed(reply, 1);
    assert.match(reply.status_string, /Timeframe start or end time is invalid: /);
  }
  const badDay = await w.admin.request("schedule.create", {
    attributes: { name: "abc", timeframes: [{ day: 7, "start-time": "1:0", "end-time": "2:0" }] },
  });
  failed(badDay, 1);
  assert.equal(ok(await w.admin.request("schedule.read", { schedule_id: 0 })).data.length, 0);
});

Deno.test("schedule.read and schedule.delete report a missing schedule", async () => {
  await using w = await startCrudWorld();
  assertNotFound(await w.admin.request("schedule.read", { schedule_id: 99 }), "schedule", 99);
  assertNotFound(await w.admin.request("schedule.delete", { schedule_id: 99 }), "schedule", 99);
  assertNotFound(
    await w.admin.request("schedule.update", {
      schedule_id: 99,
      attributes: { timeframes: [] },
      mapping: [],
    }),
    "schedule",
    99,
  );
  assert.equal(ok(await w.admin.request("schedule.delete", { schedule_id: 0 })), null);
});

Deno.test("schedule.update replaces timeframes and mappings and audits door mappings", async () => {
  await using w = await startCrudWorld();
  const db = w.server.store.db;
  const scheduleId = await createSchedule(w.admin, "night", [
    { day: 1, "start-time": "1:0", "end-time": "2:0" },
  ]);
  const door1 = await createDoor(w.admin, "front");
  const door2 = await createDoor(w.admin, "back");
  const zone = ok(
    await w.admin.request("zone.create", { attributes: { alias: "Z", doors: [], children: [] } }),
  ).data.id;
  const group = createGroup(db, { name: "staff" });
  const card = createCredential(db, { type: "rfid-card", cardId: "aa:bb:cc:dd", nbBits: 32 });
  const pin = createCredential(db, { type: "pin-code", pinHash: "x" });
  const first = ok(
    await w.admin.request("schedule.update", {
      schedule_id: scheduleId,
      attributes: { timeframes: [] },
      mapping: [{
        id: 77,
        alias: "everyone",
        users: [w.userId],
        groups: [group.id],
        credentials: [card.id, pin.id],
        doors: [door1],
        zones: [zone],
      }],
    }),
  );
  assert.equal(first.data.attributes.version, 2);
  assert.equal(first.data.attributes.name, "night", "a missing name keeps its value");
  assert.deepEqual(first.data.attributes.timeframes, []);
  assert.equal(first.included.length, 1);
  const mapping = first.included[0];
  assert.deepEqual(first.data.relationships.mapping.data, [
    { id: mapping.id, type: "schedule-mapping" },
  ]);
  assert.notEqual(mapping.id, 77);
  assert.deepEqual(mapping, {
    id: mapping.id,
    type: "schedule-mapping",
    attributes: { alias: "everyone", version: 1 },
    relationships: {
      users: { data: [{ id: w.userId, type: "user" }] },
      groups: { data: [{ id: group.id, type: "group" }] },
      credentials: { data: [{ id: card.id, type: "rfid-card" }, { id: pin.id, type: "pin-code" }] },
      doors: { data: [{ id: door1, type: "door" }] },
      zones: { data: [{ id: zone, type: "zone" }] },
    },
  });
  const second = ok(
    await w.admin.request("schedule.update", {
      schedule_id: scheduleId,
      attributes: { name: "night-2", timeframes: null },
      mapping: [{ ...EMPTY_MAPPING, doors: [door2] }, EMPTY_MAPPING],
    }),
  );
  assert.equal(second.included.length, 2);
  assert.ok(second.included.every((m: { id: number }) => m.id !== mapping.id), "ids change");
  assert.deepEqual(second.included[1].relationships.users, { data: [] });
  const doorRows = auditRows(w.server, AUDIT_KIND.DOOR, AUDIT_EVENT.MAPPING_MAY_HAVE_CHANGED);
  assert.deepEqual(doorRows.map((r) => r.target_id), [door1, door1, door2]);
  const updates = auditRows(w.server, AUDIT_KIND.SCHEDULE, AUDIT_EVENT.SCHEDULE_UPDATED);
  assert.equal(updates.length, 2);
  assert.equal(JSON.parse(updates[1]!.before!).name, "night");
  assert.equal(JSON.parse(updates[1]!.after!).name, "night-2");
  const read = ok(await w.admin.request("schedule.read", { schedule_id: scheduleId }));
  assert.deepEqual(read.included, second.included);
});

Deno.test("schedule.update rejects unknown ids and missing keys without changes", async () => {
  await using w = await startCrudWorld();
  const scheduleId = await createSchedule(w.admin, "sched");
  const base = { schedule_id: scheduleId, attributes: { timeframes: [] } };
  for (
    const [key, type] of [["users", "user"], ["groups", "group"], ["credentials", "credential"], [
      "doors",
      "door",
    ], ["zones", "zone"]]
  ) {
    const reply = await w.admin.request("schedule.update", {
      ...base,
      mapping: [{ ...EMPTY_MAPPING, [key!]: [404] }],
    });
    assertNotFound(reply, type!, 404);
  }
  const noMapping = await w.admin.request("schedule.update", base);
  failed(noMapping, 1);
  assert.match(noMapping.status_string, /key 'mapping' not found/);
  const { doors: _, ...incomplete } = EMPTY_MAPPING;
  const noDoors = await w.admin.request("schedule.update", { ...base, mapping: [incomplete] });
  failed(noDoors, 1);
  assert.match(noDoors.status_string, /key 'doors' not found/);
  const badName = await w.admin.request("schedule.update", {
    ...base,
    attributes: { name: "x", timeframes: [] },
    mapping: [],
  });
  assertModelError(badName, "data/attributes/name");
  const read = ok(await w.admin.request("schedule.read", { schedule_id: scheduleId }));
  assert.equal(read.data.attributes.version, 1);
  assert.deepEqual(read.included, []);
});

Deno.test("schedule.delete removes the schedule and its mappings", async () => {
  await using w = await startCrudWorld();
  const scheduleId = await createSchedule(w.admin, "temp");
  const door = await createDoor(w.admin, "d");
  ok(
    await w.admin.request("schedule.update", {
      schedule_id: scheduleId,
      attributes: { timeframes: [] },
      mapping: [{ ...EMPTY_MAPPING, doors: [door] }],
    }),
  );
  assert.equal(ok(await w.admin.request("schedule.delete", { schedule_id: scheduleId })), null);
  assertNotFound(
    await w.admin.request("schedule.read", { schedule_id: scheduleId }),
    "schedule",
    scheduleId,
  );
  const rows = auditRows(w.server, AUDIT_KIND.SCHEDULE, AUDIT_EVENT.SCHEDULE_DELETED);
  assert.equal(JSON.parse(rows[0]!.before!).name, "temp");
  const count = w.server.store.db.prepare("SELECT count(*) AS n FROM schedule_mappings").get() as {
    n: number;
  };
  assert.equal(count.n, 0);
});

Deno.test("schedule writes are denied to users and viewers", async () => {
  await using w = await startCrudWorld();
  const scheduleId = await createSchedule(w.admin, "sched");
  for (const client of [w.user, w.viewer]) {
    failed(
      await client.request("schedule.create", { attributes: { name: "abc", timeframes: [] } }),
      2,
    );
    failed(
      await client.request("schedule.update", {
        schedule_id: scheduleId,
        attributes: { timeframes: [] },
        mapping: [],
      }),
      2,
    );
    failed(await client.request("schedule.delete", { schedule_id: scheduleId }), 2);
  }
  ok(await w.admin.request("schedule.read", { schedule_id: scheduleId }));
});

Deno.test("schedule.read lists everything for a viewer and only mapped schedules for a user", async () => {
  await using w = await startCrudWorld();
  const mine = await createSchedule(w.admin, "mine");
  const other = await createSchedule(w.admin, "other");
  ok(
    await w.admin.request("schedule.update", {
      schedule_id: mine,
      attributes: { timeframes: [] },
      mapping: [{ ...EMPTY_MAPPING, users: [w.userId] }],
    }),
  );
  const viewerList = ok(await w.viewer.request("schedule.read", { schedule_id: 0 }));
  assert.deepEqual(viewerList.data.map((s: { id: number }) => s.id), [mine, other]);
  assert.equal(viewerList.included.length, 1);
  ok(await w.viewer.request("schedule.read", { schedule_id: other }));
  const userList = ok(await w.user.request("schedule.read", { schedule_id: 0 }));
  assert.deepEqual(userList.data.map((s: { id: number }) => s.id), [mine]);
  ok(await w.user.request("schedule.read", { schedule_id: mine }));
  failed(await w.user.request("schedule.read", { schedule_id: other }), 2);
});
