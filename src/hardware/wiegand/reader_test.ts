import assert from "node:assert/strict";
import { FakeClock } from "../../clock.ts";
import { cardFrame } from "../sim/wiegand_sim.ts";
import type {
  EdgeEvent,
  EdgeListener,
  GpioChip,
  InputLine,
  InputOptions,
  OutputLine,
} from "../types.ts";
import type { WiegandFrame } from "./assembler.ts";
import { openWiegandReader } from "./reader.ts";

/**
 * A chip whose lines queue edges like kernel buffers: nothing is delivered
 * until the test (or `readPendingEvents()`) says so, one line at a time.
 */
class QueuedChip implements GpioChip {
  readonly queues = new Map<number, EdgeEvent[]>();
  readonly listeners = new Map<number, EdgeListener>();
  now = 0n;
  info(): ReturnType<GpioChip["info"]> {
    return { name: "queued", label: "queued", lines: 2 };
  }
  lineInfo(): ReturnType<GpioChip["lineInfo"]> {
    throw new Error("not used");
  }
  requestInput(offset: number, _options: InputOptions): InputLine {
    this.queues.set(offset, []);
    const deliver = (): number => {
      const queue = this.queues.get(offset)!;
      const events = queue.splice(0);
      for (const e of events) this.listeners.get(offset)?.(e);
      return events.length;
    };
    const line: InputLine = {
      offset,
      get: () => false,
      onEdge: (listener) => {
        this.listeners.set(offset, listener);
        return () => this.listeners.delete(offset);
      },
      readPendingEvents: deliver,
      close: () => Promise.resolve(),
      [Symbol.asyncDispose]: () => Promise.resolve(),
    };
    return line;
  }
  requestOutput(): OutputLine {
    throw new Error("not used");
  }
  nowNs(): bigint {
    return this.now;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
  /** Delivers one line's whole backlog, as the event pump does for one wake-up. */
  deliver(offset: number): void {
    const queue = this.queues.get(offset)!;
    while (queue.length > 0) this.listeners.get(offset)!(queue.shift()!);
  }
}

function queueFrame(chip: QueuedChip, bits: bigint, nbBits: number, intervalNs: bigint): void {
  let seqno = 0;
  for (let i = 0; i < nbBits; i++) {
    const bit = (bits >> BigInt(nbBits - 1 - i)) & 1n;
    const offset = bit === 1n ? 1 : 0;
    const t = BigInt(i) * intervalNs;
    chip.queues.get(offset)!.push(
      { offset, rising: false, timestampNs: t, seqno: ++seqno },
      { offset, rising: true, timestampNs: t + 50_000n, seqno: ++seqno },
    );
  }
  chip.now = BigInt(nbBits) * intervalNs + 100_000_000n;
}

Deno.test("openWiegandReader() keeps a frame whole when D0's backlog is delivered before D1's", async () => {
  // 0, fourteen 1s, 0, then 1010…: D0 alone shows a 30 ms gap, longer than
  // the 25 ms silence window, between its first two edges.
  const bits = 0b0_11111111111111_0_1010101010n;
  const chip = new QueuedChip();
  const scheduler = new FakeClock();
  const frames: WiegandFrame[] = [];
  await using _reader = openWiegandReader(chip, {
    d0: 0,
    d1: 1,
    scheduler,
    onFrame: (f) => frames.push(f),
  });
  queueFrame(chip, bits, 26, 2_000_000n);
  chip.deliver(0); // the whole D0 backlog first, as after a busy event loop
  chip.deliver(1);
  await Promise.resolve();
  scheduler.advance(100);
  assert.equal(frames.length, 1, `frames: ${frames.map((f) => f.nbBits).join(", ")}`);
  assert.equal(frames[0]!.nbBits, 26);
  assert.equal(frames[0]!.bits, bits);
  assert.equal(frames[0]!.fault, null);
});

Deno.test("openWiegandReader() decodes in-order delivery at once, without waiting", async () => {
  const frame = cardFrame("H10301", 12, 3456);
  const chip = new QueuedChip();
  const frames: WiegandFrame[] = [];
  await using _reader = openWiegandReader(chip, {
    d0: 0,
    d1: 1,
    fixedLength: 26,
    scheduler: new FakeClock(),
    onFrame: (f) => frames.push(f),
  });
  queueFrame(chip, frame.bits, frame.nbBits, 2_000_000n);
  // Deliver edge by edge in timestamp order, the way a prompt pump does.
  const all = [...chip.queues.get(0)!, ...chip.queues.get(1)!]
    .sort((a, b) => Number(a.timestampNs - b.timestampNs));
  chip.queues.get(0)!.length = 0;
  chip.queues.get(1)!.length = 0;
  for (const e of all) chip.listeners.get(e.offset)!(e);
  assert.equal(frames.length, 1, "the fixed-length frame ends on its last edge, synchronously");
  assert.equal(frames[0]!.nbBits, 26);
});
