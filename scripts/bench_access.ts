/**
 * Access-decision benchmark (issue 4, "Performance"):
 *
 * 1. For each population size: bulk-insert N cardholders (a user, an H10301
 *    card and two group memberships each, prepared statements, one
 *    transaction), then run the controller in-process on the sim chip (the
 *    same code the worker runs) and measure the time from the LAST Wiegand
 *    edge of a frame to the strike line being set: fixed-length reader
 *    (the frame ends on its 26th bit) and silence-timeout reader (25 ms);
 *    then sustained decisions per second (each one SQL facts + decide + strike
 *    + audit row); then memory.
 * 2. On a real server with the worker (population `--api-size`): the API's
 *    request latency while cards arrive at 100 per second through
 *    `hardware.simulate` (instant pulse trains), against an idle baseline.
 *
 * Usage: deno run -A scripts/bench_access.ts [--sizes 1000,100000,1000000]
 *          [--samples 2000] [--api-size 100000] [--api-seconds 10]
 *
 * @module
 */
import { parseArgs } from "node:util";

import { createApp } from "../src/app.ts";
import { systemClock } from "../src/clock.ts";
import { Controller } from "../src/controller/controller.ts";
import { createHardware } from "../src/controller/hardware.ts";
import { ControllerClient } from "../src/controller/supervisor.ts";
import type { ControllerEvent } from "../src/controller/protocol.ts";
import type { SimChip } from "../src/hardware/sim/sim_chip.ts";
import { encodeCard, H10301 } from "../src/hardware/wiegand/formats.ts";
import { ensureAdministrator } from "../src/store/bootstrap.ts";
import { openDatabase } from "../src/store/db.ts";
import { openStore, type Store } from "../src/store/store.ts";
import { TestClient } from "../src/testing.ts";
import { API_READERS, populate, type Population } from "./_bench_population.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sizes: { type: "string", default: "1000,100000,1000000" },
    samples: { type: "string", default: "2000" },
    "api-size": { type: "string", default: "100000" },
    "api-seconds": { type: "string", default: "10" },
  },
});
const SIZES = values.sizes.split(",").map(Number);
const SAMPLES = Number(values.samples);
const API_SIZE = Number(values["api-size"]);
const API_SECONDS = Number(values["api-seconds"]);

function print(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

function eprint(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

function stats(values: number[]): { p50: number; p99: number; max: number; n: number } {
  const sorted = values.toSorted((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? NaN,
    n: sorted.length,
  };
}

const fmt = (ms: number): string => ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/**
 * Drives a frame's edges (bits 2 ms apart in their timestamps, starting at
 * `startNs`); returns performance.now() just before the last falling edge.
 */
function playFrame(
  sim: SimChip,
  lines: { d0: number; d1: number },
  bits: bigint,
  nbBits: number,
  startNs: bigint,
): number {
  const { d0, d1 } = lines;
  const interval = 2_000_000n;
  let t = startNs;
  let lastEdgeAt = 0;
  for (let i = 0; i < nbBits; i++) {
    const line = (bits >> BigInt(nbBits - 1 - i)) & 1n ? d1 : d0;
    if (i === nbBits - 1) lastEdgeAt = performance.now();
    sim.drive(line, false, t);
    sim.drive(line, true, t + 50_000n);
    t += interval;
  }
  return lastEdgeAt;
}

function strikeSetAt(sim: SimChip, offset: number): number | null {
  const write = sim.recordedWrites.findLast((w) => w.offset === offset && w.value);
  return write === undefined ? null : Number(write.timestampNs) / 1e6;
}

interface SizeResult {
  n: number;
  setupS: number;
  fixed: ReturnType<typeof stats>;
  silence: ReturnType<typeof stats>;
  denied: ReturnType<typeof stats>;
  perSecond: number;
  rss: number;
  heap: number;
  dbBytes: number;
}

async function benchSize(store: Store, pop: Population, setupS: number): Promise<SizeResult> {
  const policy = openDatabase(store.databasePath, { readOnly: true });
  const events = openDatabase(store.databasePath, { migrate: false });
  const hardware = createHardware("sim");
  const sim = hardware.sim!;
  let skewMs = 0;
  let lastEvent: { at: number; event: ControllerEvent } | null = null;
  const controller = new Controller({
    policyDb: policy,
    eventsDb: events,
    secret: store.secret,
    hardware,
    emit: (event) => {
      if (event.category === "access") lastEvent = { at: performance.now(), event };
    },
    clock: { ...systemClock, now: () => Date.now() + skewMs },
  });
  await controller.reload();
  // Idle Wiegand lines are high (a powered reader); each bit is a low pulse.
  for (const line of [0, 1, 4, 5]) sim.drive(line, true);
  const fixedDoor = controller.door(pop.fixed.doorId)!;
  const silenceDoor = controller.door(pop.silence.doorId)!;
  const relock = (): void => {
    skewMs += 60_000;
    fixedDoor.step({ type: "timer" });
    silenceDoor.step({ type: "timer" });
    sim.recordedWrites.length = 0;
  };
  // A frame after a fixed-length frame must start after the silence window
  // (else the assembler reports an overrun): a synthetic timeline, 100 ms apart.
  let fixedNs = sim.nowNs();
  const nextFixedNs = (): bigint => (fixedNs += 100_000_000n);
  const card = (i: number): bigint => encodeCard(H10301, i >> 16, i & 0xffff).bits;

  const fixed: number[] = [];
  const denied: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const granted = s % 5 !== 4;
    const user = granted ? pop.grantedUser() : pop.deniedUser();
    const l = pop.fixed.lines;
    const t0 = playFrame(sim, l, card(user), 26, nextFixedNs());
    const ev = lastEvent as { at: number; event: ControllerEvent } | null;
    if (granted) {
      const t1 = strikeSetAt(sim, l.strike);
      if (t1 === null || ev?.event.content.granted !== true) throw new Error("grant expected");
      fixed.push(t1 - t0);
    } else {
      if (ev?.event.content.granted !== false) throw new Error("denial expected");
      denied.push(ev.at - t0);
    }
    relock();
  }

  const silence: number[] = [];
  for (let s = 0; s < Math.min(200, SAMPLES); s++) {
    const l = pop.silence.lines;
    lastEvent = null;
    const t0 = playFrame(sim, l, card(pop.grantedUser()), 26, sim.nowNs() - 52_000_000n);
    while (lastEvent === null) await new Promise((r) => setTimeout(r, 1));
    silence.push(strikeSetAt(sim, l.strike)! - t0);
    relock();
  }

  const start = performance.now();
  let decisions = 0;
  while (performance.now() - start < 3000) {
    const l = pop.fixed.lines;
    const user = decisions % 5 === 4 ? pop.deniedUser() : pop.grantedUser();
    playFrame(sim, l, card(user), 26, nextFixedNs());
    decisions++;
    relock();
  }
  const perSecond = decisions / ((performance.now() - start) / 1000);
  const memory = Deno.memoryUsage();
  await controller.close();
  await hardware.close();
  policy.close();
  events.close();
  return {
    n: pop.size,
    setupS,
    fixed: stats(fixed),
    silence: stats(silence),
    denied: stats(denied),
    perSecond,
    rss: memory.rss,
    heap: memory.heapUsed,
    dbBytes: (await Deno.stat(store.databasePath)).size,
  };
}

async function benchApi(dir: string, pop: Population): Promise<string[]> {
  const store = openStore(dir);
  await ensureAdministrator(store.db, "bench-password-1");
  const controller = new ControllerClient({
    databasePath: store.databasePath,
    secret: store.secret,
    hardware: "sim",
    db: store.db,
  });
  await controller.start();
  const app = createApp({ store, controller });
  controller.subscribe((e) => app.deps.events.publish({ category: e.category, ...e.content }));
  const abort = new AbortController();
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    signal: abort.signal,
    onListen: resolve,
  }, app.handler);
  const url = `ws://127.0.0.1:${(await promise).port}/websocket`;
  const reader = await TestClient.connect(url);
  const cards = await TestClient.connect(url);
  const watcher = await TestClient.connect(url);
  for (const c of [reader, cards, watcher]) await c.login("admin", "bench-password-1");
  await watcher.request("events.subscribe", { categories: ["access"] });

  async function measure(seconds: number): Promise<number[]> {
    const latencies: number[] = [];
    const end = performance.now() + seconds * 1000;
    let i = 0;
    while (performance.now() < end) {
      const t0 = performance.now();
      const reply = i++ % 2 === 0
        ? await reader.request("door.status", { door_id: 0 })
        : await reader.request("user.read", { user_id: 1 + (i % pop.size) });
      if (reply.status_code !== 0) throw new Error(JSON.stringify(reply));
      latencies.push(performance.now() - t0);
    }
    return latencies;
  }

  const idle = stats(await measure(3));
  let sent = 0;
  const ticker = setInterval(() => {
    const user = sent++ % 5 === 4 ? pop.deniedUser() : pop.grantedUser();
    void cards.request("hardware.simulate", {
      action: "card",
      reader: `bench-api-${sent % API_READERS}`,
      facility: user >> 16,
      number: user & 0xffff,
      instant: true,
    });
  }, 10);
  const loaded = stats(await measure(API_SECONDS));
  clearInterval(ticker);
  await new Promise((r) => setTimeout(r, 200));
  const received = watcher.unsolicited.filter((m) => m.type === "event.access").length;
  const rss = Deno.memoryUsage().rss;
  for (const c of [reader, cards, watcher]) await c.close();
  await app.close();
  abort.abort();
  await server.finished;
  await controller.stop();
  store.close();
  return [
    `| API request (door.status / user.read), idle | ${fmt(idle.p50)} | ${fmt(idle.p99)} | ${
      fmt(idle.max)
    } | ${idle.n} |`,
    `| API request while cards arrive at 100/s | ${fmt(loaded.p50)} | ${fmt(loaded.p99)} | ${
      fmt(loaded.max)
    } | ${loaded.n} |`,
    "",
    `Cards sent: ${sent} in ${API_SECONDS} s over ${API_READERS} readers; ` +
    `access events pushed to a subscriber: ${received}. ` +
    `Server process RSS (main thread + worker): ${mib(rss)}.`,
  ];
}

const rows: string[] = [];
let apiDir: { dir: string; pop: Population } | null = null;
const dirs: string[] = [];
for (const n of SIZES) {
  const dir = await Deno.makeTempDir({ prefix: "leosac-bench-" });
  dirs.push(dir);
  const store = openStore(dir);
  const t = performance.now();
  const pop = populate(store.db, n);
  const setupS = (performance.now() - t) / 1000;
  eprint(`${n} cardholders inserted in ${setupS.toFixed(1)} s`);
  const r = await benchSize(store, pop, setupS);
  store.close();
  rows.push(
    `| ${n.toLocaleString("en")} | ${fmt(r.fixed.p50)} | ${fmt(r.fixed.p99)} | ${
      fmt(r.fixed.max)
    } | ` +
      `${fmt(r.silence.p50)} | ${fmt(r.silence.p99)} | ${fmt(r.denied.p99)} | ` +
      `${r.perSecond.toFixed(0)} | ${r.setupS.toFixed(1)} s | ${mib(r.rss)} / ${mib(r.heap)} | ${
        mib(r.dbBytes)
      } |`,
  );
  eprint(rows.at(-1) ?? "");
  if (n === API_SIZE) apiDir = { dir, pop };
}

const out = [
  `Samples: ${SAMPLES} frames per size (4 in 5 granted), 200 for the silence case; ` +
  `${Deno.build.os} ${Deno.build.arch}, ${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}.`,
  "",
  "| Cardholders | last edge → strike p50 | p99 | max | silence case p50 | p99 | denial decided p99 | decisions/s | setup | RSS / JS heap | DB file |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows,
  "",
];
if (apiDir !== null) {
  out.push(
    `API responsiveness, ${API_SIZE.toLocaleString("en")} cardholders, real server and worker:`,
    "",
    "| Measurement | p50 | p99 | max | requests |",
    "| --- | --- | --- | --- | --- |",
    ...await benchApi(apiDir.dir, apiDir.pop),
  );
}
for (const dir of dirs) await Deno.remove(dir, { recursive: true });
print(out.join("\n"));
