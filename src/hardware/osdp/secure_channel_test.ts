import assert from "node:assert/strict";
import { SCBK_D } from "./codes.ts";
import {
  clientCryptogram,
  computeMac,
  decryptData,
  deriveSessionKeys,
  encryptData,
  initialRmac,
  padData,
  SecureChannelError,
  SecureSession,
  serverCryptogram,
} from "./secure_channel.ts";

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.replace(/\s+/g, "").match(/../g)!, (b) => parseInt(b, 16));
}

const CP_RANDOM = hex("B0 B1 B2 B3 B4 B5 B6 B7");
const PD_RANDOM = hex("A0 A1 A2 A3 A4 A5 A6 A7");

Deno.test("deriveSessionKeys() and the cryptograms match the SIA Annex E vectors", () => {
  assert.deepEqual(SCBK_D, hex("303132333435363738393A3B3C3D3E3F"));
  const keys = deriveSessionKeys(SCBK_D, CP_RANDOM);
  assert.deepEqual(keys.enc, hex("BF8DC2A8329ACB8C67C6D0CD9A451682"));
  assert.deepEqual(keys.mac1, hex("5E86C676603BDEE2D8BEAFE178637332"));
  assert.deepEqual(keys.mac2, hex("6FDA86E857777E81132035758239172E"));
  assert.deepEqual(
    clientCryptogram(keys, CP_RANDOM, PD_RANDOM),
    hex("FDE5D2F428EC16312471EA3C02BD7796"),
  );
  const server = serverCryptogram(keys, CP_RANDOM, PD_RANDOM);
  assert.deepEqual(server, hex("26D3356E07762D262801FC8E6665A891"));
  assert.deepEqual(initialRmac(keys, server), hex("B2A30057EB98BA2229EC1F875662B524"));
});

Deno.test("deriveSessionKeys() refuses a key that is not 16 bytes", () => {
  assert.throws(() => deriveSessionKeys(new Uint8Array(15), CP_RANDOM), /16 bytes/);
});

Deno.test("padData() always pads, a full block when aligned", () => {
  assert.equal(padData(new Uint8Array(3)).length, 16);
  assert.equal(padData(new Uint8Array(3))[3], 0x80);
  const aligned = padData(new Uint8Array(16));
  assert.equal(aligned.length, 32);
  assert.equal(aligned[16], 0x80);
});

Deno.test("computeMac() pads only unaligned messages and chains S-MAC1 into S-MAC2", () => {
  const keys = deriveSessionKeys(SCBK_D, CP_RANDOM);
  const iv = new Uint8Array(16);
  const short = computeMac(keys, iv, hex("53 00 0E 00 0E 02 15 60"));
  const padded = computeMac(keys, iv, padData(hex("53 00 0E 00 0E 02 15 60")));
  assert.deepEqual(short, padded); // one block: padding then S-MAC2 only
  const aligned = new Uint8Array(32).fill(7);
  assert.notDeepEqual(computeMac(keys, iv, aligned), computeMac(keys, iv, padData(aligned)));
  assert.notDeepEqual(
    computeMac(keys, iv, aligned),
    computeMac(keys, new Uint8Array(16).fill(1), aligned),
  );
});

Deno.test("encryptData() and decryptData() round-trip under the inverted MAC IV", () => {
  const keys = deriveSessionKeys(SCBK_D, CP_RANDOM);
  const mac = hex("00112233445566778899AABBCCDDEEFF");
  for (const size of [0, 1, 15, 16, 17, 40]) {
    const data = Uint8Array.from({ length: size }, (_, i) => i * 7);
    const sealed = encryptData(keys, mac, data);
    assert.equal(sealed.length % 16, 0);
    assert.deepEqual(decryptData(keys, mac, sealed), data);
  }
  const sealed = encryptData(keys, mac, hex("01 02"));
  assert.throws(() => decryptData(keys, new Uint8Array(16), sealed), SecureChannelError);
});

Deno.test("SecureSession verifies a reply MAC chained on the command MAC", () => {
  const keys = deriveSessionKeys(SCBK_D, CP_RANDOM);
  const rmacI = initialRmac(keys, serverCryptogram(keys, CP_RANDOM, PD_RANDOM));
  const session = new SecureSession(keys, rmacI);
  const command = hex("53 00 0E 00 0D 02 15 60");
  const commandMac = session.macCommand(command);
  assert.deepEqual(commandMac, computeMac(keys, rmacI, command));
  const reply = hex("53 80 0E 00 0D 02 16 40");
  const replyMac = computeMac(keys, commandMac, reply);
  session.verifyReply(reply, replyMac.subarray(0, 4));
  // The next command chains on that reply's MAC.
  assert.deepEqual(session.macCommand(command), computeMac(keys, replyMac, command));
  assert.throws(() => session.verifyReply(reply, hex("00 00 00 00")), SecureChannelError);
});
