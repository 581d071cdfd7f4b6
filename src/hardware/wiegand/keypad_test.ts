import assert from "node:assert/strict";
import {
  decodeBufferedPin,
  decodeKey4,
  decodeKey8,
  encodeBufferedPin,
  encodeKey4,
  encodeKey8,
  type KeypadKey,
  PinAccumulator,
} from "./keypad.ts";
import { encodeCard, H10301 } from "./formats.ts";

const ALL_KEYS: KeypadKey[] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"];
const MS = 1_000_000n;

Deno.test("decodeKey4() reads the value MSB-first with 10 = * and 11 = #", () => {
  assert.equal(decodeKey4(0b0000n), "0");
  assert.equal(decodeKey4(0b0111n), "7");
  assert.equal(decodeKey4(0b1010n), "*");
  assert.equal(decodeKey4(0b1011n), "#");
  assert.equal(decodeKey4(0b1100n), null);
  assert.equal(decodeKey4(0b1111n), null);
  for (const key of ALL_KEYS) assert.equal(decodeKey4(encodeKey4(key).bits), key);
});

Deno.test("decodeKey8() checks the complemented upper nibble", () => {
  assert.equal(decodeKey8(0b1111_0000n), "0");
  assert.equal(decodeKey8(0b1000_0111n), "7");
  assert.equal(decodeKey8(0b0100_1011n), "#");
  assert.equal(decodeKey8(0b0000_0111n), null, "upper nibble not complemented");
  assert.equal(decodeKey8(0b0011_1100n), null, "value 12 is not a key");
  for (const key of ALL_KEYS) {
    const frame = encodeKey8(key);
    assert.equal(frame.nbBits, 8);
    assert.equal(decodeKey8(frame.bits), key);
    for (let bit = 0; bit < 8; bit++) {
      assert.equal(decodeKey8(frame.bits ^ (1n << BigInt(bit))), null, `${key} bit ${bit}`);
    }
  }
});

Deno.test("decodeBufferedPin() reads the PIN from a 26-bit frame", () => {
  assert.equal(decodeBufferedPin(encodeBufferedPin("1234").bits, 26), "1234");
  assert.equal(decodeBufferedPin(encodeBufferedPin("65534").bits, 26), "65534");
  assert.equal(decodeBufferedPin(encodeBufferedPin("0042").bits, 26), "42");
  assert.equal(decodeBufferedPin(encodeCard(H10301, 0, 65535).bits, 26), null, "65535 reserved");
  assert.equal(decodeBufferedPin(encodeBufferedPin("1234").bits ^ 2n, 26), null, "parity");
  assert.equal(decodeBufferedPin(encodeBufferedPin("1234").bits, 25), null, "length");
  assert.throws(() => encodeBufferedPin("65535"), RangeError);
  assert.throws(() => encodeBufferedPin("12a"), RangeError);
});

Deno.test("PinAccumulator submits on # and never includes it", () => {
  const acc = new PinAccumulator();
  assert.deepEqual(acc.pushKey("1", 0n), []);
  assert.deepEqual(acc.pushKey("2", 100n * MS), []);
  assert.equal(acc.length, 2);
  assert.deepEqual(acc.pushKey("#", 200n * MS), [{ kind: "pin", pin: "12", endedBy: "key" }]);
  assert.equal(acc.length, 0);
  assert.equal(acc.nextDeadlineNs(), null);
  assert.deepEqual(acc.pushKey("#", 300n * MS), [], "an empty PIN is not submitted");
});

Deno.test("PinAccumulator clears on *", () => {
  const acc = new PinAccumulator();
  acc.pushKey("9", 0n);
  acc.pushKey("9", 0n);
  assert.deepEqual(acc.pushKey("*", 10n * MS), [{ kind: "cleared" }]);
  acc.pushKey("4", 20n * MS);
  assert.deepEqual(acc.pushKey("#", 30n * MS), [{ kind: "pin", pin: "4", endedBy: "key" }]);
});

Deno.test("PinAccumulator ends the entry after the timeout", () => {
  const acc = new PinAccumulator({ timeoutMs: 2000 });
  acc.pushKey("5", 1000n * MS);
  acc.pushKey("6", 2000n * MS);
  assert.equal(acc.nextDeadlineNs(), 4000n * MS);
  assert.equal(acc.expire(3999n * MS), null);
  assert.deepEqual(acc.expire(4000n * MS), { kind: "pin", pin: "56", endedBy: "timeout" });
  assert.equal(acc.expire(9000n * MS), null);
});

Deno.test("PinAccumulator handles a key arriving after a missed deadline", () => {
  const acc = new PinAccumulator({ timeoutMs: 1000, onTimeout: "discard" });
  acc.pushKey("1", 0n);
  assert.deepEqual(acc.pushKey("2", 5000n * MS), [{ kind: "discarded", reason: "timeout" }]);
  assert.deepEqual(acc.pushKey("#", 5100n * MS), [{ kind: "pin", pin: "2", endedBy: "key" }]);
});

Deno.test("PinAccumulator discards an overlong entry", () => {
  const acc = new PinAccumulator({ maxLength: 3 });
  acc.pushKey("1", 0n);
  acc.pushKey("2", 0n);
  acc.pushKey("3", 0n);
  assert.deepEqual(acc.pushKey("4", 0n), [{ kind: "discarded", reason: "too_long" }]);
  assert.equal(acc.length, 0);
  assert.throws(() => new PinAccumulator({ timeoutMs: 0 }), RangeError);
});
