import assert from "node:assert/strict";
import {
  bitString,
  boolean,
  encodeLength,
  explicit,
  integer,
  namedBits,
  oid,
  sequence,
  time,
  utf8String,
} from "./der.ts";

const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");

Deno.test("encodeLength() uses the short form below 128 and the minimal long form above", () => {
  assert.equal(hex(encodeLength(0)), "00");
  assert.equal(hex(encodeLength(127)), "7f");
  assert.equal(hex(encodeLength(128)), "81 80");
  assert.equal(hex(encodeLength(255)), "81 ff");
  assert.equal(hex(encodeLength(256)), "82 01 00");
  assert.equal(hex(encodeLength(70_000)), "83 01 11 70");
  assert.throws(() => encodeLength(-1), RangeError);
});

Deno.test("integer() is minimal two's complement: a zero byte before a high bit, none otherwise", () => {
  assert.equal(hex(integer(0)), "02 01 00");
  assert.equal(hex(integer(2)), "02 01 02");
  assert.equal(hex(integer(127)), "02 01 7f");
  assert.equal(hex(integer(128)), "02 02 00 80");
  assert.equal(hex(integer(65_537)), "02 03 01 00 01");
  assert.equal(hex(integer(Uint8Array.of(0, 0, 0x7f))), "02 01 7f");
  assert.equal(hex(integer(Uint8Array.of(0xff, 1))), "02 03 00 ff 01");
  assert.throws(() => integer(-1), RangeError);
});

Deno.test("oid() encodes the first two arcs together and large arcs in base 128", () => {
  // ecdsa-with-SHA256 and prime256v1, as in RFC 5758 and every P-256 certificate.
  assert.equal(hex(oid("1.2.840.10045.4.3.2")), "06 08 2a 86 48 ce 3d 04 03 02");
  assert.equal(hex(oid("1.2.840.10045.3.1.7")), "06 08 2a 86 48 ce 3d 03 01 07");
  assert.equal(hex(oid("2.5.29.17")), "06 03 55 1d 11");
  assert.throws(() => oid("1.2.x"), RangeError);
});

Deno.test("time() is UTCTime until 2049 and GeneralizedTime from 2050 (RFC 5280)", () => {
  const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes.subarray(2));
  const utc = time(new Date("2026-03-04T05:06:07.890Z"));
  assert.equal(utc[0], 0x17);
  assert.equal(text(utc), "260304050607Z");
  const generalized = time(new Date("2050-01-01T00:00:00Z"));
  assert.equal(generalized[0], 0x18);
  assert.equal(text(generalized), "20500101000000Z");
  assert.throws(() => time(new Date("nope")), RangeError);
});

Deno.test("namedBits() drops trailing zero bits; bitString() has no unused bits", () => {
  assert.equal(hex(namedBits([0])), "03 02 07 80"); // digitalSignature
  assert.equal(hex(namedBits([0, 5])), "03 02 02 84"); // digitalSignature, keyCertSign
  assert.equal(hex(namedBits([8])), "03 03 07 00 80");
  assert.equal(hex(bitString(Uint8Array.of(1, 2))), "03 03 00 01 02");
});

Deno.test("sequence(), explicit(), boolean() and utf8String() nest tag-length-values", () => {
  assert.equal(hex(sequence([])), "30 00");
  assert.equal(hex(explicit(0, integer(2))), "a0 03 02 01 02");
  assert.equal(hex(boolean(true)), "01 01 ff");
  assert.equal(hex(utf8String("é")), "0c 02 c3 a9");
  const long = sequence([utf8String("x".repeat(200))]);
  assert.equal(hex(long.subarray(0, 6)), "30 81 cb 0c 81 c8");
  assert.equal(long.length, 3 + 3 + 200);
});
