import assert from "node:assert/strict";
import {
  blinkSteps,
  DENIED_FEEDBACK,
  GRANTED_FEEDBACK,
  Indicator,
  signalAccess,
} from "./indicator.ts";
import { FakeClock } from "../clock.ts";
import { SimChip } from "./sim/sim_chip.ts";

function setup(initial = false) {
  let nowNs = 0n;
  const timers = new FakeClock();
  const chip = new SimChip({ lines: 3, clock: () => nowNs });
  const make = (offset: number) =>
    new Indicator(chip.requestOutput(offset, { consumer: `out${offset}`, initial }), {
      scheduler: timers,
    });
  /** Advances both clocks; returns the recorded levels of `offset` as [ms, level]. */
  const advance = (ms: number) => {
    for (let i = 0; i < ms; i++) {
      nowNs += 1_000_000n;
      timers.advance(1);
    }
  };
  const trace = (offset: number) =>
    chip.recordedWrites.filter((w) => w.offset === offset).map((
      w,
    ) => [Number(w.timestampNs / 1_000_000n), w.level]);
  return { chip, timers, make, advance, trace };
}

Deno.test("Indicator on/off/toggle set the steady state", () => {
  const { chip, make } = setup();
  const led = make(0);
  assert.equal(led.state, "off");
  led.on();
  assert.equal(chip.level(0), true);
  assert.equal(led.state, "on");
  led.toggle();
  assert.equal(chip.level(0), false);
  led.off();
  assert.equal(chip.recordedWrites.length, 3, "no duplicate writes");
});

Deno.test("Indicator.pulse() opens for the given time then returns to the steady state", () => {
  const { chip, make, advance, trace } = setup();
  const strike = make(0);
  strike.pulse(3000);
  assert.equal(strike.state, "effect");
  advance(2999);
  assert.equal(chip.level(0), true);
  advance(1);
  assert.equal(chip.level(0), false);
  assert.equal(strike.state, "off");
  assert.deepEqual(trace(0), [[0, false], [0, true], [3000, false]]);
});

Deno.test("Indicator.blink() toggles every half period for the duration", () => {
  const { make, advance, trace, timers } = setup();
  const led = make(1);
  led.on();
  led.blink(1000, 400);
  advance(1200);
  assert.deepEqual(
    trace(1),
    [
      [0, false],
      [0, true],
      [200, false],
      [400, true],
      [600, false],
      [800, true],
      [1000, true],
    ].filter((_, i, all) => i === 0 || all[i - 1]![1] !== all[i]![1]),
  );
  assert.equal(led.state, "on");
  assert.equal(timers.pending, 0);
  led.blink(Infinity, 100);
  advance(10_000);
  assert.equal(led.state, "effect");
  led.stop();
  assert.equal(led.isOn, true);
  assert.equal(timers.pending, 0);
  assert.throws(() => led.blink(100, 1), RangeError);
});

Deno.test("Indicator: a new effect or on/off cancels the running one", () => {
  const { chip, make, advance, timers } = setup();
  const buzzer = make(2);
  buzzer.pulse(500);
  buzzer.off();
  assert.equal(timers.pending, 0);
  assert.equal(chip.level(2), false);
  buzzer.pulse(500);
  advance(100);
  buzzer.pulse(50);
  advance(60);
  assert.equal(chip.level(2), false);
  buzzer.on();
  buzzer.dispose();
  assert.equal(chip.level(2), false);
});

Deno.test("signalAccess() plays the granted and denied patterns", () => {
  const { chip, make, advance } = setup();
  const outputs = { led: make(0), buzzer: make(1) };
  signalAccess(true, outputs);
  assert.equal(chip.level(0), true);
  assert.equal(chip.level(1), true);
  advance(100);
  assert.equal(chip.level(1), false, "short beep");
  advance(1400);
  assert.equal(chip.level(0), false, "LED on 1.5 s");
  signalAccess(false, outputs);
  advance(500);
  assert.equal(chip.level(1), false, "buzzer 500 ms");
  advance(700);
  assert.equal(outputs.led.state, "off");
  assert.equal(GRANTED_FEEDBACK.led[0]?.ms, 1500);
  assert.equal(DENIED_FEEDBACK.led.length, 12);
  assert.deepEqual([...blinkSteps(400, 200)].map((s) => s.on), [true, false, true, false]);
});
