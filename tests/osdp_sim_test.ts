/**
 * Simulated OSDP readers (`serve --hardware sim`): an `osdp-bus` on a
 * `sim:NAME` port runs the real control panel against in-process simulated
 * readers; `hardware.simulate` presents cards and PINs on them and replies
 * with the LED colour the controller then showed. Real server and worker,
 * configured over the API.
 */
import assert from "node:assert/strict";
import { bindCardToPin } from "../src/store/credentials.ts";
import { startTestServer, TestClient } from "../src/testing.ts";
import { grantAlice, type Json, ok } from "./_controller_fixtures.ts";

async function world() {
  const server = await startTestServer({ hardware: "sim" });
  const admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  ok(await admin.request("events.subscribe", {}));
  const busId = ok(
    await admin.request("osdp-bus.create", {
      attributes: { name: "simbus", port: "sim:lobby", baud: 115200, "poll-interval": 20 },
    }),
  ).data.id;
  return {
    server,
    admin,
    busId,
    async [Symbol.asyncDispose]() {
      await admin.close();
      await server[Symbol.asyncDispose]();
    },
  };
}

async function readerAtDoor(
  admin: TestClient,
  busId: string,
  name: string,
  address: number,
  secure: boolean,
  mode = "card",
  direction = "none",
): Promise<{ readerId: string; doorId: number }> {
  const readerId = ok(
    await admin.request("osdp-reader.create", {
      attributes: { name, address, secure, bus_id: busId },
    }),
  ).data.id;
  const apId = ok(
    await admin.request("access_point.create", {
      attributes: {
        alias: `${name}-ap`,
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        reader: readerId,
        "reader-mode": mode,
        direction,
      },
    }),
  ).data.id;
  const doorId = ok(
    await admin.request("door.create", { attributes: { alias: name, access_point_id: apId } }),
  ).data.id;
  return { readerId, doorId };
}

async function online(admin: TestClient, readerId: string, secure = false): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const list = ok(await admin.request("osdp-reader.status", {})).data as Json[];
    const r = list.find((s) => s.reader_id === readerId);
    if (r !== undefined && r.online === true && (!secure || r.secure === true)) return;
    if (Date.now() > deadline) {
      throw new Error(`reader ${readerId} not online: ${JSON.stringify(list)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Presents card 12/`number` (Alice's: 3456) on `reader`; the LED colour the reply names. */
async function card(admin: TestClient, reader: string, number = 3456): Promise<unknown> {
  return ok(
    await admin.request("hardware.simulate", { action: "card", reader, facility: 12, number }),
  ).led;
}

/** Types `code` on `reader`'s keypad; the LED colour the reply names. */
async function pin(admin: TestClient, reader: string, code: string): Promise<unknown> {
  return ok(await admin.request("hardware.simulate", { action: "pin", reader, pin: code })).led;
}

/** Gives Alice the PIN `code`; its credential id. */
async function alicePin(admin: TestClient, userId: number, code: string): Promise<number> {
  return ok(
    await admin.request("credential.create", {
      "credential-type": "pin-code",
      attributes: { alias: "alice-pin", owner_id: userId, code },
    }),
  ).data.id;
}

Deno.test("OSDP sim: a card on a simulated clear reader is decided; the reply names the LED", async () => {
  await using w = await world();
  const { readerId, doorId } = await readerAtDoor(w.admin, w.busId, "front", 1, false);
  await grantAlice(w.admin, [doorId]);
  await online(w.admin, readerId);

  assert.equal(await card(w.admin, "front"), "green");
  const granted = (await w.admin.nextUnsolicited((m) => m.type === "event.access")).content as Json;
  assert.equal(granted.granted, true);
  assert.equal(granted.door, doorId);

  const denied = await card(w.admin, readerId, 1);
  assert.equal(denied, "red");
  const event = (await w.admin.nextUnsolicited((m) => m.type === "event.access")).content as Json;
  assert.equal(event.granted, false);

  const status = ok(await w.admin.request("osdp-reader.status", {})).data as Json[];
  assert.equal(status[0].online, true);
  assert.ok(status[0].last_card_at !== null);
});

Deno.test("OSDP sim: card and PIN: amber after the card, green after the PIN", async () => {
  await using w = await world();
  const { readerId, doorId } = await readerAtDoor(
    w.admin,
    w.busId,
    "side",
    3,
    false,
    "card_and_pin",
  );
  const userId = await grantAlice(w.admin, [doorId]);
  await alicePin(w.admin, userId, "4711");
  await online(w.admin, readerId);
  assert.equal(await card(w.admin, "side"), "amber");
  assert.equal(await pin(w.admin, "side", "4711"), "green");
  const granted = (await w.admin.nextUnsolicited((m) => m.type === "event.access")).content as Json;
  assert.equal(granted.granted, true, JSON.stringify(granted));
});

Deno.test("OSDP sim: card or PIN: a card bound to a PIN waits for it (amber), then opens with it", async () => {
  await using w = await world();
  const { readerId, doorId } = await readerAtDoor(w.admin, w.busId, "lab", 4, false, "card_or_pin");
  const userId = await grantAlice(w.admin, [doorId]);
  const pinId = await alicePin(w.admin, userId, "2468");
  const db = w.server.store.db;
  const cardRow = db.prepare("SELECT id FROM credentials WHERE type = 'rfid-card'").get();
  bindCardToPin(db, Number(cardRow?.id), pinId);
  await online(w.admin, readerId);
  assert.equal(await card(w.admin, "lab"), "amber", "the bound card waits for its PIN");
  assert.equal(await pin(w.admin, "lab", "2468"), "green");
  const granted = (await w.admin.nextUnsolicited((m) => m.type === "event.access")).content as Json;
  assert.equal(granted.reason, "GRANTED", JSON.stringify(granted));
  assert.equal(typeof granted.pin_credential, "number");
});

Deno.test("OSDP sim: a PIN-only reader opens with the keypad's PIN and refuses a card or a wrong PIN", async () => {
  await using w = await world();
  const { readerId, doorId } = await readerAtDoor(w.admin, w.busId, "keypad", 5, false, "pin");
  const userId = await grantAlice(w.admin, [doorId]);
  await alicePin(w.admin, userId, "1357");
  await online(w.admin, readerId);
  assert.notEqual(
    await card(w.admin, "keypad"),
    "green",
    "a card alone never opens a PIN-only reader",
  );
  assert.equal(await pin(w.admin, "keypad", "9999"), "red");
  assert.equal(await pin(w.admin, "keypad", "1357"), "green");
  const granted =
    (await w.admin.nextUnsolicited((m) =>
      m.type === "event.access" && (m.content as Json).granted === true
    )).content as Json;
  assert.equal(granted.door, doorId);
  assert.equal(granted.credential_alias, "alice-pin");
  assert.equal(granted.pin_presented, true);
});

Deno.test("OSDP sim: hard anti-passback across an entry and an exit OSDP reader", async () => {
  await using w = await world();
  const entry = await readerAtDoor(w.admin, w.busId, "in", 6, false, "card", "entry");
  const exit = await readerAtDoor(w.admin, w.busId, "out", 7, false, "card", "exit");
  await grantAlice(w.admin, [entry.doorId, exit.doorId]);
  ok(
    await w.admin.request("zone.create", {
      attributes: {
        alias: "hall",
        type: 1,
        doors: [entry.doorId, exit.doorId],
        children: [],
        antipassback: "hard",
        "antipassback-reset": 0,
      },
    }),
  );
  await online(w.admin, entry.readerId);
  await online(w.admin, exit.readerId);
  const present = async (reader: string): Promise<[unknown, unknown]> => {
    const led = await card(w.admin, reader);
    const event = await w.admin.nextUnsolicited((m) => m.type === "event.access");
    return [led, (event.content as Json).reason];
  };
  assert.deepEqual(
    [
      await present("in"),
      await present("in"),
      await present("out"),
      await present("out"),
      await present("in"),
    ],
    [
      ["green", "GRANTED"],
      ["red", "ANTI_PASSBACK"],
      ["green", "GRANTED"],
      ["red", "ANTI_PASSBACK"],
      ["green", "GRANTED"],
    ],
  );
});

Deno.test("OSDP sim: a secure reader gets its key in install mode, then reads under Secure Channel", async () => {
  await using w = await world();
  const { readerId, doorId } = await readerAtDoor(w.admin, w.busId, "back", 0, true);
  await grantAlice(w.admin, [doorId]);
  await w.admin.nextUnsolicited((m) =>
    m.type === "event.alarm" && (m.content as Json).event === "READER_SECURITY"
  );
  ok(await w.admin.request("osdp-reader.install", { reader_id: readerId, timeout: 30 }));
  await w.admin.nextUnsolicited((m) =>
    m.type === "event.alarm" && (m.content as Json).event === "READER_KEY_INSTALLED"
  );
  await online(w.admin, readerId, true);
  assert.equal(await card(w.admin, "back"), "green");
  const granted = (await w.admin.nextUnsolicited((m) => m.type === "event.access")).content as Json;
  assert.equal(granted.granted, true);
});

Deno.test("OSDP sim: an unknown reader name is refused and changes nothing", async () => {
  await using w = await world();
  const reply = await w.admin.request("hardware.simulate", {
    action: "card",
    reader: "nope",
    facility: 1,
    number: 1,
  });
  assert.notEqual(reply.status_code, 0);
});
