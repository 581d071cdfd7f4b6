/**
 * The recorder on a fake clock: rows the database refuses (a write lock held
 * by another connection) are kept in order, retried with a doubling delay and
 * handed on only once committed; the bound drops the oldest; the decision's
 * anti-passback state commits in the row's transaction.
 */
import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { FakeClock } from "../clock.ts";
import type { AccessRequest, Decision, DoorEvent } from "../engine/mod.ts";
import { AUDIT_KIND, getAuditEvent } from "../store/audit.ts";
import { openDatabase } from "../store/db.ts";
import { openTempDatabase, type TempDatabase } from "../store/_test_db.ts";
import { createZone } from "../store/zones.ts";
import { createUser } from "../store/users.ts";
import type { ControllerEvent } from "./protocol.ts";
import { createRecorder, type Recorder, RETRY_MAX_MS, RETRY_MIN_MS } from "./recorder.ts";

const DOOR = { id: 7, alias: "Lab" };
const T0 = Date.UTC(2026, 0, 5, 12, 0);

interface Rig extends Disposable {
  /** The migrated connection; it takes the write lock to refuse rows. */
  other: DatabaseSync;
  /** The recorder's connection (no busy wait). */
  db: DatabaseSync;
  clock: FakeClock;
  events: ControllerEvent[];
  recorder: Recorder;
  lock(): void;
  unlock(): void;
  auditCount(): number;
}

function rig(maxPending?: number): Rig {
  const temp: TempDatabase = openTempDatabase();
  const db = openDatabase(temp.path, { migrate: false, busyTimeoutMs: 0 });
  const clock = new FakeClock(T0);
  const events: ControllerEvent[] = [];
  const recorder = createRecorder({
    db,
    emit: (event) => events.push(event),
    clock,
    ...(maxPending === undefined ? {} : { maxPending }),
  });
  return {
    other: temp.db,
    db,
    clock,
    events,
    recorder,
    lock: () => temp.db.exec("BEGIN IMMEDIATE"),
    unlock: () => temp.db.exec("COMMIT"),
    auditCount: () =>
      (temp.db.prepare("SELECT count(*) AS n FROM audit_events").get() as { n: number }).n,
    [Symbol.dispose]() {
      recorder.close();
      db.close();
      temp[Symbol.dispose]();
    },
  };
}

/** A door event at `T0 + i` (its description and timestamp identify it). */
function opened(i: number): DoorEvent {
  return { type: "OPENED", atMs: T0 + i, authorized: true };
}

function timestamps(events: readonly ControllerEvent[]): number[] {
  return events.map((e) => e.timestamp - T0);
}

Deno.test("recorder: a committed row is handed on at once, through appendAudit", () => {
  using r = rig();
  r.recorder.door(DOOR, opened(1), 5);
  assert.equal(r.events.length, 1);
  const event = r.events[0]!;
  assert.equal(event.category, "door");
  assert.deepEqual(event.content, {
    audit_id: event.auditId,
    timestamp: T0 + 1,
    event: "OPENED",
    door: 7,
    door_alias: "Lab",
    authorized: true,
  });
  const row = getAuditEvent(r.other, event.auditId)!;
  assert.equal(row.kind, AUDIT_KIND.DOOR);
  assert.equal(row.authorId, 5);
  assert.equal(row.description, "door 7 (Lab) opened");
  assert.equal(r.recorder.pending(), 0);
  assert.equal(r.clock.pending, 0, "no retry timer");
});

Deno.test("recorder: refused rows wait in order, are retried with a doubling delay, and are pushed once committed", () => {
  using r = rig();
  r.lock();
  for (let i = 1; i <= 3; i++) r.recorder.door(DOOR, opened(i), null);
  assert.equal(r.events.length, 0, "nothing is pushed before its row is committed");
  assert.equal(r.recorder.pending(), 3);
  // Attempts at 250, 500, 1000 and 2000 ms fail; the next one is due at 4000.
  r.clock.advance(RETRY_MIN_MS + 250 + 500 + 1000);
  assert.equal(r.recorder.pending(), 3);
  r.unlock();
  r.clock.advance(1999);
  assert.equal(r.events.length, 0, "no attempt before the back-off delay");
  assert.equal(r.auditCount(), 0);
  r.clock.advance(1);
  assert.deepEqual(timestamps(r.events), [1, 2, 3]);
  const ids = r.events.map((e) => e.auditId);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), "committed in order");
  assert.equal(r.auditCount(), 3);
  assert.equal(r.recorder.pending(), 0);
  assert.equal(r.clock.pending, 0, "no retry timer once drained");
});

Deno.test("recorder: the retry delay stops growing at RETRY_MAX_MS, and resets after a success", () => {
  using r = rig();
  r.lock();
  r.recorder.door(DOOR, opened(1), null);
  // Failed attempts at 250, 500, 1000, 2000, 4000 and 8000 ms; then every 4000 ms.
  r.clock.advance(8000);
  r.unlock();
  r.clock.advance(RETRY_MAX_MS - 1);
  assert.equal(r.events.length, 0);
  r.clock.advance(1);
  assert.equal(r.events.length, 1);
  // A new refusal starts again at the shortest delay.
  r.lock();
  r.recorder.door(DOOR, opened(2), null);
  r.unlock();
  r.clock.advance(RETRY_MIN_MS - 1);
  assert.equal(r.events.length, 1);
  r.clock.advance(1);
  assert.deepEqual(timestamps(r.events), [1, 2]);
});

Deno.test("recorder: a row written while others wait goes behind them even if the database accepts it", () => {
  using r = rig();
  r.lock();
  r.recorder.door(DOOR, opened(1), null);
  r.unlock();
  r.recorder.door(DOOR, opened(2), null);
  assert.equal(r.events.length, 0);
  assert.equal(r.recorder.pending(), 2);
  r.clock.advance(RETRY_MIN_MS);
  assert.deepEqual(timestamps(r.events), [1, 2]);
});

Deno.test("recorder: beyond the bound the oldest waiting rows are dropped, the newest kept", () => {
  using r = rig(3);
  r.lock();
  for (let i = 1; i <= 5; i++) r.recorder.door(DOOR, opened(i), null);
  assert.equal(r.recorder.pending(), 3);
  r.unlock();
  r.clock.advance(RETRY_MIN_MS);
  assert.deepEqual(timestamps(r.events), [3, 4, 5]);
  assert.equal(r.auditCount(), 3);
});

Deno.test("recorder: close() tries the waiting rows once more and stops retrying", () => {
  using r = rig();
  r.lock();
  r.recorder.door(DOOR, opened(1), null);
  r.unlock();
  r.recorder.close();
  assert.deepEqual(timestamps(r.events), [1]);
  assert.equal(r.clock.pending, 0);
});

Deno.test("recorder: hold() commits at once but hands events on when the callback returns", () => {
  using r = rig();
  const seen = r.recorder.hold(() => {
    r.recorder.door(DOOR, opened(1), null);
    r.recorder.door(DOOR, opened(2), null);
    return { events: r.events.length, rows: r.auditCount() };
  });
  assert.deepEqual(seen, { events: 0, rows: 2 });
  assert.deepEqual(timestamps(r.events), [1, 2]);
});

function grant(userId: number, zoneId: number): { request: AccessRequest; decision: Decision } {
  return {
    request: {
      doorId: DOOR.id,
      accessPointId: 1,
      presented: { card: { cardId: "00:00:00:01", nbBits: 26 }, pin: "1234" },
    },
    decision: {
      granted: true,
      reason: "GRANTED",
      userId,
      credentialId: 3,
      antipassbackUpdates: [{ zoneId, userId, inside: true, atMs: T0 }],
    },
  };
}

Deno.test("recorder: the anti-passback state and the access row commit in one transaction", () => {
  using r = rig();
  const zoneId = createZone(r.other, { alias: "Z" }).id;
  const userId = createUser(r.other, { username: "ann" }).id;
  const { request, decision } = grant(userId, zoneId);
  const stateRows = (): number =>
    (r.other.prepare("SELECT count(*) AS n FROM antipassback_state").get() as { n: number }).n;
  let calls = 0;
  r.recorder.access(
    { door: DOOR, accessPointId: 1, request, decision, atMs: T0 },
    () => {
      calls++;
      r.db.prepare(
        "INSERT INTO antipassback_state (zone_id, user_id, inside, at) VALUES (?, ?, 1, ?)",
      )
        .run(zoneId, userId, T0);
      if (calls === 1) throw new Error("disk I/O error");
    },
  );
  assert.equal(stateRows(), 0, "the state write was rolled back with the row");
  assert.equal(r.auditCount(), 0);
  assert.equal(r.recorder.pending(), 1);
  r.clock.advance(RETRY_MIN_MS);
  assert.equal(calls, 2);
  assert.equal(stateRows(), 1);
  assert.equal(r.auditCount(), 1);
  const content = r.events[0]!.content;
  assert.equal(content.granted, true);
  assert.equal(content.user, userId);
  assert.equal(content.pin_presented, true);
  assert.ok(!("pin" in content), "no PIN in the row or the event");
});

Deno.test("recorder: a state change whose zone is gone is dropped, the access row is still written", () => {
  using r = rig();
  const userId = createUser(r.other, { username: "bo" }).id;
  const { request, decision } = grant(userId, 999);
  r.recorder.access(
    { door: DOOR, accessPointId: 1, request, decision, atMs: T0 },
    () =>
      r.db.prepare(
        "INSERT INTO antipassback_state (zone_id, user_id, inside, at) VALUES (?, ?, 1, ?)",
      )
        .run(999, userId, T0),
  );
  assert.equal(r.events.length, 1);
  assert.equal(r.recorder.pending(), 0);
  assert.equal(r.auditCount(), 1);
});

Deno.test("recorder: a refusal raises one alarm at once and ends with one stored ALARM row", () => {
  const temp: TempDatabase = openTempDatabase();
  const db = openDatabase(temp.path, { migrate: false, busyTimeoutMs: 0 });
  const clock = new FakeClock(T0);
  const events: ControllerEvent[] = [];
  const alarms: ControllerEvent[] = [];
  const recorder = createRecorder({
    db,
    emit: (event) => events.push(event),
    clock,
    alarms: (event) => alarms.push(event),
  });
  try {
    temp.db.exec("BEGIN IMMEDIATE");
    recorder.door(DOOR, opened(1), 5);
    recorder.door(DOOR, opened(2), 5);
    clock.advance(RETRY_MIN_MS); // a second refused attempt: still one alarm
    assert.equal(alarms.length, 1);
    assert.equal(alarms[0]!.auditId, -1);
    assert.equal(alarms[0]!.content.alarm, "database_refused");
    assert.equal(alarms[0]!.content.reason, "database_error");
    assert.match(String(alarms[0]!.content.error), /locked/);
    temp.db.exec("COMMIT");
    clock.advance(2 * RETRY_MIN_MS);
    assert.deepEqual(timestamps(events), [1, 2]);
    assert.equal(alarms.length, 2);
    const ended = alarms[1]!;
    assert.equal(ended.content.alarm, "database_refused_until");
    assert.equal(ended.content.waited, 2);
    assert.equal(ended.content.dropped, 0);
    const row = getAuditEvent(temp.db, ended.auditId)!;
    assert.equal(row.kind, AUDIT_KIND.ALARM);
    assert.match(row.description, /refused event rows for 1 s .*: 2 waited, 0 dropped/);
  } finally {
    recorder.close();
    db.close();
    temp[Symbol.dispose]();
  }
});
