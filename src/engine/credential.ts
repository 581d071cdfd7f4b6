/**
 * Credential formats: PIN codes (the card-id codec is `src/shared/card_id.js`).
 *
 * @module
 */

/** The longest PIN the engine accepts. */
export const MAX_PIN_DIGITS = 32;

const PIN_PATTERN = /^[0-9]+$/;

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
