/**
 * The bus loop's timing on a {@linkcode FakeClock}, against the in-process
 * simulated reader (instant replies): no real waiting stands in for time.
 */
import assert from "node:assert/strict";
import { type Clock, FakeClock } from "../../clock.ts";
import { SimOsdpBus, SimOsdpPd } from "../sim/osdp_sim.ts";
import { ControlPanel } from "./control_panel.ts";
import type { OsdpEvent } from "./pd_link.ts";

/** A clock whose timers fire `lateMs` after they are due, as a busy event loop's do. */
function lateClock(clock: FakeClock, lateMs: number): Clock {
  return {
    now: () => clock.now(),
    monotonic: () => clock.monotonic(),
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms + lateMs),
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
}

/** Moves fake time on by `ms` in 5 ms steps, letting the loop run after each. */
async function run(clock: FakeClock, ms: number): Promise<void> {
  for (let at = 0; at < ms; at += 5) {
    clock.advance(5);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

Deno.test("ControlPanel starts cycles on a fixed grid: late timers do not slow polling", async () => {
  const clock = new FakeClock(0);
  const pd = new SimOsdpPd({ address: 1, scbk: null });
  const events: OsdpEvent[] = [];
  const cp = new ControlPanel({
    link: new SimOsdpBus("sim:grid", [pd]),
    pds: [{ address: 1 }],
    pollIntervalMs: 50,
    clock: lateClock(clock, 7),
    onEvent: (e) => events.push(e),
  });
  cp.start();
  try {
    await run(clock, 300);
    assert.ok(events.some((e) => e.type === "online"));
    const before = cp.counters.sent;
    await run(clock, 1000);
    // One command per 50 ms slot; a loop that counted each pause from the late
    // start of its cycle would manage about 1000 / (50 + 7 + 5) = 16.
    assert.ok(Math.abs(cp.counters.sent - before - 20) <= 1, `${cp.counters.sent - before} sent`);
  } finally {
    await cp.close();
  }
});

Deno.test("ControlPanel sends a command queued during the pause at once, then keeps its grid", async () => {
  const clock = new FakeClock(0);
  const pd = new SimOsdpPd({ address: 2, scbk: null });
  const events: OsdpEvent[] = [];
  const cp = new ControlPanel({
    link: new SimOsdpBus("sim:pause", [pd]),
    pds: [{ address: 2 }],
    pollIntervalMs: 50,
    clock,
    onEvent: (e) => events.push(e),
  });
  cp.start();
  try {
    await run(clock, 300);
    assert.ok(events.some((e) => e.type === "online"));
    const before = cp.counters.sent;
    await run(clock, 10); // inside a pause
    cp.signal(2, "granted");
    await new Promise((resolve) => setTimeout(resolve, 0)); // no fake time passes
    assert.deepEqual(pd.leds, ["green"]);
    assert.equal(cp.counters.sent - before, 2); // the LED and the buzzer, no extra cycle
    await run(clock, 1000);
    assert.ok(Math.abs(cp.counters.sent - before - 22) <= 1, `${cp.counters.sent - before} sent`);
  } finally {
    await cp.close();
  }
});
