import assert from "node:assert/strict";
import {
  createDoorState,
  type DoorConfig,
  type DoorInput,
  type DoorState,
  type DoorStep,
  safeStrikeOf,
  stepDoor,
} from "./door_machine.ts";

const CONFIG: DoorConfig = { unlockMs: 5_000, heldOpenMs: 30_000, rexUnlockMs: 8_000 };

/** Runs inputs in order and returns every step. */
function run(
  inputs: [number, DoorInput][],
  state: DoorState = createDoorState(CONFIG),
): DoorStep[] {
  const steps: DoorStep[] = [];
  for (const [atMs, input] of inputs) {
    const step = stepDoor(state, input, atMs);
    steps.push(step);
    state = step.state;
  }
  return steps;
}

function last(steps: DoorStep[]): DoorStep {
  const step = steps.at(-1);
  assert.ok(step !== undefined);
  return step;
}

function eventTypes(step: DoorStep | undefined): string[] {
  return step?.events.map((e) => e.type) ?? [];
}

Deno.test("createDoorState() starts closed and locked, unlocked only in unlocked mode", () => {
  const door = createDoorState(CONFIG);
  assert.equal(door.strike, false);
  assert.equal(door.open, false);
  assert.equal(door.mode, "normal");
  assert.equal(door.config.rexUnlockMs, 8_000);
  assert.equal(createDoorState({ ...CONFIG, mode: "unlocked" }).strike, true);
  assert.equal(createDoorState({ unlockMs: 1, heldOpenMs: 1 }).config.rexUnlockMs, 1);
});

Deno.test("safeStrikeOf() is on only for fail-safe doors", () => {
  assert.equal(safeStrikeOf(CONFIG), false);
  assert.equal(safeStrikeOf({ ...CONFIG, failSafe: true }), true);
  assert.equal(safeStrikeOf(createDoorState({ ...CONFIG, failSafe: true }).config), true);
});

Deno.test("stepDoor() unlocks on a grant and relocks when the unlock time elapses", () => {
  const [grant, early, timeout] = run([
    [1_000, { type: "grant" }],
    [5_999, { type: "timer" }],
    [6_000, { type: "timer" }],
  ]);
  assert.deepEqual(grant?.outputs, [
    { type: "feedback", signal: "granted" },
    { type: "strike", on: true },
  ]);
  assert.deepEqual(grant?.events, [{ type: "UNLOCKED", atMs: 1_000, cause: "grant" }]);
  assert.equal(grant?.nextDeadlineMs, 6_000);
  assert.deepEqual(early?.outputs, []);
  assert.equal(early?.nextDeadlineMs, 6_000);
  assert.deepEqual(timeout?.outputs, [{ type: "strike", on: false }]);
  assert.deepEqual(timeout?.events, [{ type: "RELOCKED", atMs: 6_000 }]);
  assert.equal(timeout?.nextDeadlineMs, null);
});

Deno.test("stepDoor() honours a grant's own unlock time and extends on a second grant", () => {
  const [first, second] = run([
    [0, { type: "grant", unlockMs: 2_000 }],
    [1_000, { type: "grant" }],
  ]);
  assert.equal(first?.nextDeadlineMs, 2_000);
  assert.equal(second?.nextDeadlineMs, 6_000);
  assert.deepEqual(eventTypes(second), []);
});

Deno.test("stepDoor() relocks when the door closes after an authorized opening", () => {
  const [, open, close] = run([
    [0, { type: "grant" }],
    [1_000, { type: "contact", open: true }],
    [2_000, { type: "contact", open: false }],
  ]);
  assert.deepEqual(open?.events, [{ type: "OPENED", atMs: 1_000, authorized: true }]);
  assert.equal(open?.nextDeadlineMs, 5_000);
  assert.deepEqual(eventTypes(close), ["CLOSED", "RELOCKED"]);
  assert.deepEqual(close?.outputs, [{ type: "strike", on: false }]);
  assert.equal(close?.state.strike, false);
  assert.equal(close?.nextDeadlineMs, null);
});

Deno.test("stepDoor() reports a door forced open while locked, until it closes", () => {
  const [open, close] = run([
    [0, { type: "contact", open: true }],
    [4_000, { type: "contact", open: false }],
  ]);
  assert.deepEqual(eventTypes(open), ["OPENED", "FORCED"]);
  assert.equal(open?.state.forced, true);
  assert.equal(open?.nextDeadlineMs, null);
  assert.deepEqual(eventTypes(close), ["CLOSED", "FORCED_END"]);
});

Deno.test("stepDoor() reports a door opened after its unlock time as forced", () => {
  const steps = run([
    [0, { type: "grant" }],
    [5_000, { type: "timer" }],
    [6_000, { type: "contact", open: true }],
  ]);
  assert.deepEqual(eventTypes(last(steps)), ["OPENED", "FORCED"]);
});

Deno.test("stepDoor() expires the unlock on any input past its deadline, even without the timer", () => {
  const steps = run([
    [0, { type: "grant" }],
    [7_000, { type: "contact", open: true }],
  ]);
  assert.deepEqual(eventTypes(last(steps)), ["RELOCKED", "OPENED", "FORCED"]);
});

Deno.test("stepDoor() raises held-open after an authorized opening lasts too long", () => {
  const [, , relock, held, close] = run([
    [0, { type: "grant" }],
    [1_000, { type: "contact", open: true }],
    [5_000, { type: "timer" }],
    [31_000, { type: "timer" }],
    [40_000, { type: "contact", open: false }],
  ]);
  assert.deepEqual(eventTypes(relock), ["RELOCKED"]);
  assert.equal(relock?.nextDeadlineMs, 31_000);
  assert.deepEqual(held?.events, [{ type: "HELD_OPEN", atMs: 31_000 }]);
  assert.equal(held?.nextDeadlineMs, null);
  assert.deepEqual(eventTypes(close), ["CLOSED", "HELD_OPEN_END"]);
});

Deno.test("stepDoor() unlocks on REX for the REX time and authorizes the opening", () => {
  const [rex, open, timeout] = run([
    [0, { type: "rex" }],
    [1_000, { type: "contact", open: true }],
    [8_000, { type: "timer" }],
  ]);
  assert.deepEqual(rex?.events, [
    { type: "REX", atMs: 0 },
    { type: "UNLOCKED", atMs: 0, cause: "rex" },
  ]);
  assert.deepEqual(rex?.outputs, [{ type: "strike", on: true }]);
  assert.equal(rex?.nextDeadlineMs, 8_000);
  assert.deepEqual(eventTypes(open), ["OPENED"]);
  assert.deepEqual(eventTypes(timeout), ["RELOCKED"]);
});

Deno.test("stepDoor() keeps REX working in lockdown but refuses grants and remote opens", () => {
  const lockdown = createDoorState({ ...CONFIG, mode: "lockdown" });
  const [grant, remote, rex, open] = run([
    [0, { type: "grant" }],
    [100, { type: "remote_open" }],
    [200, { type: "rex" }],
    [300, { type: "contact", open: true }],
  ], lockdown);
  assert.equal(grant?.refused, "lockdown");
  assert.deepEqual(grant?.outputs, [{ type: "feedback", signal: "denied" }]);
  assert.equal(grant?.state.strike, false);
  assert.equal(remote?.refused, "lockdown");
  assert.deepEqual(remote?.outputs, []);
  assert.deepEqual(eventTypes(rex), ["REX", "UNLOCKED"]);
  assert.deepEqual(open?.events, [{ type: "OPENED", atMs: 300, authorized: true }]);
});

Deno.test("stepDoor() refuses grants and remote opens in locked mode", () => {
  const locked = createDoorState({ ...CONFIG, mode: "locked" });
  const [grant, remote] = run([[0, { type: "grant" }], [1, { type: "remote_open" }]], locked);
  assert.equal(grant?.refused, "locked");
  assert.equal(remote?.refused, "locked");
  assert.equal(remote?.state.strike, false);
});

Deno.test("stepDoor() unlocks on a remote open without reader feedback", () => {
  const [remote] = run([[0, { type: "remote_open", unlockMs: 3_000 }]]);
  assert.deepEqual(remote?.outputs, [{ type: "strike", on: true }]);
  assert.deepEqual(remote?.events, [{ type: "UNLOCKED", atMs: 0, cause: "remote" }]);
  assert.equal(remote?.nextDeadlineMs, 3_000);
});

Deno.test("stepDoor() only signals a denial", () => {
  const [deny] = run([[0, { type: "deny" }]]);
  assert.deepEqual(deny?.outputs, [{ type: "feedback", signal: "denied" }]);
  assert.deepEqual(deny?.events, []);
  assert.equal(deny?.state.strike, false);
});

Deno.test("stepDoor() ignores a repeated contact level", () => {
  const [, again] = run([
    [0, { type: "contact", open: false }],
    [1, { type: "contact", open: false }],
  ]);
  assert.deepEqual(again?.events, []);
});

Deno.test("stepDoor() holds the strike in unlocked mode without held-open alarms", () => {
  const [mode, open, later, same, normal] = run([
    [0, { type: "set_mode", mode: "unlocked" }],
    [1_000, { type: "contact", open: true }],
    [100_000, { type: "timer" }],
    [100_001, { type: "set_mode", mode: "unlocked" }],
    [200_000, { type: "set_mode", mode: "normal" }],
  ]);
  assert.deepEqual(mode?.events, [
    { type: "MODE_CHANGED", atMs: 0, from: "normal", to: "unlocked" },
    { type: "UNLOCKED", atMs: 0, cause: "mode" },
  ]);
  assert.deepEqual(open?.events, [{ type: "OPENED", atMs: 1_000, authorized: true }]);
  assert.equal(open?.nextDeadlineMs, null);
  assert.deepEqual(later?.events, []);
  assert.deepEqual(same?.events, []);
  assert.deepEqual(eventTypes(normal), ["MODE_CHANGED", "RELOCKED"]);
  assert.equal(normal?.nextDeadlineMs, 230_000);
});

Deno.test("stepDoor() ends a held-open alarm when the door is switched to unlocked", () => {
  const steps = run([
    [0, { type: "grant" }],
    [0, { type: "contact", open: true }],
    [30_000, { type: "timer" }],
    [31_000, { type: "set_mode", mode: "unlocked" }],
  ]);
  assert.deepEqual(eventTypes(steps[2]), ["RELOCKED", "HELD_OPEN"]);
  assert.deepEqual(eventTypes(last(steps)), ["MODE_CHANGED", "UNLOCKED", "HELD_OPEN_END"]);
});

Deno.test("stepDoor() relocks at once when lockdown cancels a grant", () => {
  const [, lockdown] = run([
    [0, { type: "grant" }],
    [1_000, { type: "set_mode", mode: "lockdown" }],
  ]);
  assert.deepEqual(eventTypes(lockdown), ["MODE_CHANGED", "RELOCKED"]);
  assert.equal(lockdown?.nextDeadlineMs, null);
});

Deno.test("stepDoor() follows the unlock schedule", () => {
  const [start, open, end] = run([
    [0, { type: "schedule", active: true }],
    [1_000, { type: "contact", open: true }],
    [60_000, { type: "schedule", active: false }],
  ]);
  assert.deepEqual(start?.events, [{ type: "UNLOCKED", atMs: 0, cause: "schedule" }]);
  assert.equal(open?.nextDeadlineMs, null);
  assert.deepEqual(eventTypes(end), ["RELOCKED"]);
  assert.equal(end?.nextDeadlineMs, 90_000);
});

Deno.test("stepDoor() lets lockdown and locked modes override the unlock schedule", () => {
  for (const mode of ["lockdown", "locked"] as const) {
    const [schedule, normal] = run([
      [0, { type: "schedule", active: true }],
      [1_000, { type: "set_mode", mode: "normal" }],
    ], createDoorState({ ...CONFIG, mode }));
    assert.equal(schedule?.state.strike, false, mode);
    assert.deepEqual(eventTypes(normal), ["MODE_CHANGED", "UNLOCKED"]);
  }
});

Deno.test("stepDoor() waits for a first grant before applying the unlock schedule", () => {
  const door = createDoorState({ ...CONFIG, unlockAfterFirstCard: true });
  const [start, grant, after, end, restart] = run([
    [0, { type: "schedule", active: true }],
    [10_000, { type: "grant" }],
    [15_000, { type: "timer" }],
    [60_000, { type: "schedule", active: false }],
    [120_000, { type: "schedule", active: true }],
  ], door);
  assert.deepEqual(start?.events, []);
  assert.equal(start?.state.strike, false);
  assert.deepEqual(grant?.events, [{ type: "UNLOCKED", atMs: 10_000, cause: "grant" }]);
  assert.deepEqual(after?.events, [], "stays unlocked for the rest of the window");
  assert.equal(after?.state.strike, true);
  assert.deepEqual(eventTypes(end), ["RELOCKED"]);
  assert.deepEqual(restart?.events, [], "a new window waits for a new first grant");
});

Deno.test("stepDoor() does not count a grant outside the window as the first card", () => {
  const door = createDoorState({ ...CONFIG, unlockAfterFirstCard: true });
  const steps = run([
    [0, { type: "grant" }],
    [1_000, { type: "schedule", active: true }],
    [5_000, { type: "timer" }],
  ], door);
  assert.deepEqual(eventTypes(last(steps)), ["RELOCKED"]);
});
