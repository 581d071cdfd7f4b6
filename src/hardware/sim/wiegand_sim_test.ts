import assert from "node:assert/strict";
import { FakeClock } from "../../clock.ts";
import type { EdgeEvent } from "../types.ts";
import type { WiegandFrame } from "../wiegand/assembler.ts";
import { decodeFrame, FORMAT_CATALOGUE } from "../wiegand/formats.ts";
import { openWiegandReader } from "../wiegand/reader.ts";
import { SimChip } from "./sim_chip.ts";
import { cardFrame, keypadFrames, parseBitString, WiegandSimulator } from "./wiegand_sim.ts";

Deno.test("WiegandSimulator.sendInstant() plays falling then rising edges per bit", () => {
  const chip = new SimChip({ lines: 2, clock: () => 0n });
  const sim = new WiegandSimulator(chip, { d0: 0, d1: 1, pulseWidthUs: 40, intervalUs: 1000 });
  const events: EdgeEvent[] = [];
  for (const o of [0, 1]) {
    chip.requestInput(o, { consumer: "t", edges: "both" }).onEdge((e) => events.push(e));
  }
  const train = sim.sendInstant(parseBitString("011"), 1_000n);
  assert.deepEqual(events.map((e) => [e.offset, e.rising, e.timestampNs]), [
    [0, false, 1_000n],
    [0, true, 41_000n],
    [1, false, 1_001_000n],
    [1, true, 1_041_000n],
    [1, false, 2_001_000n],
    [1, true, 2_041_000n],
  ]);
  assert.deepEqual(train, { startNs: 1_000n, endNs: 2_041_000n });
  assert.equal(chip.level(0), true, "idle high afterwards");
  assert.throws(() => new WiegandSimulator(chip, { d0: 0, d1: 1, pulseWidthUs: 0 }), RangeError);
});

Deno.test("cardFrame() and keypadFrames() build frames by format name", () => {
  assert.equal(
    cardFrame("H10301", 123, 45678).bits,
    parseBitString("10111101110110010011011101").bits,
  );
  assert.throws(() => cardFrame("H99999", 1, 1), /Unknown Wiegand format "H99999"/);
  assert.deepEqual(keypadFrames("1#", "4bit"), [{ bits: 1n, nbBits: 4 }, { bits: 11n, nbBits: 4 }]);
  assert.deepEqual(keypadFrames("1", "8bit"), [{ bits: 0b1110_0001n, nbBits: 8 }]);
  assert.equal(keypadFrames("123#", "buffered").length, 1);
  assert.throws(() => keypadFrames("1x", "4bit"), /Not a keypad key: "x"/);
});

Deno.test("openWiegandReader() decodes a card played with fake timers", async () => {
  let now = 0n;
  const timers = new FakeClock();
  const chip = new SimChip({ lines: 2, clock: () => now });
  const sim = new WiegandSimulator(chip, { d0: 0, d1: 1, scheduler: timers });
  const frames: WiegandFrame[] = [];
  const reader = openWiegandReader(chip, {
    d0: 0,
    d1: 1,
    scheduler: timers,
    onFrame: (f) => frames.push(f),
  });
  assert.equal(chip.lineInfo(0).consumer, "wiegand");
  const done = sim.send(cardFrame("H10301", 123, 45678));
  for (let i = 0; i < 100; i++) {
    now += 1_000_000n;
    timers.advance(1);
  }
  await done;
  assert.equal(frames.length, 1);
  const read = decodeFrame(frames[0]!.bits, frames[0]!.nbBits, FORMAT_CATALOGUE);
  assert.equal(read.kind === "card" && read.number, 45678n);
  assert.equal(read.kind === "card" && read.facility, 123);
  await reader.close();
  assert.equal(chip.lineInfo(0).used, false);
  assert.equal(timers.pending, 0);
});

Deno.test("openWiegandReader() decodes a card played in real time", async () => {
  const chip = new SimChip({ lines: 2 });
  const sim = new WiegandSimulator(chip, { d0: 0, d1: 1 });
  const { promise, resolve } = Promise.withResolvers<WiegandFrame>();
  await using _reader = openWiegandReader(chip, { d0: 0, d1: 1, onFrame: resolve });
  const t0 = performance.now();
  await sim.send(cardFrame("34-bit", 1000, 2000));
  const frame = await promise;
  assert.ok(performance.now() - t0 >= 33 * 2 + 25, "paced by timers, ended by silence");
  const read = decodeFrame(frame.bits, frame.nbBits, FORMAT_CATALOGUE);
  assert.equal(read.kind === "card" && read.format, "34-bit");
  assert.equal(read.kind === "card" && read.number, 2000n);
});

Deno.test("WiegandSimulator.send() stops on abort", async () => {
  const timers = new FakeClock();
  const chip = new SimChip({ lines: 2 });
  const sim = new WiegandSimulator(chip, { d0: 0, d1: 1, scheduler: timers });
  const controller = new AbortController();
  const sending = sim.send(cardFrame("H10301", 1, 1), { signal: controller.signal });
  timers.advance(4);
  controller.abort();
  await assert.rejects(
    sending,
    (e: unknown) => e instanceof DOMException && e.name === "AbortError",
  );
  assert.equal(timers.pending, 0);
});

Deno.test("WiegandSimulator.send() delivers a late backlog at once, stamped on schedule, so the frame stays whole", async () => {
  const scheduler = new FakeClock();
  // The chip's clock is the wall clock; the scheduler's timers can run late.
  let wallMs = 0;
  const chip = new SimChip({ lines: 2, clock: () => BigInt(wallMs) * 1_000_000n });
  const sim = new WiegandSimulator(chip, { d0: 0, d1: 1, intervalUs: 2000, scheduler });
  const frames: WiegandFrame[] = [];
  await using _reader = openWiegandReader(chip, {
    d0: 0,
    d1: 1,
    scheduler,
    onFrame: (f) => frames.push(f),
  });
  const frame = cardFrame("H10301", 12, 3456);
  const done = sim.send(frame); // the first bit at wall time 0
  // The event loop stalls: the next timer runs when the wall clock says 60 ms.
  wallMs = 60;
  scheduler.advance(2);
  wallMs = 200;
  scheduler.advance(200);
  await done;
  assert.equal(frames.length, 1, `frames: ${frames.map((f) => f.nbBits).join(", ")}`);
  assert.equal(frames[0]!.nbBits, 26);
  assert.equal(frames[0]!.bits, frame.bits);
  assert.equal(frames[0]!.fault, null);
});

Deno.test("WiegandSimulator.send(): a reader's silence check drives the bits whose time has come, even when the simulator's timer runs after it", async () => {
  // Seen under user-mode QEMU: after an event-loop stall, the reader's silence
  // timer ran before the simulator's overdue one, and the frame split. Here
  // the simulator's timers never run at all; the reader's do.
  const late = new FakeClock();
  const timers = new FakeClock();
  const chip = new SimChip({
    lines: 2,
    clock: () => BigInt(Math.round(timers.monotonic() * 1e6)),
  });
  const sim = new WiegandSimulator(chip, { d0: 0, d1: 1, intervalUs: 2000, scheduler: late });
  const frames: WiegandFrame[] = [];
  await using _reader = openWiegandReader(chip, {
    d0: 0,
    d1: 1,
    scheduler: timers,
    onFrame: (f) => frames.push(f),
  });
  const frame = cardFrame("H10301", 12, 3456);
  const done = sim.send(frame);
  for (let i = 0; i < 200; i++) timers.advance(1);
  const train = await done;
  assert.deepEqual(frames.map((f) => f.nbBits), [26]);
  assert.equal(frames[0]!.bits, frame.bits);
  assert.deepEqual(train, { startNs: 0n, endNs: 50_050_000n }, "stamped on schedule");
  assert.equal(late.pending, 0, "the simulator's timer is cleared once the train is out");
});
