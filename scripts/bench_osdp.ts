/**
 * OSDP benchmark (issue 13), on a real pseudo-terminal at 115200 baud. The
 * readers are the test emulator (`tests/_osdp_pd.ts`) run in another process
 * (`_osdp_pd_process.ts`), so the figures are the CP's alone and the
 * emulator's AES does not share the CP's event loop:
 *
 * 1. polls per second per reader with 1 and 4 readers, clear and Secure
 *    Channel, at the default 50 ms poll interval and flat out (interval 0);
 * 2. the time from the PD's card reply to the grant's osdp_LED reaching the
 *    PD (the CP signals "granted" as soon as the card event arrives, as the
 *    controller does), p50/p95/max over 200 cards, 4 Secure Channel readers
 *    (both timestamps taken in the readers' process);
 * 3. CPU of the CP's process while idle-polling 4 Secure Channel readers at
 *    50 ms for 10 s (process CPU time over wall time);
 * 4. for comparison, the same I/O (write, wait in poll, read; a timer per
 *    cycle) without the CP's logic: the floor the runtime's wake-ups set;
 * 5. Secure Channel's cost per message: MAC + encrypt of a command and
 *    MAC check + decrypt of its reply, in-process.
 *
 * Sections 1–3 run the control panel as the controller runs a serial bus:
 * on its own thread (`bus_thread.ts`); `idle-inline` is 3. with the control
 * panel on the main thread over the async port, for comparison.
 *
 * Run: `deno run -A scripts/bench_osdp.ts [rates|latency|idle|idle-inline|floor|crypto ...]`
 * (all when none is named).
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { cpuUsage } from "node:process";
import { ControlPanel } from "../src/hardware/osdp/control_panel.ts";
import { SCBK_D } from "../src/hardware/osdp/codes.ts";
import { encodePacket } from "../src/hardware/osdp/frame.ts";
import type { OsdpEvent } from "../src/hardware/osdp/pd_link.ts";
import {
  computeMac,
  deriveSessionKeys,
  encryptData,
  SecureSession,
} from "../src/hardware/osdp/secure_channel.ts";
import { loadSerialLibc } from "../src/hardware/osdp/serial_libc.ts";
import { openSerialFd, openSerialPort } from "../src/hardware/osdp/serial_port.ts";
import { type OsdpBusControl, OsdpBusThread } from "../src/hardware/osdp/bus_thread.ts";

const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);

interface Report {
  latenciesMs: number[];
  seen: number[];
}

/** Emulated readers in a child process: `_osdp_pd_process.ts`. */
async function spawnReaders(count: number) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./_osdp_pd_process.ts", import.meta.url).pathname, `${count}`],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  async function line(): Promise<string> {
    for (;;) {
      const at = buffered.indexOf("\n");
      if (at >= 0) {
        const out = buffered.slice(0, at);
        buffered = buffered.slice(at + 1);
        return out;
      }
      const { value, done } = await lines.read();
      if (done) throw new Error("the readers' process ended");
      buffered += value;
    }
  }
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const slavePath = (await line()).trim();
  return {
    slavePath,
    send: (text: string) => writer.write(encoder.encode(`${text}\n`)),
    async report(): Promise<Report> {
      await writer.write(encoder.encode("report\n"));
      return JSON.parse(await line());
    },
    async close() {
      await writer.close();
      await lines.cancel();
      await child.status;
    },
  };
}

/**
 * Where the control panel runs: `thread`, as the controller runs a serial
 * bus (`bus_thread.ts`: its own thread, synchronous `poll`), or `inline`, on
 * this thread over the async port (`serial_port.ts`, as tests and simulated
 * buses run it).
 */
type Placement = "thread" | "inline";

interface BenchBus {
  cp: OsdpBusControl;
  readers: Awaited<ReturnType<typeof spawnReaders>>;
  events: OsdpEvent[];
  close(): Promise<void>;
}

async function bus(
  count: number,
  secure: boolean,
  pollIntervalMs: number,
  placement: Placement = "thread",
): Promise<BenchBus> {
  const readers = await spawnReaders(count);
  const libc = loadSerialLibc();
  const events: OsdpEvent[] = [];
  const pds = Array.from({ length: count }, (_, address) => ({ address, secure, scbk: KEY }));
  const onEvent = (e: OsdpEvent) => {
    events.push(e);
    if (e.type === "card") cp.signal(e.address, "granted");
  };
  const cp: OsdpBusControl = placement === "thread"
    ? new OsdpBusThread({
      libc,
      fd: openSerialFd(readers.slavePath, { baud: 115200, libc }),
      path: readers.slavePath,
      pds,
      timing: { pollIntervalMs },
      onEvent,
    })
    : new ControlPanel({
      link: openSerialPort(readers.slavePath, { baud: 115200, libc }),
      pds,
      pollIntervalMs,
      onEvent,
    });
  cp.start();
  const deadline = performance.now() + 5000;
  while (events.filter((e) => e.type === "online").length < count) {
    if (performance.now() > deadline) throw new Error("readers did not come online");
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    cp,
    readers,
    events,
    async close() {
      await cp.close();
      libc.close();
      await readers.close();
    },
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function pollRate(count: number, secure: boolean, intervalMs: number): Promise<number> {
  const b = await bus(count, secure, intervalMs);
  const before = (await b.readers.report()).seen;
  const seconds = 3;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = (await b.readers.report()).seen;
  const rate = after.reduce((sum, n, i) => sum + n - before[i]!, 0) / count / seconds;
  await b.close();
  return rate;
}

async function rates(): Promise<void> {
  console.log("| readers | channel | poll interval | polls/s per reader |");
  console.log("| --- | --- | --- | --- |");
  for (const count of [1, 4]) {
    for (const secure of [false, true]) {
      for (const interval of [50, 0]) {
        const rate = await pollRate(count, secure, interval);
        const channel = secure ? "Secure Channel" : "clear";
        console.log(`| ${count} | ${channel} | ${interval} ms | ${rate.toFixed(1)} |`);
      }
    }
  }
}

async function latency(): Promise<void> {
  const b = await bus(4, true, 50);
  const cards = 200;
  for (let i = 0; i < cards; i++) {
    await b.readers.send(`card ${i % 4} ${i}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  let report = await b.readers.report();
  const end = performance.now() + 10_000;
  while (report.latenciesMs.length < cards && performance.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    report = await b.readers.report();
  }
  const l = report.latenciesMs;
  console.log(
    `Card reply → grant LED at the PD (4 readers, Secure Channel, 50 ms poll, ${l.length} of ` +
      `${cards} cards): p50 ${percentile(l, 0.5).toFixed(1)} ms, p95 ${
        percentile(l, 0.95).toFixed(1)
      } ms, max ${Math.max(...l).toFixed(1)} ms`,
  );
  await b.close();
}

/** CPU of this process while `placement` idle-polls 4 Secure Channel readers at 50 ms. */
async function idleCpu(placement: Placement): Promise<void> {
  const b = await bus(4, true, 50, placement);
  // Steady state: let the JIT compile the poll loop before measuring.
  await new Promise((r) => setTimeout(r, 3000));
  const seenBefore = (await b.readers.report()).seen;
  const start = cpuUsage();
  const wall = performance.now();
  await new Promise((r) => setTimeout(r, 10_000));
  const used = cpuUsage(start);
  const seconds = (performance.now() - wall) / 1000;
  const seen = (await b.readers.report()).seen.reduce((sum, n, i) => sum + n - seenBefore[i]!, 0);
  const cpu = (used.user + used.system) / 1e6 / seconds * 100;
  console.log(
    `Idle polling, 4 Secure Channel readers, 50 ms, control panel ${
      placement === "thread" ? "on its bus thread" : "inline on the main thread"
    } (${seen} commands in ${seconds.toFixed(1)} s): ${cpu.toFixed(2)}% of one core for the CP ` +
      `process (user ${(used.user / 1e3).toFixed(0)} ms, system ${
        (used.system / 1e3).toFixed(0)
      } ms)`,
  );
  await b.close();
}

const idle = () => idleCpu("thread");
const idleInline = () => idleCpu("inline");

/**
 * The same I/O as idle polling without the CP's logic: per 50 ms, a command
 * to each of 4 readers (osdp_ID in clear, built once), a wait in `poll` for
 * the reply, then a timer. What the runtime's wake-ups cost on this machine.
 */
async function floor(): Promise<void> {
  const readers = await spawnReaders(4);
  const libc = loadSerialLibc();
  const port = openSerialPort(readers.slavePath, { baud: 115200, libc });
  const commands = [0, 1, 2, 3].map((address) =>
    encodePacket({ address, sequence: 0, useCrc: true, code: 0x61, data: Uint8Array.of(0) })
  );
  let turns = 0;
  const cycle = async () => {
    const start = performance.now();
    for (const command of commands) {
      await port.write(command);
      // A PDID reply is 20 bytes; the pty delivers it whole.
      for (let got = 0; got < 20;) {
        const chunk = await port.read(200);
        if (chunk.length === 0) break;
        got += chunk.length;
      }
      turns++;
    }
    const pauseMs = start + 50 - performance.now();
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  };
  for (const warm = performance.now() + 3000; performance.now() < warm;) await cycle();
  turns = 0;
  const start = cpuUsage();
  const wall = performance.now();
  while (performance.now() < wall + 10_000) await cycle();
  const used = cpuUsage(start);
  const seconds = (performance.now() - wall) / 1000;
  const cpu = (used.user + used.system) / 1e6 / seconds * 100;
  console.log(
    `The same I/O without the CP (${turns} write/poll/read turns in ${seconds.toFixed(1)} s, ` +
      `a timer per 50 ms): ${cpu.toFixed(2)}% of one core`,
  );
  await port.close();
  libc.close();
  await readers.close();
}

function crypto(): void {
  const keys = deriveSessionKeys(SCBK_D, new Uint8Array(8));
  const session = new SecureSession(keys, new Uint8Array(16));
  const n = 20_000;
  const led = new Uint8Array(14);
  const buildLed = () => {
    const data = session.encryptCommand(led);
    encodePacket({
      address: 1,
      sequence: 1,
      useCrc: true,
      securityBlock: Uint8Array.of(2, 0x17),
      code: 0x69,
      data,
    }, (input) => session.macCommand(input));
  };
  for (let i = 0; i < 2000; i++) buildLed(); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) buildLed();
  const perCommand = (performance.now() - t0) / n * 1000;
  const mac = new Uint8Array(16);
  const reply = new Uint8Array(24);
  const t1 = performance.now();
  for (let i = 0; i < n; i++) {
    computeMac(keys, mac, reply);
    encryptData(keys, mac, led.subarray(0, 4));
  }
  const perReply = (performance.now() - t1) / n * 1000;
  const plain = performance.now();
  for (let i = 0; i < n; i++) {
    encodePacket({ address: 1, sequence: 1, useCrc: true, code: 0x69, data: led });
  }
  const perPlain = (performance.now() - plain) / n * 1000;
  console.log(
    `Secure Channel per message: ${perCommand.toFixed(1)} µs to build an encrypted, MAC'd LED ` +
      `command (clear: ${perPlain.toFixed(1)} µs); ${
        perReply.toFixed(1)
      } µs for a reply's MAC + data`,
  );
}

const SECTIONS: Record<string, () => void | Promise<void>> = {
  rates,
  latency,
  idle,
  "idle-inline": idleInline,
  floor,
  crypto,
};
const chosen = Deno.args.length > 0 ? Deno.args : Object.keys(SECTIONS);
console.log("## OSDP on a pty at 115200 baud, readers in another process\n");
for (const name of chosen) {
  const section = SECTIONS[name];
  if (section === undefined) throw new Error(`Unknown section "${name}"`);
  await section();
}
