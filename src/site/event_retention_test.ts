import assert from "node:assert/strict";
import { auditRecord as record } from "./_test_records.ts";
import type { DatabaseSync } from "node:sqlite";
import { FakeClock } from "../clock.ts";
import { openTempDatabase } from "../store/_test_db.ts";
import {
  appendAuditBatch,
  AUDIT_EVENT,
  AUDIT_KIND,
  type AuditEntry,
  auditMask,
  type AuditRecord,
} from "../store/audit.ts";
import {
  AuditRetention,
  type AuditRetentionPolicy,
  DAY_MS,
  runAuditRetention,
  SIZE_TARGET_RATIO,
  usedDatabaseBytes,
} from "../store/audit_retention.ts";
import { verifyAuditChain } from "../store/audit_verify.ts";
import { querySiteEventPage } from "./event_page.ts";
import { removeAgedSiteEvents, siteEventsCopy } from "./event_retention.ts";
import {
  CURSOR,
  eventMessage,
  mirrorLocalEvents,
  readCursor,
  storeEvent,
  writeCursor,
} from "./event_store.ts";

const NOW = Date.UTC(2026, 0, 5, 12);
const FILLER = "x".repeat(2000);

/** Stores an event of `controller` as the inbox or the outbox would. */
function store(db: DatabaseSync, controller: string, r: AuditRecord): void {
  const m = eventMessage(r, controller);
  storeEvent(db, m, JSON.stringify(m), null);
}

function left(db: DatabaseSync): string[] {
  return db.prepare("SELECT controller, origin_id FROM site_events ORDER BY controller, origin_id")
    .all().map((r) => `${r.controller}:${r.origin_id}`);
}

function count(db: DatabaseSync, sql: string): number {
  return Number(db.prepare(`SELECT count(*) AS c FROM ${sql}`).get()!.c);
}

/** Local access decisions `daysAgo` days old, each about 2 KB. */
function decisions(n: number, daysAgo: number): AuditEntry[] {
  return Array.from({ length: n }, () => ({
    kind: AUDIT_KIND.AUTH,
    mask: auditMask(AUDIT_EVENT.AUTH_GRANTED),
    authorId: null,
    description: "Access granted",
    timestamp: NOW - daysAgo * DAY_MS,
    data: { door_alias: "Front", extra: FILLER },
  }));
}

function policy(overrides: Partial<AuditRetentionPolicy> = {}): AuditRetentionPolicy {
  return { keepAccessDays: 365, keepOtherDays: 90, maxBytes: null, exportDir: null, ...overrides };
}

Deno.test("removeAgedSiteEvents() keeps access decisions 365 days and other kinds 90, by kind", () => {
  using temp = openTempDatabase();
  const { db } = temp;
  store(db, "b", record(1, AUDIT_KIND.AUTH, NOW - 100 * DAY_MS)); // a decision: within 365 days
  store(db, "b", record(2, AUDIT_KIND.AUTH, NOW - 366 * DAY_MS)); // past 365 days
  store(db, "b", record(3, AUDIT_KIND.DOOR, NOW - 91 * DAY_MS)); // other: past 90 days
  store(db, "b", record(4, AUDIT_KIND.USER, NOW - 89 * DAY_MS));
  store(db, "b", record(5, "Some::Future::Kind", NOW - 91 * DAY_MS)); // unknown: kept as "other"
  store(db, "c", record(1, AUDIT_KIND.ALARM, NOW - 200 * DAY_MS));
  const keep = { keepAccessDays: 365, keepOtherDays: 90 };
  assert.equal(removeAgedSiteEvents(db, keep, { now: NOW, controller: "a", maxRows: 2 }), 2);
  assert.equal(removeAgedSiteEvents(db, keep, { now: NOW, controller: "a", maxRows: 100 }), 2);
  assert.deepEqual(left(db), ["b:1", "b:4"]);
  assert.equal(removeAgedSiteEvents(db, keep, { now: NOW, controller: "a", maxRows: 100 }), 0);
});

Deno.test("removeAgedSiteEvents() removes this controller's published rows, not the unpublished", () => {
  using temp = openTempDatabase();
  const { db } = temp;
  const old = NOW - 100 * DAY_MS;
  store(db, "b", record(1, AUDIT_KIND.DOOR, old));
  store(db, "b", record(2, AUDIT_KIND.DOOR, old)); // b's ids are not a's: b's row 2 goes
  store(db, "a", record(1, AUDIT_KIND.DOOR, old)); // own, published
  store(db, "a", record(2, AUDIT_KIND.DOOR, old)); // own, not published yet
  writeCursor(db, CURSOR.PUBLISHED, 1);
  const removed = removeAgedSiteEvents(db, { keepAccessDays: 365, keepOtherDays: 90 }, {
    now: NOW,
    controller: "a",
    maxRows: 100,
  });
  assert.equal(removed, 3);
  assert.deepEqual(left(db), ["a:2"]);
});

Deno.test("runAuditRetention() with the site copy removes old site events and old audit rows in one run", async () => {
  using temp = openTempDatabase();
  const { db } = temp;
  appendAuditBatch(db, decisions(2, 400));
  appendAuditBatch(db, decisions(1, 10));
  for (let i = 1; i <= 7; i++) store(db, "b", record(i, AUDIT_KIND.DOOR, NOW - 100 * DAY_MS));
  store(db, "b", record(8, AUDIT_KIND.DOOR, NOW - DAY_MS));
  // The outbox has copied and published the three local rows.
  assert.equal(mirrorLocalEvents(db, "a", 1000), 3);
  writeCursor(db, CURSOR.PUBLISHED, 3);
  let pauses = 0;
  const report = await runAuditRetention(db, policy(), NOW, {
    copy: siteEventsCopy(db, "a"),
    batchRows: 3,
    pause: () => (pauses++, Promise.resolve()),
  });
  assert.equal(report.removedCopy, 2 + 7, "a's two old decisions, b's seven old door events");
  assert.deepEqual(report.removed, { access: 2, other: 0 });
  assert.deepEqual(left(db), ["a:3", "b:8"]);
  assert.equal(pauses, 3 + 1, "site events in batches of 3, 3, 3, then one audit batch");
  assert.equal(report.more, false);
});

Deno.test("runAuditRetention() under size pressure removes the oldest site events before any audit row", async () => {
  using temp = openTempDatabase();
  const { db } = temp;
  appendAuditBatch(db, decisions(200, 10));
  // Another controller's events over the last 30 days, about 2 KB each, inserted in time order.
  for (let i = 0; i < 600; i++) {
    const at = NOW - 30 * DAY_MS + i * 60_000;
    store(db, "b", record(i + 1, AUDIT_KIND.DOOR, at, `${i} ${FILLER}`));
  }
  const before = usedDatabaseBytes(db);
  const maxBytes = Math.floor(before * 0.6);
  const report = await runAuditRetention(db, policy({ maxBytes }), NOW, {
    copy: siteEventsCopy(db, "a"),
    batchRows: 50,
  });
  const after = usedDatabaseBytes(db);
  assert.ok(after <= maxBytes * SIZE_TARGET_RATIO, `used ${after} bytes, bound ${maxBytes}`);
  assert.deepEqual(report.removed, { access: 0, other: 0 }, "no audit row went");
  assert.equal(count(db, "audit_events"), 200);
  assert.ok(report.removedCopy > 0 && report.removedCopy < 600, JSON.stringify(report));
  // The oldest went: what is left is the newest, without a gap.
  const ids = db.prepare("SELECT origin_id FROM site_events ORDER BY timestamp").all()
    .map((r) => Number(r.origin_id));
  assert.equal(ids.length, 600 - report.removedCopy);
  assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => report.removedCopy + 1 + i));
  // Under the bound: nothing more.
  const again = await runAuditRetention(db, policy({ maxBytes }), NOW, {
    copy: siteEventsCopy(db, "a"),
  });
  assert.equal(again.removedCopy + again.removed.access + again.removed.other, 0);
});

Deno.test("runAuditRetention() never removes own site events not yet published, even for size", async () => {
  using temp = openTempDatabase();
  const { db } = temp;
  // 300 local decisions copied into site_events as controller a's; the stream acknowledged 100.
  appendAuditBatch(db, decisions(300, 10));
  assert.equal(mirrorLocalEvents(db, "a", 1000), 300);
  writeCursor(db, CURSOR.PUBLISHED, 100);
  for (let i = 1; i <= 50; i++) store(db, "b", record(i, AUDIT_KIND.DOOR, NOW - 20 * DAY_MS));
  // A bound the copy alone cannot reach: audit rows go too, once the copy has nothing left.
  const maxBytes = Math.floor(usedDatabaseBytes(db) * 0.3);
  const report = await runAuditRetention(db, policy({ maxBytes }), NOW, {
    copy: siteEventsCopy(db, "a"),
    batchRows: 40,
  });
  assert.equal(report.removedCopy, 150, "b's 50 rows and a's 100 published ones");
  const own = db.prepare("SELECT origin_id FROM site_events ORDER BY origin_id").all()
    .map((r) => Number(r.origin_id));
  assert.deepEqual(own, Array.from({ length: 200 }, (_, i) => 101 + i));
  assert.equal(count(db, "site_events WHERE controller = 'b'"), 0);
  assert.ok(report.removed.access > 0, JSON.stringify(report));
  assert.ok(verifyAuditChain(db).ok);
  // The outbox still has every unpublished message to send.
  assert.equal(readCursor(db, CURSOR.PUBLISHED), 100);
  // A later run with an impossible bound still spares them.
  await runAuditRetention(db, policy({ maxBytes: 1 }), NOW, { copy: siteEventsCopy(db, "a") });
  assert.equal(count(db, "site_events WHERE controller = 'a' AND origin_id > 100"), 200);
});

Deno.test("runAuditRetention() in a site never removes audit rows the outbox has not copied yet", async () => {
  using temp = openTempDatabase();
  const { db } = temp;
  // 100 old decisions, past their keep period; the outbox has copied only the first 40.
  appendAuditBatch(db, decisions(100, 400));
  assert.equal(mirrorLocalEvents(db, "a", 40), 40);
  writeCursor(db, CURSOR.PUBLISHED, 40);
  const report = await runAuditRetention(db, policy({ maxBytes: 1 }), NOW, {
    copy: siteEventsCopy(db, "a"),
  });
  assert.equal(report.removed.access, 40, "only the copied ones, for age and for size");
  const ids = db.prepare("SELECT id FROM audit_events ORDER BY id").all().map((r) => Number(r.id));
  assert.deepEqual(ids, Array.from({ length: 60 }, (_, i) => 41 + i));
  assert.ok(verifyAuditChain(db).ok);
  // Once copied, the outbox has all 60 to publish, and they may go.
  assert.equal(mirrorLocalEvents(db, "a", 1000), 60);
  const later = await runAuditRetention(db, policy(), NOW, { copy: siteEventsCopy(db, "a") });
  assert.equal(later.removed.access, 60);
  assert.equal(count(db, "site_events WHERE controller = 'a' AND origin_id > 40"), 60);
});

Deno.test("runAuditRetention() without a site leaves site_events alone and applies the audit rule as before", async () => {
  using temp = openTempDatabase();
  const { db } = temp;
  appendAuditBatch(db, decisions(3, 400));
  appendAuditBatch(db, decisions(100, 10));
  for (let i = 1; i <= 100; i++) store(db, "b", record(i, AUDIT_KIND.DOOR, NOW - 200 * DAY_MS));
  const maxBytes = Math.floor(usedDatabaseBytes(db) * 0.8);
  const report = await runAuditRetention(db, policy({ maxBytes }), NOW, { batchRows: 50 });
  assert.equal(report.removedCopy, 0);
  assert.equal(count(db, "site_events"), 100);
  assert.ok(report.removed.access > 3, "the old decisions by age, then the oldest for size");
  assert.equal(count(db, "audit_events WHERE timestamp < " + (NOW - 365 * DAY_MS)), 0);
  assert.ok(verifyAuditChain(db).ok);
});

Deno.test("audit.get's site pages go on over what retention left, from a cursor taken before", async () => {
  using temp = openTempDatabase();
  const { db } = temp;
  for (let i = 1; i <= 3; i++) store(db, "b", record(i, AUDIT_KIND.DOOR, NOW - 100 * DAY_MS + i));
  for (let i = 4; i <= 6; i++) store(db, "b", record(i, AUDIT_KIND.DOOR, NOW - i * 60_000));
  const first = querySiteEventPage(db, { limit: 2 }, false);
  assert.deepEqual(first.rows.map((r) => r.origin_id), [4, 5]);
  const deep = querySiteEventPage(db, { limit: 2, after: first.next! }, false);
  assert.deepEqual(deep.rows.map((r) => r.origin_id), [6, 3]);
  await runAuditRetention(db, policy(), NOW, { copy: siteEventsCopy(db, "a") });
  assert.deepEqual(left(db), ["b:4", "b:5", "b:6"]);
  const second = querySiteEventPage(db, { limit: 2, after: first.next! }, false);
  assert.deepEqual(second.rows.map((r) => r.origin_id), [6]);
  assert.equal(second.next, null);
  // A cursor on a removed row still pages: nothing older is left.
  assert.deepEqual(querySiteEventPage(db, { limit: 2, after: deep.next! }, false).rows, []);
});

Deno.test("AuditRetention removes site events on its schedule", async () => {
  using temp = openTempDatabase();
  const { db } = temp;
  const clock = new FakeClock(NOW);
  store(db, "b", record(1, AUDIT_KIND.DOOR, NOW - 100 * DAY_MS));
  store(db, "b", record(2, AUDIT_KIND.DOOR, NOW - 80 * DAY_MS));
  const retention = new AuditRetention(db, policy(), {
    clock,
    intervalMs: 60_000,
    copy: siteEventsCopy(db, "a"),
  });
  retention.start();
  clock.advance(60_000);
  await retention.running;
  assert.deepEqual(left(db), ["b:2"]);
  clock.set(NOW + 10 * DAY_MS);
  clock.advance(60_000);
  await retention.running;
  assert.deepEqual(left(db), []);
  await retention.stop();
});
