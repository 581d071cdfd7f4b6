/**
 * Wiegand card formats: the built-in catalogue, the validation of
 * administrator-defined formats, and frame decoding ({@linkcode decodeFrame}).
 * The codec itself (parity, fields, card-id text, encoding) is
 * `src/shared/card_id.js`, which the web UI shares.
 *
 * Bits are numbered in transmission order: bit 0 is the first bit received and
 * the most significant bit of the `bits` bigint. Field and parity positions
 * use that numbering.
 *
 * Size: over 300 lines because the built-in catalogue is data (six format
 * definitions) beside the validation every definition goes through.
 *
 * @module
 */
import {
  type BitField,
  bitMask,
  type BitsFrame,
  type CardFormatDefinition,
  cardIdFromBits,
  type CardLayout,
  compileLayout,
  encodeFields,
  fieldMask,
  fieldsOf,
  H10301_DEFINITION,
  parityHolds,
  parityPositions,
  type ParitySpec,
} from "../../shared/card_id.js";
import {
  CORPORATE_1000_35_DEFINITION,
  CORPORATE_1000_48_DEFINITION,
  H10302_DEFINITION,
  H10304_DEFINITION,
  WIEGAND_34_DEFINITION,
} from "../../shared/card_formats.js";

/** Longest frame the assembler and decoder accept. */
export const MAX_FRAME_BITS = 128;
/** Frames shorter than this are noise. */
export const MIN_FRAME_BITS = 4;

/**
 * The layout types, defined with the codec in `src/shared/card_id.js`:
 * {@linkcode BitField}, {@linkcode ParityKind}, {@linkcode ParityRange},
 * {@linkcode ParityPositions}, {@linkcode ParitySpec}, {@linkcode ParityCheck},
 * {@linkcode BitsFrame}.
 */
export type {
  BitField,
  BitsFrame,
  ParityCheck,
  ParityKind,
  ParityPositions,
  ParityRange,
  ParitySpec,
} from "../../shared/card_id.js";

/**
 * A format as an administrator (or the catalogue) writes it: a name, a frame
 * length (1..128 bits), an optional facility field, the number field and the
 * parity checks. Parity bits are computed in list order when encoding, so a
 * parity bit may cover the parity bits listed before it (HID Corporate 1000
 * does this), never those after it.
 */
export type WiegandFormatDefinition = CardFormatDefinition;

/**
 * A validated, ready-to-use format (its `length` is `null` for a raw format
 * that accepts any length, its `number` `null` only for raw formats, whose
 * number is the whole frame). Build with {@linkcode defineFormat} or
 * {@linkcode rawFormat}.
 */
export type WiegandFormat = Readonly<CardLayout>;

/** Successful card decode. */
export interface CardRead {
  kind: "card";
  /** Name of the matching format. */
  format: string;
  /** Facility (company) code, `null` for formats without one. */
  facility: number | null;
  /** Card number. */
  number: bigint;
  /** Leosac card id: raw bits MSB-first in `ceil(n/8)` bytes, right-padded, `aa:bb:…`. */
  cardIdHex: string;
  nbBits: number;
  /** The raw frame. */
  bits: bigint;
}

/** Why a frame could not be decoded. */
export type BadReadReason = "parity" | "length" | "noise";

/** Failed decode. */
export interface BadRead {
  kind: "bad_read";
  reason: BadReadReason;
  nbBits: number;
}

/** Outcome of {@linkcode decodeFrame}. */
export type DecodeResult = CardRead | BadRead;

/** Thrown by {@linkcode defineFormat} for an invalid definition. */
export class FormatError extends Error {
  /** The offending field, e.g. `"parity[1].bit"`. */
  readonly field: string;
  constructor(format: string, field: string, problem: string) {
    super(`Invalid Wiegand format "${format}": ${field} ${problem}`);
    this.name = "FormatError";
    this.field = field;
  }
}

function checkField(name: string, label: string, field: BitField, length: number): void {
  if (!Number.isInteger(field.start) || field.start < 0) {
    throw new FormatError(name, `${label}.start`, `must be an integer >= 0, got ${field.start}`);
  }
  if (!Number.isInteger(field.length) || field.length < 1) {
    throw new FormatError(name, `${label}.length`, `must be an integer >= 1, got ${field.length}`);
  }
  if (field.start + field.length > length) {
    throw new FormatError(
      name,
      label,
      `ends at bit ${field.start + field.length - 1}, beyond the last bit ${length - 1}`,
    );
  }
}

function checkPosition(name: string, label: string, position: number, length: number): void {
  if (!Number.isInteger(position) || position < 0 || position >= length) {
    throw new FormatError(
      name,
      label,
      `must be a bit position in 0..${length - 1}, got ${position}`,
    );
  }
}

function checkParitySpec(name: string, spec: ParitySpec, index: number, length: number): void {
  const label = `parity[${index}]`;
  checkPosition(name, `${label}.bit`, spec.bit, length);
  if (spec.kind !== "even" && spec.kind !== "odd") {
    throw new FormatError(name, `${label}.kind`, `must be "even" or "odd", got "${spec.kind}"`);
  }
  if ("positions" in spec) {
    spec.positions.forEach((p, i) => checkPosition(name, `${label}.positions[${i}]`, p, length));
  } else {
    checkField(name, label, spec, length);
  }
  if (parityPositions(spec).length === 0) throw new FormatError(name, label, "covers no bits");
}

/**
 * Validates a definition and compiles it into a {@linkcode WiegandFormat}.
 *
 * @throws {FormatError} naming the offending field: bad length, a field or parity bit
 * outside the frame, overlapping facility/number, a parity bit inside a data field, a
 * parity bit covering a later parity bit, or a duplicate parity bit
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFrame, defineFormat, encodeCard } from "./formats.ts";
 * const f = defineFormat({
 *   name: "site-32",
 *   length: 32,
 *   facility: { start: 1, length: 8 },
 *   number: { start: 9, length: 22 },
 *   parity: [{ bit: 0, kind: "even", start: 1, length: 15 }, { bit: 31, kind: "odd", start: 16, length: 15 }],
 * });
 * const frame = encodeCard(f, 12, 3456n);
 * const read = decodeFrame(frame.bits, frame.nbBits, [f]);
 * assert.ok(read.kind === "card");
 * assert.equal(read.format, "site-32");
 * assert.equal(read.number, 3456n);
 * ```
 */
export function defineFormat(definition: WiegandFormatDefinition): WiegandFormat {
  const { name, length } = definition;
  if (typeof name !== "string" || name.trim() === "") {
    throw new FormatError(String(name), "name", "must be a non-empty string");
  }
  if (!Number.isInteger(length) || length < 1 || length > MAX_FRAME_BITS) {
    throw new FormatError(
      name,
      "length",
      `must be an integer in 1..${MAX_FRAME_BITS}, got ${length}`,
    );
  }
  checkField(name, "number", definition.number, length);
  const facility = definition.facility ?? null;
  if (facility !== null) {
    checkField(name, "facility", facility, length);
    if (facility.length > 32) throw new FormatError(name, "facility.length", "must be <= 32");
    if ((fieldMask(facility, length) & fieldMask(definition.number, length)) !== 0n) {
      throw new FormatError(name, "facility", "overlaps number");
    }
  }
  const dataMask = fieldMask(definition.number, length) |
    (facility === null ? 0n : fieldMask(facility, length));
  if (!Array.isArray(definition.parity)) throw new FormatError(name, "parity", "must be an array");
  definition.parity.forEach((spec, i) => checkParitySpec(name, spec, i, length));
  const layout = compileLayout(definition);
  const parity = layout.parity;
  parity.forEach((check, i) => {
    const self = bitMask(check.bit, length);
    if ((self & dataMask) !== 0n) {
      throw new FormatError(name, `parity[${i}].bit`, `${check.bit} lies inside a data field`);
    }
    parity.forEach((other, j) => {
      if (j > i && other.bit === check.bit) {
        throw new FormatError(name, `parity[${j}].bit`, `${other.bit} is already a parity bit`);
      }
      if (j > i && (check.mask & bitMask(other.bit, length)) !== 0n) {
        throw new FormatError(
          name,
          `parity[${i}]`,
          `covers parity bit ${other.bit}, which is listed after it`,
        );
      }
    });
  });
  return layout;
}

/**
 * A raw format: no parity, no facility, the number is the whole frame.
 *
 * @param length the accepted length, or omitted to accept any length
 */
export function rawFormat(length?: number): WiegandFormat {
  if (
    length !== undefined && (!Number.isInteger(length) || length < 1 || length > MAX_FRAME_BITS)
  ) {
    throw new FormatError(`raw-${length}`, "length", `must be an integer in 1..${MAX_FRAME_BITS}`);
  }
  return {
    name: length === undefined ? "raw" : `raw-${length}`,
    length: length ?? null,
    facility: null,
    number: null,
    parity: [],
  };
}

/** 26-bit HID H10301: even parity over bits 1-12, odd over 13-24, facility 8, number 16. */
export const H10301: WiegandFormat = defineFormat(H10301_DEFINITION);

/** 34-bit (HID H10306 / N10002 layout): facility 16, number 16, even/odd halves. */
export const WIEGAND_34: WiegandFormat = defineFormat(WIEGAND_34_DEFINITION);

/**
 * 35-bit HID Corporate 1000: company 12 bits, number 20 bits (the parity rules are
 * in `src/shared/card_formats.js`).
 */
export const CORPORATE_1000_35: WiegandFormat = defineFormat(CORPORATE_1000_35_DEFINITION);

/** 37-bit HID H10304: facility 16, number 19; even parity over 1-18, odd over 18-35. */
export const H10304: WiegandFormat = defineFormat(H10304_DEFINITION);

/** 37-bit HID H10302 (no facility): number 35 bits; same parity as H10304. */
export const H10302: WiegandFormat = defineFormat(H10302_DEFINITION);

/**
 * 48-bit HID Corporate 1000: company 22 bits, number 23 bits (the parity rules are
 * in `src/shared/card_formats.js`).
 */
export const CORPORATE_1000_48: WiegandFormat = defineFormat(CORPORATE_1000_48_DEFINITION);

/** Raw frames of any length (no parity); put it last as a catch-all. */
export const RAW: WiegandFormat = rawFormat();

/**
 * The built-in catalogue, in matching order. H10304 precedes H10302 (same length and
 * parity), so a 37-bit frame decodes as H10304 unless the caller passes H10302 alone.
 */
export const FORMAT_CATALOGUE: readonly WiegandFormat[] = [
  H10301,
  WIEGAND_34,
  CORPORATE_1000_35,
  H10304,
  H10302,
  CORPORATE_1000_48,
];

/** Finds a catalogue format (or `raw`, `raw-N`) by name, case-insensitively. */
export function findFormat(name: string): WiegandFormat | undefined {
  const wanted = name.toLowerCase();
  if (wanted === "raw") return RAW;
  const raw = /^raw-(\d+)$/.exec(wanted);
  if (raw?.[1] !== undefined) return rawFormat(Number(raw[1]));
  return FORMAT_CATALOGUE.find((f) => f.name.toLowerCase() === wanted);
}

/** Whether every parity check of `format` holds for `bits`. */
export const checkParity: (format: WiegandFormat, bits: bigint, nbBits: number) => boolean =
  parityHolds;

/**
 * Leosac's card id: the raw bits MSB-first in `ceil(n/8)` bytes, the last byte
 * zero-padded on the right, lowercase hex joined by `:` (`cardIdFromBits` of
 * `src/shared/card_id.js`).
 *
 * @throws {RangeError} if `nbBits` is not a positive integer or `bits` does not fit.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cardIdHex, parseBitString } from "./formats.ts";
 * const { bits, nbBits } = parseBitString("10000000100000000011001110");
 * assert.equal(cardIdHex(bits, nbBits), "80:80:33:80");
 * ```
 */
export const cardIdHex: (bits: bigint, nbBits: number) => string = cardIdFromBits;

/**
 * Decodes a frame against `formats`, tried in order: the first format of the right
 * length whose parity holds wins.
 *
 * @param bits the frame, bit 0 (first received) as the most significant bit
 * @param nbBits number of bits in the frame
 * @returns a card, or a bad read: `noise` below {@linkcode MIN_FRAME_BITS} bits, `length`
 * when no format has this length (or above {@linkcode MAX_FRAME_BITS}), `parity` when
 * formats of this length exist but none has valid parity
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFrame, encodeCard, H10301 } from "./formats.ts";
 * const frame = encodeCard(H10301, 123, 45678n);
 * const read = decodeFrame(frame.bits, frame.nbBits, [H10301]);
 * assert.ok(read.kind === "card");
 * assert.equal(read.format, "H10301");
 * assert.equal(read.facility, 123);
 * assert.equal(read.number, 45678n);
 * assert.equal(read.cardIdHex, "bd:d9:37:40");
 * ```
 */
export function decodeFrame(
  bits: bigint,
  nbBits: number,
  formats: readonly WiegandFormat[],
): DecodeResult {
  if (nbBits < MIN_FRAME_BITS) return { kind: "bad_read", reason: "noise", nbBits };
  if (nbBits > MAX_FRAME_BITS) return { kind: "bad_read", reason: "length", nbBits };
  const value = bits & ((1n << BigInt(nbBits)) - 1n);
  let lengthMatched = false;
  for (const format of formats) {
    if (format.length !== null && format.length !== nbBits) continue;
    lengthMatched = true;
    if (!parityHolds(format, value, nbBits)) continue;
    return {
      kind: "card",
      format: format.name,
      ...fieldsOf(format, value, nbBits),
      cardIdHex: cardIdFromBits(value, nbBits),
      nbBits,
      bits: value,
    };
  }
  return { kind: "bad_read", reason: lengthMatched ? "parity" : "length", nbBits };
}

/**
 * Encodes a card in `format`, computing its parity bits (for tests and the simulator).
 *
 * @param facility facility code; must be 0 or omitted for formats without one
 * @param number card number (a raw format needs its `length`, see {@linkcode rawFormat})
 * @throws {RangeError} when a value does not fit its field
 */
export const encodeCard: (
  format: WiegandFormat,
  facility: number | null,
  number: bigint | number,
) => BitsFrame = encodeFields;

/** Parses a string of `0`/`1` characters (spaces ignored) into a frame. */
export function parseBitString(text: string): BitsFrame {
  const clean = text.replaceAll(" ", "");
  if (!/^[01]+$/.test(clean)) throw new SyntaxError(`Not a bit string: "${text}"`);
  return { bits: BigInt(`0b${clean}`), nbBits: clean.length };
}

/** Formats a frame as a string of `0`/`1` characters, bit 0 first. */
export function formatBitString(bits: bigint, nbBits: number): string {
  return bits.toString(2).padStart(nbBits, "0");
}
