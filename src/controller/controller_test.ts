import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { FakeClock } from "../clock.ts";
import { cardFrame, keypadFrames, WiegandSimulator } from "../hardware/sim/wiegand_sim.ts";
import type { BitsFrame } from "../hardware/wiegand/formats.ts";
import { AUDIT_KIND } from "../store/audit.ts";
import { createAccessPoint } from "../store/access_points.ts";
import { bindCardToPin, createCredential } from "../store/credentials.ts";
import { openDatabase } from "../store/db.ts";
import { createDevice } from "../store/devices.ts";
import { createDoor } from "../store/doors.ts";
import { createMapping, createSchedule } from "../store/schedules.ts";
import { hashPin } from "../store/secrets.ts";
import { createUser } from "../store/users.ts";
import { openTempDatabase } from "../store/_test_db.ts";
import { Controller } from "./controller.ts";
import { createHardware, type Hardware } from "./hardware.ts";
import type { ControllerEvent } from "./protocol.ts";
import { RETRY_MIN_MS } from "./recorder.ts";

const SECRET = new Uint8Array(32).fill(3);
const BASE_MS = Date.UTC(2026, 0, 5, 10, 0);
const LINE = { d0: 0, d1: 1, strike: 2 } as const;

interface Rig extends AsyncDisposable {
  db: DatabaseSync;
  controller: Controller;
  hardware: Hardware;
  timers: FakeClock;
  events: ControllerEvent[];
  reader: WiegandSimulator;
  strike(): boolean;
  /** Plays frames with synthesized timestamps, letting the silence timeout end each one. */
  play(frames: BitsFrame[]): void;
  access(): Record<string, unknown>[];
}

async function rig(
  readerMode: "card" | "card_and_pin" | "card_or_pin",
  readerConfig: Record<string, unknown> = {},
  policy: { bound?: boolean; pairsOnly?: boolean } = {},
): Promise<Rig> {
  const temp = openTempDatabase();
  const db = temp.db;
  const gpio = (name: string, offset: number): string =>
    createDevice(db, { name, type: "gpio", config: { offset } }).id;
  const reader = createDevice(db, {
    name: "reader",
    type: "wiegand-reader",
    config: {
      mode: "WIEGAND_CARD_PIN_4BITS",
      gpio_low_id: gpio("d0", LINE.d0),
      gpio_high_id: gpio("d1", LINE.d1),
      ...readerConfig,
    },
  }).id;
  const ap = createAccessPoint(db, {
    readerId: reader,
    readerMode,
    pinTimeoutMs: 5000,
    pairsOnly: policy.pairsOnly ?? false,
  }).id;
  createDoor(db, {
    alias: "Lab",
    accessPointId: ap,
    strikeGpioId: gpio("strike", LINE.strike),
    unlockMs: 3000,
  });
  const user = createUser(db, { username: "bob" }).id;
  const card = createCredential(db, {
    type: "rfid-card",
    cardId: cardId(),
    nbBits: 26,
    ownerId: user,
  });
  const pin = createCredential(db, {
    type: "pin-code",
    pinHash: hashPin(SECRET, "1234"),
    ownerId: user,
  });
  if (policy.bound === true) bindCardToPin(db, card.id, pin.id);
  const always = [0, 1, 2, 3, 4, 5, 6].map((day) => ({ day, startMinute: 0, endMinute: 1439 }));
  createMapping(db, createSchedule(db, { name: "always", timeframes: always }).id, {
    userIds: [user],
  });

  const timers = new FakeClock(BASE_MS);
  const hardware = createHardware("sim", {
    clockNs: () => BigInt(timers.monotonic()) * 1_000_000n,
  });
  const policyDb = openDatabase(temp.path, { readOnly: true });
  // As in the worker, a write connection of its own, here without busy wait.
  const eventsDb = openDatabase(temp.path, { migrate: false, busyTimeoutMs: 0 });
  const events: ControllerEvent[] = [];
  const controller = new Controller({
    policyDb,
    eventsDb,
    secret: SECRET,
    hardware,
    emit: (event) => events.push(event),
    clock: timers,
    offset: 0,
  });
  const loaded = await controller.reload();
  assert.deepEqual(loaded.warnings, []);
  const sim = new WiegandSimulator(hardware.sim!, { d0: LINE.d0, d1: LINE.d1, scheduler: timers });
  return {
    db,
    controller,
    hardware,
    timers,
    events,
    reader: sim,
    strike: () => hardware.sim!.level(LINE.strike),
    play(frames) {
      for (const frame of frames) {
        sim.sendInstant(frame, BigInt(timers.monotonic()) * 1_000_000n);
        timers.advance(frame.nbBits * 2 + 40);
      }
    },
    access: () => events.filter((e) => e.category === "access").map((e) => e.content),
    async [Symbol.asyncDispose]() {
      await controller.close();
      await hardware.close();
      policyDb.close();
      eventsDb.close();
      temp[Symbol.dispose]();
    },
  };
}

function cardId(): string {
  const frame = cardFrame("H10301", 7, 4242);
  const bytes = Math.ceil(frame.nbBits / 8);
  const padded = frame.bits << BigInt(bytes * 8 - frame.nbBits);
  return padded.toString(16).padStart(bytes * 2, "0").match(/../g)!.join(":");
}

const CARD = cardFrame("H10301", 7, 4242);

Deno.test("Controller card+PIN: a card then its PIN ended by # is granted", async () => {
  await using r = await rig("card_and_pin");
  r.play([CARD]);
  assert.deepEqual(r.access(), [], "the card waits for its PIN");
  r.play(keypadFrames("1234#", "4bit"));
  const [decision] = r.access();
  assert.equal(decision?.granted, true);
  assert.equal(decision?.reason, "GRANTED");
  assert.equal(typeof decision?.pin_credential, "number");
  assert.equal(decision?.pin_presented, true);
  assert.equal(r.strike(), true);
  r.timers.advance(3000);
  assert.equal(r.strike(), false, "relocked after unlock_ms");
});

Deno.test("Controller card+PIN: * clears the digits typed so far", async () => {
  await using r = await rig("card_and_pin");
  r.play([CARD, ...keypadFrames("99*1234#", "4bit")]);
  assert.deepEqual(r.access().map((a) => a.reason), ["GRANTED"]);
});

Deno.test("Controller card+PIN: no PIN within the access point's timeout is PIN_REQUIRED", async () => {
  await using r = await rig("card_and_pin");
  r.play([CARD]);
  r.timers.advance(4900);
  assert.deepEqual(r.access(), []);
  r.timers.advance(200);
  assert.deepEqual(r.access().map((a) => a.reason), ["PIN_REQUIRED"]);
  assert.equal(r.strike(), false);
});

Deno.test("Controller card+PIN: a wrong PIN is denied and the audit row has no PIN", async () => {
  await using r = await rig("card_and_pin");
  r.play([CARD, ...keypadFrames("4321#", "4bit")]);
  assert.deepEqual(r.access().map((a) => a.reason), ["WRONG_PIN"]);
  const rows = r.db.prepare("SELECT data FROM audit_events").all() as { data: string }[];
  assert.ok(rows.every((row) => !row.data.includes("4321")));
});

Deno.test("Controller card-or-PIN: a bound card waits for its PIN, then is granted", async () => {
  await using r = await rig("card_or_pin", {}, { bound: true });
  r.play([CARD]);
  assert.deepEqual(r.access(), [], "the bound card waits for its PIN");
  r.timers.advance(4000);
  r.play(keypadFrames("1234#", "4bit"));
  const [decision] = r.access();
  assert.equal(decision?.reason, "GRANTED");
  assert.equal(typeof decision?.pin_credential, "number");
  assert.equal(r.strike(), true);
});

Deno.test("Controller card-or-PIN: a bound card with no PIN within the timeout is CARD_NEEDS_PIN", async () => {
  await using r = await rig("card_or_pin", {}, { bound: true });
  r.play([CARD]);
  r.timers.advance(4900);
  assert.deepEqual(r.access(), []);
  r.timers.advance(200);
  assert.deepEqual(r.access().map((a) => a.reason), ["CARD_NEEDS_PIN"]);
  assert.equal(r.strike(), false);
});

Deno.test("Controller card-or-PIN: an ordinary card is decided at once; its PIN alone too", async () => {
  await using r = await rig("card_or_pin");
  r.play([CARD]);
  assert.deepEqual(r.access().map((a) => a.reason), ["GRANTED"]);
  r.play(keypadFrames("1234#", "4bit"));
  assert.deepEqual(r.access().map((a) => a.reason), ["GRANTED", "GRANTED"]);
  const [byCard, byPin] = r.access();
  assert.notEqual(byPin?.credential, byCard?.credential, "the PIN decided alone, as itself");
});

Deno.test("Controller card+PIN pairs-only: an ordinary card with its owner's PIN is PAIR_REQUIRED; a bound one opens", async () => {
  {
    await using r = await rig("card_and_pin", {}, { pairsOnly: true });
    r.play([CARD, ...keypadFrames("1234#", "4bit")]);
    assert.deepEqual(r.access().map((a) => a.reason), ["PAIR_REQUIRED"]);
    assert.equal(r.strike(), false);
  }
  await using r = await rig("card_and_pin", {}, { pairsOnly: true, bound: true });
  r.play([CARD, ...keypadFrames("1234#", "4bit")]);
  assert.deepEqual(r.access().map((a) => a.reason), ["GRANTED"]);
});

Deno.test("Controller: a fixed-length format sets the strike on the frame's last edge", async () => {
  await using r = await rig("card", { mode: "SIMPLE_WIEGAND", fixed_length: 26 });
  r.reader.sendInstant(CARD, 0n);
  assert.equal(r.strike(), true, "no timer needed");
  const kinds = r.events.map((e) => `${e.category}:${e.content.event ?? e.content.reason}`);
  assert.deepEqual(kinds, ["access:GRANTED", "door:UNLOCKED"]);
});

Deno.test("Controller: a frame with bad parity is a BAD_READ, not a card", async () => {
  await using r = await rig("card", { mode: "SIMPLE_WIEGAND" });
  r.play([{ bits: CARD.bits ^ 1n, nbBits: 26 }]);
  assert.deepEqual(r.access().map((a) => [a.reason, a.detail]), [["BAD_READ", "parity"]]);
});

Deno.test("Controller: reload keeps a door's state unless its wiring changed", async () => {
  await using r = await rig("card", { mode: "SIMPLE_WIEGAND" });
  r.play([CARD]);
  assert.equal(r.strike(), true);
  await r.controller.reload();
  assert.equal(r.strike(), true, "unchanged wiring: the momentary unlock goes on");
  r.db.prepare("UPDATE doors SET mode = 'lockdown'").run();
  await r.controller.reload();
  assert.equal(r.strike(), false, "lockdown applied as a step");
  assert.ok(r.events.some((e) => e.content.event === "MODE_CHANGED"));
});

Deno.test("Controller: the decision's row is committed before the strike moves; events follow the strike", async () => {
  await using r = await rig("card", { mode: "SIMPLE_WIEGAND", fixed_length: 26 });
  const sim = r.hardware.sim!;
  const rowsAtStrikeWrite: number[] = [];
  const countRows = (): number =>
    (r.db.prepare("SELECT count(*) AS n FROM audit_events WHERE kind = ?").get(AUDIT_KIND.AUTH) as {
      n: number;
    }).n;
  const push = sim.recordedWrites.push.bind(sim.recordedWrites);
  sim.recordedWrites.push = (...writes) => {
    if (writes.some((w) => w.offset === LINE.strike && w.value)) {
      rowsAtStrikeWrite.push(countRows(), r.events.length);
    }
    return push(...writes);
  };
  r.reader.sendInstant(CARD, 0n);
  assert.deepEqual(rowsAtStrikeWrite, [1, 0], "row committed, event not yet handed on");
  assert.equal(r.strike(), true);
  assert.equal(r.events[0]?.content.reason, "GRANTED");
});

Deno.test("Controller: a database that refuses the row does not keep the door shut; the row follows", async () => {
  await using r = await rig("card", { mode: "SIMPLE_WIEGAND", fixed_length: 26 });
  r.db.exec("BEGIN IMMEDIATE"); // another connection holds the write lock
  r.reader.sendInstant(CARD, 0n);
  assert.equal(r.strike(), true, "granted and opened while the row waits");
  assert.equal(r.events.length, 0, "nothing pushed before its row is committed");
  r.db.exec("COMMIT");
  r.timers.advance(RETRY_MIN_MS);
  const kinds = r.events.map((e) => `${e.category}:${e.content.event ?? e.content.reason}`);
  assert.deepEqual(kinds, ["access:GRANTED", "door:UNLOCKED"]);
});

Deno.test("Controller: a decision records the names it showed beside the ids (user, card, PIN, door)", async () => {
  await using r = await rig("card_and_pin");
  r.db.prepare("UPDATE credentials SET alias = 'badge 7' WHERE type = 'rfid-card'").run();
  r.db.prepare("UPDATE credentials SET alias = 'desk code' WHERE type = 'pin-code'").run();
  r.play([CARD, ...keypadFrames("1234#", "4bit")]);
  const [pushed] = r.access();
  assert.equal(pushed?.granted, true);
  const names = {
    username: pushed?.username,
    credential_alias: pushed?.credential_alias,
    pin_credential_alias: pushed?.pin_credential_alias,
    door_alias: pushed?.door_alias,
  };
  assert.deepEqual(names, {
    username: "bob",
    credential_alias: "badge 7",
    pin_credential_alias: "desk code",
    door_alias: "Lab",
  });
  // Renamed afterwards: the stored row keeps what the decision showed.
  r.db.prepare("UPDATE users SET username = 'eve'").run();
  const row = r.db.prepare("SELECT description, data FROM audit_events WHERE kind = ?")
    .get(AUDIT_KIND.AUTH) as { description: string; data: string };
  const data = JSON.parse(row.data);
  assert.equal(data.username, "bob");
  assert.equal(data.credential_alias, "badge 7");
  assert.match(row.description, /user \d+ \(bob\) at door \d+ \(Lab\)/);
});

Deno.test("Controller: an unknown card's decision has null names", async () => {
  await using r = await rig("card", { mode: "SIMPLE_WIEGAND" });
  r.play([cardFrame("H10301", 7, 1)]);
  const [pushed] = r.access();
  assert.equal(pushed?.reason, "UNKNOWN_CREDENTIAL");
  assert.equal(pushed?.username, null);
  assert.equal(pushed?.credential_alias, null);
  assert.equal(pushed?.door_alias, "Lab");
});
