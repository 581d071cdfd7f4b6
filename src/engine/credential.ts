/**
 * Credential formats: card ids and PIN codes.
 *
 * @module
 */

/** The longest PIN the engine accepts. */
export const MAX_PIN_DIGITS = 32;

const PIN_PATTERN = /^[0-9]+$/;
const CARD_ID_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2})*$/;

/**
 * Tells whether a PIN is well formed: 1 to {@linkcode MAX_PIN_DIGITS} digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPinFormatValid } from "./credential.ts";
 * assert.ok(isPinFormatValid("1234") && !isPinFormatValid("12a4"));
 * ```
 */
export function isPinFormatValid(pin: string): boolean {
  return pin.length <= MAX_PIN_DIGITS && PIN_PATTERN.test(pin);
}

/**
 * Normalises a card id to Leosac's stored form: lower-case colon-separated
 * hex pairs (`"aa:bb:cc"`). Accepts upper case and surrounding blanks.
 *
 * @returns The normalised id, or null when it is not hex pairs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizeCardId } from "./credential.ts";
 * assert.ok(normalizeCardId(" AA:0b ") === "aa:0b");
 * ```
 */
export function normalizeCardId(cardId: string): string | null {
  const normalized = cardId.trim().toLowerCase();
  return CARD_ID_PATTERN.test(normalized) ? normalized : null;
}
