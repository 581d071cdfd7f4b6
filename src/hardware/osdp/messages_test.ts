import assert from "node:assert/strict";
import { encodeText, signalText, TEXT_MODE, textDisplay } from "./messages.ts";

Deno.test("encodeText() lays out reader, mode, time, row, column, length and the characters", () => {
  assert.deepEqual(
    encodeText({
      reader: 1,
      mode: TEXT_MODE.TEMPORARY,
      tempSeconds: 3,
      row: 2,
      column: 5,
      text: "Hi!",
    }),
    Uint8Array.of(0x01, 0x03, 0x03, 0x02, 0x05, 0x03, 0x48, 0x69, 0x21),
  );
  assert.deepEqual(
    encodeText({ mode: TEXT_MODE.PERMANENT, tempSeconds: 0, row: 1, column: 1, text: "" }),
    Uint8Array.of(0, 1, 0, 1, 1, 0),
  );
});

Deno.test("encodeText() refuses what a reader's display cannot take", () => {
  const base = { mode: TEXT_MODE.TEMPORARY, tempSeconds: 3, row: 1, column: 1 };
  assert.throws(
    () => encodeText({ ...base, text: "Zugang gewährt" }),
    /"ä" is not printable ASCII/,
  );
  assert.throws(() => encodeText({ ...base, text: "a\nb" }), /not printable ASCII/);
  assert.throws(() => encodeText({ ...base, text: "x".repeat(256) }), /at most 255/);
  assert.throws(() => encodeText({ ...base, tempSeconds: 300, text: "x" }), /0-255/);
});

Deno.test("textDisplay() reads PDCAP function 6 (1, 2 or 4 rows of 16) and nothing else", () => {
  const led = { function: 4, compliance: 1, count: 1 };
  assert.equal(textDisplay([]), null);
  assert.equal(textDisplay([led, { function: 10, compliance: 0x80, count: 0 }]), null);
  assert.equal(textDisplay([{ function: 6, compliance: 0, count: 0 }]), null);
  assert.deepEqual(textDisplay([led, { function: 6, compliance: 1, count: 1 }]), {
    rows: 1,
    columns: 16,
  });
  assert.deepEqual(textDisplay([{ function: 6, compliance: 2, count: 1 }]), {
    rows: 2,
    columns: 16,
  });
  assert.deepEqual(textDisplay([{ function: 6, compliance: 3, count: 1 }]), {
    rows: 4,
    columns: 16,
  });
  assert.deepEqual(textDisplay([{ function: 6, compliance: 4, count: 1 }]), {
    rows: 1,
    columns: 16,
  });
});

Deno.test("signalText() gives a temporary text on row 1 cut to the display, or none", () => {
  const wide = { rows: 2, columns: 16 };
  assert.deepEqual(signalText("granted", wide), {
    mode: TEXT_MODE.TEMPORARY,
    tempSeconds: 3,
    row: 1,
    column: 1,
    text: "Access granted",
  });
  assert.equal(signalText("denied", wide)?.text, "Access denied");
  assert.equal(signalText("waiting_pin", wide)?.text, "Enter PIN");
  assert.equal(signalText("denied", { rows: 1, columns: 8 })?.text, "Access d");
  assert.equal(signalText("granted", null), null);
  assert.equal(signalText("idle", wide), null);
});
