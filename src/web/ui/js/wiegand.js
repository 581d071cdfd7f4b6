// @ts-check
// Card ids typed or computed in the UI, through the shared codec (`./shared/card_id.js`).
import {
  cardIdFromFields,
  cardIdProblem,
  H10301_LAYOUT,
  normalizeTypedCardId,
} from "./shared/card_id.js";
import { describeCard } from "./shared/card_formats.js";

export { describeCard };

/**
 * The card id of an H10301 card: facility (0–255) and number (0–65535).
 * Throws a RangeError when a value is not an integer or does not fit.
 * @param {number} facility
 * @param {number} number
 * @returns {string}
 */
export function h10301CardId(facility, number) {
  return cardIdFromFields(H10301_LAYOUT, facility, number);
}

/** Normalises typed hex (`AABBCC`, `aa bb cc`, `aa:bb:cc`) to `aa:bb:cc`, or null. */
export const normalizeHex = normalizeTypedCardId;

/**
 * What is wrong with a typed card id for a card of `nbBits` bits, or null
 * when the server will take it: whole bytes of hex, then the server's own rule
 * (`cardIdProblem`: ceil(nbBits / 8) bytes, the padding bits zero).
 * @param {string} text
 * @param {number} nbBits
 * @returns {string | null}
 */
export function typedCardIdProblem(text, nbBits) {
  const cardId = normalizeTypedCardId(text);
  if (cardId === null) return "Type whole bytes in hexadecimal, e.g. 0c:1b:00:40.";
  if (!Number.isInteger(nbBits) || nbBits < 1 || nbBits > 128) {
    return "The number of bits must be a whole number from 1 to 128.";
  }
  return cardIdProblem(cardId, nbBits);
}

/**
 * A card as a person reads it, with its raw bits kept: `H10301 12/3456
 * (06:06:c0:40)`, or `26-bit card ff:ff:ff:c0` when no catalogue format
 * matches (a reader-defined format, or a card typed in hex).
 * @param {unknown} cardId
 * @param {unknown} nbBits
 * @returns {string}
 */
export function cardText(cardId, nbBits) {
  const card = describeCard(String(cardId ?? ""), Number(nbBits));
  return card.format === null ? card.text : `${card.text} (${card.cardId})`;
}
