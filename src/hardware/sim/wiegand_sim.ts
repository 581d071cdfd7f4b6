/**
 * Wiegand reader simulator: plays real pulse trains on a {@linkcode SimChip}'s
 * D0/D1 lines, either instantly with synthesized timestamps or in real time
 * with timers, plus helpers that build the frames for cards and keys.
 *
 * Lines idle high; each bit is a low pulse on D0 (bit 0) or D1 (bit 1): a
 * falling edge, then a rising edge `pulseWidthUs` later; bits start every
 * `intervalUs`.
 *
 * @module
 */

import { systemClock } from "../../clock.ts";
import type { Scheduler } from "../types.ts";
import {
  type BitsFrame,
  encodeCard,
  findFormat,
  parseBitString,
  type WiegandFormat,
} from "../wiegand/formats.ts";
import {
  encodeBufferedPin,
  encodeKey4,
  encodeKey8,
  isKeypadKey,
  type KeypadKey,
} from "../wiegand/keypad.ts";
import type { SimChip } from "./sim_chip.ts";

/** Options of {@linkcode WiegandSimulator}. */
export interface WiegandSimulatorOptions {
  /** Offset of DATA0. */
  d0: number;
  /** Offset of DATA1. */
  d1: number;
  /** Low time of each pulse. @default 50 */
  pulseWidthUs?: number;
  /** Time from one bit to the next. @default 2000 */
  intervalUs?: number;
  /** Timers for {@linkcode WiegandSimulator.send}. @default the global `setTimeout` */
  scheduler?: Scheduler;
}

const SIM_DEFAULTS = { pulseWidthUs: 50, intervalUs: 2000 } as const;

/** Timestamps of a pulse train. */
export interface PulseTrain {
  /** Falling edge of the first bit. */
  startNs: bigint;
  /** Rising edge of the last bit. */
  endNs: bigint;
}

/**
 * Plays Wiegand frames on a simulated chip.
 *
 * @example
 * ```ts
 * import { SimChip } from "./sim_chip.ts";
 * import { cardFrame, WiegandSimulator } from "./wiegand_sim.ts";
 * const chip = new SimChip({ lines: 2 });
 * const reader = new WiegandSimulator(chip, { d0: 0, d1: 1 });
 * reader.sendInstant(cardFrame("H10301", 123, 45678), 0n);
 * ```
 */
export class WiegandSimulator {
  readonly #chip: SimChip;
  readonly #d0: number;
  readonly #d1: number;
  readonly #pulseNs: bigint;
  readonly #intervalNs: bigint;
  readonly #intervalMs: number;
  readonly #scheduler: Scheduler;

  constructor(chip: SimChip, options: WiegandSimulatorOptions) {
    const o = { ...SIM_DEFAULTS, ...options };
    if (!(o.pulseWidthUs > 0 && o.pulseWidthUs < o.intervalUs)) {
      throw new RangeError(
        `pulseWidthUs must be > 0 and < intervalUs, got ${o.pulseWidthUs} and ${o.intervalUs}`,
      );
    }
    this.#chip = chip;
    this.#d0 = o.d0;
    this.#d1 = o.d1;
    this.#pulseNs = BigInt(Math.round(o.pulseWidthUs * 1000));
    this.#intervalNs = BigInt(Math.round(o.intervalUs * 1000));
    this.#intervalMs = o.intervalUs / 1000;
    this.#scheduler = o.scheduler ?? systemClock;
    this.idle();
  }

  /** Drives both data lines high (idle), as a powered reader does. */
  idle(): void {
    if (!this.#chip.level(this.#d0)) this.#chip.drive(this.#d0, true);
    if (!this.#chip.level(this.#d1)) this.#chip.drive(this.#d1, true);
  }

  /**
   * Plays `frame` at once, with synthesized timestamps: bit `i` falls at
   * `startNs + i × interval` and rises `pulseWidth` later.
   *
   * @param startNs first falling edge @default the chip's `nowNs()`
   */
  sendInstant(frame: BitsFrame, startNs?: bigint): PulseTrain {
    const start = startNs ?? this.#chip.nowNs();
    let t = start;
    for (let i = 0; i < frame.nbBits; i++) {
      this.#pulse(bitAt(frame, i), t);
      t += this.#intervalNs;
    }
    return { startNs: start, endNs: t - this.#intervalNs + this.#pulseNs };
  }

  /**
   * Plays `frame` in real time: bit `i` falls at `start + i × interval` (and
   * rises `pulseWidthUs` later; timers cannot time 50 µs), and is driven when
   * its time has come. When timers run late (a busy event loop, or
   * emulation), every bit whose time has passed is driven at once with its
   * own timestamp, as a kernel delivers a backlog: the train never shows gaps
   * a real reader would not make. The same happens when a reader asks the chip
   * for pending events ({@linkcode SimChip.addPendingSource}) before it
   * decides that the line was silent: the reader's silence timer may run
   * before the simulator's late timer. Resolves after the last bit.
   *
   * @throws {DOMException} `AbortError` when `signal` aborts (the lines are left idle)
   */
  send(frame: BitsFrame, options: { signal?: AbortSignal } = {}): Promise<PulseTrain> {
    const { signal } = options;
    return new Promise((resolve, reject) => {
      let i = 0;
      let startNs = 0n;
      let endNs = 0n;
      let handle: unknown = null;
      let driving = false;
      let removeSource = (): void => {};
      const stop = (): void => {
        if (handle !== null) this.#scheduler.clearTimeout(handle);
        handle = null;
        removeSource();
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = (): void => {
        stop();
        reject(signal?.reason ?? new DOMException("Aborted", "AbortError"));
      };
      const bitTime = (bit: number): bigint => startNs + BigInt(bit) * this.#intervalNs;
      // Drives every bit whose time has come. The time is read again after
      // each bit: when driving is slower than the bit rate, the train catches
      // up here instead of falling further behind.
      const catchUp = (): void => {
        if (driving) return; // a listener of this very edge asked for pending events
        driving = true;
        try {
          while (i < frame.nbBits && bitTime(i) <= this.#chip.nowNs()) {
            endNs = this.#pulse(bitAt(frame, i), bitTime(i));
            i++;
          }
        } finally {
          driving = false;
        }
        if (i === frame.nbBits) {
          stop();
          resolve({ startNs, endNs });
        }
      };
      const tick = (): void => {
        handle = null;
        catchUp();
        if (i < frame.nbBits) {
          const delayMs = Math.max(0, Number(bitTime(i) - this.#chip.nowNs()) / 1e6);
          handle = this.#scheduler.setTimeout(tick, delayMs);
        }
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      if (frame.nbBits === 0) return resolve({ startNs, endNs });
      startNs = this.#chip.nowNs();
      removeSource = this.#chip.addPendingSource(() => {
        if (i < frame.nbBits) catchUp();
      });
      tick();
    });
  }

  #pulse(bit: 0 | 1, fallNs: bigint): bigint {
    const offset = bit === 0 ? this.#d0 : this.#d1;
    const riseNs = fallNs + this.#pulseNs;
    this.#chip.drive(offset, false, fallNs);
    this.#chip.drive(offset, true, riseNs);
    return riseNs;
  }
}

function bitAt(frame: BitsFrame, i: number): 0 | 1 {
  return (frame.bits >> BigInt(frame.nbBits - 1 - i)) & 1n ? 1 : 0;
}

/**
 * The frame for a card in a catalogue format (by name, e.g. `"H10301"`,
 * `"Corporate-1000-35"`, `"raw-40"`) or a format object.
 *
 * @throws {RangeError} for an unknown format name or values that do not fit
 */
export function cardFrame(
  format: string | WiegandFormat,
  facility: number | null,
  number: bigint | number,
): BitsFrame {
  const resolved = typeof format === "string" ? findFormat(format) : format;
  if (resolved === undefined) throw new RangeError(`Unknown Wiegand format "${format}"`);
  return encodeCard(resolved, facility, number);
}

/** How keys are sent by {@linkcode keypadFrames}. */
export type KeypadEncoding = "4bit" | "8bit" | "buffered";

/**
 * The frames a keypad sends for `keys`: one frame per key (`4bit`, `8bit`), or
 * a single 26-bit frame for the digits (`buffered`, whose `#`/`*` are not sent).
 *
 * @throws {RangeError} for a character that is not a key, or a bad buffered PIN
 */
export function keypadFrames(keys: string, encoding: KeypadEncoding): BitsFrame[] {
  const list = [...keys];
  const bad = list.find((k) => !isKeypadKey(k));
  if (bad !== undefined) throw new RangeError(`Not a keypad key: "${bad}"`);
  const valid = list as KeypadKey[];
  if (encoding === "buffered") return [encodeBufferedPin(keys.replace(/[*#]/g, ""))];
  return valid.map((k) => encoding === "4bit" ? encodeKey4(k) : encodeKey8(k));
}

/** Re-exported for tests that write frames as bit strings. */
export { parseBitString };
