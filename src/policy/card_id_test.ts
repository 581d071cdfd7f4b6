// The codec lives in src/shared/ (the browser loads it too); its tests live here, outside the
// folder the web UI links to, so the UI's DOM-only type check never sees Deno.test.
import assert from "node:assert/strict";
import {
  bitsFromCardId,
  cardIdFromBits,
  cardIdFromFields,
  cardIdProblem,
  compileLayout,
  encodeFields,
  fieldsOf,
  H10301_LAYOUT,
  normalizeCardId,
  normalizeTypedCardId,
  parityHolds,
} from "../shared/card_id.js";

Deno.test("normalizeCardId() takes colon pairs or bare pairs only; normalizeTypedCardId() also blanks, '.', '-'", () => {
  assert.equal(normalizeCardId(" AA:0b "), "aa:0b");
  assert.equal(normalizeCardId("AA0B"), "aa:0b");
  for (const bad of ["", "a", "aa:b", "aa bb", "aa-bb", "zz", "aa::bb"]) {
    assert.equal(normalizeCardId(bad), null, bad);
  }
  assert.equal(normalizeTypedCardId("AA bb-CC.dd"), "aa:bb:cc:dd");
  assert.equal(normalizeTypedCardId("aa:bb:c"), null);
  assert.equal(normalizeTypedCardId(""), null);
});

Deno.test("cardIdFromBits() and bitsFromCardId() invert each other for every length 1..40", () => {
  for (let nbBits = 1; nbBits <= 40; nbBits++) {
    const all = (1n << BigInt(nbBits)) - 1n;
    for (const value of [0n, 1n, all, all >> 1n, 0x5a5a5a5a5an & all]) {
      const text = cardIdFromBits(value, nbBits);
      assert.equal(text.split(":").length, Math.ceil(nbBits / 8), `${nbBits} bits`);
      assert.equal(bitsFromCardId(text, nbBits), value, `${text} (${nbBits} bits)`);
    }
  }
  assert.equal(cardIdFromBits(0b101n, 3), "a0");
});

Deno.test("cardIdFromBits() throws where a value does not fit instead of truncating", () => {
  assert.throws(() => cardIdFromBits(0x100n, 8), RangeError);
  assert.throws(() => cardIdFromBits(-1n, 8), RangeError);
  assert.throws(() => cardIdFromBits(1n, 0), RangeError);
  assert.throws(() => cardIdFromBits(1n, 2.5), RangeError);
  assert.throws(() => bitsFromCardId("a1", 3), /non-zero padding/);
});

Deno.test("H10301: Leosac's vector (facility 1, number 103) both ways, parity checked", () => {
  assert.equal(cardIdFromFields(H10301_LAYOUT, 1, 103), "80:80:33:80");
  const bits = bitsFromCardId("80:80:33:80", 26);
  assert.equal(parityHolds(H10301_LAYOUT, bits, 26), true);
  assert.deepEqual(fieldsOf(H10301_LAYOUT, bits, 26), { facility: 1, number: 103n });
  assert.equal(parityHolds(H10301_LAYOUT, bits ^ 1n, 26), false, "last bit flipped");
  assert.equal(parityHolds(H10301_LAYOUT, bits ^ (1n << 25n), 26), false, "first bit flipped");
});

Deno.test("encodeFields() rejects what does not fit with the messages hardware.simulate returns", () => {
  assert.throws(() => encodeFields(H10301_LAYOUT, 256, 1), {
    message: 'Format "H10301": facility 256 does not fit in 8 bits',
  });
  assert.throws(() => encodeFields(H10301_LAYOUT, 1, 65536), {
    message: 'Format "H10301": number 65536 does not fit in 16 bits',
  });
  assert.throws(() => encodeFields(H10301_LAYOUT, 1, 1.5), RangeError);
  const noFacility = compileLayout({
    name: "n8",
    length: 8,
    number: { start: 0, length: 8 },
    parity: [],
  });
  assert.throws(() => encodeFields(noFacility, 3, 1), /has no facility code, got 3/);
  assert.deepEqual(encodeFields(noFacility, null, 0xa5), { bits: 0xa5n, nbBits: 8 });
});

Deno.test("a parity bit listed later may cover an earlier one (encoded in list order)", () => {
  const layout = compileLayout({
    name: "chained",
    length: 6,
    number: { start: 1, length: 3 },
    parity: [
      { bit: 4, kind: "even", start: 1, length: 3 },
      { bit: 5, kind: "odd", positions: [1, 2, 3, 4] },
      { bit: 0, kind: "even", start: 1, length: 5 },
    ],
  });
  for (let n = 0; n < 8; n++) {
    const frame = encodeFields(layout, null, n);
    assert.equal(parityHolds(layout, frame.bits, 6), true, `number ${n}`);
    assert.equal(fieldsOf(layout, frame.bits, 6).number, BigInt(n));
  }
});

Deno.test("cardIdProblem(): exactly ceil(bits/8) bytes with the padding bits zero, agreeing with bitsFromCardId()", () => {
  const cases: [string, number, string | null][] = [
    ["80:80:33:80", 26, null],
    ["ff:ff:ff:c0", 26, null],
    ["FF:FF:FF:C0", 26, null],
    ["ff:ff:ff:ff", 26, "A 26-bit card id has 4 bytes (aa:bb:cc:dd) with the last 6 bits zero."],
    ["ff:ff:ff:e0", 26, "A 26-bit card id has 4 bytes (aa:bb:cc:dd) with the last 6 bits zero."],
    ["a1:b2", 32, "A 32-bit card id has 4 bytes (aa:bb:cc:dd), not 2."],
    ["01:02:03:04:05", 8, "An 8-bit card id has 1 byte (aa), not 5."],
    ["ff:80", 9, null],
    ["fe", 7, null],
    ["ff:c0", 9, "A 9-bit card id has 2 bytes (aa:bb) with the last 7 bits zero."],
    ["ff", 7, "A 7-bit card id has 1 byte (aa) with the last bit zero."],
    ["01:02:03:04:05:06:07:08", 64, null],
    ["01:02:03:04:05:06:07", 64, "A 64-bit card id has 8 bytes (aa:bb:cc:…), not 7."],
    ["a:bb", 8, "Card id must have aa:bb:cc:11 format."],
  ];
  for (const [cardId, nbBits, problem] of cases) {
    assert.equal(cardIdProblem(cardId, nbBits), problem, `${cardId}/${nbBits}`);
    if (normalizeCardId(cardId) === null) continue;
    const decodes = (() => {
      try {
        bitsFromCardId(cardId, nbBits);
        return true;
      } catch {
        return false;
      }
    })();
    assert.equal(decodes, problem === null, `bitsFromCardId agrees for ${cardId}/${nbBits}`);
  }
  for (let nbBits = 1; nbBits <= 40; nbBits++) {
    const all = (1n << BigInt(nbBits)) - 1n;
    assert.equal(cardIdProblem(cardIdFromBits(all, nbBits), nbBits), null, String(nbBits));
  }
});
