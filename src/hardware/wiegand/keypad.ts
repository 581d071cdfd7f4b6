/**
 * Wiegand keypads: key frames (4-bit, 8-bit), buffered PIN frames (26-bit) and
 * the {@linkcode PinAccumulator} that turns single keys into a PIN.
 *
 * Pure: time is passed in (`nowNs`, in the clock of the edge timestamps).
 *
 * @module
 */

import { type BitsFrame, checkParity, decodeFrame, encodeCard, H10301 } from "./formats.ts";

/** A keypad key. */
export type KeypadKey = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "*" | "#";

const KEYS: readonly KeypadKey[] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"];

/** Whether `value` is a keypad key. */
export function isKeypadKey(value: string): value is KeypadKey {
  return (KEYS as readonly string[]).includes(value);
}

function keyValue(key: KeypadKey): number {
  return KEYS.indexOf(key);
}

/**
 * Decodes a 4-bit key frame: the value MSB-first, 10 = `*`, 11 = `#`.
 *
 * @returns the key, or `null` for values 12..15
 */
export function decodeKey4(bits: bigint): KeypadKey | null {
  return KEYS[Number(bits & 0xfn)] ?? null;
}

/**
 * Decodes an 8-bit key frame: the upper nibble is the complement of the lower one.
 *
 * @returns the key, or `null` when the check fails or the value is 12..15
 */
export function decodeKey8(bits: bigint): KeypadKey | null {
  const low = Number(bits & 0xfn);
  const high = Number((bits >> 4n) & 0xfn);
  if (high !== (~low & 0xf)) return null;
  return KEYS[low] ?? null;
}

/** The 4-bit frame for a key. */
export function encodeKey4(key: KeypadKey): BitsFrame {
  return { bits: BigInt(keyValue(key)), nbBits: 4 };
}

/** The 8-bit frame for a key (complemented upper nibble). */
export function encodeKey8(key: KeypadKey): BitsFrame {
  const v = keyValue(key);
  return { bits: BigInt(((~v & 0xf) << 4) | v), nbBits: 8 };
}

/** The largest PIN a buffered keypad can send; 65535 itself is reserved. */
export const MAX_BUFFERED_PIN = 65534;

/**
 * Decodes a buffered-keypad frame (HID style): a 26-bit H10301 frame whose card
 * number is the PIN. Leading zeros are not transmitted, so `"0042"` arrives as `"42"`.
 *
 * @returns the PIN digits, or `null` for a wrong length, bad parity or the reserved 65535
 */
export function decodeBufferedPin(bits: bigint, nbBits: number): string | null {
  if (nbBits !== 26 || !checkParity(H10301, bits, nbBits)) return null;
  const read = decodeFrame(bits, nbBits, [H10301]);
  if (read.kind !== "card" || read.number > BigInt(MAX_BUFFERED_PIN)) return null;
  return read.number.toString();
}

/**
 * The 26-bit frame a buffered keypad sends for `pin` (facility 0).
 *
 * @throws {RangeError} for a non-numeric PIN or one above {@linkcode MAX_BUFFERED_PIN}
 */
export function encodeBufferedPin(pin: string): BitsFrame {
  if (!/^\d{1,5}$/.test(pin) || Number(pin) > MAX_BUFFERED_PIN) {
    throw new RangeError(`A buffered PIN is 1 to 5 digits up to ${MAX_BUFFERED_PIN}, got "${pin}"`);
  }
  return encodeCard(H10301, 0, BigInt(pin));
}

/** Options of {@linkcode PinAccumulator}. */
export interface PinAccumulatorOptions {
  /** Inactivity after which the PIN ends. @default 2500 */
  timeoutMs?: number;
  /** What happens at the timeout: Leosac submits the digits typed so far. @default "submit" */
  onTimeout?: "submit" | "discard";
  /** Key that ends the PIN (not part of it). @default "#" */
  endKey?: KeypadKey;
  /** Key that clears the digits typed so far. @default "*" */
  clearKey?: KeypadKey;
  /** Longest PIN; typing more discards the entry. @default 12 */
  maxLength?: number;
}

/** Something the accumulator reports. */
export type PinEvent =
  | { kind: "pin"; pin: string; endedBy: "key" | "timeout" }
  | { kind: "cleared" }
  | { kind: "discarded"; reason: "timeout" | "too_long" };

const PIN_DEFAULTS: Required<PinAccumulatorOptions> = {
  timeoutMs: 2500,
  onTimeout: "submit",
  endKey: "#",
  clearKey: "*",
  maxLength: 12,
};

/**
 * Collects keys into a PIN. The end key submits, the clear key clears, and
 * inactivity ends the entry: the caller schedules a timer at
 * {@linkcode PinAccumulator.nextDeadlineNs} and then calls
 * {@linkcode PinAccumulator.expire}. An empty PIN is never submitted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PinAccumulator } from "./keypad.ts";
 * const acc = new PinAccumulator({ timeoutMs: 2000 });
 * assert.deepEqual(acc.pushKey("1", 0n), []);
 * assert.deepEqual(acc.pushKey("2", 1_000_000n), []);
 * assert.deepEqual(acc.pushKey("#", 2_000_000n), [{ kind: "pin", pin: "12", endedBy: "key" }]);
 * ```
 */
export class PinAccumulator {
  #options: Required<PinAccumulatorOptions>;
  #digits = "";
  #lastKeyNs: bigint | null = null;

  constructor(options: PinAccumulatorOptions = {}) {
    this.#options = { ...PIN_DEFAULTS, ...options };
    if (!(this.#options.timeoutMs > 0)) {
      throw new RangeError(`timeoutMs must be > 0, got ${this.#options.timeoutMs}`);
    }
  }

  /** Number of digits typed so far (for feedback; never the digits themselves). */
  get length(): number {
    return this.#digits.length;
  }

  /** When the current entry times out, or `null` when nothing is being typed. */
  nextDeadlineNs(): bigint | null {
    if (this.#lastKeyNs === null) return null;
    return this.#lastKeyNs + BigInt(Math.round(this.#options.timeoutMs * 1e6));
  }

  /**
   * Feeds one key pressed at `nowNs`. A pending entry that had already timed out
   * is ended first, so the result may hold two events.
   */
  pushKey(key: KeypadKey, nowNs: bigint): PinEvent[] {
    const events: PinEvent[] = [];
    const expired = this.expire(nowNs);
    if (expired !== null) events.push(expired);
    const { endKey, clearKey, maxLength } = this.#options;
    if (key === endKey) {
      const pin = this.#digits;
      this.reset();
      if (pin !== "") events.push({ kind: "pin", pin, endedBy: "key" });
      return events;
    }
    if (key === clearKey) {
      this.reset();
      events.push({ kind: "cleared" });
      return events;
    }
    this.#digits += key;
    this.#lastKeyNs = nowNs;
    if (this.#digits.length > maxLength) {
      this.reset();
      events.push({ kind: "discarded", reason: "too_long" });
    }
    return events;
  }

  /** Ends the entry if its deadline has passed at `nowNs`; returns what that produced. */
  expire(nowNs: bigint): PinEvent | null {
    const deadline = this.nextDeadlineNs();
    if (deadline === null || nowNs < deadline) return null;
    const pin = this.#digits;
    this.reset();
    if (pin === "") return null;
    return this.#options.onTimeout === "submit"
      ? { kind: "pin", pin, endedBy: "timeout" }
      : { kind: "discarded", reason: "timeout" };
  }

  /** Forgets the current entry. */
  reset(): void {
    this.#digits = "";
    this.#lastKeyNs = null;
  }
}
