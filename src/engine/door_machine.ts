/**
 * A pure door state machine: strike, contact, request-to-exit, modes and the
 * unlock schedule. It owns no timer: every step returns the next deadline, and
 * the caller feeds `{ type: "timer" }` back when it is reached (an early or
 * late timer is harmless).
 *
 * Behaviour:
 * - **Strike on = unlocked.** It is on while the mode is `unlocked`; during a
 *   momentary unlock (grant, REX or remote open, for `unlockMs`/`rexUnlockMs`);
 *   in `normal` mode while the unlock schedule is active (with
 *   `unlockAfterFirstCard`, only after a first grant inside the window).
 * - **Relock** when the door closes after a momentary unlock, or when the
 *   unlock time elapses (the door may still be open: the latch holds it).
 * - **Forced**: the contact opens while the strike is off. `FORCED_END` when it closes.
 * - **Held open**: after an authorized opening, the door stays open longer than
 *   `heldOpenMs` while not held unlocked by mode or schedule. `HELD_OPEN_END` when it closes.
 * - **Modes**: `locked` and `lockdown` refuse grants and remote opens, cancel a
 *   momentary unlock and override the unlock schedule. REX keeps working in
 *   every mode, lockdown included: exiting is a life-safety function.
 * - **Safe state**: on loss of control (worker death) the strike should go to
 *   `safeStrikeOf(config)`: off (locked) for fail-secure doors, on (unlocked)
 *   for fail-safe ones such as fire exits.
 *
 * After `createDoorState()`, drive the strike line to `state.strike`, and feed
 * the current contact level and unlock-schedule status as inputs.
 *
 * Size: over 300 lines because it is one state machine; its transitions read
 * best together (splitting by event would scatter the door's rules).
 *
 * @module
 */
import type { DoorMode } from "./types.ts";

/** Door timings and policy. */
export interface DoorConfig {
  /** How long a grant or remote open unlocks the strike. */
  unlockMs: number;
  /** How long an authorized opening may last before `HELD_OPEN`. */
  heldOpenMs: number;
  /** How long a REX press unlocks the strike. @default unlockMs */
  rexUnlockMs?: number;
  /** Keep the unlock schedule locked until a first grant inside its window. @default false */
  unlockAfterFirstCard?: boolean;
  /** Strike on (unlocked) when control is lost, for fire-exit doors. @default false */
  failSafe?: boolean;
  /** The initial mode. @default "normal" */
  mode?: DoorMode;
}

/** A {@linkcode DoorConfig} with its defaults applied. */
export interface ResolvedDoorConfig {
  /** How long a grant or remote open unlocks the strike. */
  unlockMs: number;
  /** How long an authorized opening may last before `HELD_OPEN`. */
  heldOpenMs: number;
  /** How long a REX press unlocks the strike. */
  rexUnlockMs: number;
  /** Keep the unlock schedule locked until a first grant inside its window. */
  unlockAfterFirstCard: boolean;
  /** Strike on (unlocked) when control is lost. */
  failSafe: boolean;
}

/** What turned the strike on. */
export type UnlockCause = "grant" | "rex" | "remote" | "mode" | "schedule";

/** The state of one door. Treat it as immutable; `stepDoor()` returns a new one. */
export interface DoorState {
  /** The timings and policy, defaults applied. */
  readonly config: ResolvedDoorConfig;
  /** The current mode. */
  readonly mode: DoorMode;
  /** The unlock schedule's window is active (as last reported). */
  readonly scheduleActive: boolean;
  /** A grant happened in the current unlock window (`unlockAfterFirstCard`). */
  readonly firstCardSeen: boolean;
  /** Strike energised: the door is unlocked. */
  readonly strike: boolean;
  /** The contact reports the door open. */
  readonly open: boolean;
  /** The door was opened while locked and has not closed since. */
  readonly forced: boolean;
  /** The held-open alarm is raised. */
  readonly heldOpen: boolean;
  /** End of the momentary unlock, or null. */
  readonly momentaryUntilMs: number | null;
  /** What started the momentary unlock, or null. */
  readonly momentaryCause: "grant" | "rex" | "remote" | null;
  /** When the held-open alarm fires, or null when not armed. */
  readonly heldOpenDeadlineMs: number | null;
}

/** Something that happened to the door. */
export type DoorInput =
  /** A granted decision: unlock for `unlockMs` (or the configured value). */
  | { type: "grant"; unlockMs?: number }
  /** A denied decision: only feedback. */
  | { type: "deny" }
  | { type: "contact"; open: boolean }
  | { type: "rex" }
  /** `door.open` from the API. */
  | { type: "remote_open"; unlockMs?: number }
  | { type: "set_mode"; mode: DoorMode }
  /** The unlock schedule's window status, sent on change or periodically. */
  | { type: "schedule"; active: boolean }
  /** The deadline returned by the previous step has been reached. */
  | { type: "timer" };

/** A command for the hardware. */
export type DoorOutput =
  | { type: "strike"; on: boolean }
  /** Ask the reader's LED/buzzer to signal the result. */
  | { type: "feedback"; signal: "granted" | "denied" };

/** Door event codes. */
export const DOOR_EVENT = {
  UNLOCKED: "UNLOCKED",
  RELOCKED: "RELOCKED",
  OPENED: "OPENED",
  CLOSED: "CLOSED",
  FORCED: "FORCED",
  FORCED_END: "FORCED_END",
  HELD_OPEN: "HELD_OPEN",
  HELD_OPEN_END: "HELD_OPEN_END",
  REX: "REX",
  MODE_CHANGED: "MODE_CHANGED",
} as const;

/** A door event code. */
export type DoorEventType = typeof DOOR_EVENT[keyof typeof DOOR_EVENT];

/** An event for the audit log and live subscribers. */
export type DoorEvent =
  | { type: "UNLOCKED"; atMs: number; cause: UnlockCause }
  | { type: "OPENED"; atMs: number; authorized: boolean }
  | { type: "MODE_CHANGED"; atMs: number; from: DoorMode; to: DoorMode }
  | {
    type: "RELOCKED" | "CLOSED" | "FORCED" | "FORCED_END" | "HELD_OPEN" | "HELD_OPEN_END" | "REX";
    atMs: number;
  };

/** The result of one step. */
export interface DoorStep {
  /** The new state; pass it to the next step. */
  state: DoorState;
  /** Hardware commands, in order. */
  outputs: DoorOutput[];
  /** Events to audit and publish, in order. */
  events: DoorEvent[];
  /** When to feed `{ type: "timer" }`, or null when nothing is pending. */
  nextDeadlineMs: number | null;
  /** Set when a grant or remote open was refused because of the mode. */
  refused?: "locked" | "lockdown";
}

/**
 * Creates a door's initial state: closed, no schedule window, strike on only
 * when the initial mode is `unlocked`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDoorState } from "./door_machine.ts";
 * const door = createDoorState({ unlockMs: 5000, heldOpenMs: 30000 });
 * assert.ok(door.strike === false && door.mode === "normal");
 * ```
 */
export function createDoorState(config: DoorConfig): DoorState {
  const mode = config.mode ?? "normal";
  return {
    config: {
      unlockMs: config.unlockMs,
      heldOpenMs: config.heldOpenMs,
      rexUnlockMs: config.rexUnlockMs ?? config.unlockMs,
      unlockAfterFirstCard: config.unlockAfterFirstCard ?? false,
      failSafe: config.failSafe ?? false,
    },
    mode,
    scheduleActive: false,
    firstCardSeen: false,
    strike: mode === "unlocked",
    open: false,
    forced: false,
    heldOpen: false,
    momentaryUntilMs: null,
    momentaryCause: null,
    heldOpenDeadlineMs: null,
  };
}

/**
 * The strike level to hold when control of the door is lost: true (unlocked)
 * for fail-safe doors, false (locked) for fail-secure ones.
 */
export function safeStrikeOf(config: DoorConfig | ResolvedDoorConfig): boolean {
  return config.failSafe ?? false;
}

/**
 * Applies one input at `nowMs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDoorState, stepDoor } from "./door_machine.ts";
 * const door = createDoorState({ unlockMs: 5000, heldOpenMs: 30000 });
 * const step = stepDoor(door, { type: "grant" }, 1000);
 * assert.ok(step.state.strike && step.nextDeadlineMs === 6000);
 * ```
 */
export function stepDoor(state: DoorState, input: DoorInput, nowMs: number): DoorStep {
  const step: DoorStep = { state, outputs: [], events: [], nextDeadlineMs: null };
  reconcile(step, nowMs);
  applyInput(step, input, nowMs);
  reconcile(step, nowMs);
  step.nextDeadlineMs = earliest(step.state.momentaryUntilMs, step.state.heldOpenDeadlineMs);
  return step;
}

function applyInput(step: DoorStep, input: DoorInput, nowMs: number): void {
  const state = step.state;
  switch (input.type) {
    case "grant":
    case "remote_open": {
      if (state.mode === "locked" || state.mode === "lockdown") {
        step.refused = state.mode;
        if (input.type === "grant") step.outputs.push({ type: "feedback", signal: "denied" });
        return;
      }
      const grant = input.type === "grant";
      if (grant) step.outputs.push({ type: "feedback", signal: "granted" });
      step.state = {
        ...unlockMomentarily(state, input.unlockMs ?? state.config.unlockMs, nowMs),
        momentaryCause: grant ? "grant" : "remote",
        firstCardSeen: state.firstCardSeen || (grant && state.scheduleActive),
      };
      return;
    }
    case "deny":
      step.outputs.push({ type: "feedback", signal: "denied" });
      return;
    case "rex":
      step.events.push({ type: "REX", atMs: nowMs });
      step.state = {
        ...unlockMomentarily(state, state.config.rexUnlockMs, nowMs),
        momentaryCause: "rex",
      };
      return;
    case "contact":
      if (input.open !== state.open) {
        step.state = input.open ? opened(step, nowMs) : closed(step, nowMs);
      }
      return;
    case "set_mode":
      if (input.mode === state.mode) return;
      step.events.push({ type: "MODE_CHANGED", atMs: nowMs, from: state.mode, to: input.mode });
      step.state = input.mode === "locked" || input.mode === "lockdown"
        ? { ...state, mode: input.mode, momentaryUntilMs: null, momentaryCause: null }
        : { ...state, mode: input.mode };
      return;
    case "schedule":
      if (input.active !== state.scheduleActive) {
        step.state = { ...state, scheduleActive: input.active, firstCardSeen: false };
      }
      return;
    case "timer":
      return;
  }
}

function unlockMomentarily(state: DoorState, durationMs: number, nowMs: number): DoorState {
  const until = Math.max(state.momentaryUntilMs ?? nowMs, nowMs + durationMs);
  return { ...state, momentaryUntilMs: until };
}

function opened(step: DoorStep, nowMs: number): DoorState {
  const authorized = step.state.strike;
  step.events.push({ type: "OPENED", atMs: nowMs, authorized });
  if (!authorized) step.events.push({ type: "FORCED", atMs: nowMs });
  return { ...step.state, open: true, forced: !authorized };
}

function closed(step: DoorStep, nowMs: number): DoorState {
  const state = step.state;
  step.events.push({ type: "CLOSED", atMs: nowMs });
  if (state.forced) step.events.push({ type: "FORCED_END", atMs: nowMs });
  if (state.heldOpen) step.events.push({ type: "HELD_OPEN_END", atMs: nowMs });
  return {
    ...state,
    open: false,
    forced: false,
    heldOpen: false,
    heldOpenDeadlineMs: null,
    momentaryUntilMs: null,
    momentaryCause: null,
  };
}

/** Unlocked by the mode or the unlock schedule, independently of any momentary unlock. */
function isHeldUnlocked(state: DoorState): boolean {
  if (state.mode === "unlocked") return true;
  return state.mode === "normal" && state.scheduleActive &&
    (!state.config.unlockAfterFirstCard || state.firstCardSeen);
}

function unlockCauseOf(state: DoorState): UnlockCause {
  if (state.mode === "unlocked") return "mode";
  return state.momentaryCause ?? "schedule";
}

/** Expires the momentary unlock, drives the strike and the held-open alarm. */
function reconcile(step: DoorStep, nowMs: number): void {
  let state = step.state;
  if (state.momentaryUntilMs !== null && nowMs >= state.momentaryUntilMs) {
    state = { ...state, momentaryUntilMs: null, momentaryCause: null };
  }
  const strike = state.momentaryUntilMs !== null || isHeldUnlocked(state);
  if (strike !== state.strike) {
    step.outputs.push({ type: "strike", on: strike });
    step.events.push(
      strike
        ? { type: "UNLOCKED", atMs: nowMs, cause: unlockCauseOf(state) }
        : { type: "RELOCKED", atMs: nowMs },
    );
    state = { ...state, strike };
  }
  step.state = reconcileHeldOpen(step, state, nowMs);
}

function reconcileHeldOpen(step: DoorStep, state: DoorState, nowMs: number): DoorState {
  if (!state.open || state.forced) return state;
  if (isHeldUnlocked(state)) {
    if (state.heldOpen) step.events.push({ type: "HELD_OPEN_END", atMs: nowMs });
    return { ...state, heldOpen: false, heldOpenDeadlineMs: null };
  }
  if (state.heldOpen) return state;
  const deadline = state.heldOpenDeadlineMs ?? nowMs + state.config.heldOpenMs;
  if (nowMs < deadline) return { ...state, heldOpenDeadlineMs: deadline };
  step.events.push({ type: "HELD_OPEN", atMs: nowMs });
  return { ...state, heldOpen: true, heldOpenDeadlineMs: null };
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
