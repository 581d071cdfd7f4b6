// @ts-check
// 26-bit HID H10301 cards: facility code + card number → the stored card id.

/**
 * Card id text (`aa:bb:cc:dd`) of `nbBits` bits, left-aligned in bytes as the reader stores it.
 * @param {bigint | number} bits
 * @param {number} nbBits
 * @returns {string}
 */
export function cardIdHex(bits, nbBits) {
  const nbBytes = Math.ceil(nbBits / 8);
  const padded = BigInt(bits) << BigInt(nbBytes * 8 - nbBits);
  const bytes = [];
  for (let i = nbBytes - 1; i >= 0; i--) {
    bytes.push(((padded >> BigInt(i * 8)) & 0xffn).toString(16).padStart(2, "0"));
  }
  return bytes.join(":");
}

/**
 * @param {bigint} bits
 * @param {number} index
 */
function bitAt(bits, index) {
  return (bits >> BigInt(25 - index)) & 1n;
}

/**
 * The 26-bit H10301 frame of facility (0–255) and number (0–65535), with its
 * parity bits. Throws a RangeError when a value does not fit.
 * @param {number} facility
 * @param {number} number
 * @returns {bigint}
 */
export function encodeH10301(facility, number) {
  if (!Number.isInteger(facility) || facility < 0 || facility > 255) {
    throw new RangeError("Facility code must be 0 to 255");
  }
  if (!Number.isInteger(number) || number < 0 || number > 65535) {
    throw new RangeError("Card number must be 0 to 65535");
  }
  let bits = (BigInt(facility) << 17n) | (BigInt(number) << 1n);
  let ones = 0n;
  for (let i = 1; i <= 12; i++) ones += bitAt(bits, i);
  if (ones % 2n === 1n) bits |= 1n << 25n; // even parity over bits 1–12
  ones = 0n;
  for (let i = 13; i <= 24; i++) ones += bitAt(bits, i);
  if (ones % 2n === 0n) bits |= 1n; // odd parity over bits 13–24
  return bits;
}

/**
 * The card id of an H10301 card.
 * @param {number} facility
 * @param {number} number
 * @returns {string}
 */
export function h10301CardId(facility, number) {
  return cardIdHex(encodeH10301(facility, number), 26);
}

/**
 * Normalises typed hex (`AABBCC`, `aa bb cc`, `aa:bb:cc`) to `aa:bb:cc`, or null.
 * @param {unknown} text
 * @returns {string | null}
 */
export function normalizeHex(text) {
  const digits = String(text).toLowerCase().replace(/[\s:.-]/g, "");
  if (digits.length === 0 || digits.length % 2 !== 0 || !/^[0-9a-f]+$/.test(digits)) return null;
  return (digits.match(/../g) ?? []).join(":");
}
