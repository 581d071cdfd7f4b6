import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { Aes128 } from "./aes128.ts";
import { SCBK_D } from "./codes.ts";
import {
  computeMac,
  decryptData,
  deriveSessionKeys,
  encryptData,
  type SessionKeys,
} from "./secure_channel.ts";

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.replace(/\s+/g, "").match(/../g)!, (b) => parseInt(b, 16));
}

function random(bytes: number): Uint8Array {
  return new Uint8Array(randomBytes(bytes));
}

/** node:crypto as the reference: AES-128 CBC (ECB when `iv` is null), no padding. */
function nodeAes(
  mode: "encrypt" | "decrypt",
  key: Uint8Array,
  iv: Uint8Array | null,
  data: Uint8Array,
): Uint8Array {
  const name = iv === null ? "aes-128-ecb" : "aes-128-cbc";
  const cipher = mode === "encrypt"
    ? createCipheriv(name, key, iv).setAutoPadding(false)
    : createDecipheriv(name, key, iv).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
}

Deno.test("Aes128 matches the FIPS 197 appendix C.1 vector both ways", () => {
  const aes = new Aes128(hex("000102030405060708090a0b0c0d0e0f"));
  const block = hex("00112233445566778899aabbccddeeff");
  aes.encryptBlock(block);
  assert.deepEqual(block, hex("69c4e0d86a7b0430d8cdb78070b4c55a"));
  aes.decryptBlock(block);
  assert.deepEqual(block, hex("00112233445566778899aabbccddeeff"));
});

Deno.test("Aes128 matches node:crypto on 2000 random keys and blocks, at an offset", () => {
  for (let n = 0; n < 2000; n++) {
    const key = random(16);
    const plain = random(16);
    const aes = new Aes128(key);
    const buffer = new Uint8Array(40);
    buffer.set(plain, 7);
    aes.encryptBlock(buffer, 7);
    assert.deepEqual(buffer.subarray(7, 23), nodeAes("encrypt", key, null, plain));
    assert.deepEqual(buffer.subarray(0, 7), new Uint8Array(7)); // nothing outside the block
    assert.deepEqual(buffer.subarray(23), new Uint8Array(17));
    aes.decryptBlock(buffer, 7);
    assert.deepEqual(buffer.subarray(7, 23), plain);
    const cipherText = random(16);
    const decrypted = cipherText.slice();
    aes.decryptBlock(decrypted);
    assert.deepEqual(decrypted, nodeAes("decrypt", key, null, cipherText));
  }
});

Deno.test("Aes128 refuses a key that is not 16 bytes", () => {
  assert.throws(() => new Aes128(new Uint8Array(24)), /16 bytes, got 24/);
});

/** The MAC as the reference notes define it, from node:crypto CBC. */
function referenceMac(keys: SessionKeys, iv: Uint8Array, message: Uint8Array): Uint8Array {
  const aligned = message.length > 0 && message.length % 16 === 0;
  const padded = new Uint8Array(
    aligned ? message.length : (Math.floor(message.length / 16) + 1) * 16,
  );
  padded.set(message);
  if (!aligned) padded[message.length] = 0x80;
  const lastAt = padded.length - 16;
  let chain = iv;
  if (lastAt > 0) chain = nodeAes("encrypt", keys.mac1, iv, padded.subarray(0, lastAt)).slice(-16);
  return nodeAes("encrypt", keys.mac2, chain, padded.subarray(lastAt));
}

Deno.test("computeMac(), encryptData() and decryptData() match node:crypto CBC on random input", () => {
  for (let n = 0; n < 300; n++) {
    const keys = deriveSessionKeys(random(16), random(8));
    const iv = random(16);
    const size = n % 70;
    const message = random(size);
    assert.deepEqual(computeMac(keys, iv, message), referenceMac(keys, iv, message));
    const padded = new Uint8Array((Math.floor(size / 16) + 1) * 16);
    padded.set(message);
    padded[size] = 0x80;
    const notIv = iv.map((b) => ~b & 0xff);
    const sealed = encryptData(keys, iv, message);
    assert.deepEqual(sealed, nodeAes("encrypt", keys.enc, notIv, padded));
    assert.deepEqual(decryptData(keys, iv, sealed), message);
  }
});

Deno.test("computeMac() keeps SCBK-D session keys apart (schedules cached per SessionKeys)", () => {
  const a = deriveSessionKeys(SCBK_D, hex("B0B1B2B3B4B5B6B7"));
  const b = deriveSessionKeys(SCBK_D, hex("C0C1C2C3C4C5C6C7"));
  const iv = new Uint8Array(16);
  const message = hex("53 00 0E 00 0D 02 15 60");
  assert.deepEqual(computeMac(a, iv, message), referenceMac(a, iv, message));
  assert.deepEqual(computeMac(b, iv, message), referenceMac(b, iv, message));
  assert.notDeepEqual(computeMac(a, iv, message), computeMac(b, iv, message));
});
