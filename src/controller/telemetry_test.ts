import assert from "node:assert/strict";
import { resetLogging, setupLogging } from "../log.ts";
import type { AccessRecord } from "./audit_rows.ts";
import type { Observation } from "./protocol.ts";
import { createTelemetry } from "./telemetry.ts";

const PIN = "73915";
const CARD = "00:7a:b2:11";

/** A card + PIN grant for alice at door 3. */
const GRANT: AccessRecord = {
  door: { id: 3, alias: "Lab" },
  accessPointId: 7,
  request: {
    doorId: 3,
    accessPointId: 7,
    presented: { card: { cardId: CARD, nbBits: 26 }, pin: PIN },
  },
  decision: {
    granted: true,
    reason: "GRANTED",
    userId: 5,
    credentialId: 11,
    pinCredentialId: 12,
    antipassbackUpdates: [],
  },
  atMs: 0,
  names: { username: "alice", credentialAliases: new Map([[11, "alice-card"]]) },
};

async function captured(
  fn: (observed: Observation[]) => void,
): Promise<{ lines: Record<string, unknown>[]; observed: Observation[] }> {
  const lines: Record<string, unknown>[] = [];
  const observed: Observation[] = [];
  await setupLogging({ level: "info", format: "json", write: (l) => lines.push(JSON.parse(l)) });
  try {
    fn(observed);
  } finally {
    await resetLogging();
  }
  return { lines, observed };
}

Deno.test("createTelemetry() logs a decision at info with ids, never the card, PIN or name", async () => {
  const { lines, observed } = await captured((observed) => {
    const telemetry = createTelemetry((o) => observed.push(o));
    telemetry.access(GRANT);
    telemetry.access({
      ...GRANT,
      decision: { granted: false, reason: "UNKNOWN_CREDENTIAL", antipassbackUpdates: [] },
    });
    telemetry.badRead(GRANT.door, "parity", 26);
  });
  assert.deepEqual(observed, [
    { kind: "decision", door: 3, result: "granted", reason: "GRANTED" },
    { kind: "decision", door: 3, result: "denied", reason: "UNKNOWN_CREDENTIAL" },
    { kind: "decision", door: 3, result: "denied", reason: "BAD_READ" },
  ]);
  assert.equal(lines.length, 3);
  assert.ok(lines.every((line) => line.level === "info"));
  assert.equal(lines[0]!.message, "Access granted at door 3 (Lab): GRANTED, user 5, credential 11");
  assert.equal(lines[0]!.door, 3);
  assert.equal(lines[0]!.result, "granted");
  assert.equal(lines[1]!.user, null);
  assert.equal(lines[2]!.reason, "BAD_READ");
  const text = JSON.stringify(lines);
  for (const secret of [PIN, CARD, "alice"]) assert.ok(!text.includes(secret), secret);
});

Deno.test("createTelemetry() logs and observes door alarms and their end, not other door events", async () => {
  const door = { id: 2, alias: "" };
  const { lines, observed } = await captured((observed) => {
    const telemetry = createTelemetry((o) => observed.push(o));
    telemetry.door(door, { type: "OPENED", atMs: 0, authorized: true });
    telemetry.door(door, { type: "FORCED", atMs: 0 });
    telemetry.door(door, { type: "FORCED_END", atMs: 0 });
    telemetry.door(door, { type: "HELD_OPEN", atMs: 0 });
    telemetry.written(0.002);
  });
  assert.deepEqual(observed, [
    { kind: "door_alarm", door: 2, alarm: "forced" },
    { kind: "door_alarm", door: 2, alarm: "held_open" },
    { kind: "event_write", seconds: 0.002 },
  ]);
  assert.deepEqual(lines.map((line) => [line.level, line.message]), [
    ["info", "Door alarm at door 2: forced"],
    ["info", "Door alarm cleared at door 2: forced"],
    ["info", "Door alarm at door 2: held_open"],
  ]);
});
