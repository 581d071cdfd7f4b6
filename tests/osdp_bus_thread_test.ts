/**
 * An OSDP bus on a thread of its own (`bus_thread.ts`, `bus_worker.ts`,
 * `blocking_port.ts`): the port opened here, its fd run by the bus thread
 * against the emulated readers of `_osdp_pd.ts` over a real pseudo-terminal
 * pair at 115200 baud. What the owner sees must be what it saw of a control
 * panel on its own thread: events in order, status, refusals, LEDs next on
 * the bus, and the port released on close.
 */
import assert from "node:assert/strict";
import { CMD, LED_COLOR } from "../src/hardware/osdp/codes.ts";
import { OsdpBusThread } from "../src/hardware/osdp/bus_thread.ts";
import type { CpTiming } from "../src/hardware/osdp/control_panel.ts";
import type { OsdpEvent, PdConfig } from "../src/hardware/osdp/pd_link.ts";
import { loadSerialLibc } from "../src/hardware/osdp/serial_libc.ts";
import { openPty, openSerialFd } from "../src/hardware/osdp/serial_port.ts";
import { TERMIOS } from "../src/hardware/osdp/termios.ts";
import { EmulatedPd, PdBusEmulator } from "./_osdp_pd.ts";
import { h10301, ofType, until } from "./_osdp_test_helpers.ts";

const KEY_A = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const KEY_B = Uint8Array.from({ length: 16 }, (_, i) => 0xb0 + i);

interface ThreadBus extends AsyncDisposable {
  thread: OsdpBusThread;
  emulator: PdBusEmulator;
  events: OsdpEvent[];
  errors: Error[];
  fd: number;
  /** Whether `fd` is still an open file descriptor of this process. */
  fdOpen(): boolean;
}

function openThreadBus(
  pds: EmulatedPd[],
  configs: PdConfig[],
  options: { timing?: Partial<CpTiming>; react?: (e: OsdpEvent, t: OsdpBusThread) => void } = {},
): ThreadBus {
  const libc = loadSerialLibc();
  const { master, slavePath } = openPty(libc);
  const emulator = new PdBusEmulator(master, pds);
  const fd = openSerialFd(slavePath, { baud: 115200, libc });
  const events: OsdpEvent[] = [];
  const errors: Error[] = [];
  const thread: OsdpBusThread = new OsdpBusThread({
    libc,
    fd,
    path: slavePath,
    pds: configs,
    timing: { pollIntervalMs: 20, offlineAfterMs: 600, retryWaitMs: 150, ...options.timing },
    onEvent: (event) => {
      events.push(event);
      options.react?.(event, thread);
    },
    onError: (error) => errors.push(error),
  });
  thread.start();
  return {
    thread,
    emulator,
    events,
    errors,
    fd,
    fdOpen: () => libc.symbols.fcntl(fd, TERMIOS.F_GETFL, 0) >= 0,
    async [Symbol.asyncDispose]() {
      await thread.close();
      await emulator.stop();
      libc.close();
    },
  };
}

Deno.test("A bus thread brings clear and Secure Channel readers online and reports their cards, keys and status", async () => {
  const clear = new EmulatedPd({ address: 1 });
  const secure = new EmulatedPd({ address: 2, scbk: KEY_A });
  await using bus = openThreadBus([clear, secure], [
    { address: 1 },
    { address: 2, secure: true, scbk: KEY_A },
  ]);
  // Before the thread has said anything, the status is the configured readers, offline.
  assert.deepEqual(bus.thread.status().map((s) => [s.address, s.online]), [[1, false], [2, false]]);
  // The first bus thread of the process loads its modules first: seconds on a cold cache.
  await until(() => ofType(bus.events, "online").length === 2, "both online", 30_000);
  const status = bus.thread.status();
  assert.deepEqual(status.map((s) => [s.address, s.online, s.secure, s.trusted]), [
    [1, true, false, true],
    [2, true, true, true],
  ]);
  assert.equal(status[0]!.identity?.vendor, "5C2623");
  clear.presentCard(h10301(12, 345), 26);
  secure.presentCard(h10301(12, 346), 26);
  secure.pressKeys("1234#");
  await until(() => ofType(bus.events, "keypad").length === 1, "keys");
  await until(() => ofType(bus.events, "card").length === 2, "cards");
  assert.deepEqual(
    ofType(bus.events, "card").map((c) => [c.address, c.bits]).sort(),
    [[1, h10301(12, 345)], [2, h10301(12, 346)]],
  );
  assert.deepEqual(ofType(bus.events, "keypad").map((k) => [k.address, k.keys]), [[2, "1234#"]]);
  clear.tamper = true;
  await until(() => bus.thread.status()[0]!.tamper, "tamper in the status");
  assert.equal(ofType(bus.events, "status").at(-1)?.tamper, true);
  assert.deepEqual(bus.errors, []);
});

Deno.test("A bus thread sends a grant's LED and buzzer as the very next commands after the card", async () => {
  const pds = [0, 1, 2, 3].map((address) => new EmulatedPd({ address }));
  await using bus = openThreadBus(pds, pds.map((p) => ({ address: p.address })), {
    timing: { pollIntervalMs: 50 },
    react: (e, thread) => e.type === "card" && thread.signal(e.address, "granted"),
  });
  await until(() => ofType(bus.events, "online").length === 4, "four online");
  for (const address of [2, 0, 3]) {
    pds[address]!.presentCard(h10301(address, 7), 26);
    await until(() => pds[address]!.buzzes.length === 1, `reader ${address}'s LED and buzzer`);
  }
  const order = pds
    .flatMap((pd) => pd.seen.map((c) => ({ address: pd.address, code: c.code, atMs: c.atMs })))
    .sort((a, b) => a.atMs - b.atMs);
  for (const address of [2, 0, 3]) {
    const led = order.findIndex((c) => c.address === address && c.code === CMD.LED);
    assert.deepEqual(
      order.slice(led - 1, led + 2).map((c) => [c.address, c.code]),
      [[address, CMD.POLL], [address, CMD.LED], [address, CMD.BUZ]],
    );
    assert.equal(pds[address]!.leds[0]![5], LED_COLOR.GREEN);
  }
});

Deno.test("A bus thread runs install mode and refuses a second reader in install mode at once", async () => {
  const fresh = new EmulatedPd({ address: 5 });
  const keyed = new EmulatedPd({ address: 6, scbk: KEY_B });
  const keys: Uint8Array[] = [];
  await using bus = openThreadBus([fresh, keyed], [
    { address: 5, secure: true, scbk: null },
    { address: 6, secure: true, scbk: KEY_B },
  ], { react: (e) => e.type === "keyset" && keys.push(e.scbk) });
  await until(() => ofType(bus.events, "online").length === 2, "both online");
  bus.thread.enableInstallMode(5, 5000);
  await until(() => bus.thread.status()[0]!.installMode, "install mode in the status");
  assert.throws(() => bus.thread.enableInstallMode(6), /PD 5 is already in install mode/);
  assert.throws(() => bus.thread.enableInstallMode(9), /No PD at address 9/);
  await until(() => keys.length === 1, "the new key");
  assert.deepEqual(fresh.scbk, keys[0]);
  await until(() => bus.thread.status()[0]!.trusted, "reader 5 trusted");
  assert.deepEqual(ofType(bus.events, "install").map((e) => e.state), ["on", "done"]);
  assert.equal(bus.thread.status()[0]!.installMode, false);
});

Deno.test("A key rotation the bus thread's reader cannot take comes back as not sent", async () => {
  const pd = new EmulatedPd({ address: 4, scbk: KEY_A });
  pd.muted = true; // configured, never answering: offline
  await using bus = openThreadBus([pd], [{ address: 4, secure: true, scbk: KEY_A }]);
  assert.throws(() => bus.thread.rotateKey(4, new Uint8Array(15)), /16 bytes/);
  assert.throws(() => bus.thread.rotateKey(7, KEY_B), /No PD at address 7/);
  bus.thread.rotateKey(4, KEY_B);
  await until(() => ofType(bus.events, "rekey").length === 1, "the refusal");
  assert.deepEqual(ofType(bus.events, "rekey")[0], {
    type: "rekey",
    address: 4,
    outcome: "not_sent",
    reason: null,
  });
});

Deno.test("Closing a bus thread stops the polls and closes the port's fd", async () => {
  const pd = new EmulatedPd({ address: 1 });
  const bus = openThreadBus([pd], [{ address: 1 }]);
  try {
    await until(() => ofType(bus.events, "online").length === 1, "online");
    assert.ok(bus.fdOpen());
    await bus.thread.close();
    await bus.thread.close(); // idempotent
    assert.equal(bus.fdOpen(), false);
    const seen = pd.seen.length;
    await new Promise((resolve) => setTimeout(resolve, 100)); // five poll intervals
    assert.equal(pd.seen.length, seen);
    bus.thread.signal(1, "granted"); // after close: nothing goes out, nothing throws
    assert.deepEqual(bus.errors, []);
  } finally {
    await bus[Symbol.asyncDispose]();
  }
});

Deno.test("A bus thread whose port hangs up reports one error, and close still releases the fd", async () => {
  const pd = new EmulatedPd({ address: 1 });
  const bus = openThreadBus([pd], [{ address: 1 }]);
  try {
    await until(() => ofType(bus.events, "online").length === 1, "online");
    await bus.emulator.stop(); // the master end closes: the port hangs up
    await until(() => bus.errors.length === 1, "the error");
    assert.match(bus.errors[0]!.message, /EIO|hung up/);
    await bus.thread.close();
    assert.equal(bus.fdOpen(), false);
    assert.equal(bus.errors.length, 1);
  } finally {
    await bus[Symbol.asyncDispose]();
  }
});
