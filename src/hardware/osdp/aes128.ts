/**
 * AES-128 (FIPS 197) one block at a time, in TypeScript, for Secure Channel:
 * the key schedule is expanded once per key ({@linkcode Aes128}) and each
 * 16-byte block is then encrypted or decrypted in place without allocating,
 * so the chained CBC-MAC and CBC of a message cost a few table look-ups per
 * byte. `node:crypto` creates a cipher object per call, which in Deno costs
 * more than the AES itself for OSDP's one- and two-block messages (see
 * `scripts/bench_osdp_aes.ts`).
 *
 * The tables are the usual 32-bit "T-tables" (SubBytes, ShiftRows and
 * MixColumns of one column in one look-up), built on first use from the
 * S-box, which is computed from its definition: the multiplicative inverse in
 * GF(2⁸) modulo x⁸+x⁴+x³+x+1, then the affine map with 0x63. Decryption uses
 * the equivalent inverse cipher (InvMixColumns folded into the round keys).
 *
 * Checked against `node:crypto` on random keys and blocks and against the
 * FIPS 197 and SIA OSDP Annex E vectors (`aes128_test.ts`,
 * `secure_channel_test.ts`).
 *
 * Not constant-time: table look-ups depend on key and data, as in most
 * software AES. OSDP runs on a serial line where no attacker times the CP's
 * cache; the keys never leave the controller.
 *
 * @module
 */

/** AES block size, bytes. */
const BLOCK = 16;

interface Tables {
  sbox: Uint8Array;
  invSbox: Uint8Array;
  te: [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  td: [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
}

let tables: Tables | null = null;

/** Multiplication by x in GF(2⁸) modulo 0x11B. */
function xtime(a: number): number {
  return ((a << 1) ^ (a & 0x80 ? 0x1b : 0)) & 0xff;
}

/** Multiplication in GF(2⁸) modulo 0x11B. */
function gmul(a: number, b: number): number {
  let product = 0;
  for (; b !== 0; b >>= 1, a = xtime(a)) if (b & 1) product ^= a;
  return product;
}

function rotr8(word: number): number {
  return ((word >>> 8) | (word << 24)) >>> 0;
}

function buildTables(): Tables {
  const inverse = new Uint8Array(256);
  for (let a = 1; a < 256; a++) {
    for (let b = 1; b < 256; b++) {
      if (gmul(a, b) === 1) {
        inverse[a] = b;
        break;
      }
    }
  }
  const sbox = new Uint8Array(256);
  const invSbox = new Uint8Array(256);
  for (let x = 0; x < 256; x++) {
    const b = inverse[x]!;
    let s = b;
    for (let shift = 1; shift <= 4; shift++) s ^= ((b << shift) | (b >> (8 - shift))) & 0xff;
    s ^= 0x63;
    sbox[x] = s;
    invSbox[s] = x;
  }
  const te = [0, 1, 2, 3].map(() => new Uint32Array(256)) as Tables["te"];
  const td = [0, 1, 2, 3].map(() => new Uint32Array(256)) as Tables["td"];
  for (let x = 0; x < 256; x++) {
    const s = sbox[x]!;
    // MixColumns column of (s, 0, 0, 0): 2s, s, s, 3s (big-endian word).
    let e = ((gmul(s, 2) << 24) | (s << 16) | (s << 8) | gmul(s, 3)) >>> 0;
    const i = invSbox[x]!;
    // InvMixColumns column of (i, 0, 0, 0): 14i, 9i, 13i, 11i.
    let d = ((gmul(i, 14) << 24) | (gmul(i, 9) << 16) | (gmul(i, 13) << 8) | gmul(i, 11)) >>> 0;
    for (let t = 0; t < 4; t++) {
      te[t]![x] = e;
      td[t]![x] = d;
      e = rotr8(e);
      d = rotr8(d);
    }
  }
  return { sbox, invSbox, te, td };
}

function getTables(): Tables {
  tables ??= buildTables();
  return tables;
}

function readWord(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>>
    0;
}

function writeWord(bytes: Uint8Array, at: number, word: number): void {
  bytes[at] = word >>> 24;
  bytes[at + 1] = word >>> 16;
  bytes[at + 2] = word >>> 8;
  bytes[at + 3] = word;
}

/** The last round's column: one S-box byte from each of the four words (no MixColumns). */
function lastRound(box: Uint8Array, a: number, b: number, c: number, d: number): number {
  return (box[a >>> 24]! << 24) | (box[(b >>> 16) & 0xff]! << 16) |
    (box[(c >>> 8) & 0xff]! << 8) | box[d & 0xff]!;
}

/**
 * One AES-128 key, expanded: encrypts and decrypts 16-byte blocks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Aes128 } from "./aes128.ts";
 * // FIPS 197 appendix C.1
 * const key = Uint8Array.from({ length: 16 }, (_, i) => i);
 * const block = Uint8Array.from({ length: 16 }, (_, i) => i * 0x11);
 * new Aes128(key).encryptBlock(block);
 * assert.equal(
 *   Array.from(block, (b) => b.toString(16).padStart(2, "0")).join(""),
 *   "69c4e0d86a7b0430d8cdb78070b4c55a",
 * );
 * ```
 */
export class Aes128 {
  readonly #encKeys = new Uint32Array(44);
  readonly #decKeys = new Uint32Array(44);
  readonly #tables: Tables;

  /** Expands `key`. @throws {RangeError} when it is not 16 bytes */
  constructor(key: Uint8Array) {
    if (key.length !== BLOCK) {
      throw new RangeError(`AES-128 key must be 16 bytes, got ${key.length}`);
    }
    const t = getTables();
    this.#tables = t;
    const w = this.#encKeys;
    for (let i = 0; i < 4; i++) w[i] = readWord(key, i * 4);
    let rcon = 1;
    for (let i = 4; i < 44; i++) {
      let temp = w[i - 1]!;
      if (i % 4 === 0) {
        // RotWord, SubWord, Rcon.
        temp = ((t.sbox[(temp >>> 16) & 0xff]! << 24) | (t.sbox[(temp >>> 8) & 0xff]! << 16) |
          (t.sbox[temp & 0xff]! << 8) | t.sbox[temp >>> 24]!) ^ (rcon << 24);
        rcon = xtime(rcon);
      }
      w[i] = (w[i - 4]! ^ temp) >>> 0;
    }
    // Equivalent inverse cipher: round keys in reverse, InvMixColumns on the middle ones.
    const dk = this.#decKeys;
    for (let round = 0; round <= 10; round++) {
      for (let c = 0; c < 4; c++) {
        const word = w[(10 - round) * 4 + c]!;
        dk[round * 4 + c] = round === 0 || round === 10 ? word : (
          t.td[0][t.sbox[word >>> 24]!]! ^ t.td[1][t.sbox[(word >>> 16) & 0xff]!]! ^
          t.td[2][t.sbox[(word >>> 8) & 0xff]!]! ^ t.td[3][t.sbox[word & 0xff]!]!
        ) >>> 0;
      }
    }
  }

  /** Encrypts the 16 bytes of `block` at `at` in place. */
  encryptBlock(block: Uint8Array, at = 0): void {
    const te = this.#tables.te;
    const t0 = te[0], t1 = te[1], t2 = te[2], t3 = te[3];
    const sbox = this.#tables.sbox;
    const k = this.#encKeys;
    let s0 = readWord(block, at) ^ k[0]!;
    let s1 = readWord(block, at + 4) ^ k[1]!;
    let s2 = readWord(block, at + 8) ^ k[2]!;
    let s3 = readWord(block, at + 12) ^ k[3]!;
    for (let r = 4; r < 40; r += 4) {
      const n0 = t0[s0 >>> 24]! ^ t1[(s1 >>> 16) & 0xff]! ^ t2[(s2 >>> 8) & 0xff]! ^
        t3[s3 & 0xff]! ^ k[r]!;
      const n1 = t0[s1 >>> 24]! ^ t1[(s2 >>> 16) & 0xff]! ^ t2[(s3 >>> 8) & 0xff]! ^
        t3[s0 & 0xff]! ^ k[r + 1]!;
      const n2 = t0[s2 >>> 24]! ^ t1[(s3 >>> 16) & 0xff]! ^ t2[(s0 >>> 8) & 0xff]! ^
        t3[s1 & 0xff]! ^ k[r + 2]!;
      const n3 = t0[s3 >>> 24]! ^ t1[(s0 >>> 16) & 0xff]! ^ t2[(s1 >>> 8) & 0xff]! ^
        t3[s2 & 0xff]! ^ k[r + 3]!;
      s0 = n0 >>> 0;
      s1 = n1 >>> 0;
      s2 = n2 >>> 0;
      s3 = n3 >>> 0;
    }
    writeWord(block, at, lastRound(sbox, s0, s1, s2, s3) ^ k[40]!);
    writeWord(block, at + 4, lastRound(sbox, s1, s2, s3, s0) ^ k[41]!);
    writeWord(block, at + 8, lastRound(sbox, s2, s3, s0, s1) ^ k[42]!);
    writeWord(block, at + 12, lastRound(sbox, s3, s0, s1, s2) ^ k[43]!);
  }

  /** Decrypts the 16 bytes of `block` at `at` in place. */
  decryptBlock(block: Uint8Array, at = 0): void {
    const td = this.#tables.td;
    const t0 = td[0], t1 = td[1], t2 = td[2], t3 = td[3];
    const inv = this.#tables.invSbox;
    const k = this.#decKeys;
    let s0 = readWord(block, at) ^ k[0]!;
    let s1 = readWord(block, at + 4) ^ k[1]!;
    let s2 = readWord(block, at + 8) ^ k[2]!;
    let s3 = readWord(block, at + 12) ^ k[3]!;
    for (let r = 4; r < 40; r += 4) {
      const n0 = t0[s0 >>> 24]! ^ t1[(s3 >>> 16) & 0xff]! ^ t2[(s2 >>> 8) & 0xff]! ^
        t3[s1 & 0xff]! ^ k[r]!;
      const n1 = t0[s1 >>> 24]! ^ t1[(s0 >>> 16) & 0xff]! ^ t2[(s3 >>> 8) & 0xff]! ^
        t3[s2 & 0xff]! ^ k[r + 1]!;
      const n2 = t0[s2 >>> 24]! ^ t1[(s1 >>> 16) & 0xff]! ^ t2[(s0 >>> 8) & 0xff]! ^
        t3[s3 & 0xff]! ^ k[r + 2]!;
      const n3 = t0[s3 >>> 24]! ^ t1[(s2 >>> 16) & 0xff]! ^ t2[(s1 >>> 8) & 0xff]! ^
        t3[s0 & 0xff]! ^ k[r + 3]!;
      s0 = n0 >>> 0;
      s1 = n1 >>> 0;
      s2 = n2 >>> 0;
      s3 = n3 >>> 0;
    }
    writeWord(block, at, lastRound(inv, s0, s3, s2, s1) ^ k[40]!);
    writeWord(block, at + 4, lastRound(inv, s1, s0, s3, s2) ^ k[41]!);
    writeWord(block, at + 8, lastRound(inv, s2, s1, s0, s3) ^ k[42]!);
    writeWord(block, at + 12, lastRound(inv, s3, s2, s1, s0) ^ k[43]!);
  }
}
