/**
 * Password, PIN and token hashing.
 *
 * - Passwords: scrypt N=16384, r=8, p=1, 16-byte salt, 64-byte hash, stored as
 *   Leosac does (`N:r:p:HEXSALT:HEXHASH`, upper-case hex), computed off the
 *   event loop.
 * - PIN codes: HMAC-SHA256 keyed with the installation secret, so PIN-only
 *   lookups stay indexable while the database never holds a PIN in clear.
 * - Tokens: random UUIDs, stored as their SHA-256.
 *
 * @module
 */
import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 64, saltLength: 16 } as const;
/** Upper bound on scrypt parameters accepted from a stored hash (imported databases). */
const MAX_SCRYPT_N = 1 << 20;

function scryptAsync(
  password: string,
  salt: Uint8Array,
  keyLength: number,
  params: { N: number; r: number; p: number },
): Promise<Uint8Array> {
  const maxmem = 256 * params.N * params.r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { ...params, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

/**
 * Hashes a password with scrypt, in Leosac's stored format.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashPassword, verifyPassword } from "./secrets.ts";
 * const stored = await hashPassword("s3cret");
 * assert.ok(await verifyPassword("s3cret", stored));
 * ```
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltLength);
  const key = await scryptAsync(password, salt, SCRYPT.keyLength, SCRYPT);
  return `${SCRYPT.N}:${SCRYPT.r}:${SCRYPT.p}:${hex(salt)}:${hex(key)}`;
}

/**
 * Checks a password against a stored `N:r:p:SALT:HASH` string. A malformed or
 * absurd stored value never matches (and never throws).
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  if (stored === null) return false;
  const parts = stored.split(":");
  if (parts.length !== 5) return false;
  const [n, r, p, saltHex, hashHex] = parts as [string, string, string, string, string];
  const N = Number(n), R = Number(r), P = Number(p);
  const valid = [N, R, P].every((x) => Number.isInteger(x) && x > 0) &&
    N <= MAX_SCRYPT_N && (N & (N - 1)) === 0 && R <= 32 && P <= 16 &&
    /^([0-9a-fA-F]{2})+$/.test(saltHex) && /^([0-9a-fA-F]{2}){16,128}$/.test(hashHex);
  if (!valid) return false;
  const expected = Uint8Array.from(hashHex.match(/../g)!, (h) => parseInt(h, 16));
  const salt = Uint8Array.from(saltHex.match(/../g)!, (h) => parseInt(h, 16));
  const key = await scryptAsync(password, salt, expected.length, { N, r: R, p: P });
  return timingSafeEqual(key, expected);
}

/** A password hash that no password matches, used to keep login timing even for unknown users. */
export const DUMMY_PASSWORD_HASH: string = `${SCRYPT.N}:${SCRYPT.r}:${SCRYPT.p}:${
  "00".repeat(16)
}:${"00".repeat(64)}`;

/** HMAC-SHA256 of a PIN code with the installation secret, as lower-case hex. */
export function hashPin(secret: Uint8Array, pin: string): string {
  return createHmac("sha256", secret).update(`pin:${pin}`).digest("hex");
}

/**
 * HMAC-SHA256 of a username (lower-cased) with the installation secret, first
 * 16 hex digits: names an unknown username in the audit (repeated attempts
 * correlate) without storing what was typed, which may be a password.
 */
export function hashUsername(secret: Uint8Array, username: string): string {
  return createHmac("sha256", secret).update(`username:${username.toLowerCase()}`).digest("hex")
    .slice(0, 16);
}

/** Creates a new session token (a random UUID, 36 characters, as Leosac's). */
export function newToken(): string {
  return crypto.randomUUID();
}

/** The stored form of a token. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Creates a random password for the first administrator (20 characters, unambiguous alphabet). */
export function randomPassword(length = 20): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

/** Creates a 32-byte installation secret. */
export function newInstallationSecret(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}
