// @ts-check
/**
 * The card-id codec: raw reader bits ⇄ Leosac's card-id text ⇄ the facility
 * code and card number of a format's layout. One plain module for the server
 * (the Wiegand decoder, the store, the simulator) and the browser (served at
 * `/js/shared/card_id.js`): no imports, no Deno APIs.
 *
 * Leosac's notation: a card of N bits is ceil(N/8) bytes, most significant
 * bit first, lower-case hex bytes joined by `:`; the unused low bits of the
 * last byte are zero. A 26-bit H10301 card of facility 1, number 103 is
 * `80:80:33:80`.
 *
 * Bits are numbered in transmission order: bit 0 is the first bit received
 * and the most significant bit of the frame's `bits` bigint. Field and parity
 * positions use that numbering. The catalogue of formats (and the validation
 * of administrator-defined ones) lives in `src/hardware/wiegand/formats.ts`;
 * this module only holds the built-in H10301 layout, which the UI also needs.
 *
 * Size: over 300 lines, mostly JSDoc types (it is JavaScript): the browser
 * loads it as one module, and its functions build on each other.
 *
 * @module
 */

/**
 * A contiguous run of bits.
 * @typedef {object} BitField
 * @property {number} start Position of the first (most significant) bit of the field.
 * @property {number} length Number of bits.
 */

/**
 * Parity kind: the number of ones over the covered bits plus the parity bit is even or odd.
 * @typedef {"even" | "odd"} ParityKind
 */

/**
 * A parity bit covering a contiguous range of bits.
 * @typedef {object} ParityRange
 * @property {number} bit Position of the parity bit.
 * @property {ParityKind} kind
 * @property {number} start First covered bit.
 * @property {number} length Number of covered bits.
 */

/**
 * A parity bit covering an explicit list of bit positions.
 * @typedef {object} ParityPositions
 * @property {number} bit Position of the parity bit.
 * @property {ParityKind} kind
 * @property {readonly number[]} positions The covered bits.
 */

/** One parity check of a format definition. @typedef {ParityRange | ParityPositions} ParitySpec */

/**
 * A format as an administrator (or the catalogue) writes it. Parity bits are
 * computed in list order when encoding, so a parity bit may cover the parity
 * bits listed before it, never those after it.
 * @typedef {object} CardFormatDefinition
 * @property {string} name
 * @property {number} length Frame length in bits.
 * @property {BitField} [facility] The facility (company) code, if the format has one.
 * @property {BitField} number The card number.
 * @property {readonly ParitySpec[]} parity
 */

/**
 * A compiled parity check.
 * @typedef {object} ParityCheck
 * @property {number} bit Position of the parity bit.
 * @property {ParityKind} kind
 * @property {bigint} mask Covered bits as a mask over the frame value (bit 0 of the frame is the MSB).
 */

/**
 * A compiled layout: what the codec needs to read and write a format's fields.
 * @typedef {object} CardLayout
 * @property {string} name
 * @property {number | null} length Frame length, or `null` for a raw layout of any length.
 * @property {BitField | null} facility The facility field, or `null` when there is none.
 * @property {BitField | null} number The number field; `null` for a raw layout (the whole frame).
 * @property {readonly ParityCheck[]} parity
 */

/**
 * A frame: its bits (bit 0 first = MSB) and bit count.
 * @typedef {object} BitsFrame
 * @property {bigint} bits
 * @property {number} nbBits
 */

/**
 * The fields of a card.
 * @typedef {object} CardFields
 * @property {number | null} facility The facility code, `null` for layouts without one.
 * @property {bigint} number The card number.
 */

const COLON_PAIRS = /^[0-9a-f]{2}(:[0-9a-f]{2})*$/;
const BARE_PAIRS = /^([0-9a-f]{2})+$/;

/**
 * Normalises a card id to the stored form (`aa:bb:cc:dd`). Accepts `AA:BB:cc:dd`
 * (every group exactly two hex digits) or `aabbccdd` (an even number of hex
 * digits); surrounding whitespace is ignored.
 *
 * @param {string} text
 * @returns {string | null} the normalised id, or null if `text` is not a card id.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizeCardId } from "./card_id.js";
 * assert.equal(normalizeCardId("AA:BB:cc:dd"), "aa:bb:cc:dd");
 * assert.equal(normalizeCardId("aabbccdd"), "aa:bb:cc:dd");
 * assert.equal(normalizeCardId("a:bb"), null);
 * ```
 */
export function normalizeCardId(text) {
  const value = text.trim().toLowerCase();
  if (COLON_PAIRS.test(value)) return value;
  if (BARE_PAIRS.test(value)) return (value.match(/../g) ?? []).join(":");
  return null;
}

/**
 * Normalises a card id as a person types it: like {@linkcode normalizeCardId},
 * but any blanks, `:`, `.` or `-` between the hex digits are ignored
 * (`AA BB-CC` → `aa:bb:cc`).
 *
 * @param {unknown} text
 * @returns {string | null} the normalised id, or null when it is not whole bytes of hex.
 */
export function normalizeTypedCardId(text) {
  return normalizeCardId(String(text).replace(/[\s:.-]/g, ""));
}

/**
 * @param {number} nbBits
 * @returns {void}
 */
function checkNbBits(nbBits) {
  if (!Number.isInteger(nbBits) || nbBits <= 0) {
    throw new RangeError(`Bit count must be a positive integer: ${nbBits}`);
  }
}

/**
 * Formats raw reader bits as a card id: MSB first, packed into
 * ceil(nbBits / 8) bytes, the last byte zero-padded on the right, lower-case
 * hex joined by `:`.
 *
 * @param {bigint | number} bits the frame as an unsigned integer whose lowest bit is the last bit received.
 * @param {number} nbBits the frame length (> 0).
 * @returns {string}
 * @throws {RangeError} if `nbBits` is not a positive integer or `bits` does not fit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cardIdFromBits } from "./card_id.js";
 * assert.equal(cardIdFromBits(0x20200cen, 26), "80:80:33:80");
 * assert.equal(cardIdFromBits(0x1ffn, 9), "ff:80");
 * ```
 */
export function cardIdFromBits(bits, nbBits) {
  checkNbBits(nbBits);
  const value = BigInt(bits);
  if (value < 0n || value >> BigInt(nbBits) !== 0n) {
    throw new RangeError(`Value does not fit in ${nbBits} bits: ${value}`);
  }
  const nbBytes = Math.ceil(nbBits / 8);
  let packed = value << BigInt(nbBytes * 8 - nbBits);
  /** @type {string[]} */
  const bytes = [];
  for (let i = 0; i < nbBytes; i++) {
    bytes.unshift((packed & 0xffn).toString(16).padStart(2, "0"));
    packed >>= 8n;
  }
  return bytes.join(":");
}

/**
 * The inverse of {@linkcode cardIdFromBits}: the `nbBits` raw bits of a card id.
 *
 * @param {string} cardId any form {@linkcode normalizeCardId} accepts.
 * @param {number} nbBits
 * @returns {bigint}
 * @throws {RangeError} if the id is not a card id, its byte count is not
 * ceil(nbBits / 8), or its padding bits are not zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bitsFromCardId } from "./card_id.js";
 * assert.equal(bitsFromCardId("80:80:33:80", 26), 0x20200cen);
 * ```
 */
export function bitsFromCardId(cardId, nbBits) {
  checkNbBits(nbBits);
  const normalized = normalizeCardId(cardId);
  if (normalized === null) throw new RangeError(`Invalid card id: "${cardId}"`);
  const bytes = normalized.split(":");
  const nbBytes = Math.ceil(nbBits / 8);
  if (bytes.length !== nbBytes) {
    throw new RangeError(
      `Card id "${cardId}" has ${bytes.length} bytes, ${nbBits} bits need ${nbBytes}`,
    );
  }
  let packed = 0n;
  for (const byte of bytes) packed = (packed << 8n) | BigInt(parseInt(byte, 16));
  const padding = BigInt(nbBytes * 8 - nbBits);
  if ((packed & ((1n << padding) - 1n)) !== 0n) {
    throw new RangeError(`Card id "${cardId}" has non-zero padding bits for ${nbBits} bits`);
  }
  return packed >> padding;
}

const SAMPLE_BYTES = ["aa", "bb", "cc", "dd", "ee", "ff"];

/**
 * The card-id rule for a bit count, as a person reads it: `"A 26-bit card id
 * has 4 bytes (aa:bb:cc:dd) with the last 6 bits zero."`.
 * @param {number} nbBits a positive integer.
 * @returns {string}
 */
export function cardIdRule(nbBits) {
  const nbBytes = Math.ceil(nbBits / 8);
  const padding = nbBytes * 8 - nbBits;
  const sample = nbBytes <= SAMPLE_BYTES.length
    ? SAMPLE_BYTES.slice(0, nbBytes).join(":")
    : `${SAMPLE_BYTES.slice(0, 3).join(":")}:…`;
  const spokenWithVowel = nbBits === 11 || nbBits === 18 || String(nbBits).startsWith("8");
  const article = spokenWithVowel ? "An" : "A";
  const bytes = nbBytes === 1 ? "1 byte" : `${nbBytes} bytes`;
  const zero = padding === 0
    ? ""
    : ` with the last ${padding === 1 ? "bit" : `${padding} bits`} zero`;
  return `${article} ${nbBits}-bit card id has ${bytes} (${sample})${zero}.`;
}

/**
 * Why `cardId` cannot be read from a card of `nbBits` bits, for a person, or
 * null when it can: the rule of {@linkcode bitsFromCardId} (ceil(nbBits / 8)
 * bytes, the unused low bits of the last byte zero). The server's decoder and
 * the UI's hex entry both use it.
 *
 * @param {string} cardId any form {@linkcode normalizeCardId} accepts.
 * @param {number} nbBits
 * @returns {string | null}
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cardIdProblem } from "./card_id.js";
 * assert.equal(cardIdProblem("80:80:33:80", 26), null);
 * assert.equal(
 *   cardIdProblem("ff:ff:ff:ff", 26),
 *   "A 26-bit card id has 4 bytes (aa:bb:cc:dd) with the last 6 bits zero.",
 * );
 * assert.equal(cardIdProblem("a1:b2", 32), "A 32-bit card id has 4 bytes (aa:bb:cc:dd), not 2.");
 * ```
 */
export function cardIdProblem(cardId, nbBits) {
  const normalized = normalizeCardId(cardId);
  if (normalized === null) return "Card id must have aa:bb:cc:11 format.";
  if (!Number.isInteger(nbBits) || nbBits <= 0) return "Number of bits must be a positive integer.";
  const nbBytes = normalized.split(":").length;
  const rule = cardIdRule(nbBits);
  if (nbBytes !== Math.ceil(nbBits / 8)) return `${rule.slice(0, -1)}, not ${nbBytes}.`;
  const last = parseInt(normalized.slice(-2), 16);
  const padding = nbBytes * 8 - nbBits;
  return (last & ((1 << padding) - 1)) === 0 ? null : rule;
}

/**
 * Mask of the single bit at `position` in a frame of `length` bits.
 * @param {number} position
 * @param {number} length
 * @returns {bigint}
 */
export function bitMask(position, length) {
  return 1n << BigInt(length - 1 - position);
}

/**
 * Reads bit `position` of a frame.
 * @param {bigint} bits
 * @param {number} position
 * @param {number} length
 * @returns {0 | 1}
 */
function getBit(bits, position, length) {
  return (bits & bitMask(position, length)) === 0n ? 0 : 1;
}

/**
 * Reads a field as an unsigned bigint.
 * @param {bigint} bits
 * @param {BitField} field
 * @param {number} length the frame length.
 * @returns {bigint}
 */
function getField(bits, field, length) {
  const shift = BigInt(length - field.start - field.length);
  return (bits >> shift) & ((1n << BigInt(field.length)) - 1n);
}

/**
 * The mask of a field's bits over a frame of `length` bits.
 * @param {BitField} field
 * @param {number} length
 * @returns {bigint}
 */
export function fieldMask(field, length) {
  return ((1n << BigInt(field.length)) - 1n) << BigInt(length - field.start - field.length);
}

/**
 * @param {bigint} value
 * @returns {number}
 */
function popcount(value) {
  let count = 0;
  for (let v = value; v > 0n; v &= v - 1n) count++;
  return count;
}

/**
 * The positions a parity spec lists (its mask leaves out the parity bit itself).
 * @param {ParitySpec} spec
 * @returns {readonly number[]}
 */
export function parityPositions(spec) {
  return "positions" in spec
    ? spec.positions
    : Array.from({ length: spec.length }, (_, i) => spec.start + i);
}

/**
 * Compiles a parity spec into a mask over a frame of `length` bits.
 * @param {ParitySpec} spec
 * @param {number} length
 * @returns {ParityCheck}
 */
function compileParity(spec, length) {
  let mask = 0n;
  for (const p of parityPositions(spec)) if (p !== spec.bit) mask |= bitMask(p, length);
  return { bit: spec.bit, kind: spec.kind, mask };
}

/**
 * Compiles a definition into a layout, without validating it (see `defineFormat()`).
 * @param {CardFormatDefinition} definition
 * @returns {CardLayout}
 */
export function compileLayout(definition) {
  const { name, length } = definition;
  return {
    name,
    length,
    facility: definition.facility === undefined ? null : { ...definition.facility },
    number: { ...definition.number },
    parity: definition.parity.map((spec) => compileParity(spec, length)),
  };
}

/**
 * Whether every parity check of `layout` holds for `bits`.
 * @param {CardLayout} layout
 * @param {bigint} bits
 * @param {number} nbBits
 * @returns {boolean}
 */
export function parityHolds(layout, bits, nbBits) {
  return layout.parity.every((check) => {
    const ones = popcount(bits & check.mask) + getBit(bits, check.bit, nbBits);
    return (ones % 2 === 0) === (check.kind === "even");
  });
}

/**
 * The facility code and card number of a frame, read through `layout` (no parity check).
 * @param {CardLayout} layout
 * @param {bigint} bits
 * @param {number} nbBits
 * @returns {CardFields}
 */
export function fieldsOf(layout, bits, nbBits) {
  return {
    facility: layout.facility === null ? null : Number(getField(bits, layout.facility, nbBits)),
    number: layout.number === null ? bits : getField(bits, layout.number, nbBits),
  };
}

/**
 * @param {CardLayout} layout
 * @param {string} field
 * @param {bigint} value
 * @param {number} width
 * @returns {bigint}
 */
function fitting(layout, field, value, width) {
  if (value < 0n || value >= 1n << BigInt(width)) {
    throw new RangeError(
      `Format "${layout.name}": ${field} ${value} does not fit in ${width} bits`,
    );
  }
  return value;
}

/**
 * Encodes a card's fields in `layout`, computing its parity bits.
 *
 * @param {CardLayout} layout
 * @param {number | null} facility facility code; must be null or 0 for layouts without one.
 * @param {bigint | number} number card number.
 * @returns {BitsFrame}
 * @throws {RangeError} when a value is not an integer that fits its field
 * (`Facility code must be 0 to 255`), or the layout has no fixed length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFields, H10301_LAYOUT } from "./card_id.js";
 * assert.deepEqual(encodeFields(H10301_LAYOUT, 1, 103), { bits: 0x20200cen, nbBits: 26 });
 * assert.throws(() => encodeFields(H10301_LAYOUT, 256, 1), /facility 256 does not fit in 8 bits/);
 * ```
 */
export function encodeFields(layout, facility, number) {
  const card = BigInt(number);
  const length = layout.length;
  if (length === null) {
    throw new RangeError(`Cannot encode with format "${layout.name}": it has no fixed length`);
  }
  if (layout.number === null) {
    return { bits: fitting(layout, "number", card, length), nbBits: length };
  }
  let bits = fitting(layout, "number", card, layout.number.length) <<
    BigInt(length - layout.number.start - layout.number.length);
  if (layout.facility !== null) {
    const fc = fitting(layout, "facility", BigInt(facility ?? 0), layout.facility.length);
    bits |= fc << BigInt(length - layout.facility.start - layout.facility.length);
  } else if (facility !== null && facility !== 0) {
    throw new RangeError(`Format "${layout.name}" has no facility code, got ${facility}`);
  }
  for (const check of layout.parity) {
    const ones = popcount(bits & check.mask);
    const needOne = (ones % 2 === 0) !== (check.kind === "even");
    if (needOne) bits |= bitMask(check.bit, length);
  }
  return { bits, nbBits: length };
}

/**
 * The card id of a card's fields in `layout`.
 * @param {CardLayout} layout
 * @param {number | null} facility
 * @param {bigint | number} number
 * @returns {string}
 * @throws {RangeError} as {@linkcode encodeFields}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cardIdFromFields, H10301_LAYOUT } from "./card_id.js";
 * assert.equal(cardIdFromFields(H10301_LAYOUT, 123, 45678), "bd:d9:37:40");
 * ```
 */
export function cardIdFromFields(layout, facility, number) {
  const frame = encodeFields(layout, facility, number);
  return cardIdFromBits(frame.bits, frame.nbBits);
}

/**
 * 26-bit HID H10301: even parity over bits 1-12, odd over 13-24, facility 8,
 * number 16. The one format definition the UI needs too; the catalogue in
 * `formats.ts` validates and lists it.
 * @type {CardFormatDefinition}
 */
export const H10301_DEFINITION = Object.freeze({
  name: "H10301",
  length: 26,
  facility: { start: 1, length: 8 },
  number: { start: 9, length: 16 },
  parity: [
    { bit: 0, kind: /** @type {const} */ ("even"), start: 1, length: 12 },
    { bit: 25, kind: /** @type {const} */ ("odd"), start: 13, length: 12 },
  ],
});

/**
 * The compiled H10301 layout, for the UI (`formats.ts` validates the
 * definition and exports the same layout as `H10301`).
 * @type {CardLayout}
 */
export const H10301_LAYOUT = compileLayout(H10301_DEFINITION);
