/**
 * Wiring done over the device API takes effect without a restart: gpio
 * lines, a reader and its LED created with gpio.* / led.* /
 * wiegand-reader.*, an access point and door wired to them, a simulated card
 * granted; then the reader's D0/D1 moved to other lines over the API, the
 * card read on the new lines, and the old lines released (a second reader
 * can take them, and what it reads reaches its own door, not the first).
 * Finally an administrator-defined format replaces the catalogue.
 */
import assert from "node:assert/strict";
import { cardIdHex, encodeCard, H10301 } from "../src/hardware/wiegand/formats.ts";
import type { TestClient } from "../src/testing.ts";
import { ok } from "./_crud_fixtures.ts";
import { createDevice, createGpio, startDeviceWorld } from "./_device_fixtures.ts";
import { grantAlice, type Json, until } from "./_controller_fixtures.ts";

const BUILTIN = "LEOSAC-BUILTIN-ACCESS-POINT";
const STRIKE = 2, LED = 5;

async function door(admin: TestClient, alias: string, reader: string, strike?: string) {
  const ap = ok(
    await admin.request("access_point.create", {
      attributes: { alias, "controller-module": BUILTIN, reader, "reader-mode": "card" },
    }),
  ).data.id;
  return ok(
    await admin.request("door.create", {
      attributes: {
        alias,
        access_point_id: ap,
        ...(strike === undefined ? {} : { "strike-gpio": strike }),
        "unlock-duration": 300,
      },
    }),
  ).data.id as number;
}

async function presentCard(admin: TestClient, reader: string): Promise<Json> {
  ok(
    await admin.request("hardware.simulate", {
      action: "card",
      reader,
      format: "H10301",
      facility: 12,
      number: 3456,
    }),
  );
  return (await admin.nextUnsolicited((m) => m.type === "event.access")).content;
}

Deno.test("devices wired over the API take effect without a restart; rewiring D0/D1 moves the reader", async () => {
  await using w = await startDeviceWorld({ hardware: "sim" });
  const { admin, server } = w;
  const controller = server.controller!;
  ok(await admin.request("events.subscribe", {}));

  const d0 = await createGpio(admin, "front-d0", 0, 0);
  const d1 = await createGpio(admin, "front-d1", 1, 0);
  const strike = await createGpio(admin, "front-strike", STRIKE, 1);
  const ledLine = await createGpio(admin, "front-led-line", LED, 1);
  const led = await createDevice(admin, "led", { name: "front-led", gpio_id: ledLine });
  const reader = await createDevice(admin, "wiegand-reader", {
    name: "front-reader",
    mode: "SIMPLE_WIEGAND",
    gpio_low_id: d0,
    gpio_high_id: d1,
    green_led_id: led,
    buzzer_id: 0,
    formats: ["H10301"],
  });
  const front = await door(admin, "Front", reader, strike);
  const userId = await grantAlice(admin, [front]);

  // Granted: strike on, and the green LED blinks.
  let access = await presentCard(admin, "front-reader");
  assert.equal(access.granted, true, JSON.stringify(access));
  assert.equal(access.user, userId);
  assert.equal(access.door, front);
  assert.equal(controller.simLevel(STRIKE), true);
  await until(() => controller.simLevel(STRIKE) === false, 2000);

  // Move D0/D1 to lines 10/11 over the API.
  const d0b = await createGpio(admin, "front-d0-new", 10, 0);
  const d1b = await createGpio(admin, "front-d1-new", 11, 0);
  const moved = ok(
    await admin.request("wiegand-reader.update", {
      reader_id: reader,
      attributes: { gpio_low_id: d0b, gpio_high_id: d1b },
    }),
  ).data;
  assert.equal(moved.relationships["gpio-low"].data.id, d0b);
  // The simulator plays on the reader's current lines: 10 and 11 now.
  access = await presentCard(admin, reader);
  assert.equal(access.granted, true, JSON.stringify(access));
  assert.equal(access.door, front);
  await until(() => controller.simLevel(STRIKE) === false, 2000);

  // The old lines were released: a second reader can open them, and a card read
  // on them reaches the second door only (the user is not mapped there: denied).
  const back = await door(
    admin,
    "Back",
    await createDevice(admin, "wiegand-reader", {
      name: "back-reader",
      gpio_low_id: d0,
      gpio_high_id: d1,
    }),
  );
  access = await presentCard(admin, "back-reader");
  assert.equal(access.door, back);
  assert.equal(access.granted, false);
  // A marker through the same worker: an unknown card on the front reader. The
  // worker answers it after everything the back read caused, and the server
  // pushes an event before any reply that follows it; so once the reply is
  // here, any other event of the back read (at the front door) is too.
  const marker = encodeCard(H10301, 12, 9999);
  const markerCardId = cardIdHex(marker.bits, marker.nbBits);
  ok(
    await admin.request("hardware.simulate", {
      action: "card",
      reader,
      format: "H10301",
      facility: 12,
      number: 9999,
    }),
  );
  const accessEvents = () =>
    admin.unsolicited.filter((m) => m.type === "event.access").map((m) => m.content as Json);
  assert.deepEqual(accessEvents().filter((e) => e.card_id !== markerCardId), []);
  assert.equal(controller.simLevel(STRIKE), false, "the back read did not open the front door");
  // The marker's own event proves the push path still works: denied at the front.
  const denied = (await admin.nextUnsolicited((m) => m.type === "event.access")).content as Json;
  assert.equal(denied.card_id, markerCardId, JSON.stringify(denied));
  assert.equal(denied.door, front);
  assert.equal(denied.granted, false);
  assert.deepEqual(accessEvents(), []);

  // An administrator format instead of the catalogue: 34-bit only → bad read;
  // then a definition with H10301's layout → granted again.
  ok(
    await admin.request("wiegand-reader.update", {
      reader_id: reader,
      attributes: { formats: ["34-bit"] },
    }),
  );
  access = await presentCard(admin, reader);
  assert.equal(access.reason, "BAD_READ", JSON.stringify(access));
  const site26 = {
    name: "site-26",
    length: 26,
    facility: { start: 1, length: 8 },
    number: { start: 9, length: 16 },
    parity: [
      { bit: 0, kind: "even", start: 1, length: 12 },
      { bit: 25, kind: "odd", start: 13, length: 12 },
    ],
  };
  ok(
    await admin.request("wiegand-reader.update", {
      reader_id: reader,
      attributes: { formats: [site26] },
    }),
  );
  access = await presentCard(admin, reader);
  assert.equal(access.granted, true, JSON.stringify(access));
  assert.equal(access.door, front);
});
