/**
 * OSDP end to end: a real server with its controller worker, an `osdp-bus`
 * on the slave end of a real pseudo-terminal and emulated readers
 * (`_osdp_pd.ts`) on the master end. Configured over the API: bus, reader,
 * access point, door, a person with a card. Asserts decisions (pushed
 * events), the LED commands the readers receive, supervision alarms and the
 * Secure Channel key's life (install mode, sealed storage, never on the wire).
 */
import assert from "node:assert/strict";
import { encodeCard, H10301 } from "../src/hardware/wiegand/formats.ts";
import { LED_COLOR } from "../src/hardware/osdp/codes.ts";
import { loadSerialLibc } from "../src/hardware/osdp/serial_libc.ts";
import { openPty } from "../src/hardware/osdp/serial_port.ts";
import { startTestServer, TestClient, type TestServer } from "../src/testing.ts";
import { grantAlice, type Json, ok, until } from "./_controller_fixtures.ts";
import { EmulatedPd, PdBusEmulator } from "./_osdp_pd.ts";

const ALICE = encodeCard(H10301, 12, 3456);

async function door(
  admin: TestClient,
  readerId: string,
  alias: string,
  mode = "card",
): Promise<number> {
  const apId = ok(
    await admin.request("access_point.create", {
      attributes: {
        alias: `${alias}-ap`,
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        reader: readerId,
        "reader-mode": mode,
      },
    }),
  ).data.id;
  return ok(
    await admin.request("door.create", { attributes: { alias, access_point_id: apId } }),
  ).data.id;
}

async function world(pds: EmulatedPd[]) {
  const libc = loadSerialLibc();
  const { master, slavePath } = openPty(libc);
  const emulator = new PdBusEmulator(master, pds);
  const server: TestServer = await startTestServer({ hardware: "sim" });
  const admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  ok(await admin.request("events.subscribe", {}));
  const busId = ok(
    await admin.request("osdp-bus.create", {
      attributes: { name: "bus", port: slavePath, baud: 115200, "poll-interval": 20 },
    }),
  ).data.id;
  return {
    server,
    admin,
    emulator,
    busId,
    async [Symbol.asyncDispose]() {
      await admin.close();
      await server[Symbol.asyncDispose]();
      await emulator.stop();
      libc.close();
    },
  };
}

Deno.test("OSDP e2e: a clear reader's cards are decided; grant and deny show on its LED; its status", async () => {
  const pd = new EmulatedPd({ address: 2 });
  await using w = await world([pd]);
  const readerId = ok(
    await w.admin.request("osdp-reader.create", {
      attributes: { name: "front", address: 2, secure: false, bus_id: w.busId },
    }),
  ).data.id;
  const doorId = await door(w.admin, readerId, "Front");
  await grantAlice(w.admin, [doorId]);
  await until(() => pd.seen.some((c) => c.code === 0x60), 5000);

  pd.presentCard(ALICE.bits, ALICE.nbBits);
  const granted = (await w.admin.nextUnsolicited((m) => m.type === "event.access")).content as Json;
  assert.equal(granted.granted, true);
  assert.equal(granted.door, doorId);
  await until(() => pd.leds.length === 1);
  assert.equal(pd.leds[0]![5], LED_COLOR.GREEN);

  pd.presentCard(encodeCard(H10301, 12, 1).bits, 26);
  const denied = (await w.admin.nextUnsolicited((m) => m.type === "event.access")).content as Json;
  assert.equal(denied.granted, false);
  assert.equal(denied.reason, "UNKNOWN_CREDENTIAL");
  await until(() => pd.leds.length === 2);
  assert.equal(pd.leds[1]![5], LED_COLOR.RED);

  const status = ok(await w.admin.request("osdp-reader.status", {})).data as Json[];
  assert.equal(status.length, 1);
  assert.equal(status[0].online, true);
  assert.equal(status[0].secure, false);
  assert.equal(status[0].door_id, doorId);
  assert.ok(status[0].last_card_at !== null);
});

Deno.test("OSDP e2e: install mode gives the reader a sealed key; then Secure Channel reads; unplugging raises an alarm", async () => {
  const pd = new EmulatedPd({ address: 0 }); // factory: no key
  await using w = await world([pd]);
  const readerId = ok(
    await w.admin.request("osdp-reader.create", {
      attributes: { name: "back", address: 0, secure: true, bus_id: w.busId },
    }),
  ).data.id;
  const doorId = await door(w.admin, readerId, "Back");
  await grantAlice(w.admin, [doorId]);
  const noKey = await w.admin.nextUnsolicited((m) =>
    m.type === "event.alarm" && (m.content as Json).event === "READER_SECURITY"
  );
  assert.equal((noKey.content as Json).reason, "no_key");

  // Untrusted: a card is not decided.
  pd.presentCard(ALICE.bits, ALICE.nbBits);
  await w.admin.nextUnsolicited((m) =>
    m.type === "event.alarm" && (m.content as Json).event === "READER_UNTRUSTED_READ"
  );

  ok(await w.admin.request("osdp-reader.install", { reader_id: readerId, timeout: 30 }));
  await w.admin.nextUnsolicited((m) =>
    m.type === "event.alarm" && (m.content as Json).event === "READER_KEY_INSTALLED"
  );
  const read = ok(await w.admin.request("osdp-reader.read", { reader_id: readerId })).data;
  assert.equal(read.attributes["has-key"], true);
  assert.ok(pd.scbk !== null);
  const keyHex = Buffer.from(pd.scbk!).toString("hex");
  const sealed = w.server.store.db.prepare("SELECT sealed FROM osdp_keys").get() as {
    sealed: Uint8Array;
  };
  assert.ok(!Buffer.from(sealed.sealed).toString("hex").includes(keyHex), "stored sealed");
  assert.ok(!JSON.stringify(read).toLowerCase().includes(keyHex), "never sent to clients");
  const audit = w.server.store.db.prepare("SELECT * FROM audit_events").all();
  assert.ok(!JSON.stringify(audit).toLowerCase().includes(keyHex), "never audited");

  await until(
    () => pd.secure && pd.seen.filter((c) => c.secure && c.code === 0x60).length > 2,
    5000,
  );
  pd.presentCard(ALICE.bits, ALICE.nbBits);
  const granted = (await w.admin.nextUnsolicited((m) => m.type === "event.access")).content as Json;
  assert.equal(granted.granted, true);
  await until(() => pd.leds.some((led) => led[5] === LED_COLOR.GREEN));

  // Unplugged: offline, an alarm on the door.
  pd.muted = true;
  const offline = await w.admin.nextUnsolicited((m) =>
    m.type === "event.alarm" && (m.content as Json).event === "READER_OFFLINE"
  );
  assert.equal((offline.content as Json).door, doorId);
});

Deno.test("OSDP e2e: card and PIN: the card waits (amber), the keypad's PIN completes it", async () => {
  const pd = new EmulatedPd({ address: 1 });
  await using w = await world([pd]);
  const readerId = ok(
    await w.admin.request("osdp-reader.create", {
      attributes: { name: "side", address: 1, secure: false, bus_id: w.busId },
    }),
  ).data.id;
  const doorId = await door(w.admin, readerId, "Side", "card_and_pin");
  const userId = await grantAlice(w.admin, [doorId]);
  ok(
    await w.admin.request("credential.create", {
      "credential-type": "pin-code",
      attributes: { alias: "alice-pin", owner_id: userId, code: "4711" },
    }),
  );
  await until(() => pd.seen.some((c) => c.code === 0x60), 5000);
  pd.presentCard(ALICE.bits, ALICE.nbBits);
  await until(() => pd.leds.some((led) => led[5] === LED_COLOR.AMBER));
  pd.pressKeys("4711#");
  const granted = (await w.admin.nextUnsolicited((m) => m.type === "event.access")).content as Json;
  assert.equal(granted.granted, true, JSON.stringify(granted));
  assert.equal(granted.door, doorId);
  await until(() => pd.leds.some((led) => led[5] === LED_COLOR.GREEN));
});
