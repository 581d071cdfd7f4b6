/**
 * The OSDP control panel against the emulated readers of `_osdp_pd.ts`, over
 * a real pseudo-terminal pair at 115200 baud. Waits are for real bytes on the
 * pty (bounded by `until`), never sleeps standing in for time logic.
 */
import assert from "node:assert/strict";
import { CMD, LED_COLOR, NAK_REASON } from "../src/hardware/osdp/codes.ts";
import { ControlPanel, type ControlPanelOptions } from "../src/hardware/osdp/control_panel.ts";
import type { OsdpEvent, PdConfig } from "../src/hardware/osdp/pd_link.ts";
import { loadSerialLibc } from "../src/hardware/osdp/serial_libc.ts";
import { openPty, openSerialPort } from "../src/hardware/osdp/serial_port.ts";
import { EmulatedPd, PdBusEmulator } from "./_osdp_pd.ts";
import { h10301, ofType, until } from "./_osdp_test_helpers.ts";

const KEY_A = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const KEY_B: Uint8Array = Uint8Array.from({ length: 16 }, (_, i) => 0xb0 + i);

interface Bus extends AsyncDisposable {
  cp: ControlPanel;
  emulator: PdBusEmulator;
  events: OsdpEvent[];
}

/** A CP and emulated PDs on one pty pair. */
function openBus(
  pds: EmulatedPd[],
  configs: PdConfig[],
  options: Partial<ControlPanelOptions> & { react?: (e: OsdpEvent, cp: ControlPanel) => void } = {},
): Bus {
  const libc = loadSerialLibc();
  const { master, slavePath } = openPty(libc);
  const emulator = new PdBusEmulator(master, pds);
  const port = openSerialPort(slavePath, { baud: 115200, libc });
  const events: OsdpEvent[] = [];
  const cp: ControlPanel = new ControlPanel({
    link: port,
    pds: configs,
    pollIntervalMs: 20,
    offlineAfterMs: 600,
    retryWaitMs: 150,
    ...options,
    onEvent: (event) => {
      events.push(event);
      options.react?.(event, cp);
    },
  });
  cp.start();
  return {
    cp,
    emulator,
    events,
    async [Symbol.asyncDispose]() {
      await cp.close();
      await emulator.stop();
      libc.close();
    },
  };
}

Deno.test("ControlPanel brings a clear reader online and reports its cards and keys", async () => {
  const pd = new EmulatedPd({ address: 1 });
  await using bus = openBus([pd], [{ address: 1 }]);
  await until(() => ofType(bus.events, "online").length > 0, "online");
  const online = ofType(bus.events, "online")[0]!;
  assert.equal(online.secure, false);
  assert.equal(online.trusted, true);
  assert.equal(online.identity?.vendor, "5C2623");
  assert.equal(online.identity?.serial, 0x12345678);
  assert.deepEqual(pd.seen.slice(0, 4).map((c) => c.code), [
    CMD.ID,
    CMD.CAP,
    CMD.ACURXSIZE,
    CMD.LSTAT,
  ]);
  assert.deepEqual(pd.seen[2]!.data, Uint8Array.of(0xa0, 0x05)); // 1440
  pd.presentCard(h10301(12, 345), 26);
  pd.pressKeys("12*4#");
  await until(() => ofType(bus.events, "keypad").length > 0, "keys");
  const card = ofType(bus.events, "card")[0]!;
  assert.equal(card.bitCount, 26);
  assert.equal(card.bits, h10301(12, 345));
  assert.equal(ofType(bus.events, "keypad")[0]!.keys, "12*4#");
  // Sequence numbers run 0, then 1, 2, 3, 1, …
  const seqs = pd.seen.map((c) => c.sequence);
  assert.equal(seqs[0], 0);
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], ((seqs[i - 1]!) % 3) + 1);
  // LED and buzzer commands for a grant reach the reader.
  bus.cp.signal(1, "granted");
  await until(() => pd.leds.length > 0 && pd.buzzes.length > 0, "LED and buzzer");
  assert.equal(pd.leds[0]![2], 2); // temporary state
  assert.equal(pd.leds[0]![5], LED_COLOR.GREEN);
});

Deno.test("ControlPanel runs Secure Channel under the reader's key and reads through it", async () => {
  const pd = new EmulatedPd({ address: 3, scbk: KEY_A });
  await using bus = openBus([pd], [{ address: 3, secure: true, scbk: KEY_A }]);
  await until(() => ofType(bus.events, "online").length > 0, "online");
  assert.equal(ofType(bus.events, "online")[0]!.secure, true);
  assert.equal(ofType(bus.events, "online")[0]!.trusted, true);
  assert.ok(pd.secure);
  pd.presentCard(h10301(1, 2), 26);
  pd.pressKeys("1234#");
  await until(() => ofType(bus.events, "keypad").length > 0, "keys");
  assert.equal(ofType(bus.events, "card")[0]!.bits, h10301(1, 2));
  assert.equal(ofType(bus.events, "keypad")[0]!.keys, "1234#");
  bus.cp.signal(3, "denied");
  await until(() => pd.leds.length > 0, "LED");
  assert.equal(pd.leds[0]![5], LED_COLOR.RED);
  // After the handshake every command the reader saw carried a MAC.
  const afterHandshake = pd.seen.slice(pd.seen.findIndex((c) => c.code === CMD.SCRYPT) + 1);
  assert.ok(afterHandshake.length > 2 && afterHandshake.every((c) => c.secure));
  assert.deepEqual(ofType(bus.events, "alarm"), []);
});

Deno.test("Install mode: SCBK-D, then KEYSET to a fresh key, then Secure Channel under it", async () => {
  const pd = new EmulatedPd({ address: 5 }); // factory state: no key, accepts SCBK-D
  const keys: Uint8Array[] = [];
  // Each install event, and status() then: the SCBK-D session is over by "done".
  const installing: [string, boolean, boolean][] = [];
  await using bus = openBus([pd], [{ address: 5, secure: true, scbk: null }], {
    react: (e, cp) => {
      if (e.type === "keyset") keys.push(e.scbk);
      if (e.type !== "install") return;
      installing.push([e.state, cp.status()[0]!.installMode, cp.status()[0]!.secure]);
    },
  });
  await until(() => ofType(bus.events, "online").length > 0, "online");
  assert.equal(ofType(bus.events, "online")[0]!.trusted, false);
  assert.equal(ofType(bus.events, "alarm")[0]!.reason, "no_key");
  pd.presentCard(h10301(1, 1), 26);
  await until(() => ofType(bus.events, "untrusted").length > 0, "untrusted read");
  assert.equal(ofType(bus.events, "card").length, 0);

  bus.cp.enableInstallMode(5, 5000);
  await until(() => ofType(bus.events, "online").some((e) => e.trusted), "trusted online");
  assert.deepEqual(installing, [["on", true, false], ["done", false, false]]);
  assert.equal(keys.length, 1);
  assert.equal(keys[0]!.length, 16);
  assert.notDeepEqual(keys[0], Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i));
  assert.deepEqual(pd.scbk, keys[0]); // the reader took the key sent under SCBK-D
  assert.equal(bus.cp.status()[0]!.installMode, false);
  assert.equal(bus.cp.status()[0]!.secure, true);
  pd.presentCard(h10301(1, 2), 26);
  await until(() => ofType(bus.events, "card").length > 0, "card");
  assert.equal(ofType(bus.events, "card")[0]!.bits, h10301(1, 2));
});

Deno.test("Install mode is for one reader at a time and ends at its deadline", async () => {
  const a = new EmulatedPd({ address: 1, scbk: KEY_A });
  const b = new EmulatedPd({ address: 2, scbk: KEY_B });
  await using bus = openBus([a, b], [
    { address: 1, secure: true, scbk: KEY_A },
    { address: 2, secure: true, scbk: KEY_B },
  ]);
  await until(() => ofType(bus.events, "online").length === 2, "both online");
  bus.cp.enableInstallMode(1, 150); // reader 1 has a key already: SCBK-D is refused, no alarm
  assert.throws(() => bus.cp.enableInstallMode(2), /PD 1 is already in install mode/);
  await until(() => ofType(bus.events, "install").some((e) => e.state === "timeout"), "timeout");
  await until(
    () => bus.cp.status()[0]!.trusted && bus.cp.status()[0]!.secure,
    "reader 1 back under its own key",
  );
  assert.deepEqual(a.scbk, KEY_A);
  assert.deepEqual(ofType(bus.events, "alarm"), []);
});

const KEY_C: Uint8Array = Uint8Array.from({ length: 16 }, (_, i) => 0xc0 + i);

/** A secure reader at address 4 with KEY_A, online in Secure Channel. */
async function secureBus(pd: EmulatedPd, config: Partial<PdConfig> = {}): Promise<Bus> {
  const bus = openBus([pd], [{ address: 4, secure: true, scbk: KEY_A, ...config }]);
  await until(() => bus.cp.status()[0]!.online && bus.cp.status()[0]!.secure, "secure online");
  return bus;
}

Deno.test("Key rotation: KEYSET inside the session, the ACK gives the new key, the next session runs under it", async () => {
  const pd = new EmulatedPd({ address: 4, scbk: KEY_A });
  await using bus = await secureBus(pd);
  const handshakes = pd.seen.filter((c) => c.code === CMD.CHLNG).length;
  bus.cp.rotateKey(4, KEY_B);
  assert.throws(() => bus.cp.rotateKey(4, KEY_C), /already changing its key/);
  await until(() => ofType(bus.events, "keyset").length > 0, "keyset");
  assert.deepEqual(ofType(bus.events, "keyset")[0], {
    type: "keyset",
    address: 4,
    scbk: KEY_B,
    via: "rotate",
  });
  const keyset = pd.seen.find((c) => c.code === CMD.KEYSET)!;
  assert.equal(keyset.secure, true, "sent inside the session, encrypted");
  assert.deepEqual(pd.scbk, KEY_B);
  await until(
    () => pd.seen.filter((c) => c.code === CMD.CHLNG).length > handshakes && pd.secure,
    "a new session",
  );
  await until(() => bus.cp.status()[0]!.online && bus.cp.status()[0]!.secure, "secure again");
  pd.presentCard(h10301(4, 4), 26);
  await until(() => ofType(bus.events, "card").length > 0, "card under the new key");
  assert.deepEqual(ofType(bus.events, "alarm"), []);
  assert.deepEqual(ofType(bus.events, "rekey"), []);
});

Deno.test("Key rotation: a reader that NAKs the KEYSET keeps its key, and so does the CP", async () => {
  const pd = new EmulatedPd({ address: 4, scbk: KEY_A });
  pd.keysetNak = NAK_REASON.UNKNOWN_COMMAND;
  await using bus = await secureBus(pd);
  bus.cp.rotateKey(4, KEY_B);
  await until(() => ofType(bus.events, "rekey").length > 0, "refused");
  assert.deepEqual(ofType(bus.events, "rekey")[0], {
    type: "rekey",
    address: 4,
    outcome: "refused",
    reason: NAK_REASON.UNKNOWN_COMMAND,
  });
  assert.deepEqual(pd.scbk, KEY_A);
  await until(() => bus.cp.status()[0]!.online && bus.cp.status()[0]!.secure, "secure again");
  pd.presentCard(h10301(4, 5), 26);
  await until(() => ofType(bus.events, "card").length > 0, "card under the old key");
  assert.deepEqual(ofType(bus.events, "keyset"), []);
  assert.deepEqual(ofType(bus.events, "alarm"), []);
});

Deno.test("Key rotation: a lost ACK is recovered at the next handshake, which tries the new key first", async () => {
  const pd = new EmulatedPd({ address: 4, scbk: KEY_A });
  pd.silentAfterKeyset = true;
  await using bus = await secureBus(pd);
  bus.cp.rotateKey(4, KEY_B);
  await until(() => ofType(bus.events, "offline").length > 0, "offline", 6000);
  assert.deepEqual(pd.scbk, KEY_B, "the reader took the key; its ACK never came");
  assert.deepEqual(ofType(bus.events, "rekey").map((e) => e.outcome), ["lost"]);
  assert.deepEqual(ofType(bus.events, "keyset"), []);
  pd.muted = false;
  await until(() => ofType(bus.events, "keyset").length > 0, "recovered", 6000);
  assert.deepEqual(ofType(bus.events, "keyset")[0]!.via, "recovered");
  assert.deepEqual(ofType(bus.events, "keyset")[0]!.scbk, KEY_B);
  await until(() => bus.cp.status()[0]!.online && bus.cp.status()[0]!.secure, "secure again");
  pd.presentCard(h10301(4, 6), 26);
  await until(() => ofType(bus.events, "card").length > 0, "card under the new key");
  assert.deepEqual(ofType(bus.events, "alarm"), [], "no wrong_key alarm on the way");
});

Deno.test("Key rotation: a pending key from before a restart is resolved by the first handshake", async (t) => {
  await t.step("the reader holds the pending key: recovered", async () => {
    const pd = new EmulatedPd({ address: 4, scbk: KEY_B });
    await using bus = await secureBus(pd, { pendingScbk: KEY_B });
    assert.deepEqual(
      ofType(bus.events, "keyset").map((e) => [e.via, e.scbk]),
      [["recovered", KEY_B]],
    );
    assert.deepEqual(ofType(bus.events, "alarm"), []);
  });
  await t.step("the reader kept the old key: the pending one is dropped", async () => {
    const pd = new EmulatedPd({ address: 4, scbk: KEY_A });
    await using bus = await secureBus(pd, { pendingScbk: KEY_B });
    assert.deepEqual(ofType(bus.events, "rekey").map((e) => e.outcome), ["kept_old"]);
    assert.deepEqual(ofType(bus.events, "keyset"), []);
    assert.deepEqual(ofType(bus.events, "alarm"), []);
  });
  await t.step("the reader holds neither: wrong_key", async () => {
    const pd = new EmulatedPd({ address: 4, scbk: KEY_C });
    await using bus = openBus([pd], [{
      address: 4,
      secure: true,
      scbk: KEY_A,
      pendingScbk: KEY_B,
    }]);
    await until(() => ofType(bus.events, "alarm").length > 0, "alarm");
    assert.equal(ofType(bus.events, "alarm")[0]!.reason, "wrong_key");
    assert.deepEqual(ofType(bus.events, "keyset"), []);
  });
});

Deno.test("Key rotation is refused for a clear, offline or installing reader", async () => {
  const clear = new EmulatedPd({ address: 1 });
  const secure = new EmulatedPd({ address: 4, scbk: KEY_A });
  await using bus = openBus([clear, secure], [
    { address: 1 },
    { address: 4, secure: true, scbk: KEY_A },
    { address: 9, secure: true, scbk: KEY_A }, // never answers
  ]);
  await until(() => ofType(bus.events, "online").length === 2, "both online");
  assert.throws(() => bus.cp.rotateKey(1, KEY_B), /not in Secure Channel under its own key/);
  assert.throws(() => bus.cp.rotateKey(9, KEY_B), /offline/);
  assert.throws(() => bus.cp.rotateKey(4, new Uint8Array(15)), /16 bytes/);
  bus.cp.enableInstallMode(4, 5000);
  assert.throws(() => bus.cp.rotateKey(4, KEY_B), /install mode/);
  assert.throws(() => bus.cp.rotateKey(7, KEY_B), /No PD at address 7/);
  assert.deepEqual(clear.seen.filter((c) => c.code === CMD.KEYSET), []);
});

Deno.test("A reader with the wrong key raises wrong_key and is never trusted", async () => {
  const pd = new EmulatedPd({ address: 2, scbk: KEY_B });
  await using bus = openBus([pd], [{ address: 2, secure: true, scbk: KEY_A }]);
  pd.presentCard(h10301(3, 3), 26);
  await until(() => ofType(bus.events, "alarm").length > 0, "alarm");
  assert.equal(ofType(bus.events, "alarm")[0]!.reason, "wrong_key");
  await until(() => pd.seen.filter((c) => c.code === CMD.CHLNG).length >= 2, "a retry");
  assert.equal(ofType(bus.events, "card").length, 0);
  assert.equal(ofType(bus.events, "online").length, 0);
  assert.equal(ofType(bus.events, "alarm").length, 1); // raised once, not per retry
  assert.equal(bus.cp.status()[0]!.trusted, false);
});

for (
  const [downgrade, message] of [
    ["refuse", /refused Secure Channel/],
    ["default_key", /default key/],
    ["plain_replies", /without Secure Channel inside a session/],
  ] as const
) {
  Deno.test(`A downgrade (${downgrade}) raises an alarm and the reader's card is not read`, async () => {
    const pd = new EmulatedPd({ address: 4, scbk: KEY_A, downgrade });
    await using bus = openBus([pd], [{ address: 4, secure: true, scbk: KEY_A }]);
    pd.presentCard(h10301(9, 9), 26);
    await until(() => ofType(bus.events, "alarm").length > 0, "alarm");
    const alarm = ofType(bus.events, "alarm")[0]!;
    assert.equal(alarm.reason, "downgrade");
    assert.match(alarm.message, message);
    await until(() => pd.resets >= 2, "a retry from sequence 0");
    assert.equal(ofType(bus.events, "card").length, 0);
    assert.ok(!ofType(bus.events, "online").some((e) => e.trusted));
  });
}

Deno.test("An unplugged reader goes offline within the timeout and comes back when replugged", async () => {
  const pd = new EmulatedPd({ address: 1 });
  // What status() says while each event is handled: the bus thread sends it with the event.
  const seenOnline: [string, boolean, boolean][] = [];
  await using bus = openBus([pd], [{ address: 1 }], {
    offlineAfterMs: 400,
    react: (e, cp) => {
      if (e.type !== "online" && e.type !== "offline") return;
      seenOnline.push([e.type, cp.status()[0]!.online, cp.status()[0]!.secure]);
    },
  });
  await until(() => ofType(bus.events, "online").length === 1, "online");
  pd.muted = true;
  const unplugged = performance.now();
  await until(() => ofType(bus.events, "offline").length === 1, "offline");
  const took = performance.now() - unplugged;
  assert.ok(took >= 400 && took < 400 + 2 * 200 + 100, `offline after ${took} ms`);
  assert.equal(bus.cp.status()[0]!.online, false);
  pd.muted = false;
  await until(() => ofType(bus.events, "online").length === 2, "online again");
  assert.ok(pd.resets >= 2); // restarted at sequence 0
  assert.equal(ofType(bus.events, "offline").length, 1);
  assert.deepEqual(seenOnline, [
    ["online", true, false],
    ["offline", false, false],
    ["online", true, false],
  ]);
});

Deno.test("A reader that never answers is reported offline once", async () => {
  const pd = new EmulatedPd({ address: 1 });
  pd.muted = true;
  await using bus = openBus([pd], [{ address: 1 }], { offlineAfterMs: 300 });
  await until(() => ofType(bus.events, "offline").length === 1, "offline");
  await until(() => bus.cp.counters.timeouts >= 4, "more probes");
  assert.equal(ofType(bus.events, "offline").length, 1);
});

Deno.test("A corrupted reply and a lost reply are resent by the reader on the repeated sequence", async () => {
  const pd = new EmulatedPd({ address: 6, scbk: KEY_A });
  await using bus = openBus([pd], [{ address: 6, secure: true, scbk: KEY_A }]);
  await until(() => ofType(bus.events, "online").length > 0, "online");
  pd.corruptNextReply = true;
  pd.presentCard(h10301(5, 55), 26);
  await until(() => ofType(bus.events, "card").length === 1, "card after a bad CRC");
  assert.ok(bus.cp.counters.badPackets >= 1);
  assert.equal(pd.repeats, 1);
  pd.dropNextReply = true;
  pd.presentCard(h10301(5, 56), 26);
  await until(() => ofType(bus.events, "card").length === 2, "card after a lost reply");
  assert.equal(pd.repeats, 2);
  assert.ok(bus.cp.counters.resends >= 2);
  assert.deepEqual(ofType(bus.events, "card").map((c) => c.bits), [
    h10301(5, 55),
    h10301(5, 56),
  ]);
  assert.equal(ofType(bus.events, "alarm").length, 0); // the MAC chain survived both
});

Deno.test("BUSY is retried with the same command; NAKs are reported and a sequence NAK restarts", async () => {
  const pd = new EmulatedPd({ address: 1 });
  await using bus = openBus([pd], [{ address: 1 }]);
  await until(() => ofType(bus.events, "online").length > 0, "online");
  pd.busy = 3;
  pd.presentCard(h10301(2, 2), 26);
  await until(() => ofType(bus.events, "card").length === 1, "card after BUSY");
  assert.equal(pd.busy, 0);
  assert.equal(ofType(bus.events, "offline").length, 0);
  pd.nakNext = NAK_REASON.UNKNOWN_COMMAND;
  bus.cp.signal(1, "granted");
  await until(() => ofType(bus.events, "nak").length === 1, "NAK");
  assert.equal(ofType(bus.events, "nak")[0]!.command, CMD.LED);
  const resets = pd.resets;
  pd.nakNext = NAK_REASON.SEQUENCE;
  await until(() => pd.resets > resets, "restart at sequence 0");
  await until(() => ofType(bus.events, "online").length === 2, "online again");
});

Deno.test("A checksum-only reader is detected by its NAK and polled with checksums", async () => {
  const pd = new EmulatedPd({ address: 9, checksumOnly: true });
  await using bus = openBus([pd], [{ address: 9 }]);
  await until(() => ofType(bus.events, "online").length > 0, "online");
  assert.equal(bus.cp.status()[0]!.useCrc, false);
  pd.presentCard(h10301(7, 7), 26);
  await until(() => ofType(bus.events, "card").length === 1, "card");
});

Deno.test("Four readers under a card flood: every card once, in order, each answered with its LED", async () => {
  const pds = [0, 1, 2, 3].map((address) => new EmulatedPd({ address, scbk: KEY_A }));
  const perReader = 25;
  await using bus = openBus(
    pds,
    pds.map((p) => ({ address: p.address, secure: true, scbk: KEY_A })),
    {
      react: (e, cp) => e.type === "card" && cp.signal(e.address, "granted"),
    },
  );
  await until(() => ofType(bus.events, "online").length === 4, "four online");
  for (let i = 0; i < perReader; i++) {
    for (const pd of pds) pd.presentCard(h10301(pd.address, i), 26);
  }
  await until(
    () => pds.every((pd) => pd.leds.length === perReader),
    "every grant's LED",
    15_000,
  );
  for (const pd of pds) {
    const cards = ofType(bus.events, "card").filter((c) => c.address === pd.address);
    assert.deepEqual(
      cards.map((c) => c.bits),
      Array.from({ length: perReader }, (_, i) => h10301(pd.address, i)),
    );
    assert.ok(pd.leds.every((led) => led[5] === LED_COLOR.GREEN));
  }
  assert.equal(ofType(bus.events, "alarm").length, 0);
  assert.equal(ofType(bus.events, "offline").length, 0);
});

Deno.test("A grant's LED is the very next command on the bus after the reader's card", async () => {
  const pds = [0, 1, 2, 3].map((address) => new EmulatedPd({ address }));
  await using bus = openBus(pds, pds.map((p) => ({ address: p.address })), {
    pollIntervalMs: 50,
    react: (e, cp) => e.type === "card" && cp.signal(e.address, "granted"),
  });
  await until(() => ofType(bus.events, "online").length === 4, "four online");
  for (const address of [1, 2, 0]) {
    pds[address]!.presentCard(h10301(address, 7), 26);
    // The buzzer follows the LED on the wire; the last reader's may still be in flight.
    await until(() => pds[address]!.buzzes.length === 1, `reader ${address}'s LED and buzzer`);
  }
  // Every command the bus carried, in the order the readers received them.
  const order = pds
    .flatMap((pd) => pd.seen.map((c) => ({ address: pd.address, code: c.code, atMs: c.atMs })))
    .sort((a, b) => a.atMs - b.atMs);
  for (const address of [0, 1, 2]) {
    const led = order.findIndex((c) => c.address === address && c.code === CMD.LED);
    // Its POLL (answered with the card), then its LED and buzzer, before any other reader's turn.
    assert.deepEqual(
      order.slice(led - 1, led + 2).map((c) => [c.address, c.code]),
      [[address, CMD.POLL], [address, CMD.LED], [address, CMD.BUZ]],
    );
  }
});

/** osdp_TEXT data: reader 0, temporary no wrap (3), `seconds`, row 1, column 1, length, ASCII. */
const TEXT_GRANTED = Uint8Array.of(
  ...[0x00, 0x03, 0x03, 0x01, 0x01, 0x0e],
  ...[0x41, 0x63, 0x63, 0x65, 0x73, 0x73, 0x20, 0x67, 0x72, 0x61, 0x6e, 0x74, 0x65, 0x64],
);
const TEXT_DENIED = Uint8Array.of(
  ...[0x00, 0x03, 0x02, 0x01, 0x01, 0x0d],
  ...[0x41, 0x63, 0x63, 0x65, 0x73, 0x73, 0x20, 0x64, 0x65, 0x6e, 0x69, 0x65, 0x64],
);
const TEXT_ENTER_PIN = Uint8Array.of(
  ...[0x00, 0x03, 0x0a, 0x01, 0x01, 0x09],
  ...[0x45, 0x6e, 0x74, 0x65, 0x72, 0x20, 0x50, 0x49, 0x4e],
);

Deno.test("A reader whose PDCAP reports a display gets the decision as osdp_TEXT (clear)", async () => {
  const pd = new EmulatedPd({ address: 2, displayRows: 2 });
  await using bus = openBus([pd], [{ address: 2 }]);
  await until(() => ofType(bus.events, "online").length > 0, "online");
  assert.deepEqual(ofType(bus.events, "online")[0]!.capabilities.at(-1), {
    function: 6,
    compliance: 2,
    count: 1,
  });
  bus.cp.signal(2, "granted");
  await until(() => pd.texts.length === 1, "the grant's text");
  bus.cp.signal(2, "denied");
  await until(() => pd.texts.length === 2, "the denial's text");
  bus.cp.signal(2, "waiting_pin");
  await until(() => pd.texts.length === 3, "the PIN prompt");
  bus.cp.signal(2, "idle"); // no text for idle
  await until(() => pd.leds.length === 4, "the idle LED");
  assert.deepEqual(pd.texts.map((t) => t.bytes), [TEXT_GRANTED, TEXT_DENIED, TEXT_ENTER_PIN]);
  assert.deepEqual(pd.texts.map((t) => t.text), ["Access granted", "Access denied", "Enter PIN"]);
  // Each signal: LED, buzzer (none for the PIN prompt), then the text.
  const signalled = pd.seen.map((c) => c.code).filter((code) => code !== CMD.POLL);
  assert.deepEqual(signalled.slice(-9), [
    CMD.LED,
    CMD.BUZ,
    CMD.TEXT,
    CMD.LED,
    CMD.BUZ,
    CMD.TEXT,
    CMD.LED,
    CMD.TEXT,
    CMD.LED,
  ]);
  assert.deepEqual(ofType(bus.events, "nak"), []);
});

Deno.test("A Secure Channel reader with a display gets osdp_TEXT encrypted and MAC'd", async () => {
  const pd = new EmulatedPd({ address: 3, scbk: KEY_A, displayRows: 1 });
  await using bus = openBus([pd], [{ address: 3, secure: true, scbk: KEY_A }]);
  await until(() => ofType(bus.events, "online").length > 0, "online");
  bus.cp.signal(3, "denied");
  await until(() => pd.texts.length === 1, "the denial's text");
  assert.deepEqual(pd.texts[0]!.bytes, TEXT_DENIED);
  const text = pd.seen.find((c) => c.code === CMD.TEXT)!;
  assert.equal(text.secure, true);
  assert.deepEqual(text.data, TEXT_DENIED); // as the reader decrypted it
  assert.deepEqual(ofType(bus.events, "alarm"), []);
});

Deno.test("A reader without a display gets no osdp_TEXT: the wire is as before", async () => {
  const pd = new EmulatedPd({ address: 4, scbk: KEY_A });
  await using bus = openBus([pd], [{ address: 4, secure: true, scbk: KEY_A }]);
  await until(() => ofType(bus.events, "online").length > 0, "online");
  assert.ok(!ofType(bus.events, "online")[0]!.capabilities.some((c) => c.function === 6));
  for (const signal of ["granted", "denied", "waiting_pin"] as const) bus.cp.signal(4, signal);
  await until(() => pd.leds.length === 3, "three LEDs");
  const polls = pd.seen.length;
  await until(() => pd.seen.length >= polls + 3, "more polls after the signals");
  assert.deepEqual(pd.seen.filter((c) => c.code === CMD.TEXT), []);
  assert.deepEqual(
    pd.seen.map((c) => c.code).filter((code) => code === CMD.LED || code === CMD.BUZ),
    [CMD.LED, CMD.BUZ, CMD.LED, CMD.BUZ, CMD.LED],
  );
  assert.deepEqual(ofType(bus.events, "nak"), []);
});
