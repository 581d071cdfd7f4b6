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

/** Creates an OSDP reader on bus `busId`; its device id. */
async function reader(
  admin: TestClient,
  busId: string,
  name: string,
  address: number,
  secure: boolean,
): Promise<string> {
  return ok(
    await admin.request("osdp-reader.create", {
      attributes: { name, address, secure, bus_id: busId },
    }),
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
  const readerId = await reader(w.admin, w.busId, "front", 2, false);
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
  const readerId = await reader(w.admin, w.busId, "back", 0, true);
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
  const readerId = await reader(w.admin, w.busId, "side", 1, false);
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

/** A secure reader at `address` given its key in install mode, wired to a door Alice may open. */
async function installedReader(
  w: Awaited<ReturnType<typeof world>>,
  pd: EmulatedPd,
  name: string,
): Promise<{ readerId: string; doorId: number }> {
  const readerId = await reader(w.admin, w.busId, name, pd.address, true);
  const doorId = await door(w.admin, readerId, name);
  await grantAlice(w.admin, [doorId]);
  ok(await w.admin.request("osdp-reader.install", { reader_id: readerId, timeout: 30 }));
  await w.admin.nextUnsolicited((m) =>
    m.type === "event.alarm" && (m.content as Json).event === "READER_KEY_INSTALLED"
  );
  await secureAgain(w, pd, readerId);
  return { readerId, doorId };
}

/** Waits until the controller reports the reader online in Secure Channel and trusted. */
async function secureAgain(
  w: Awaited<ReturnType<typeof world>>,
  pd: EmulatedPd,
  readerId: string,
): Promise<void> {
  const deadline = performance.now() + 8000;
  for (;;) {
    const rows = ok(await w.admin.request("osdp-reader.status", {})).data as Json[];
    const row = rows.find((r) => r.reader_id === readerId);
    if (row?.online && row.secure && row.trusted && pd.secure) return;
    if (performance.now() > deadline) throw new Error(`not secure: ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Alice's card at the reader is decided (granted). */
async function aliceGranted(w: Awaited<ReturnType<typeof world>>, pd: EmulatedPd): Promise<void> {
  pd.presentCard(ALICE.bits, ALICE.nbBits);
  const decided = (await w.admin.nextUnsolicited((m) => m.type === "event.access")).content as Json;
  assert.equal(decided.granted, true, JSON.stringify(decided));
}

function hex(key: Uint8Array | null): string {
  return Buffer.from(key ?? []).toString("hex");
}

/** The reader's key row: when it was installed, and whether a rotation is unresolved. */
function keyRow(w: Awaited<ReturnType<typeof world>>): { installed_at: number; pending: unknown } {
  return w.server.store.db.prepare("SELECT installed_at, pending FROM osdp_keys").get() as {
    installed_at: number;
    pending: unknown;
  };
}

Deno.test("OSDP e2e: osdp-reader.rekey gives a secure reader a fresh key; the next session runs under it", async () => {
  const pd = new EmulatedPd({ address: 0 });
  await using w = await world([pd]);
  const { readerId } = await installedReader(w, pd, "Lobby");
  const oldKey = hex(pd.scbk);
  const before = keyRow(w).installed_at;
  const handshakes = pd.seen.filter((c) => c.code === 0x76).length;

  const reply = await w.admin.request("osdp-reader.rekey", { reader_id: readerId });
  assert.deepEqual(ok(reply), {});
  const newKey = hex(pd.scbk);
  assert.notEqual(newKey, oldKey, "the reader holds a new key");
  assert.equal(newKey.length, 32);
  const keyset = pd.seen.find((c) => c.code === 0x75 && c.secure);
  assert.ok(keyset !== undefined, "KEYSET went inside the session");
  const row = keyRow(w);
  assert.equal(row.pending, null);
  assert.ok(row.installed_at >= before);
  const read = ok(await w.admin.request("osdp-reader.read", { reader_id: readerId })).data;
  assert.equal(read.attributes["has-key"], true);

  await until(() => pd.seen.filter((c) => c.code === 0x76).length > handshakes, 5000);
  await secureAgain(w, pd, readerId);
  await aliceGranted(w, pd);

  // Never in a reply, the audit log or the database in clear.
  const audit = w.server.store.db.prepare("SELECT * FROM audit_events").all();
  const auditText = JSON.stringify(audit).toLowerCase();
  assert.ok(auditText.includes("has a new secure channel key"), "the rotation is audited");
  for (const key of [newKey, oldKey]) {
    assert.ok(!auditText.includes(key), "never audited");
    assert.ok(!JSON.stringify(reply).includes(key) && !JSON.stringify(read).includes(key));
  }
  const sealed = w.server.store.db.prepare("SELECT sealed FROM osdp_keys").get() as {
    sealed: Uint8Array;
  };
  assert.ok(!hex(sealed.sealed).includes(newKey), "stored sealed");
});

Deno.test("OSDP e2e: a reader that refuses the KEYSET keeps its key, and cards are still decided", async () => {
  const pd = new EmulatedPd({ address: 0 });
  await using w = await world([pd]);
  const { readerId } = await installedReader(w, pd, "Lobby");
  const oldKey = hex(pd.scbk);
  const before = keyRow(w).installed_at;
  pd.keysetNak = 3;
  const reply = await w.admin.request("osdp-reader.rekey", { reader_id: readerId });
  assert.equal(reply.status_code, 1, JSON.stringify(reply));
  assert.match(
    reply.status_string,
    /The reader refused the new key \(NAK 3\): it keeps its current key\.$/,
  );
  assert.equal(hex(pd.scbk), oldKey);
  assert.equal(keyRow(w).installed_at, before);
  assert.equal(keyRow(w).pending, null);
  await secureAgain(w, pd, readerId);
  await aliceGranted(w, pd);
});

Deno.test("OSDP e2e: a lost ACK is recovered: the next session tries the new key first", async () => {
  const pd = new EmulatedPd({ address: 0 });
  await using w = await world([pd]);
  const { readerId } = await installedReader(w, pd, "Lobby");
  const oldKey = hex(pd.scbk);
  pd.silentAfterKeyset = true; // takes the key, its ACK never comes, then unplugged
  const reply = w.admin.request("osdp-reader.rekey", { reader_id: readerId });
  await w.admin.nextUnsolicited((m) =>
    m.type === "event.alarm" && (m.content as Json).event === "READER_OFFLINE"
  );
  const newKey = hex(pd.scbk);
  assert.notEqual(newKey, oldKey, "the reader took the new key");
  assert.ok(keyRow(w).pending !== null, "the controller keeps the new key as pending meanwhile");
  pd.muted = false; // plugged back
  assert.deepEqual(ok(await reply), {});
  assert.equal(keyRow(w).pending, null);
  await secureAgain(w, pd, readerId);
  assert.equal(hex(pd.scbk), newKey);
  await aliceGranted(w, pd);
  const alarms = w.server.store.db.prepare("SELECT data FROM audit_events").all()
    .map((r) => String(r.data)).filter((d) => d.includes("wrong_key"));
  assert.deepEqual(alarms, [], "no wrong-key alarm on the way");
});

Deno.test("OSDP e2e: osdp-reader.rekey refuses an offline or clear reader with a sentence", async (t) => {
  // One reader per world: adding a door to a running bus reopens its port, which ends the emulator.
  await t.step("offline", async () => {
    const pd = new EmulatedPd({ address: 0 });
    await using w = await world([pd]);
    const { readerId } = await installedReader(w, pd, "Lobby");
    const before = hex(pd.scbk);
    pd.muted = true;
    await w.admin.nextUnsolicited((m) =>
      m.type === "event.alarm" && (m.content as Json).event === "READER_OFFLINE"
    );
    const offline = await w.admin.request("osdp-reader.rekey", { reader_id: readerId });
    assert.equal(offline.status_code, 1);
    assert.match(offline.status_string, /The reader is offline\.$/);
    assert.equal(hex(pd.scbk), before);
    assert.equal(keyRow(w).pending, null);
    const unknown = await w.admin.request("osdp-reader.rekey", { reader_id: "nope" });
    assert.equal(unknown.status_code, 8, JSON.stringify(unknown)); // ENTITY_NOT_FOUND
  });
  await t.step("not in Secure Channel", async () => {
    const pd = new EmulatedPd({ address: 2 });
    await using w = await world([pd]);
    const readerId = await reader(w.admin, w.busId, "Side", 2, false);
    await door(w.admin, readerId, "Side");
    await until(() => pd.seen.some((c) => c.code === 0x60), 5000);
    const reply = await w.admin.request("osdp-reader.rekey", { reader_id: readerId });
    assert.equal(reply.status_code, 1);
    assert.match(reply.status_string, /The reader is not in Secure Channel under its own key\.$/);
    assert.deepEqual(pd.seen.filter((c) => c.code === 0x75), []);
  });
});

Deno.test("OSDP e2e: a bus whose serial port is missing: its reader is offline with the port's error, over the API", async () => {
  const server = await startTestServer({ hardware: "sim" });
  const admin = await TestClient.connect(server.wsUrl);
  try {
    await admin.login();
    ok(await admin.request("events.subscribe", {}));
    const port = `/dev/ttyLEOSAC-absent-${crypto.randomUUID().slice(0, 8)}`;
    const busId = ok(
      await admin.request("osdp-bus.create", {
        attributes: { name: "usb", port, baud: 115200, "poll-interval": 20 },
      }),
    ).data.id;
    const readerId = await reader(admin, busId, "lobby", 1, false);
    const doorId = await door(admin, readerId, "Lobby");
    const offline = (await admin.nextUnsolicited((m) =>
      m.type === "event.alarm" && (m.content as Json).event === "READER_OFFLINE"
    )).content as Json;
    assert.equal(offline.door, doorId);
    assert.equal(offline.reason, "port_down");
    assert.match(String(offline.bus_error), /ttyLEOSAC-absent.*ENOENT/);
    const status = ok(await admin.request("osdp-reader.status", {})).data as Json[];
    assert.equal(status.length, 1);
    assert.equal(status[0].online, false);
    assert.match(String(status[0].bus_error), /ENOENT/);
    const install = await admin.request("osdp-reader.install", {
      reader_id: readerId,
      timeout: 30,
    });
    assert.notEqual(install.status_code, 0);
    assert.match(install.status_string, /bus is down/);
  } finally {
    await admin.close();
    await server[Symbol.asyncDispose]();
  }
});

Deno.test("OSDP e2e: after the controller worker crashes, and after it hangs, the new worker runs the bus alone and decides its cards", async () => {
  const pd = new EmulatedPd({ address: 4 });
  await using w = await world([pd]);
  const controller = w.server.controller!;
  const readerId = await reader(w.admin, w.busId, "dock", 4, false);
  const doorId = await door(w.admin, readerId, "Dock");
  await grantAlice(w.admin, [doorId]);
  const granted = async (): Promise<void> => {
    const leds = pd.leds.length;
    pd.presentCard(ALICE.bits, ALICE.nbBits);
    const event =
      (await w.admin.nextUnsolicited((m) =>
        m.type === "event.access" && (m.content as Json).door === doorId
      )).content as Json;
    assert.equal(event.granted, true);
    await until(() => pd.leds.length > leds, 5000);
    assert.equal(pd.leds.at(-1)![5], LED_COLOR.GREEN);
  };
  await until(() => pd.seen.some((c) => c.code === 0x60), 5000);
  await granted();

  await controller.request({ type: "debug.crash" });
  await until(() => controller.restarts === 1, 5000);
  await controller.ready();
  await granted();

  void controller.request({ type: "debug.hang", ms: 3000 }).catch(() => {});
  await until(() => controller.restarts === 2, 8000);
  await controller.ready();
  await granted();

  // One control panel on the bus: its polls keep a steady pace (two would double it),
  // and no frame the reader received failed its checks.
  const before = pd.seen.length;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const polls = pd.seen.length - before;
  assert.ok(polls >= 25 && polls <= 75, `${polls} commands in 1 s at a 20 ms poll interval`);
  assert.equal(w.emulator.badFrames, 0);
});
