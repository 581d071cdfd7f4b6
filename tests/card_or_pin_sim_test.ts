/**
 * A card bound to a PIN (Leosac's `WiegandCardPin`, issue 11) at a
 * card-or-PIN reader, end to end on a real server with a real controller
 * worker on simulated hardware: the card and its PIN come as separate
 * Wiegand frames through `hardware.simulate`, as they would from a reader.
 * The reader waits for the PIN after the bound card (the access point's PIN
 * timeout) instead of deciding the card alone; an ordinary card is still
 * decided at once.
 *
 * The binding is made with the store (only `import-leosac` makes one); every
 * other step goes through the API.
 */
import assert from "node:assert/strict";
import { cardIdHex, encodeCard, H10301 } from "../src/hardware/wiegand/formats.ts";
import { bindCardToPin } from "../src/store/credentials.ts";
import { createDevice } from "../src/store/devices.ts";
import { startTestServer, TestClient, type TestServer } from "../src/testing.ts";
import { grantAlice, type Json, LINES, ok } from "./_controller_fixtures.ts";

const PIN_TIMEOUT_MS = 1000;

/** A door whose card-or-PIN reader has a 4-bit keypad; alice's card 12/3456 opens it. */
async function cardOrPinDoor(
  server: TestServer,
  admin: TestClient,
): Promise<{ doorId: number; userId: number }> {
  const db = server.store.db;
  const gpio = (name: string, offset: number): string =>
    createDevice(db, { name, type: "gpio", config: { chip: "gpiochip0", offset } }).id;
  const reader = createDevice(db, {
    name: "lab-reader",
    type: "wiegand-reader",
    config: {
      mode: "WIEGAND_CARD_PIN_4BITS",
      gpio_low_id: gpio("lab-d0", LINES.d0),
      gpio_high_id: gpio("lab-d1", LINES.d1),
    },
  }).id;
  const apId = ok(
    await admin.request("access_point.create", {
      attributes: {
        alias: "lab-ap",
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        reader,
        "reader-mode": "card_or_pin",
        "pin-timeout": PIN_TIMEOUT_MS,
      },
    }),
  ).data.id;
  const doorId = ok(
    await admin.request("door.create", {
      attributes: {
        alias: "Lab",
        access_point_id: apId,
        "strike-gpio": gpio("lab-strike", LINES.strike),
        "unlock-duration": 400,
      },
    }),
  ).data.id;
  return { doorId, userId: await grantAlice(admin, [doorId], "lab") };
}

/** Binds alice's card to a new PIN `code` of hers. */
async function bindAlicesCard(server: TestServer, admin: TestClient, userId: number, code: string) {
  const pinId = ok(
    await admin.request("credential.create", {
      "credential-type": "pin-code",
      attributes: { alias: "alice-pin", code, owner_id: userId },
    }),
  ).data.id;
  const frame = encodeCard(H10301, 12, 3456);
  const card = server.store.db.prepare("SELECT id FROM credentials WHERE card_id = ?")
    .get(cardIdHex(frame.bits, frame.nbBits)) as { id: number };
  bindCardToPin(server.store.db, card.id, pinId);
}

const CARD = { action: "card", reader: "lab-reader", format: "H10301", facility: 12, number: 3456 };

Deno.test("card-or-PIN reader: a bound card waits for its PIN typed after it, then opens", async () => {
  await using server = await startTestServer({ hardware: "sim" });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const { userId } = await cardOrPinDoor(server, admin);
  await bindAlicesCard(server, admin, userId, "2468");
  ok(await admin.request("events.subscribe", {}));

  ok(await admin.request("hardware.simulate", CARD));
  ok(
    await admin.request("hardware.simulate", { action: "pin", reader: "lab-reader", pin: "2468" }),
  );
  const access = await admin.nextUnsolicited((m) => m.type === "event.access");
  const content = access.content as Json;
  assert.equal(content.reason, "GRANTED", "the card and the PIN decided as one pair");
  assert.equal(content.user, userId);
  assert.equal(typeof content.pin_credential, "number");
  assert.equal(server.controller!.simLevel(LINES.strike), true);
});

Deno.test("card-or-PIN reader: a bound card with no PIN is CARD_NEEDS_PIN after the PIN timeout; an ordinary card opens at once", async () => {
  await using server = await startTestServer({ hardware: "sim" });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const { userId } = await cardOrPinDoor(server, admin);
  ok(await admin.request("events.subscribe", {}));

  // Ordinary: decided as soon as it is read.
  ok(await admin.request("hardware.simulate", CARD));
  const ordinary = await admin.nextUnsolicited((m) => m.type === "event.access");
  assert.equal((ordinary.content as Json).reason, "GRANTED");

  await bindAlicesCard(server, admin, userId, "2468");
  const sent = performance.now();
  ok(await admin.request("hardware.simulate", CARD));
  const alone = await admin.nextUnsolicited((m) => m.type === "event.access");
  assert.equal((alone.content as Json).reason, "CARD_NEEDS_PIN");
  assert.ok(
    performance.now() - sent >= PIN_TIMEOUT_MS - 50,
    "decided only once the PIN timeout passed",
  );
});
