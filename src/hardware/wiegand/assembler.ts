/**
 * Turns the edge stream of a Wiegand reader's D0/D1 lines into frames, using
 * the kernel timestamps of the edges (never JavaScript time).
 *
 * Pure: the caller passes edges in and `nowNs` for the silence check, and
 * schedules its own timer at {@linkcode WiegandAssembler.nextDeadlineNs}.
 *
 * @module
 */

import type { EdgeEvent } from "../types.ts";
import { MAX_FRAME_BITS, MIN_FRAME_BITS } from "./formats.ts";

/** Options of {@linkcode WiegandAssembler}. */
export interface AssemblerOptions {
  /** Offset of the DATA0 line (its pulses are 0 bits). */
  d0: number;
  /** Offset of the DATA1 line (its pulses are 1 bits). */
  d1: number;
  /** Which logical edge marks a bit; with idle-high lines a pulse starts with a falling edge. @default "falling" */
  edge?: "falling" | "rising";
  /** Silence that ends a frame. @default 25 */
  silenceMs?: number;
  /** End the frame as soon as it has this many bits (no need to wait for silence). @default null */
  fixedLength?: number | null;
  /** Shorter frames are dropped as noise. @default 4 */
  minBits?: number;
  /** Bits closer than this mark the frame as noise. @default 200 */
  minIntervalUs?: number;
  /** Longer frames are reported with fault `"length"`. @default 128 */
  maxBits?: number;
}

/** What went wrong with a frame, if anything. */
export type FrameFault = "noise" | "length";

/** A complete frame. */
export interface WiegandFrame {
  /** The bits, bit 0 (first received) as the most significant bit. */
  bits: bigint;
  /** Number of bits received (may exceed `maxBits` when `fault` is `"length"`). */
  nbBits: number;
  /** Timestamp of the first bit. */
  startNs: bigint;
  /** Timestamp of the last bit. */
  endNs: bigint;
  /** `null` for a clean frame; `"noise"` for impossible timing, `"length"` for overlong frames. */
  fault: FrameFault | null;
}

const ASSEMBLER_DEFAULTS = {
  edge: "falling",
  silenceMs: 25,
  fixedLength: null,
  minBits: MIN_FRAME_BITS,
  minIntervalUs: 200,
  maxBits: MAX_FRAME_BITS,
} as const;

interface PendingBit {
  bit: 0 | 1;
  timestampNs: bigint;
}

/**
 * Wiegand frame assembler for one reader.
 *
 * Bits are kept with their timestamps and sorted when the frame ends, so D0 and
 * D1 may be requested separately and their events read in any interleaving.
 * A frame ends after `silenceMs` without a bit, or at once when `fixedLength`
 * bits have arrived. Frames under `minBits` are dropped (counted in
 * {@linkcode WiegandAssembler.droppedFrames}); bits closer than `minIntervalUs`
 * give fault `"noise"`; frames over `maxBits` give fault `"length"`, as do bits
 * that follow a fixed-length frame within the silence window.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WiegandAssembler } from "./assembler.ts";
 * const asm = new WiegandAssembler({ d0: 0, d1: 1 });
 * // Bits 1011, 2 ms apart: a 1 is a falling edge on D1, a 0 on D0.
 * [1, 0, 1, 1].forEach((bit, i) =>
 *   asm.push({ offset: bit, rising: false, timestampNs: BigInt(i) * 2_000_000n, seqno: i + 1 })
 * );
 * // Then, from a timer set at asm.nextDeadlineNs():
 * const frame = asm.flushIfSilent(asm.nextDeadlineNs()!);
 * assert.equal(frame?.bits, 0b1011n);
 * assert.equal(frame?.nbBits, 4);
 * ```
 */
export class WiegandAssembler {
  readonly #d0: number;
  readonly #d1: number;
  readonly #risingMarksBit: boolean;
  readonly #silenceNs: bigint;
  readonly #fixedLength: number | null;
  readonly #minBits: number;
  readonly #minIntervalNs: bigint;
  readonly #maxBits: number;
  #bits: PendingBit[] = [];
  #count = 0;
  #lastNs: bigint | null = null;
  #overrun = false;
  #lastEarlyEndNs: bigint | null = null;
  #dropped = 0;

  constructor(options: AssemblerOptions) {
    const o = { ...ASSEMBLER_DEFAULTS, ...options };
    if (o.d0 === o.d1) throw new RangeError(`d0 and d1 must differ, both are ${o.d0}`);
    if (!(o.silenceMs > 0)) throw new RangeError(`silenceMs must be > 0, got ${o.silenceMs}`);
    if (o.fixedLength !== null && !(o.fixedLength >= 1 && o.fixedLength <= o.maxBits)) {
      throw new RangeError(`fixedLength must be in 1..${o.maxBits}, got ${o.fixedLength}`);
    }
    this.#d0 = o.d0;
    this.#d1 = o.d1;
    this.#risingMarksBit = o.edge === "rising";
    this.#silenceNs = BigInt(Math.round(o.silenceMs * 1e6));
    this.#fixedLength = o.fixedLength;
    this.#minBits = o.minBits;
    this.#minIntervalNs = BigInt(Math.round(o.minIntervalUs * 1e3));
    this.#maxBits = o.maxBits;
  }

  /** Frames dropped as noise (shorter than `minBits`) so far. */
  get droppedFrames(): number {
    return this.#dropped;
  }

  /** Bits of the frame being received. */
  get pendingBits(): number {
    return this.#count;
  }

  /**
   * When the current frame ends by silence, or `null` when no frame is pending.
   * Call {@linkcode WiegandAssembler.flushIfSilent} at (or after) that time.
   */
  nextDeadlineNs(): bigint | null {
    return this.#lastNs === null ? null : this.#lastNs + this.#silenceNs;
  }

  /**
   * Feeds one edge. Edges of other lines and of the other direction are ignored.
   *
   * @returns the frames this edge completed: a previous frame whose silence had
   * already elapsed, and/or the current one when it reached `fixedLength`
   */
  push(event: EdgeEvent): WiegandFrame[] {
    if (event.rising !== this.#risingMarksBit) return [];
    const bit = event.offset === this.#d0 ? 0 : event.offset === this.#d1 ? 1 : null;
    if (bit === null) return [];
    const out: WiegandFrame[] = [];
    const stale = this.flushIfSilent(event.timestampNs);
    if (stale !== null) out.push(stale);
    if (this.#count === 0) {
      const early = this.#lastEarlyEndNs;
      this.#overrun = early !== null && event.timestampNs - early < this.#silenceNs;
    }
    this.#count++;
    if (this.#bits.length < this.#maxBits) this.#bits.push({ bit, timestampNs: event.timestampNs });
    if (this.#lastNs === null || event.timestampNs > this.#lastNs) this.#lastNs = event.timestampNs;
    if (!this.#overrun && this.#count === this.#fixedLength) {
      this.#lastEarlyEndNs = this.#lastNs;
      const frame = this.#finish();
      if (frame !== null) out.push(frame);
    }
    return out;
  }

  /** Ends the pending frame if `nowNs` is at or past its silence deadline. */
  flushIfSilent(nowNs: bigint): WiegandFrame | null {
    const deadline = this.nextDeadlineNs();
    if (deadline === null || nowNs < deadline) return null;
    this.#lastEarlyEndNs = null;
    return this.#finish();
  }

  /** Ends the pending frame now, whatever the time (e.g. at shutdown). */
  flush(): WiegandFrame | null {
    return this.#count === 0 ? null : this.#finish();
  }

  /** Forgets the pending frame. */
  reset(): void {
    this.#bits = [];
    this.#count = 0;
    this.#lastNs = null;
    this.#overrun = false;
  }

  #finish(): WiegandFrame | null {
    const pending = this.#bits.toSorted((a, b) =>
      a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0
    );
    const count = this.#count;
    const overrun = this.#overrun;
    this.reset();
    const first = pending[0];
    const last = pending[pending.length - 1];
    if (first === undefined || last === undefined) return null;
    if (count < this.#minBits && !overrun) {
      this.#dropped++;
      return null;
    }
    let bits = 0n;
    let tooClose = false;
    pending.forEach((p, i) => {
      bits = (bits << 1n) | BigInt(p.bit);
      const previous = pending[i - 1];
      if (previous !== undefined && p.timestampNs - previous.timestampNs < this.#minIntervalNs) {
        tooClose = true;
      }
    });
    const fault: FrameFault | null = overrun || count > this.#maxBits
      ? "length"
      : tooClose
      ? "noise"
      : null;
    return { bits, nbBits: count, startNs: first.timestampNs, endNs: last.timestampNs, fault };
  }
}
