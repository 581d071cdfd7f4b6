/**
 * The access engine: pure domain logic with no I/O, no timers and no clock.
 * Time is always a parameter.
 *
 * - {@linkcode decideAccess} decides a request from gathered {@linkcode AccessFacts}.
 * - {@linkcode localTimeOf}, {@linkcode isScheduleActive} and {@linkcode isHolidayDate}
 *   turn an instant into the local time and holiday flag the decision needs.
 * - {@linkcode stepDoor} drives a door: strike, contact, REX, modes, unlock schedule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isHolidayDate, localTimeOf } from "./mod.ts";
 * const local = localTimeOf(Date.UTC(2026, 11, 25, 9, 0), 60);
 * assert.ok(isHolidayDate([{ date: "2000-12-25", recurring: true }], local.date));
 * ```
 *
 * @module
 */
export * from "./types.ts";
export { decideAccess } from "./decide.ts";
export { isValidAt, validityProblem } from "../policy/validity.ts";
export {
  type Holiday,
  intlOffsetProvider,
  isHolidayDate,
  isScheduleActive,
  isWithinTimeframes,
  localTimeOf,
  systemOffsetProvider,
  type TimeZoneOffsetProvider,
} from "./schedule.ts";
export { isPinFormatValid, MAX_PIN_DIGITS } from "./credential.ts";
export {
  createDoorState,
  DOOR_EVENT,
  type DoorConfig,
  type DoorEvent,
  type DoorEventType,
  type DoorInput,
  type DoorOutput,
  type DoorState,
  type DoorStep,
  type ResolvedDoorConfig,
  safeStrikeOf,
  stepDoor,
  type UnlockCause,
} from "./door_machine.ts";
