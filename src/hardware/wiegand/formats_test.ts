import assert from "node:assert/strict";
import {
  cardIdHex,
  CORPORATE_1000_35,
  CORPORATE_1000_48,
  decodeFrame,
  defineFormat,
  encodeCard,
  findFormat,
  FORMAT_CATALOGUE,
  formatBitString,
  FormatError,
  H10301,
  H10302,
  H10304,
  parseBitString,
  RAW,
  rawFormat,
  WIEGAND_34,
  type WiegandFormatDefinition,
} from "./formats.ts";

function parityBit(value: bigint, even: boolean): bigint {
  let ones = 0n;
  for (let v = value; v > 0n; v >>= 1n) ones += v & 1n;
  return even ? ones & 1n : (ones & 1n) ^ 1n;
}

/** Corporate 1000 35-bit computed the way HID documents it, from LSB masks over the value. */
function corporate35Reference(company: bigint, card: bigint): bigint {
  let v = (company << 21n) | (card << 1n);
  v |= parityBit(v & ((1n << 32n) | 0xB6DB6DB6n), true) << 33n;
  v |= parityBit(v & ((3n << 32n) | 0x6DB6DB6Cn), false);
  v |= parityBit(v & ((3n << 32n) | 0xFFFFFFFFn), false) << 34n;
  return v;
}

/** Corporate 1000 48-bit, same approach. */
function corporate48Reference(company: bigint, card: bigint): bigint {
  let v = (company << 24n) | (card << 1n);
  v |= parityBit(v & ((0x1B6Dn << 32n) | 0xB6DB6DB6n), true) << 46n;
  v |= parityBit(v & ((0x36DBn << 32n) | 0x6DB6DB6Cn), false);
  v |= parityBit(v & ((0x7FFFn << 32n) | 0xFFFFFFFFn), false) << 47n;
  return v;
}

Deno.test("encodeCard() encodes H10301 facility 123 card 45678 to the known bits", () => {
  const frame = encodeCard(H10301, 123, 45678);
  assert.equal(formatBitString(frame.bits, frame.nbBits), "10111101110110010011011101");
  assert.equal(cardIdHex(frame.bits, frame.nbBits), "bd:d9:37:40");
});

Deno.test("decodeFrame() decodes Leosac's 80:80:33:80 26-bit vector as facility 1 card 103", () => {
  const { bits, nbBits } = parseBitString("10000000100000000011001110");
  const read = decodeFrame(bits, nbBits, FORMAT_CATALOGUE);
  assert.equal(read.kind, "card");
  if (read.kind !== "card") return;
  assert.equal(read.format, "H10301");
  assert.equal(read.facility, 1);
  assert.equal(read.number, 103n);
  assert.equal(read.cardIdHex, "80:80:33:80");
  assert.equal(read.nbBits, 26);
});

Deno.test("decodeFrame() round-trips every catalogue format", () => {
  const cases = [
    { format: H10301, facility: 123, number: 45678n },
    { format: H10301, facility: 255, number: 65535n },
    { format: H10301, facility: 0, number: 0n },
    { format: WIEGAND_34, facility: 54321, number: 12345n },
    { format: CORPORATE_1000_35, facility: 4000, number: 1_000_001n },
    { format: CORPORATE_1000_35, facility: 1, number: 1n },
    { format: H10304, facility: 65535, number: 524287n },
    { format: H10304, facility: 1234, number: 98765n },
    { format: H10302, facility: null, number: 34_359_738_367n },
    { format: CORPORATE_1000_48, facility: 4_000_000, number: 8_000_000n },
    { format: CORPORATE_1000_48, facility: 3, number: 5n },
  ];
  for (const c of cases) {
    const frame = encodeCard(c.format, c.facility, c.number);
    const read = decodeFrame(frame.bits, frame.nbBits, [c.format]);
    assert.deepEqual(read, {
      kind: "card",
      format: c.format.name,
      facility: c.facility,
      number: c.number,
      cardIdHex: cardIdHex(frame.bits, frame.nbBits),
      nbBits: c.format.length,
      bits: frame.bits,
    }, c.format.name);
  }
});

Deno.test("encodeCard() matches HID's Corporate 1000 parity masks", () => {
  for (const [company, card] of [[4000n, 1_000_001n], [1n, 1n], [0xfffn, 0xfffffn], [0n, 0n]]) {
    assert.equal(
      encodeCard(CORPORATE_1000_35, Number(company), card!).bits,
      corporate35Reference(company!, card!),
    );
  }
  for (const [company, card] of [[4_000_000n, 8_000_000n], [1n, 2n], [0x3fffffn, 0x7fffffn]]) {
    assert.equal(
      encodeCard(CORPORATE_1000_48, Number(company), card!).bits,
      corporate48Reference(company!, card!),
    );
  }
});

Deno.test("decodeFrame() reports a flipped bit as a parity bad_read in every format", () => {
  for (const format of FORMAT_CATALOGUE) {
    const frame = encodeCard(format, format.facility === null ? null : 5, 77n);
    for (let bit = 0; bit < frame.nbBits; bit++) {
      const corrupted = frame.bits ^ (1n << BigInt(bit));
      const read = decodeFrame(corrupted, frame.nbBits, [format]);
      assert.deepEqual(
        read,
        { kind: "bad_read", reason: "parity", nbBits: frame.nbBits },
        `${format.name} bit ${bit}`,
      );
    }
  }
});

Deno.test("decodeFrame() reports unknown lengths, noise and overlong frames", () => {
  assert.deepEqual(decodeFrame(0b10101n, 30, FORMAT_CATALOGUE), {
    kind: "bad_read",
    reason: "length",
    nbBits: 30,
  });
  assert.deepEqual(decodeFrame(0b10n, 2, FORMAT_CATALOGUE), {
    kind: "bad_read",
    reason: "noise",
    nbBits: 2,
  });
  assert.deepEqual(decodeFrame(0n, 129, [RAW]), {
    kind: "bad_read",
    reason: "length",
    nbBits: 129,
  });
});

Deno.test("decodeFrame() falls back to a raw format and tries formats in order", () => {
  const read = decodeFrame(0xABCDEFn, 24, [H10301, RAW]);
  assert.equal(read.kind, "card");
  if (read.kind !== "card") return;
  assert.equal(read.format, "raw");
  assert.equal(read.number, 0xABCDEFn);
  assert.equal(read.facility, null);
  assert.equal(read.cardIdHex, "ab:cd:ef");
  const h10302 = encodeCard(H10302, null, 42n);
  const both = decodeFrame(h10302.bits, 37, [H10304, H10302]);
  assert.equal(both.kind === "card" && both.format, "H10304");
  const bad = decodeFrame(encodeCard(H10301, 1, 2).bits ^ 1n, 26, [H10301, RAW]);
  assert.equal(bad.kind === "card" && bad.format, "raw");
});

Deno.test("cardIdHex() pads the last byte on the right", () => {
  assert.equal(cardIdHex(0b1n, 1), "80");
  assert.equal(cardIdHex(0xffn, 8), "ff");
  assert.equal(cardIdHex(0x1ffn, 9), "ff:80");
  assert.equal(cardIdHex(encodeCard(WIEGAND_34, 1, 1).bits, 34).split(":").length, 5);
});

Deno.test("encodeCard() rejects values that do not fit", () => {
  assert.throws(() => encodeCard(H10301, 256, 1), RangeError);
  assert.throws(() => encodeCard(H10301, 1, 65536), RangeError);
  assert.throws(() => encodeCard(H10301, 1, -1), RangeError);
  assert.throws(() => encodeCard(H10302, 3, 1), /no facility/);
  assert.throws(() => encodeCard(RAW, null, 1), /no fixed length/);
  assert.deepEqual(encodeCard(rawFormat(40), null, 0xffn), { bits: 0xffn, nbBits: 40 });
});

Deno.test("findFormat() finds catalogue and raw formats by name", () => {
  assert.equal(findFormat("h10301"), H10301);
  assert.equal(findFormat("Corporate-1000-48"), CORPORATE_1000_48);
  assert.equal(findFormat("raw"), RAW);
  assert.equal(findFormat("raw-40")?.length, 40);
  assert.equal(findFormat("nope"), undefined);
});

const SITE_32: WiegandFormatDefinition = {
  name: "site-32",
  length: 32,
  facility: { start: 1, length: 8 },
  number: { start: 9, length: 22 },
  parity: [
    { bit: 0, kind: "even", start: 1, length: 15 },
    { bit: 31, kind: "odd", start: 16, length: 15 },
  ],
};

Deno.test("defineFormat() builds a working administrator format", () => {
  const format = defineFormat(SITE_32);
  const frame = encodeCard(format, 200, 4_000_000);
  const read = decodeFrame(frame.bits, 32, [...FORMAT_CATALOGUE, format]);
  assert.equal(read.kind === "card" && read.format, "site-32");
  assert.equal(read.kind === "card" && read.number, 4_000_000n);
  assert.equal(read.kind === "card" && read.facility, 200);
});

Deno.test("defineFormat() rejects invalid definitions with a clear message", () => {
  const bad: [Partial<WiegandFormatDefinition>, RegExp][] = [
    [{ name: "" }, /name must be a non-empty string/],
    [{ length: 0 }, /length must be an integer in 1\.\.128, got 0/],
    [{ length: 129 }, /length must be an integer/],
    [{ number: { start: 9, length: 30 } }, /number ends at bit 38, beyond the last bit 31/],
    [{ facility: { start: 1, length: 10 } }, /facility overlaps number/],
    [{ facility: { start: -1, length: 2 } }, /facility\.start must be an integer >= 0/],
    [
      { parity: [{ bit: 5, kind: "even", start: 1, length: 4 }] },
      /parity\[0\]\.bit 5 lies inside a data field/,
    ],
    [
      { parity: [{ bit: 40, kind: "even", start: 1, length: 4 }] },
      /parity\[0\]\.bit must be a bit position in 0\.\.31, got 40/,
    ],
    [{ parity: [{ bit: 0, kind: "odd", start: 20, length: 20 }] }, /parity\[0\] ends at bit 39/],
    [
      {
        parity: [{ bit: 0, kind: "even", start: 1, length: 31 }, {
          bit: 31,
          kind: "odd",
          start: 1,
          length: 4,
        }],
      },
      /parity\[0\] covers parity bit 31, which is listed after it/,
    ],
    [
      {
        parity: [{ bit: 0, kind: "even", start: 1, length: 4 }, {
          bit: 0,
          kind: "odd",
          start: 5,
          length: 4,
        }],
      },
      /parity\[1\]\.bit 0 is already a parity bit/,
    ],
    [
      { parity: [{ bit: 0, kind: "strange" as "even", start: 1, length: 4 }] },
      /parity\[0\]\.kind must be "even" or "odd", got "strange"/,
    ],
    [{ parity: [{ bit: 0, kind: "odd", positions: [] }] }, /parity\[0\] covers no bits/],
  ];
  for (const [patch, message] of bad) {
    assert.throws(() => defineFormat({ ...SITE_32, ...patch }), (error: unknown) => {
      assert.ok(error instanceof FormatError);
      assert.match(error.message, /^Invalid Wiegand format "/);
      assert.match(error.message, message);
      return true;
    });
  }
});
