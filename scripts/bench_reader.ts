/**
 * Hardware benchmark: the Wiegand reader loop (issue 5, Performance).
 *
 *   deno run -A scripts/bench_reader.ts [--seconds 3] [--idle-seconds 10] [--samples 200]
 *
 * 1. Edge events per second through the reader loop (reader glue →
 *    assembler → decoder), fed by (a) the sim chip (edges driven in the
 *    same thread) and (b) pipes of recorded `gpio_v2_line_event` records read
 *    by the real chardev event pump (poll off the JS thread + non-blocking
 *    drains), both lines on one pipe so events stay in timestamp order.
 * 2. Idle CPU: process CPU time over N s with a reader open and no edges,
 *    (a) on the sim chip, (b) on two pipe-backed pumps in a Worker (two
 *    threads blocked in poll, as on a real chip).
 * 3. Last edge → decoded card, H10301 with `fixed-length 26`: (a) sim chip,
 *    in-process; (b) pipes + pump in a Worker: the last record is stamped
 *    with CLOCK_MONOTONIC just before it is written, the worker subtracts it
 *    from the same clock once the card is decoded.
 *
 * Prints a Markdown table.
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { FakeClock } from "../src/clock.ts";
import { SimChip } from "../src/hardware/sim/sim_chip.ts";
import { WiegandSimulator } from "../src/hardware/sim/wiegand_sim.ts";
import { type BitsFrame, encodeCard, H10301 } from "../src/hardware/wiegand/formats.ts";
import { interpretFrame } from "../src/hardware/wiegand/interpret.ts";
import { openWiegandReader } from "../src/hardware/wiegand/reader.ts";
import { encodeEdges, PipeChip } from "./_bench_pipe_chip.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "3" },
    "idle-seconds": { type: "string", default: "10" },
    samples: { type: "string", default: "200" },
  },
});
const SECONDS = Number(values.seconds);
const IDLE_SECONDS = Number(values["idle-seconds"]);
const SAMPLES = Number(values.samples);
const D0 = 0, D1 = 1;
const BIT_NS = 2_000_000n; // 2 ms between bits
const FRAME_GAP_NS = 50_000_000n; // > the 25 ms silence window
const FRAME_SPAN_NS = 26n * BIT_NS + FRAME_GAP_NS;

const frames: BitsFrame[] = Array.from({ length: 64 }, (_, i) => encodeCard(H10301, 12, 1000 + i));

/** A clock whose timers never fire (fixed-length frames need none). */
const noTimers = new FakeClock();

function bitAt(frame: BitsFrame, i: number): 0 | 1 {
  return (frame.bits >> BigInt(frame.nbBits - 1 - i)) & 1n ? 1 : 0;
}

/** The falling edges of `frame` starting at `startNs`. */
function frameEdges(frame: BitsFrame, startNs: bigint, bitNs = BIT_NS) {
  return Array.from({ length: frame.nbBits }, (_, i) => ({
    offset: bitAt(frame, i) === 0 ? D0 : D1,
    timestampNs: startNs + BigInt(i) * bitNs,
  }));
}

function decoder(counter: { cards: number; bad: number }) {
  return (frame: Parameters<typeof interpretFrame>[0]) => {
    const read = interpretFrame(frame, { formats: [H10301], keypad: "none" });
    if (read.kind === "card") counter.cards++;
    else counter.bad++;
  };
}

async function simThroughput(): Promise<{ edges: number; perSecond: number; bad: number }> {
  let now = 0n;
  await using chip = new SimChip({ lines: 2, clock: () => now });
  const counter = { cards: 0, bad: 0 };
  await using _reader = openWiegandReader(chip, {
    d0: D0,
    d1: D1,
    fixedLength: 26,
    scheduler: noTimers,
    onFrame: decoder(counter),
  });
  const player = new WiegandSimulator(chip, { d0: D0, d1: D1 });
  const end = performance.now() + SECONDS * 1000;
  let sent = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) player.sendInstant(frames[i]!, BigInt(sent++) * FRAME_SPAN_NS);
    now = BigInt(sent) * FRAME_SPAN_NS;
  }
  const elapsed = (performance.now() - t0) / 1000;
  return { edges: counter.cards * 26, perSecond: (counter.cards * 26) / elapsed, bad: counter.bad };
}

async function pipeThroughput(): Promise<{ edges: number; perSecond: number; bad: number }> {
  await using chip = new PipeChip({ shared: true });
  const counter = { cards: 0, bad: 0 };
  await using _reader = openWiegandReader(chip, {
    d0: D0,
    d1: D1,
    fixedLength: 26,
    scheduler: noTimers,
    onFrame: decoder(counter),
  });
  // 1024 frames of records (26 × 48 bytes each), rewritten with fresh timestamps per block.
  const base = chip.nowNs() + 10n ** 12n;
  // Writes of 85 records (4080 bytes <= PIPE_BUF) are atomic, so reads stay record-aligned.
  const CHUNK = 85 * 48;
  const block = (k: number) =>
    encodeEdges(
      frames.flatMap((f, i) => frameEdges(f, base + BigInt(k * 64 + i) * FRAME_SPAN_NS)),
    );
  let written = 0, k = 0, at = 0;
  let current = block(k++);
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  while (performance.now() < end) {
    if (at >= current.length) [current, at] = [block(k++), 0];
    const n = chip.write(D0, current.subarray(at, Math.min(at + CHUNK, current.length)));
    written += n;
    at += n;
    if (n === 0) await new Promise((r) => setTimeout(r, 0)); // pipe full: let the pump drain
  }
  const events = written / 48;
  while (counter.cards + counter.bad < Math.floor(events / 26)) {
    await new Promise((r) => setTimeout(r, 1));
  }
  const elapsed = (performance.now() - t0) / 1000;
  return { edges: counter.cards * 26, perSecond: (counter.cards * 26) / elapsed, bad: counter.bad };
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function idleCpu(open: () => Promise<() => Promise<void>>): Promise<number> {
  const close = await open();
  await new Promise((r) => setTimeout(r, 500));
  const c0 = cpuSeconds(), t0 = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const cpu = cpuSeconds() - c0, wall = (performance.now() - t0) / 1000;
  await close();
  return (cpu / wall) * 100;
}

async function simLatency(): Promise<number[]> {
  const chip = new SimChip({ lines: 2 });
  let t0 = 0;
  const samples: number[] = [];
  const reader = openWiegandReader(chip, {
    d0: D0,
    d1: D1,
    fixedLength: 26,
    scheduler: noTimers,
    onFrame(frame) {
      const read = interpretFrame(frame, { formats: [H10301], keypad: "none" });
      samples.push((performance.now() - t0) * 1000);
      if (read.kind !== "card") throw new Error(`bad frame: ${JSON.stringify(read)}`);
    },
  });
  new WiegandSimulator(chip, { d0: D0, d1: D1 }).idle(); // lines idle high
  for (let s = 0; s < SAMPLES; s++) {
    const edges = frameEdges(frames[s % 64]!, BigInt(s + 1) * FRAME_SPAN_NS);
    for (const e of edges) {
      if (e === edges[25]) {
        await new Promise((r) => setTimeout(r, 1));
        t0 = performance.now();
      }
      chip.drive(e.offset, false, e.timestampNs);
      chip.drive(e.offset, true, e.timestampNs + 50_000n);
    }
  }
  await reader.close();
  await chip.close();
  return samples;
}

interface WorkerReader {
  worker: Worker;
  d0: number;
  d1: number;
  next(): Promise<{ latencyNs: number; card: string; fault: string | null }>;
  stop(): Promise<void>;
}

async function startWorkerReader(): Promise<WorkerReader> {
  const worker = new Worker(new URL("./_bench_reader_worker.ts", import.meta.url), {
    type: "module",
  });
  const queue: { type: string; [k: string]: unknown }[] = [];
  let wake: (() => void) | null = null;
  worker.onmessage = (e) => {
    queue.push(e.data);
    wake?.();
  };
  const take = async (type: string) => {
    for (;;) {
      const i = queue.findIndex((m) => m.type === type);
      if (i >= 0) return queue.splice(i, 1)[0]!;
      await new Promise<void>((r) => wake = r);
    }
  };
  const ready = await take("ready");
  return {
    worker,
    d0: ready.d0 as number,
    d1: ready.d1 as number,
    next: async () =>
      (await take("card")) as unknown as { latencyNs: number; card: string; fault: string | null },
    async stop() {
      worker.postMessage({ type: "stop" });
      await take("stopped");
      worker.terminate();
    },
  };
}

async function pipeLatency(): Promise<number[]> {
  const r = await startWorkerReader();
  const clock = new PipeChip(); // only for its libc and clock
  const write = (offset: number, bytes: Uint8Array<ArrayBuffer>) =>
    clock.libc.symbols.write(offset === D0 ? r.d0 : r.d1, bytes, BigInt(bytes.length));
  const samples: number[] = [];
  let late = 0;
  for (let s = 0; s < SAMPLES; s++) {
    // Bits 0..24 stamped 250 µs apart and ending now (written at once), then
    // bit 25 written ~2 ms later, stamped just before its write. (With 2 ms
    // stamps, a 48 ms backlog drained one line after the other can show a
    // same-line gap over the 25 ms silence window and split the frame.)
    const edges = frameEdges(frames[s % 64]!, clock.nowNs() - 24n * 250_000n, 250_000n);
    for (const e of edges.slice(0, 25)) write(e.offset, encodeEdges([e]));
    await new Promise((r) => setTimeout(r, 2));
    const last = edges[25]!;
    write(last.offset, encodeEdges([{ offset: last.offset, timestampNs: clock.nowNs() }]));
    const card = await r.next();
    if (card.fault !== null || card.card === "bad_read") {
      if (Deno.env.get("BENCH_DEBUG")) print(JSON.stringify(card));
      late++; // this thread was late (> 25 ms) writing the last bit: the frame ended by silence
    } else {
      samples.push(card.latencyNs / 1000);
    }
    // The next frame's first stamp (6 ms before its write) must be over 25 ms
    // after this frame's early end, or it counts as an overrun.
    await new Promise((r) => setTimeout(r, 40));
  }
  if (late > 0) print(`(pipe latency: ${late} frames skipped, writer late under load)`);
  await r.stop();
  await clock.close();
  return samples;
}

function pct(samples: number[], p: number): number {
  const sorted = samples.toSorted((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function print(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text + "\n"));
}

const us = (v: number) => v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${Math.round(v)} µs`;
const within1ms = (v: number[]) =>
  `${((v.filter((x) => x <= 1000).length / v.length) * 100).toFixed(1)} %`;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

const sim = await simThroughput();
const pipe = await pipeThroughput();
const idleSim = await idleCpu(() => {
  const chip = new SimChip({ lines: 2 });
  const reader = openWiegandReader(chip, { d0: D0, d1: D1, fixedLength: 26, onFrame: () => {} });
  return Promise.resolve(async () => {
    await reader.close();
    await chip.close();
  });
});
const idlePipe = await idleCpu(async () => {
  const r = await startWorkerReader();
  return () => r.stop();
});
const latSim = await simLatency();
const latPipe = await pipeLatency();

print(`| Measurement | Result |
| --- | --- |
| edges/s, sim chip (reader glue → assembler → decoder, one thread) | ${fmt(sim.perSecond)} (${
  fmt(sim.edges)
} edges, ${sim.bad} bad frames) |
| edges/s, recorded events through the chardev event pump (pipe) | ${fmt(pipe.perSecond)} (${
  fmt(pipe.edges)
} edges, ${pipe.bad} bad frames) |
| idle CPU, reader open on the sim chip, ${IDLE_SECONDS} s | ${idleSim.toFixed(3)} % of one CPU |
| idle CPU, reader open on two pipe-backed pumps in a Worker, ${IDLE_SECONDS} s | ${
  idlePipe.toFixed(3)
} % of one CPU |
| last edge → decoded card, sim chip (in-process), p50 / p99 / max | ${us(pct(latSim, 50))} / ${
  us(pct(latSim, 99))
} / ${us(pct(latSim, 100))} (${latSim.length} frames; ${within1ms(latSim)} within 1 ms) |
| last edge → decoded card, pipe + event pump in a Worker, p50 / p99 / max | ${
  us(pct(latPipe, 50))
} / ${us(pct(latPipe, 99))} / ${us(pct(latPipe, 100))} (${latPipe.length} frames; ${
  within1ms(latPipe)
} within 1 ms) |`);
