/**
 * OSDP Secure Channel cryptography (AES-128 of `aes128.ts`, randoms from
 * `node:crypto`): session keys from the SCBK, the client and server
 * cryptograms, the initial R-MAC, the chained CBC-MAC of each message and the
 * encryption of its data.
 *
 * - Session keys: AES-ECB under the SCBK of `01 82|01|02 cp_random[0..5] 00×8`
 *   (S-ENC, S-MAC1, S-MAC2).
 * - Client cryptogram = ECB(S-ENC, cp_random ‖ pd_random); server cryptogram
 *   = ECB(S-ENC, pd_random ‖ cp_random); initial R-MAC =
 *   ECB(S-MAC2, ECB(S-MAC1, server cryptogram)).
 * - MAC: CBC over SOM through the data, padded with 0x80 then zeros only when
 *   not block-aligned; every block but the last under S-MAC1, the last under
 *   S-MAC2; the IV is the other side's last MAC. Four bytes are sent.
 * - Data (security blocks 0x17/0x18): CBC under S-ENC, always padded with 0x80
 *   then zeros; the IV is the bitwise NOT of the last MAC the sender received
 *   (which is the last MAC the receiver sent).
 *
 * {@linkcode SecureSession} keeps the chain for the CP side. The AES key
 * schedules of a {@linkcode SessionKeys} are expanded on first use and kept
 * with it, so a message's MAC and data cost a few block encryptions and no
 * cipher objects (`scripts/bench_osdp_aes.ts` compares the ways).
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { Aes128 } from "./aes128.ts";

/** AES block size, bytes. */
export const BLOCK_BYTES = 16;

/** The three session keys (not changed once derived: their key schedules are kept). */
export interface SessionKeys {
  readonly enc: Uint8Array;
  readonly mac1: Uint8Array;
  readonly mac2: Uint8Array;
}

/** A Secure Channel failure (wrong cryptogram, MAC or padding). */
export class SecureChannelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecureChannelError";
  }
}

interface SessionCiphers {
  enc: Aes128;
  mac1: Aes128;
  mac2: Aes128;
}

const ciphersOfKeys = new WeakMap<SessionKeys, SessionCiphers>();

/** The expanded keys of `keys`, built on first use. */
function ciphersOf(keys: SessionKeys): SessionCiphers {
  let ciphers = ciphersOfKeys.get(keys);
  if (ciphers === undefined) {
    ciphers = {
      enc: new Aes128(keys.enc),
      mac1: new Aes128(keys.mac1),
      mac2: new Aes128(keys.mac2),
    };
    ciphersOfKeys.set(keys, ciphers);
  }
  return ciphers;
}

function checkKey(key: Uint8Array, what: string): void {
  if (key.length !== BLOCK_BYTES) {
    throw new RangeError(`${what} must be 16 bytes, got ${key.length}`);
  }
}

/** AES-128-ECB of whole blocks, no padding. @throws {RangeError} for a partial block */
export function aesEcb(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length % BLOCK_BYTES !== 0) {
    throw new RangeError(`AES-ECB data of ${data.length} bytes is not whole blocks`);
  }
  const aes = new Aes128(key);
  const out = data.slice();
  for (let at = 0; at < out.length; at += BLOCK_BYTES) aes.encryptBlock(out, at);
  return out;
}

/** Two 8-byte randoms as one block. @throws {RangeError} when they are not 8 bytes each */
function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== 8 || b.length !== 8) throw new RangeError("the randoms must be 8 bytes each");
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Derives S-ENC, S-MAC1 and S-MAC2 from the SCBK and the CP's random.
 *
 * @throws {RangeError} when the key is not 16 bytes or the random not 8
 */
export function deriveSessionKeys(scbk: Uint8Array, cpRandom: Uint8Array): SessionKeys {
  checkKey(scbk, "SCBK");
  if (cpRandom.length !== 8) throw new RangeError("cp_random must be 8 bytes");
  const aes = new Aes128(scbk);
  const block = (b1: number): Uint8Array => {
    const out = new Uint8Array(BLOCK_BYTES);
    out[0] = 0x01;
    out[1] = b1;
    out.set(cpRandom.subarray(0, 6), 2);
    aes.encryptBlock(out);
    return out;
  };
  return { enc: block(0x82), mac1: block(0x01), mac2: block(0x02) };
}

/** ECB(S-ENC, cp_random ‖ pd_random): the PD's proof it holds the key. */
export function clientCryptogram(
  keys: SessionKeys,
  cpRandom: Uint8Array,
  pdRandom: Uint8Array,
): Uint8Array {
  const out = concat(cpRandom, pdRandom);
  ciphersOf(keys).enc.encryptBlock(out);
  return out;
}

/** ECB(S-ENC, pd_random ‖ cp_random): the CP's proof it holds the key. */
export function serverCryptogram(
  keys: SessionKeys,
  cpRandom: Uint8Array,
  pdRandom: Uint8Array,
): Uint8Array {
  const out = concat(pdRandom, cpRandom);
  ciphersOf(keys).enc.encryptBlock(out);
  return out;
}

/** ECB(S-MAC2, ECB(S-MAC1, server cryptogram)): the first IV of the MAC chain. */
export function initialRmac(keys: SessionKeys, serverCryptogramBytes: Uint8Array): Uint8Array {
  const { mac1, mac2 } = ciphersOf(keys);
  const out = serverCryptogramBytes.slice(0, BLOCK_BYTES);
  mac1.encryptBlock(out);
  mac2.encryptBlock(out);
  return out;
}

/** Pads with 0x80 then zeros to a whole number of blocks (a full block when aligned). */
export function padData(data: Uint8Array): Uint8Array {
  const out = new Uint8Array((Math.floor(data.length / BLOCK_BYTES) + 1) * BLOCK_BYTES);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/**
 * The 16-byte CBC-MAC of `message` with IV `iv` (4 of its bytes are sent).
 */
export function computeMac(keys: SessionKeys, iv: Uint8Array, message: Uint8Array): Uint8Array {
  const { mac1, mac2 } = ciphersOf(keys);
  const length = message.length;
  const aligned = length > 0 && length % BLOCK_BYTES === 0;
  const blocks = aligned ? length / BLOCK_BYTES : Math.floor(length / BLOCK_BYTES) + 1;
  const chain = iv.slice(0, BLOCK_BYTES);
  for (let b = 0, at = 0; b < blocks; b++) {
    // XOR the next block (padded with 0x80 then zeros) into the chain, then encrypt.
    for (let i = 0; i < BLOCK_BYTES; i++, at++) {
      chain[i]! ^= at < length ? message[at]! : at === length ? 0x80 : 0;
    }
    (b === blocks - 1 ? mac2 : mac1).encryptBlock(chain);
  }
  return chain;
}

/** Encrypts data; `lastMacReceived` is the full 16-byte MAC the sender last received. */
export function encryptData(
  keys: SessionKeys,
  lastMacReceived: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  const { enc } = ciphersOf(keys);
  const out = padData(data);
  // CBC whose IV is the bitwise NOT of the last MAC received.
  for (let i = 0; i < BLOCK_BYTES; i++) out[i]! ^= ~lastMacReceived[i]! & 0xff;
  enc.encryptBlock(out, 0);
  for (let at = BLOCK_BYTES; at < out.length; at += BLOCK_BYTES) {
    for (let i = 0; i < BLOCK_BYTES; i++) out[at + i]! ^= out[at - BLOCK_BYTES + i]!;
    enc.encryptBlock(out, at);
  }
  return out;
}

/**
 * Decrypts data; `lastMacSent` is the full 16-byte MAC the receiver last sent.
 *
 * @throws {SecureChannelError} when the length or the padding is wrong
 */
export function decryptData(
  keys: SessionKeys,
  lastMacSent: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  if (data.length === 0 || data.length % BLOCK_BYTES !== 0) {
    throw new SecureChannelError(`encrypted data of ${data.length} bytes is not whole blocks`);
  }
  const { enc } = ciphersOf(keys);
  const plain = data.slice();
  for (let at = 0; at < plain.length; at += BLOCK_BYTES) {
    enc.decryptBlock(plain, at);
    if (at === 0) {
      for (let i = 0; i < BLOCK_BYTES; i++) plain[i]! ^= ~lastMacSent[i]! & 0xff;
    } else {
      for (let i = 0; i < BLOCK_BYTES; i++) plain[at + i]! ^= data[at - BLOCK_BYTES + i]!;
    }
  }
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (end < 0 || plain[end] !== 0x80 || plain.length - end > BLOCK_BYTES) {
    throw new SecureChannelError("bad padding in decrypted data");
  }
  return plain.slice(0, end);
}

/** 8 random bytes (cp_random). */
export function randomChallenge(): Uint8Array {
  return new Uint8Array(randomBytes(8));
}

/** A fresh random SCBK. */
export function randomScbk(): Uint8Array {
  return new Uint8Array(randomBytes(BLOCK_BYTES));
}

/** Constant-time comparison of two byte strings. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * The CP's side of one Secure Channel session: the keys, and the MAC chain
 * (the CP's last command MAC, the PD's last reply MAC).
 */
export class SecureSession {
  readonly keys: SessionKeys;
  /** The last MAC the CP sent (16 bytes). */
  #commandMac: Uint8Array;
  /** The last MAC the PD sent (16 bytes); the initial R-MAC at first. */
  #replyMac: Uint8Array;

  constructor(keys: SessionKeys, rmacI: Uint8Array) {
    this.keys = keys;
    this.#replyMac = rmacI.slice();
    this.#commandMac = rmacI.slice();
  }

  /** MACs a command (IV: the PD's last MAC) and remembers it. */
  macCommand(macInput: Uint8Array): Uint8Array {
    this.#commandMac = computeMac(this.keys, this.#replyMac, macInput);
    return this.#commandMac;
  }

  /** Encrypts command data (IV: NOT of the PD's last MAC). */
  encryptCommand(data: Uint8Array): Uint8Array {
    return encryptData(this.keys, this.#replyMac, data);
  }

  /**
   * Checks a reply's 4 MAC bytes (IV: the CP's last MAC) and, when right,
   * advances the chain.
   *
   * @throws {SecureChannelError} when the MAC is wrong
   */
  verifyReply(macInput: Uint8Array, mac: Uint8Array): void {
    const full = computeMac(this.keys, this.#commandMac, macInput);
    if (!sameBytes(full.subarray(0, mac.length), mac) || mac.length !== 4) {
      throw new SecureChannelError("reply MAC does not match");
    }
    this.#replyMac = full;
  }

  /** Decrypts reply data (IV: NOT of the CP's last MAC). @throws {SecureChannelError} */
  decryptReply(data: Uint8Array): Uint8Array {
    return decryptData(this.keys, this.#commandMac, data);
  }
}
