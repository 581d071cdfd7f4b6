import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { DAY_MS } from "../store/audit_retention.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask, type AuditRecord } from "../store/audit.ts";
import { openTempDatabase } from "../store/_test_db.ts";
import {
  CURSOR,
  eventMessage,
  MAX_EVENT_MESSAGE_BYTES,
  parseEventMessage,
  pruneSiteEvents,
  storeEvent,
  writeCursor,
} from "./event_store.ts";

const NOW = Date.UTC(2026, 0, 5, 12);

function record(id: number, kind: string, timestamp: number): AuditRecord {
  return {
    id,
    timestamp,
    kind,
    mask: auditMask(AUDIT_EVENT.AUTH_GRANTED),
    authorId: null,
    description: `row ${id}`,
    targetId: 7,
    target2Id: 3,
    before: null,
    after: null,
    data: { granted: true, door: 3, credential: 12 },
  };
}

function store(db: DatabaseSync, controller: string, r: AuditRecord): void {
  const m = eventMessage(r, controller);
  storeEvent(db, m, JSON.stringify(m), null);
}

function left(db: DatabaseSync): string[] {
  return db.prepare("SELECT controller, origin_id FROM site_events ORDER BY controller, origin_id")
    .all().map((r) => `${r.controller}:${r.origin_id}`);
}

Deno.test("eventMessage() carries the audit.get shape, the filter ids and the live event", () => {
  const m = eventMessage(record(5, AUDIT_KIND.AUTH, NOW), "a");
  assert.equal(m.controller, "a");
  assert.equal(m.origin_id, 5);
  assert.equal(m.type, "audit-auth-event");
  assert.equal(m.attributes.granted, true);
  assert.deepEqual(m.refs, { author_id: null, target_id: 7, target2_id: 3, credential_id: 12 });
  assert.deepEqual(m.push, {
    category: "access",
    content: { audit_id: 5, timestamp: NOW, granted: true, door: 3, credential: 12 },
  });
  assert.equal(eventMessage(record(6, AUDIT_KIND.USER, NOW), "a").push, undefined);
});

Deno.test("eventMessage() empties snapshots that would not fit a NATS message", () => {
  const big = { ...record(5, AUDIT_KIND.USER, NOW), after: { notes: "x".repeat(200_000) } };
  const m = eventMessage(big, "a");
  assert.equal(m.attributes.after, "");
  assert.equal(m.attributes.truncated, true);
  assert.ok(JSON.stringify(m).length < MAX_EVENT_MESSAGE_BYTES);
});

Deno.test("parseEventMessage() refuses an event naming another controller than its subject", () => {
  const bytes = new TextEncoder().encode(JSON.stringify(eventMessage(record(1, "k", NOW), "a")));
  assert.equal(parseEventMessage(bytes, "a").origin_id, 1);
  assert.throws(() => parseEventMessage(bytes, "b"), /another controller/);
  assert.throws(() => parseEventMessage(new TextEncoder().encode("[1]"), "a"), /not an object/);
});

Deno.test("pruneSiteEvents() removes events past their keep period, not unpublished own ones", () => {
  using temp = openTempDatabase();
  const { db } = temp;
  const old = NOW - 100 * DAY_MS;
  store(db, "b", record(1, AUDIT_KIND.AUTH, old)); // access: kept 365 days
  store(db, "b", record(2, AUDIT_KIND.DOOR, old)); // other: kept 90 days
  store(db, "b", record(3, AUDIT_KIND.DOOR, NOW));
  store(db, "a", record(1, AUDIT_KIND.DOOR, old)); // own, published
  store(db, "a", record(2, AUDIT_KIND.DOOR, old)); // own, not published yet
  writeCursor(db, CURSOR.PUBLISHED, 1);
  const removed = pruneSiteEvents(db, { keepAccessDays: 365, keepOtherDays: 90 }, {
    now: NOW,
    controller: "a",
    maxRows: 100,
  });
  assert.equal(removed, 2);
  assert.deepEqual(left(db), ["a:2", "b:1", "b:3"]);
});
