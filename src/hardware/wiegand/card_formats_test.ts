import assert from "node:assert/strict";
import { cardIdHex, decodeFrame, encodeCard, FORMAT_CATALOGUE } from "./formats.ts";
import { describeCard } from "../../shared/card_formats.js";

Deno.test("describeCard() reads every catalogue format as the reader's decoder does", () => {
  for (const format of FORMAT_CATALOGUE) {
    const facility = format.facility === null ? null : 12;
    const frame = encodeCard(format, facility, 3456n);
    const read = decodeFrame(frame.bits, frame.nbBits, FORMAT_CATALOGUE);
    assert.ok(read.kind === "card");
    const described = describeCard(cardIdHex(frame.bits, frame.nbBits), frame.nbBits);
    assert.equal(described.format, read.format, format.name);
    assert.equal(described.facility, read.facility);
    assert.equal(described.number, String(read.number));
  }
  assert.equal(describeCard("06:06:c0:40", 26).text, "H10301 12/3456");
});

Deno.test("describeCard() shows a card no format matches raw, with its bit count", () => {
  assert.equal(describeCard("ff:ff:ff:c0", 26).text, "26-bit card ff:ff:ff:c0"); // parity fails
  assert.equal(describeCard("aa:bb", 16).format, null);
  assert.equal(describeCard("not hex", 26).text, "26-bit card not hex");
});
