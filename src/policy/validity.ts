/**
 * Validity: the one rule for "is this user account or credential usable
 * now", shared by the access decision (`src/engine/decide.ts`), the login and
 * the session checks (`src/ws/`). Pure: no store, no clock.
 *
 * @module
 */

/** Leosac's `ValidityInfo`: an enabled flag and an inclusive time window (Unix ms). */
export interface Validity {
  /** Leosac's `validity_enabled`: false disables whatever the window says. */
  enabled: boolean;
  /** Start of the window (inclusive), or null for unbounded. */
  start: number | null;
  /** End of the window (inclusive), or null for unbounded. */
  end: number | null;
}

/**
 * Why a validity does not hold at `nowMs`: `"disabled"` (checked first),
 * `"outside_window"` (before `start` or after `end`, bounds inclusive), or
 * null when it holds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validityProblem } from "./validity.ts";
 * assert.equal(validityProblem({ enabled: true, start: 10, end: 20 }, 20), null);
 * assert.equal(validityProblem({ enabled: true, start: 10, end: 20 }, 21), "outside_window");
 * assert.equal(validityProblem({ enabled: false, start: 10, end: 20 }, 21), "disabled");
 * ```
 */
export function validityProblem(
  validity: Validity,
  nowMs: number,
): "disabled" | "outside_window" | null {
  if (!validity.enabled) return "disabled";
  if (validity.start !== null && nowMs < validity.start) return "outside_window";
  if (validity.end !== null && nowMs > validity.end) return "outside_window";
  return null;
}

/** True when the validity is enabled and `nowMs` lies inside its inclusive window. */
export function isValidAt(validity: Validity, nowMs: number): boolean {
  return validityProblem(validity, nowMs) === null;
}
