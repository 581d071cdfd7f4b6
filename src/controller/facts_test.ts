import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { type AccessRequest, decideAccess, localTimeOf } from "../engine/mod.ts";
import { createAntipassbackWriter, createFactsReader } from "./facts.ts";
import { createAccessPoint } from "../store/access_points.ts";
import { createCredential, updateCredential } from "../store/credentials.ts";
import { openDatabase } from "../store/db.ts";
import { createDoor } from "../store/doors.ts";
import { createGroup } from "../store/groups.ts";
import { createHoliday } from "../store/holidays.ts";
import { createMembership } from "../store/memberships.ts";
import { createMapping, createSchedule } from "../store/schedules.ts";
import { hashPin } from "../store/secrets.ts";
import { createUser } from "../store/users.ts";
import { createZone } from "../store/zones.ts";
import { openTempDatabase } from "../store/_test_db.ts";

const SECRET = new Uint8Array(32).fill(7);
/** Monday 2026-01-05, 10:00 UTC. */
const MONDAY_10 = Date.UTC(2026, 0, 5, 10, 0);
const WORK_HOURS = [0, 1, 2, 3, 4].map((day) => ({ day, startMinute: 480, endMinute: 1080 }));

interface World extends Disposable {
  db: DatabaseSync;
  policy: DatabaseSync;
  userId: number;
  cardId: number;
  doorId: number;
  accessPointId: number;
}

/** A user with a card at a door behind an access point; the reader uses a separate read-only connection. */
function world(): World {
  const temp = openTempDatabase();
  const db = temp.db;
  const userId = createUser(db, { username: "alice" }).id;
  const cardId = createCredential(db, {
    type: "rfid-card",
    cardId: "aa:bb:cc:dd",
    nbBits: 32,
    ownerId: userId,
  }).id;
  const accessPointId = createAccessPoint(db).id;
  const doorId = createDoor(db, { alias: "Front", accessPointId }).id;
  const policy = openDatabase(temp.path, { readOnly: true });
  return {
    db,
    policy,
    userId,
    cardId,
    doorId,
    accessPointId,
    [Symbol.dispose]() {
      policy.close();
      temp[Symbol.dispose]();
    },
  };
}

function cardRequest(w: World, doorId = w.doorId): AccessRequest {
  return {
    doorId,
    accessPointId: w.accessPointId,
    presented: { card: { cardId: "aa:bb:cc:dd", nbBits: 32 } },
  };
}

function decide(w: World, request: AccessRequest, ms = MONDAY_10): ReturnType<typeof decideAccess> {
  const facts = createFactsReader(w.policy, SECRET);
  const local = localTimeOf(ms, 0);
  const gathered = facts.gather(request, { ms, date: local.date });
  assert.ok(gathered !== null);
  return decideAccess(request, gathered, { ms, local });
}

Deno.test("createFactsReader() finds a schedule mapped to the user for this door", () => {
  using w = world();
  const schedule = createSchedule(w.db, { name: "work", timeframes: WORK_HOURS });
  createMapping(w.db, schedule.id, { userIds: [w.userId], doorIds: [w.doorId] });
  const facts = createFactsReader(w.policy, SECRET).gather(cardRequest(w), {
    ms: MONDAY_10,
    date: "2026-01-05",
  })!;
  assert.equal(facts.card?.id, w.cardId);
  assert.equal(facts.owner?.id, w.userId);
  assert.deepEqual(facts.schedules.map((s) => [s.id, s.grantedVia]), [
    [schedule.id, [{ kind: "user", userId: w.userId }]],
  ]);
  assert.equal(facts.schedules[0]!.timeframes.length, 5);
  assert.equal(decide(w, cardRequest(w)).reason, "GRANTED");
  assert.equal(decide(w, cardRequest(w), Date.UTC(2026, 0, 5, 19, 0)).reason, "OUTSIDE_SCHEDULE");
});

Deno.test("createFactsReader() finds schedules through a group and through the credential", () => {
  using w = world();
  const group = createGroup(w.db, { name: "staff" });
  createMembership(w.db, { userId: w.userId, groupId: group.id, timestamp: 0 });
  const viaGroup = createSchedule(w.db, { name: "g", timeframes: WORK_HOURS });
  createMapping(w.db, viaGroup.id, { groupIds: [group.id], doorIds: [w.doorId] });
  const viaCard = createSchedule(w.db, { name: "c", timeframes: WORK_HOURS });
  createMapping(w.db, viaCard.id, { credentialIds: [w.cardId], doorIds: [w.doorId] });
  const facts = createFactsReader(w.policy, SECRET).gather(cardRequest(w), {
    ms: MONDAY_10,
    date: "2026-01-05",
  })!;
  const byId = new Map(facts.schedules.map((s) => [s.id, s.grantedVia]));
  assert.deepEqual(byId.get(viaGroup.id), [{ kind: "group", groupId: group.id }]);
  assert.deepEqual(byId.get(viaCard.id), [{ kind: "credential", credentialId: w.cardId }]);
  assert.equal(decide(w, cardRequest(w)).granted, true);
});

Deno.test("createFactsReader() follows the zone tree and 'all doors' mappings, not other doors", () => {
  using w = world();
  const other = createDoor(w.db, { alias: "Back" }).id;
  const child = createZone(w.db, { alias: "floor", doorIds: [w.doorId] }).id;
  const parent = createZone(w.db, { alias: "building", childIds: [child] }).id;
  const unrelated = createZone(w.db, { alias: "annex", doorIds: [other] }).id;
  const viaAncestor = createSchedule(w.db, { name: "a", timeframes: WORK_HOURS });
  createMapping(w.db, viaAncestor.id, { userIds: [w.userId], zoneIds: [parent] });
  const otherZone = createSchedule(w.db, { name: "b", timeframes: WORK_HOURS });
  createMapping(w.db, otherZone.id, { userIds: [w.userId], zoneIds: [unrelated] });
  const otherDoor = createSchedule(w.db, { name: "c", timeframes: WORK_HOURS });
  createMapping(w.db, otherDoor.id, { userIds: [w.userId], doorIds: [other] });
  const everywhere = createSchedule(w.db, { name: "d", timeframes: WORK_HOURS });
  createMapping(w.db, everywhere.id, { userIds: [w.userId] });
  const reader = createFactsReader(w.policy, SECRET);
  const ids = (doorId: number): number[] =>
    reader.gather(cardRequest(w, doorId), { ms: MONDAY_10, date: "2026-01-05" })!
      .schedules.map((s) => s.id).sort((a, b) => a - b);
  assert.deepEqual(ids(w.doorId), [viaAncestor.id, everywhere.id]);
  assert.deepEqual(ids(other), [otherZone.id, otherDoor.id, everywhere.id]);
});

Deno.test("createFactsReader() reports holidays and the decision suspends the schedule", () => {
  using w = world();
  const schedule = createSchedule(w.db, { name: "work", timeframes: WORK_HOURS });
  createMapping(w.db, schedule.id, { userIds: [w.userId], doorIds: [w.doorId] });
  createHoliday(w.db, { date: "2020-01-05", recurring: true });
  const reader = createFactsReader(w.policy, SECRET);
  assert.ok(reader.isHoliday("2026-01-05"));
  assert.ok(!reader.isHoliday("2026-01-06"));
  assert.equal(decide(w, cardRequest(w)).reason, "HOLIDAY");
  assert.equal(decide(w, cardRequest(w), MONDAY_10 + 86_400_000).reason, "GRANTED");
});

Deno.test("createFactsReader() matches PINs by keyed hash and identifies the owner", () => {
  using w = world();
  const pin = createCredential(w.db, {
    type: "pin-code",
    pinHash: hashPin(SECRET, "1234"),
    ownerId: w.userId,
  });
  const everywhere = createSchedule(w.db, { name: "d", timeframes: WORK_HOURS });
  createMapping(w.db, everywhere.id, { userIds: [w.userId] });
  const request: AccessRequest = { ...cardRequest(w), presented: { pin: "1234" } };
  const facts = createFactsReader(w.policy, SECRET).gather(request, {
    ms: MONDAY_10,
    date: "2026-01-05",
  })!;
  assert.deepEqual(facts.pinMatches.map((c) => c.id), [pin.id]);
  assert.equal(facts.owner?.id, w.userId);
  assert.equal(facts.card, null);
  const wrong = { ...request, presented: { pin: "9999" } };
  assert.deepEqual(
    createFactsReader(w.policy, SECRET).gather(wrong, { ms: MONDAY_10, date: "2026-01-05" })!
      .pinMatches,
    [],
  );
});

Deno.test("createFactsReader() sees a committed change at the next read (no cache)", () => {
  using w = world();
  const schedule = createSchedule(w.db, { name: "work", timeframes: WORK_HOURS });
  createMapping(w.db, schedule.id, { userIds: [w.userId], doorIds: [w.doorId] });
  assert.equal(decide(w, cardRequest(w)).reason, "GRANTED");
  updateCredential(w.db, w.cardId, { validity: { enabled: false, start: null, end: null } });
  assert.equal(decide(w, cardRequest(w)).reason, "CREDENTIAL_DISABLED");
});

Deno.test("createFactsReader() reads anti-passback state written on grant", () => {
  using w = world();
  w.db.prepare("UPDATE access_points SET direction = 'entry' WHERE id = ?").run(w.accessPointId);
  createZone(w.db, { alias: "lab", doorIds: [w.doorId], antipassback: "hard" });
  const everywhere = createSchedule(w.db, { name: "d", timeframes: WORK_HOURS });
  createMapping(w.db, everywhere.id, { userIds: [w.userId] });
  const first = decide(w, cardRequest(w));
  assert.equal(first.reason, "GRANTED");
  createAntipassbackWriter(w.db)(first.antipassbackUpdates);
  assert.equal(decide(w, cardRequest(w), MONDAY_10 + 1000).reason, "ANTI_PASSBACK");
  w.db.prepare("DELETE FROM antipassback_state WHERE user_id = ?").run(w.userId);
  assert.equal(decide(w, cardRequest(w), MONDAY_10 + 2000).reason, "GRANTED");
});

Deno.test("createFactsReader() gives null for an unknown door", () => {
  using w = world();
  const facts = createFactsReader(w.policy, SECRET);
  assert.equal(facts.gather(cardRequest(w, 999), { ms: MONDAY_10, date: "2026-01-05" }), null);
});
