/**
 * OSDP benchmark (issue 13), on a real pseudo-terminal at 115200 baud with
 * the test emulator (`tests/_osdp_pd.ts`) answering in the same process:
 *
 * 1. polls per second per reader with 1 and 4 readers, clear and Secure
 *    Channel, at the default 50 ms poll interval and flat out (interval 0);
 * 2. the time from the PD's card reply to the grant's osdp_LED reaching the
 *    PD (the CP signals "granted" as soon as the card event arrives, as the
 *    controller does), p50/p95/max over 200 cards, 4 readers;
 * 3. CPU while idle-polling 4 readers for 10 s (process CPU time over wall
 *    time: the CP and the emulator together, so an upper bound for the CP);
 * 4. Secure Channel's cost per message: MAC + encrypt of a command and
 *    MAC check + decrypt of its reply, in-process.
 *
 * Run: `deno run -A scripts/bench_osdp.ts`
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
import { openPty, openSerialPort } from "../src/hardware/osdp/serial_port.ts";
import { EmulatedPd, PdBusEmulator } from "../tests/_osdp_pd.ts";

const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);

async function bus(count: number, secure: boolean, pollIntervalMs: number) {
  const libc = loadSerialLibc();
  const { master, slavePath } = openPty(libc);
  const pds = Array.from({ length: count }, (_, address) => new EmulatedPd({ address, scbk: KEY }));
  const emulator = new PdBusEmulator(master, pds);
  const events: OsdpEvent[] = [];
  const cp: ControlPanel = new ControlPanel({
    link: openSerialPort(slavePath, { baud: 115200, libc }),
    pds: pds.map((p) => ({ address: p.address, secure, scbk: KEY })),
    pollIntervalMs,
    onEvent: (e) => {
      events.push(e);
      if (e.type === "card") cp.signal(e.address, "granted");
    },
  });
  cp.start();
  const deadline = performance.now() + 5000;
  while (events.filter((e) => e.type === "online").length < count) {
    if (performance.now() > deadline) throw new Error("readers did not come online");
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    cp,
    pds,
    events,
    async close() {
      await cp.close();
      await emulator.stop();
      libc.close();
    },
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function pollRate(count: number, secure: boolean, intervalMs: number): Promise<number> {
  const b = await bus(count, secure, intervalMs);
  const before = b.pds.map((p) => p.seen.length);
  const seconds = 3;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const rate = b.pds.reduce((sum, p, i) => sum + p.seen.length - before[i]!, 0) / count / seconds;
  await b.close();
  return rate;
}

console.log("## OSDP on a pty at 115200 baud\n");
console.log("| readers | channel | poll interval | polls/s per reader |");
console.log("| --- | --- | --- | --- |");
for (const count of [1, 4]) {
  for (const secure of [false, true]) {
    for (const interval of [50, 0]) {
      const rate = await pollRate(count, secure, interval);
      console.log(
        `| ${count} | ${secure ? "Secure Channel" : "clear"} | ${interval} ms | ${
          rate.toFixed(0)
        } |`,
      );
    }
  }
}

{
  const b = await bus(4, true, 50);
  const cards = 200;
  for (let i = 0; i < cards; i++) {
    b.pds[i % 4]!.presentCard(BigInt(i), 26);
    await new Promise((r) => setTimeout(r, 20));
  }
  const end = performance.now() + 10_000;
  while (b.pds.reduce((n, p) => n + p.leds.length, 0) < cards && performance.now() < end) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const latencies: number[] = [];
  for (const pd of b.pds) {
    const rawReplies = pd.replies.filter((r) => r.code === 0x50);
    const leds = pd.seen.filter((c) => c.code === 0x69);
    rawReplies.forEach((reply, i) => {
      const led = leds[i];
      if (led !== undefined) latencies.push(led.atMs - reply.atMs);
    });
  }
  console.log(
    `\nCard reply → grant LED at the PD (4 readers, Secure Channel, 50 ms poll, ${latencies.length} cards): ` +
      `p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p95 ${
        percentile(latencies, 0.95).toFixed(1)
      } ms, ` +
      `max ${Math.max(...latencies).toFixed(1)} ms`,
  );
  await b.close();
}

{
  // The readers in another process: this process's CPU time is the CP's alone.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./_osdp_pd_process.ts", import.meta.url).pathname, "4"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  const slavePath = new TextDecoder().decode(value).trim();
  const libc = loadSerialLibc();
  const online = new Set<number>();
  const cp = new ControlPanel({
    link: openSerialPort(slavePath, { baud: 115200, libc }),
    pds: [0, 1, 2, 3].map((address) => ({ address, secure: true, scbk: KEY })),
    onEvent: (e) => e.type === "online" && online.add(e.address),
  });
  cp.start();
  while (online.size < 4) await new Promise((r) => setTimeout(r, 10));
  const start = cpuUsage();
  const wall = performance.now();
  await new Promise((r) => setTimeout(r, 10_000));
  const used = cpuUsage(start);
  const seconds = (performance.now() - wall) / 1000;
  const cpu = (used.user + used.system) / 1e6 / seconds * 100;
  console.log(
    `Idle polling, 4 Secure Channel readers, 50 ms (${cp.counters.sent} commands): ` +
      `${cpu.toFixed(2)}% of one core for the CP process (readers emulated in another process)`,
  );
  await cp.close();
  libc.close();
  await child.stdin.close();
  reader.releaseLock();
  await child.stdout.cancel();
  await child.status;
}

{
  const keys = deriveSessionKeys(SCBK_D, new Uint8Array(8));
  const session = new SecureSession(keys, new Uint8Array(16));
  const n = 20_000;
  const led = new Uint8Array(14);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const data = session.encryptCommand(led);
    encodePacket({
      address: 1,
      sequence: 1,
      useCrc: true,
      securityBlock: Uint8Array.of(2, 0x17),
      code: 0x69,
      data,
    }, (input) => session.macCommand(input));
  }
  const perCommand = (performance.now() - t0) / n * 1000;
  const t1 = performance.now();
  const mac = new Uint8Array(16);
  const reply = new Uint8Array(24);
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
