import assert from "node:assert/strict";
import { type EdgeEvent, GpioError } from "../types.ts";
import { SimChip } from "./sim_chip.ts";

Deno.test("SimChip reports its identity and named lines", () => {
  const chip = new SimChip({ lines: ["D0", "D1", "STRIKE"], name: "gpiochip7", label: "bench" });
  assert.deepEqual(chip.info(), { name: "gpiochip7", label: "bench", lines: 3 });
  assert.deepEqual(chip.lineInfo(2), {
    offset: 2,
    name: "STRIKE",
    consumer: "",
    used: false,
    direction: "input",
    activeLow: false,
  });
  assert.equal(chip.offsetOf("D1"), 1);
  assert.equal(chip.offsetOf("nope"), undefined);
  assert.throws(
    () => chip.lineInfo(3),
    (e: unknown) => e instanceof GpioError && e.code === "EINVAL",
  );
});

Deno.test("SimChip refuses a second request with EBUSY naming the consumer", () => {
  const chip = new SimChip({ lines: 4, name: "gpiochip0" });
  chip.requestOutput(2, { consumer: "door-relay", initial: false });
  assert.throws(() => chip.requestInput(2, { consumer: "other", edges: "none" }), (e: unknown) => {
    assert.ok(e instanceof GpioError);
    assert.equal(e.errno, 16);
    assert.equal(e.code, "EBUSY");
    assert.equal(e.chip, "gpiochip0");
    assert.equal(e.offset, 2);
    assert.equal(e.message, 'line 2 of chip "gpiochip0" is used by consumer "door-relay"');
    return true;
  });
  chip.holdLine(3, "kernel");
  assert.throws(() => chip.requestOutput(3, { consumer: "x", initial: true }), /consumer "kernel"/);
});

Deno.test("SimChip outputs record writes and honour activeLow", async () => {
  let now = 5n;
  const chip = new SimChip({ lines: 2, clock: () => now });
  const led = chip.requestOutput(0, { consumer: "led", initial: false, activeLow: true });
  assert.equal(chip.level(0), true, "active-low off is a high level");
  now = 9n;
  led.set(true);
  assert.equal(led.get(), true);
  assert.equal(chip.level(0), false);
  assert.deepEqual(chip.recordedWrites, [
    { offset: 0, value: false, level: true, timestampNs: 5n },
    { offset: 0, value: true, level: false, timestampNs: 9n },
  ]);
  assert.deepEqual(chip.lineInfo(0).direction, "output");
  await led.close();
  assert.throws(() => led.set(false), (e: unknown) => e instanceof GpioError && e.code === "EBADF");
  assert.equal(chip.lineInfo(0).used, false);
});

Deno.test("SimChip inputs emit edges on logical changes with timestamps and seqnos", async () => {
  const chip = new SimChip({ lines: 2 });
  const line = chip.requestInput(1, { consumer: "contact", edges: "both", bias: "pull-up" });
  assert.equal(line.get(), true);
  const events: EdgeEvent[] = [];
  const off = line.onEdge((e) => events.push(e));
  chip.drive(1, false, 100n);
  chip.drive(1, false, 150n); // no change, no edge
  chip.drive(1, true, 200n);
  off();
  chip.drive(1, false, 300n);
  assert.deepEqual(events, [
    { offset: 1, rising: false, timestampNs: 100n, seqno: 1 },
    { offset: 1, rising: true, timestampNs: 200n, seqno: 2 },
  ]);
  await line.close();
  const inverted = chip.requestInput(1, { consumer: "x", edges: "rising", activeLow: true });
  const seen: EdgeEvent[] = [];
  inverted.onEdge((e) => seen.push(e));
  assert.equal(inverted.get(), true, "low level reads as active");
  chip.drive(1, true, 400n); // logical falling: filtered
  chip.drive(1, false, 500n); // logical rising
  assert.deepEqual(seen, [{ offset: 1, rising: true, timestampNs: 500n, seqno: 1 }]);
});

Deno.test("SimChip release() returns a line to its bias and close() frees everything", async () => {
  const chip = new SimChip({ lines: 3 });
  const a = chip.requestInput(0, { consumer: "a", edges: "both", bias: "pull-up" });
  chip.requestOutput(1, { consumer: "b", initial: true });
  chip.drive(0, false);
  assert.equal(a.get(), false);
  chip.release(0);
  assert.equal(a.get(), true);
  await chip.close();
  await chip.close();
  assert.throws(() => chip.lineInfo(1), /is closed/);
  assert.throws(() => a.get(), GpioError);
  assert.throws(() => chip.requestOutput(2, { consumer: "c", initial: false }), /is closed/);
});
