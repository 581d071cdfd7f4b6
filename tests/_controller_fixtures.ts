/**
 * A door configured through the API for the controller tests: reader,
 * strike, contact, REX and LED devices (through the store repository: the
 * gpio.* / wiegand-reader.* endpoints are not in the tree yet), a user with
 * an H10301 card (facility 12, number 3456) and an all-week schedule.
 *
 * @module
 */
import assert from "node:assert/strict";
import { cardIdHex, encodeCard, H10301 } from "../src/hardware/wiegand/formats.ts";
import { createDevice } from "../src/store/devices.ts";
import type { TestClient, TestServer } from "../src/testing.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";

export const LINES = { d0: 0, d1: 1, strike: 2, contact: 3, rex: 4, led: 5 } as const;

// Replies are JSON documents checked field by field.
// deno-lint-ignore no-explicit-any
export type Json = any;

export function ok(reply: ServerMessage): Json {
  assert.equal(reply.status_code, 0, JSON.stringify(reply));
  return reply.content as Json;
}

export async function until(predicate: () => boolean, timeoutMs = 3000): Promise<number> {
  const start = performance.now();
  while (!predicate()) {
    if (performance.now() - start > timeoutMs) throw new Error("Condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - start;
}

const ALL_WEEK = [0, 1, 2, 3, 4, 5, 6].map((day) => ({
  day,
  "start-time": "0:0",
  "end-time": "23:59",
}));

/**
 * Creates alice (password `alice-pw-1`) with her H10301 card (facility 12,
 * number 3456) and an all-week schedule `always` whose mapping `mappingAlias`
 * lets her through `doors`. Returns her user id.
 */
export async function grantAlice(
  admin: TestClient,
  doors: number[],
  mappingAlias = "m",
): Promise<number> {
  const userId = ok(
    await admin.request("user.create", {
      attributes: { username: "alice", password: "alice-pw-1" },
    }),
  ).data.id;
  const frame = encodeCard(H10301, 12, 3456);
  ok(
    await admin.request("credential.create", {
      "credential-type": "rfid-card",
      attributes: {
        alias: "alice-card",
        owner_id: userId,
        "card-id": cardIdHex(frame.bits, frame.nbBits),
        "nb-bits": 26,
      },
    }),
  );
  const scheduleId = ok(
    await admin.request("schedule.create", {
      attributes: { name: "always", timeframes: ALL_WEEK },
    }),
  ).data.id;
  ok(
    await admin.request("schedule.update", {
      schedule_id: scheduleId,
      attributes: { name: "always", timeframes: ALL_WEEK },
      mapping: [{
        alias: mappingAlias,
        users: [userId],
        groups: [],
        credentials: [],
        doors,
        zones: [],
      }],
    }),
  );
  return userId;
}

/** Devices through the repository (no hardware endpoints yet), the rest through the API. */
export async function configureDoor(server: TestServer, admin: TestClient): Promise<{
  doorId: number;
  userId: number;
}> {
  const db = server.store.db;
  const gpio = (name: string, offset: number): string =>
    createDevice(db, { name, type: "gpio", config: { chip: "gpiochip0", offset } }).id;
  const d0 = gpio("front-d0", LINES.d0);
  const d1 = gpio("front-d1", LINES.d1);
  const strike = gpio("front-strike", LINES.strike);
  const contact = gpio("front-contact", LINES.contact);
  const rex = gpio("front-rex", LINES.rex);
  const led = createDevice(db, {
    name: "front-led",
    type: "led",
    config: { gpio_id: gpio("front-led-line", LINES.led) },
  }).id;
  const reader = createDevice(db, {
    name: "front-reader",
    type: "wiegand-reader",
    config: { mode: "SIMPLE_WIEGAND", gpio_low_id: d0, gpio_high_id: d1, green_led_id: led },
  }).id;

  const apId = ok(
    await admin.request("access_point.create", {
      attributes: {
        alias: "front-ap",
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        reader,
        "reader-mode": "card",
      },
    }),
  ).data.id;
  const doorId = ok(
    await admin.request("door.create", {
      attributes: {
        alias: "Front",
        access_point_id: apId,
        "strike-gpio": strike,
        "contact-gpio": contact,
        "rex-gpio": rex,
        "unlock-duration": 400,
      },
    }),
  ).data.id;
  const userId = await grantAlice(admin, [doorId], "front");
  return { doorId, userId };
}
