import assert from "node:assert/strict";
import { SimChip } from "../sim/sim_chip.ts";
import { cardFrame, keypadFrames, WiegandSimulator } from "../sim/wiegand_sim.ts";
import type { EdgeEvent } from "../types.ts";
import { type AssemblerOptions, WiegandAssembler, type WiegandFrame } from "./assembler.ts";
import {
  type BitsFrame,
  decodeFrame,
  encodeCard,
  FORMAT_CATALOGUE,
  formatBitString,
  H10301,
} from "./formats.ts";
import { interpretFrame } from "./interpret.ts";

const MS = 1_000_000n;
const US = 1_000n;

/** A chip with a simulated reader on lines 0/1 feeding an assembler; frames are collected. */
function rig(options: Partial<AssemblerOptions> = {}, sim: { intervalUs?: number } = {}) {
  const chip = new SimChip({ lines: ["D0", "D1"], clock: () => 0n });
  const reader = new WiegandSimulator(chip, { d0: 0, d1: 1, ...sim });
  const asm = new WiegandAssembler({ d0: 0, d1: 1, ...options });
  const frames: WiegandFrame[] = [];
  for (const offset of [0, 1]) {
    chip.requestInput(offset, { consumer: "test", edges: "both" })
      .onEdge((e) => frames.push(...asm.push(e)));
  }
  return { chip, reader, asm, frames };
}

/** Plays `frame` at `startNs` and flushes after the silence; returns the frames seen. */
function playAndFlush(r: ReturnType<typeof rig>, frame: BitsFrame, startNs = 1000n * MS) {
  const train = r.reader.sendInstant(frame, startNs);
  const deadline = r.asm.nextDeadlineNs();
  if (deadline !== null) {
    assert.equal(r.asm.flushIfSilent(deadline - 1n), null, "not before the silence deadline");
    const last = r.asm.flushIfSilent(deadline);
    if (last !== null) r.frames.push(last);
  }
  return train;
}

function edge(offset: number, timestampNs: bigint, rising = false, seqno = 0): EdgeEvent {
  return { offset, rising, timestampNs, seqno };
}

Deno.test("WiegandAssembler round-trips every catalogue format through a simulated pulse train", () => {
  const cases: [string, number | null, bigint][] = [
    ["H10301", 123, 45678n],
    ["34-bit", 4321, 65000n],
    ["Corporate-1000-35", 2047, 999_999n],
    ["H10304", 40000, 300_000n],
    ["H10302", null, 12_345_678_901n],
    ["Corporate-1000-48", 1_234_567, 7_654_321n],
    ["raw-40", null, 0xAB_CDEF_0123n],
  ];
  for (const [name, facility, number] of cases) {
    const r = rig();
    const sent = cardFrame(name, facility, number);
    const train = playAndFlush(r, sent);
    assert.equal(r.frames.length, 1, name);
    const got = r.frames[0]!;
    assert.equal(formatBitString(got.bits, got.nbBits), formatBitString(sent.bits, sent.nbBits));
    assert.equal(got.fault, null);
    assert.equal(got.startNs, train.startNs);
    assert.equal(got.endNs, train.startNs + BigInt(sent.nbBits - 1) * 2n * MS);
    const format = FORMAT_CATALOGUE.find((f) => f.name === name);
    const read = decodeFrame(got.bits, got.nbBits, format === undefined ? [] : [format]);
    if (name.startsWith("raw")) continue;
    assert.equal(read.kind, "card", name);
    if (read.kind !== "card") continue;
    assert.equal(read.format, name);
    assert.equal(read.facility, facility);
    assert.equal(read.number, number);
  }
});

Deno.test("WiegandAssembler + decodeFrame give H10301 facility 123 card 45678 with the catalogue", () => {
  const r = rig();
  playAndFlush(r, cardFrame("H10301", 123, 45678));
  const read = decodeFrame(r.frames[0]!.bits, r.frames[0]!.nbBits, FORMAT_CATALOGUE);
  assert.deepEqual(
    read.kind === "card" && [read.format, read.facility, read.number, read.cardIdHex],
    [
      "H10301",
      123,
      45678n,
      "bd:d9:37:40",
    ],
  );
});

Deno.test("WiegandAssembler frames with a bad parity bit decode as bad_read parity", () => {
  const r = rig();
  const good = encodeCard(H10301, 10, 20);
  playAndFlush(r, { bits: good.bits ^ (1n << 5n), nbBits: 26 });
  assert.deepEqual(decodeFrame(r.frames[0]!.bits, 26, FORMAT_CATALOGUE), {
    kind: "bad_read",
    reason: "parity",
    nbBits: 26,
  });
});

Deno.test("WiegandAssembler drops frames shorter than minBits as noise", () => {
  const r = rig();
  playAndFlush(r, { bits: 0b10n, nbBits: 2 });
  playAndFlush(r, { bits: 0b101n, nbBits: 3 }, 2000n * MS);
  assert.deepEqual(r.frames, []);
  assert.equal(r.asm.droppedFrames, 2);
  assert.equal(r.asm.nextDeadlineNs(), null);
});

Deno.test("WiegandAssembler marks bits closer than minIntervalUs as noise", () => {
  const r = rig({}, { intervalUs: 150 });
  playAndFlush(r, encodeCard(H10301, 1, 1));
  assert.equal(r.frames.length, 1);
  assert.equal(r.frames[0]!.fault, "noise");
  assert.equal(interpretFrame(r.frames[0]!, { formats: FORMAT_CATALOGUE }).kind, "bad_read");
  const tolerant = rig({ minIntervalUs: 100 }, { intervalUs: 150 });
  playAndFlush(tolerant, encodeCard(H10301, 1, 1));
  assert.equal(tolerant.frames[0]!.fault, null);
});

Deno.test("WiegandAssembler ends a frame at the fixed length without waiting for silence", () => {
  const r = rig({ fixedLength: 26 });
  r.reader.sendInstant(encodeCard(H10301, 5, 6), 0n);
  assert.equal(r.frames.length, 1, "emitted on the 26th bit");
  assert.equal(r.frames[0]!.fault, null);
  assert.equal(r.asm.nextDeadlineNs(), null);
  // A reader sending more than the fixed length: the tail is reported, not taken for a new card.
  const tail = rig({ fixedLength: 4 });
  tail.reader.sendInstant(encodeCard(H10301, 5, 6), 0n);
  assert.equal(tail.frames.length, 1);
  const rest = tail.asm.flushIfSilent(1000n * MS);
  assert.equal(rest?.fault, "length");
  assert.equal(rest?.nbBits, 22);
  // After a full silence the next frame is clean again.
  tail.reader.sendInstant({ bits: 0b1011n, nbBits: 4 }, 2000n * MS);
  assert.equal(tail.frames.length, 2);
  assert.equal(tail.frames[1]!.fault, null);
});

Deno.test("WiegandAssembler ends a frame on silence and reports the deadline", () => {
  const asm = new WiegandAssembler({ d0: 0, d1: 1, silenceMs: 30 });
  assert.equal(asm.nextDeadlineNs(), null);
  for (let i = 0; i < 4; i++) asm.push(edge(i % 2, BigInt(i) * 2n * MS));
  assert.equal(asm.pendingBits, 4);
  assert.equal(asm.nextDeadlineNs(), 36n * MS);
  assert.equal(asm.flushIfSilent(35n * MS), null);
  const frame = asm.flushIfSilent(36n * MS);
  assert.deepEqual(frame, { bits: 0b0101n, nbBits: 4, startNs: 0n, endNs: 6n * MS, fault: null });
  assert.equal(asm.flush(), null);
});

Deno.test("WiegandAssembler closes a stale frame when a late bit arrives after the silence", () => {
  const asm = new WiegandAssembler({ d0: 0, d1: 1 });
  for (let i = 0; i < 4; i++) asm.push(edge(1, BigInt(i) * 2n * MS));
  const out = asm.push(edge(0, 500n * MS));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.bits, 0b1111n);
  assert.equal(asm.pendingBits, 1);
});

Deno.test("WiegandAssembler orders bits by timestamp when D0 and D1 events interleave late", () => {
  const sent = encodeCard(H10301, 77, 4242);
  const events: EdgeEvent[] = [];
  for (let i = 0; i < 26; i++) {
    const bit = (sent.bits >> BigInt(25 - i)) & 1n;
    events.push(edge(Number(bit), BigInt(i) * 2n * MS));
  }
  const asm = new WiegandAssembler({ d0: 0, d1: 1 });
  // As if the D0 line's batch was read before the D1 line's batch.
  for (
    const e of [
      ...events.filter((e) => e.offset === 0),
      ...events.filter((e) => e.offset === 1),
    ]
  ) {
    asm.push(e);
  }
  const frame = asm.flush();
  assert.equal(frame?.bits, sent.bits);
});

Deno.test("WiegandAssembler reports frames over maxBits as length faults", () => {
  const asm = new WiegandAssembler({ d0: 0, d1: 1 });
  for (let i = 0; i < 130; i++) asm.push(edge(1, BigInt(i) * 2n * MS));
  const frame = asm.flush();
  assert.equal(frame?.fault, "length");
  assert.equal(frame?.nbBits, 130);
  assert.equal(frame?.bits, (1n << 128n) - 1n);
});

Deno.test("WiegandAssembler ignores other lines and the other edge; rising can be chosen", () => {
  const asm = new WiegandAssembler({ d0: 3, d1: 4 });
  assert.deepEqual(asm.push(edge(5, 0n)), []);
  assert.deepEqual(asm.push(edge(3, 0n, true)), []);
  assert.equal(asm.pendingBits, 0);
  const rising = new WiegandAssembler({ d0: 0, d1: 1, edge: "rising" });
  for (let i = 0; i < 4; i++) rising.push(edge(1, BigInt(i) * MS, true));
  assert.equal(rising.flush()?.bits, 0b1111n);
  assert.throws(() => new WiegandAssembler({ d0: 1, d1: 1 }), RangeError);
  assert.throws(() => new WiegandAssembler({ d0: 0, d1: 1, fixedLength: 200 }), RangeError);
});

Deno.test("WiegandAssembler edge spacing of 50 µs pulses stays clean", () => {
  // falling/rising pairs 50 µs apart: only falling edges count, so the interval is 2 ms.
  const asm = new WiegandAssembler({ d0: 0, d1: 1 });
  for (let i = 0; i < 8; i++) {
    asm.push(edge(i % 2, BigInt(i) * 2n * MS));
    asm.push(edge(i % 2, BigInt(i) * 2n * MS + 50n * US, true));
  }
  assert.equal(asm.flush()?.fault, null);
});

Deno.test("WiegandAssembler carries keypad frames (4-bit, 8-bit, buffered)", () => {
  for (
    const [encoding, keypad] of [["4bit", "4bit"], ["8bit", "8bit"], [
      "buffered",
      "buffered",
    ]] as const
  ) {
    const r = rig();
    let t = 0n;
    for (const f of keypadFrames("12#", encoding)) {
      playAndFlush(r, f, t);
      t += 1000n * MS;
    }
    const reads = r.frames.map((f) => interpretFrame(f, { formats: FORMAT_CATALOGUE, keypad }));
    if (encoding === "buffered") {
      assert.deepEqual(reads, [{ kind: "pin", pin: "12", nbBits: 26 }]);
    } else {
      assert.deepEqual(reads.map((r) => r.kind === "key" && r.key), ["1", "2", "#"], encoding);
    }
  }
});
