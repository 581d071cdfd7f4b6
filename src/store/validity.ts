/**
 * Validity windows shared by users and credentials.
 *
 * @module
 */

/** Leosac's `ValidityInfo`: an enabled flag and an optional time window (Unix ms). */
export interface Validity {
  /** False disables the account or credential whatever the dates. */
  enabled: boolean;
  /** Start of the window (inclusive), or null for unbounded. */
  start: number | null;
  /** End of the window (inclusive), or null for unbounded. */
  end: number | null;
}

/** True when the validity is enabled and `nowMs` lies inside its window. */
export function isValidAt(validity: Validity, nowMs: number): boolean {
  if (!validity.enabled) return false;
  if (validity.start !== null && nowMs < validity.start) return false;
  if (validity.end !== null && nowMs > validity.end) return false;
  return true;
}
