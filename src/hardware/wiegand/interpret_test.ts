import assert from "node:assert/strict";
import type { WiegandFrame } from "./assembler.ts";
import { type BitsFrame, encodeCard, FORMAT_CATALOGUE, H10301, WIEGAND_34 } from "./formats.ts";
import { interpretFrame } from "./interpret.ts";
import { encodeBufferedPin, encodeKey4, encodeKey8 } from "./keypad.ts";

function frame(bits: BitsFrame, fault: WiegandFrame["fault"] = null): WiegandFrame {
  return { ...bits, startNs: 0n, endNs: 0n, fault };
}

const formats = FORMAT_CATALOGUE;

Deno.test("interpretFrame() reads keys in 4-bit, 8-bit and auto modes", () => {
  assert.deepEqual(interpretFrame(frame(encodeKey4("7")), { formats, keypad: "4bit" }), {
    kind: "key",
    key: "7",
    nbBits: 4,
  });
  assert.deepEqual(interpretFrame(frame(encodeKey8("#")), { formats, keypad: "8bit" }), {
    kind: "key",
    key: "#",
    nbBits: 8,
  });
  assert.equal(interpretFrame(frame(encodeKey4("*")), { formats, keypad: "auto" }).kind, "key");
  assert.equal(interpretFrame(frame(encodeKey8("0")), { formats, keypad: "auto" }).kind, "key");
  assert.deepEqual(
    interpretFrame(frame({ bits: 0b0000_0111n, nbBits: 8 }), { formats, keypad: "8bit" }),
    { kind: "bad_read", reason: "parity", nbBits: 8 },
  );
  assert.deepEqual(
    interpretFrame(frame({ bits: 0b1110n, nbBits: 4 }), { formats, keypad: "4bit" }),
    { kind: "bad_read", reason: "parity", nbBits: 4 },
  );
});

Deno.test("interpretFrame() reads cards in every mode and keys only when asked", () => {
  const card = frame(encodeCard(WIEGAND_34, 7, 9));
  for (const keypad of ["none", "4bit", "8bit", "buffered", "auto"] as const) {
    const read = interpretFrame(card, { formats, keypad });
    assert.equal(read.kind === "card" && read.number, 9n, keypad);
  }
  assert.deepEqual(interpretFrame(frame(encodeKey4("1")), { formats }), {
    kind: "bad_read",
    reason: "length",
    nbBits: 4,
  });
});

Deno.test("interpretFrame() reads buffered PINs instead of 26-bit cards", () => {
  assert.deepEqual(
    interpretFrame(frame(encodeBufferedPin("4321")), { formats, keypad: "buffered" }),
    {
      kind: "pin",
      pin: "4321",
      nbBits: 26,
    },
  );
  const card = frame(encodeCard(H10301, 1, 4321));
  assert.equal(interpretFrame(card, { formats, keypad: "auto" }).kind, "card");
});

Deno.test("interpretFrame() turns assembler faults into bad reads", () => {
  const bits = encodeCard(H10301, 1, 2);
  assert.deepEqual(interpretFrame(frame(bits, "noise"), { formats }), {
    kind: "bad_read",
    reason: "noise",
    nbBits: 26,
  });
  assert.deepEqual(interpretFrame(frame(bits, "length"), { formats }), {
    kind: "bad_read",
    reason: "length",
    nbBits: 26,
  });
});
