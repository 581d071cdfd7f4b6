/**
 * What a frame means for a reader in a given keypad mode: a card, a key, a
 * buffered PIN, or a bad read. This is the last pure step between the
 * assembler and the access engine.
 *
 * @module
 */

import type { WiegandFrame } from "./assembler.ts";
import { type BadRead, type CardRead, decodeFrame, type WiegandFormat } from "./formats.ts";
import { decodeBufferedPin, decodeKey4, decodeKey8, type KeypadKey } from "./keypad.ts";

/**
 * How a reader's keypad sends keys (Leosac's reader modes):
 * - `none`: cards only;
 * - `4bit` / `8bit`: one frame per key, other lengths are cards;
 * - `buffered`: 26-bit frames are PINs (so no 26-bit cards), other lengths are cards;
 * - `auto`: 4- and 8-bit frames are keys, anything else a card.
 */
export type KeypadMode = "none" | "4bit" | "8bit" | "buffered" | "auto";

/** A single key press. */
export interface KeyRead {
  kind: "key";
  key: KeypadKey;
  nbBits: number;
}

/** A PIN sent at once by a buffered keypad. */
export interface PinRead {
  kind: "pin";
  pin: string;
  nbBits: number;
}

/** Meaning of a frame. */
export type WiegandRead = CardRead | KeyRead | PinRead | BadRead;

/** Options of {@linkcode interpretFrame}. */
export interface InterpretOptions {
  /** Card formats to try, in order. */
  formats: readonly WiegandFormat[];
  /** @default "none" */
  keypad?: KeypadMode;
}

/**
 * Interprets an assembled frame. Frames with a fault become bad reads with that
 * reason; a key frame whose check fails is a bad read with reason `parity`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { interpretFrame } from "./interpret.ts";
 * import { FORMAT_CATALOGUE } from "./formats.ts";
 * const read = interpretFrame(
 *   { bits: 0b1011n, nbBits: 4, startNs: 0n, endNs: 0n, fault: null },
 *   { formats: FORMAT_CATALOGUE, keypad: "auto" },
 * );
 * assert.deepEqual(read, { kind: "key", key: "#", nbBits: 4 });
 * ```
 */
export function interpretFrame(frame: WiegandFrame, options: InterpretOptions): WiegandRead {
  const { bits, nbBits } = frame;
  if (frame.fault !== null) return { kind: "bad_read", reason: frame.fault, nbBits };
  const mode = options.keypad ?? "none";
  if (nbBits === 4 && (mode === "4bit" || mode === "auto")) {
    const key = decodeKey4(bits);
    return key === null ? { kind: "bad_read", reason: "parity", nbBits } : {
      kind: "key",
      key,
      nbBits,
    };
  }
  if (nbBits === 8 && (mode === "8bit" || mode === "auto")) {
    const key = decodeKey8(bits);
    return key === null ? { kind: "bad_read", reason: "parity", nbBits } : {
      kind: "key",
      key,
      nbBits,
    };
  }
  if (nbBits === 26 && mode === "buffered") {
    const pin = decodeBufferedPin(bits, nbBits);
    return pin === null ? { kind: "bad_read", reason: "parity", nbBits } : {
      kind: "pin",
      pin,
      nbBits,
    };
  }
  return decodeFrame(bits, nbBits, options.formats);
}
