/**
 * The controller's API endpoints over a real server without a worker (the
 * end-to-end test covers them with one): holidays, anti-passback
 * forgiveness, door modes and status, live-event subscriptions, and the
 * permission of each per rank.
 */
import assert from "node:assert/strict";
import { AUDIT_EVENT, AUDIT_KIND, hasAuditEvent } from "../src/store/audit.ts";
import { createDoor } from "../src/store/doors.ts";
import { createZone } from "../src/store/zones.ts";
import { assertNotFound, failed, ok, startCrudWorld } from "./_crud_fixtures.ts";

Deno.test("holiday.* CRUD with audit rows; viewers read, users are denied", async () => {
  await using w = await startCrudWorld();
  const created = ok(
    await w.admin.request("holiday.create", {
      attributes: { date: "2026-12-25", name: "Christmas", recurring: true },
    }),
  );
  assert.deepEqual(created.data.attributes, {
    date: "2026-12-25",
    name: "Christmas",
    recurring: true,
    version: 1,
  });
  assert.equal(created.data.type, "holiday");
  const id = created.data.id;
  const list = ok(await w.viewer.request("holiday.read", { holiday_id: 0 }));
  assert.equal(list.data.length, 1);
  failed(await w.user.request("holiday.read", { holiday_id: 0 }), 2);
  failed(await w.viewer.request("holiday.create", { attributes: { date: "2026-01-01" } }), 2);
  failed(
    await w.admin.request("holiday.create", { attributes: { date: "2026-02-30" } }),
    11,
  );
  const updated = ok(
    await w.admin.request("holiday.update", { holiday_id: id, attributes: { name: "Noël" } }),
  );
  assert.equal(updated.data.attributes.name, "Noël");
  assert.equal(updated.data.attributes.date, "2026-12-25");
  ok(await w.admin.request("holiday.delete", { holiday_id: id }));
  assertNotFound(await w.admin.request("holiday.read", { holiday_id: id }), "holiday", id);
  const rows = w.server.store.db.prepare(
    "SELECT event_mask FROM audit_events WHERE kind = ? ORDER BY id",
  ).all(AUDIT_KIND.HOLIDAY) as { event_mask: number }[];
  assert.deepEqual(
    rows.map((r) =>
      [AUDIT_EVENT.HOLIDAY_CREATED, AUDIT_EVENT.HOLIDAY_UPDATED, AUDIT_EVENT.HOLIDAY_DELETED]
        .find((e) => hasAuditEvent(r.event_mask, e))
    ),
    [AUDIT_EVENT.HOLIDAY_CREATED, AUDIT_EVENT.HOLIDAY_UPDATED, AUDIT_EVENT.HOLIDAY_DELETED],
  );
});

Deno.test("antipassback.forgive deletes the user's state rows (all zones or one)", async () => {
  await using w = await startCrudWorld();
  const db = w.server.store.db;
  const door = createDoor(db, { alias: "d" }).id;
  const a = createZone(db, { alias: "a", doorIds: [door], antipassback: "hard" }).id;
  const b = createZone(db, { alias: "b", antipassback: "soft" }).id;
  const insert = db.prepare(
    "INSERT INTO antipassback_state (zone_id, user_id, inside, at) VALUES (?, ?, 1, 0)",
  );
  insert.run(a, w.userId);
  insert.run(b, w.userId);
  failed(await w.viewer.request("antipassback.forgive", { user_id: w.userId }), 2);
  const one = ok(await w.admin.request("antipassback.forgive", { user_id: w.userId, zone_id: a }));
  assert.equal(one.forgiven, 1);
  const all = ok(await w.admin.request("antipassback.forgive", { user_id: w.userId }));
  assert.equal(all.forgiven, 1);
  assertNotFound(
    await w.admin.request("antipassback.forgive", { user_id: w.userId, zone_id: 999 }),
    "zone",
    999,
  );
  const audited = db.prepare("SELECT count(*) AS n FROM audit_events WHERE description LIKE ?")
    .get("Anti-passback forgiven%") as { n: number };
  assert.equal(audited.n, 2);
});

Deno.test("door.set_mode persists the mode and audits it; door.status reports it", async () => {
  await using w = await startCrudWorld();
  const door = createDoor(w.server.store.db, { alias: "Front" }).id;
  failed(await w.viewer.request("door.set_mode", { door_id: door, mode: "lockdown" }), 2);
  failed(await w.admin.request("door.set_mode", { door_id: door, mode: "open-sesame" }), 1);
  ok(await w.admin.request("door.set_mode", { door_id: door, mode: "lockdown" }));
  const status = ok(await w.viewer.request("door.status", { door_id: 0 }));
  assert.deepEqual(status.doors.map((d: { mode: string }) => d.mode), ["lockdown"]);
  failed(await w.user.request("door.status", { door_id: door }), 2);
  assertNotFound(await w.admin.request("door.status", { door_id: 42 }), "door", 42);
  const row = w.server.store.db.prepare(
    "SELECT author_id, data FROM audit_events WHERE kind = ? ORDER BY id DESC",
  ).get(AUDIT_KIND.DOOR) as { author_id: number; data: string };
  assert.deepEqual(JSON.parse(row.data).to, "lockdown");
});

Deno.test("door.open and hardware.simulate need a controller and the right rank", async () => {
  await using w = await startCrudWorld();
  const door = createDoor(w.server.store.db, { alias: "Front" }).id;
  failed(await w.viewer.request("door.open", { door_id: door }), 2);
  const noController = await w.admin.request("door.open", { door_id: door });
  failed(noController, 1);
  assert.match(noController.status_string, /not running/);
  failed(
    await w.viewer.request("hardware.simulate", { action: "card", reader: "r", number: 1 }),
    2,
  );
  failed(await w.admin.request("hardware.simulate", { action: "card", reader: "r", number: 1 }), 1);
});

Deno.test("events.subscribe pushes live events only while logged in", async () => {
  await using w = await startCrudWorld();
  failed(await w.user.request("events.subscribe", {}), 2);
  const sub = ok(await w.viewer.request("events.subscribe", { categories: ["alarm"] }));
  assert.deepEqual(sub.categories, ["alarm"]);
  const hub = w.server.app.deps.events;
  hub.publish({ category: "access", granted: true });
  hub.publish({ category: "alarm", alarm: "forced", door: 1 });
  const push = await w.viewer.nextUnsolicited((m) => m.type.startsWith("event."));
  assert.equal(push.type, "event.alarm");
  assert.equal(push.status_code, 0);
  assert.equal(push.status_string, "");
  assert.match(push.uuid, /^[0-9a-f-]{36}$/);
  assert.deepEqual(push.content, { alarm: "forced", door: 1 });
  ok(await w.viewer.request("logout", {}));
  hub.publish({ category: "alarm", alarm: "forced", door: 2 });
  await assert.rejects(
    w.viewer.nextUnsolicited((m) => m.type.startsWith("event."), 200),
  );
  assert.equal(hub.size, 0);
});
