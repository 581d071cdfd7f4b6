// @ts-check
/**
 * The built-in card formats as data, and a card id read back as its format,
 * facility code and number. One plain module for the server (the catalogue of
 * `src/hardware/wiegand/formats.ts` validates these definitions) and the web
 * UI (served at `/js/shared/card_formats.js`), so that a card shows as
 * `H10301 12/3456` wherever it appears. No Deno APIs.
 *
 * @module
 */
import {
  bitsFromCardId,
  compileLayout,
  fieldsOf,
  H10301_DEFINITION,
  parityHolds,
} from "./card_id.js";

/** @typedef {import("./card_id.js").CardFormatDefinition} CardFormatDefinition */

/**
 * The positions `from..to` that `keep` accepts.
 * @param {number} from
 * @param {number} to
 * @param {(p: number) => boolean} keep
 * @returns {number[]}
 */
function positionsWhere(from, to, keep) {
  /** @type {number[]} */
  const out = [];
  for (let p = from; p <= to; p++) if (keep(p)) out.push(p);
  return out;
}

/** 34-bit (HID H10306 / N10002 layout): facility 16, number 16, even/odd halves. @type {CardFormatDefinition} */
export const WIEGAND_34_DEFINITION = Object.freeze({
  name: "34-bit",
  length: 34,
  facility: { start: 1, length: 16 },
  number: { start: 17, length: 16 },
  parity: [
    { bit: 0, kind: /** @type {const} */ ("even"), start: 1, length: 16 },
    { bit: 33, kind: /** @type {const} */ ("odd"), start: 17, length: 16 },
  ],
});

/**
 * 35-bit HID Corporate 1000: company 12 bits, number 20 bits. Bit 1 is even parity
 * over bits 2..33 not ≡ 1 (mod 3); bit 34 odd parity over bits 1..33 not ≡ 0 (mod 3);
 * bit 0 odd parity over the whole frame.
 * @type {CardFormatDefinition}
 */
export const CORPORATE_1000_35_DEFINITION = Object.freeze({
  name: "Corporate-1000-35",
  length: 35,
  facility: { start: 2, length: 12 },
  number: { start: 14, length: 20 },
  parity: [
    {
      bit: 1,
      kind: /** @type {const} */ ("even"),
      positions: positionsWhere(2, 33, (p) => p % 3 !== 1),
    },
    {
      bit: 34,
      kind: /** @type {const} */ ("odd"),
      positions: positionsWhere(1, 33, (p) => p % 3 !== 0),
    },
    { bit: 0, kind: /** @type {const} */ ("odd"), start: 1, length: 34 },
  ],
});

/** 37-bit HID H10304: facility 16, number 19; even parity over 1-18, odd over 18-35. @type {CardFormatDefinition} */
export const H10304_DEFINITION = Object.freeze({
  name: "H10304",
  length: 37,
  facility: { start: 1, length: 16 },
  number: { start: 17, length: 19 },
  parity: [
    { bit: 0, kind: /** @type {const} */ ("even"), start: 1, length: 18 },
    { bit: 36, kind: /** @type {const} */ ("odd"), start: 18, length: 18 },
  ],
});

/** 37-bit HID H10302 (no facility): number 35 bits; same parity as H10304. @type {CardFormatDefinition} */
export const H10302_DEFINITION = Object.freeze({
  name: "H10302",
  length: 37,
  number: { start: 1, length: 35 },
  parity: [
    { bit: 0, kind: /** @type {const} */ ("even"), start: 1, length: 18 },
    { bit: 36, kind: /** @type {const} */ ("odd"), start: 18, length: 18 },
  ],
});

/**
 * 48-bit HID Corporate 1000: company 22 bits, number 23 bits. Bit 1 is even parity
 * over bits 3..46 not ≡ 2 (mod 3); bit 47 odd parity over bits 2..45 not ≡ 1 (mod 3);
 * bit 0 odd parity over the whole frame.
 * @type {CardFormatDefinition}
 */
export const CORPORATE_1000_48_DEFINITION = Object.freeze({
  name: "Corporate-1000-48",
  length: 48,
  facility: { start: 2, length: 22 },
  number: { start: 24, length: 23 },
  parity: [
    {
      bit: 1,
      kind: /** @type {const} */ ("even"),
      positions: positionsWhere(3, 46, (p) => p % 3 !== 2),
    },
    {
      bit: 47,
      kind: /** @type {const} */ ("odd"),
      positions: positionsWhere(2, 45, (p) => p % 3 !== 1),
    },
    { bit: 0, kind: /** @type {const} */ ("odd"), start: 1, length: 47 },
  ],
});

/**
 * The built-in catalogue, in matching order. H10304 precedes H10302 (same
 * length and parity), so a 37-bit frame reads as H10304.
 * @type {readonly CardFormatDefinition[]}
 */
export const CATALOGUE_DEFINITIONS = Object.freeze([
  H10301_DEFINITION,
  WIEGAND_34_DEFINITION,
  CORPORATE_1000_35_DEFINITION,
  H10304_DEFINITION,
  H10302_DEFINITION,
  CORPORATE_1000_48_DEFINITION,
]);

const LAYOUTS = CATALOGUE_DEFINITIONS.map(compileLayout);

/**
 * A stored card as a person reads it.
 * @typedef {object} CardDescription
 * @property {string | null} format The catalogue format whose length and parity match, or null.
 * @property {number | null} facility The facility code, null when the format has none (or no format).
 * @property {string | null} number The card number as decimal text, null when no format matched.
 * @property {string} cardId The raw card id (`06:06:c0:40`).
 * @property {number} nbBits
 * @property {string} text `H10301 12/3456`, `H10302 123456`, or `26-bit card 06:06:c0:40`.
 */

/**
 * Reads a card id of `nbBits` bits through the catalogue: the first format of
 * that length whose parity holds gives the facility code and number (the
 * reader's own decoding order). A card no format matches is shown raw.
 *
 * @param {string} cardId
 * @param {number} nbBits
 * @returns {CardDescription}
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeCard } from "./card_formats.js";
 * assert.equal(describeCard("06:06:c0:40", 26).text, "H10301 12/3456");
 * assert.equal(describeCard("ff:ff", 16).text, "16-bit card ff:ff");
 * ```
 */
export function describeCard(cardId, nbBits) {
  const raw = {
    format: null,
    facility: null,
    number: null,
    cardId,
    nbBits,
    text: `${nbBits}-bit card ${cardId}`,
  };
  /** @type {bigint} */
  let bits;
  try {
    bits = bitsFromCardId(cardId, nbBits);
  } catch {
    return raw;
  }
  for (const layout of LAYOUTS) {
    if (layout.length !== nbBits || !parityHolds(layout, bits, nbBits)) continue;
    const fields = fieldsOf(layout, bits, nbBits);
    const number = fields.number.toString();
    const text = fields.facility === null
      ? `${layout.name} ${number}`
      : `${layout.name} ${fields.facility}/${number}`;
    return { format: layout.name, facility: fields.facility, number, cardId, nbBits, text };
  }
  return raw;
}
