// @ts-check
// Card ids typed or computed in the UI, through the shared codec (`./shared/card_id.js`).
import { cardIdFromFields, H10301_LAYOUT, normalizeTypedCardId } from "./shared/card_id.js";

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
