/**
 * A counter bumped by every write that can end a session (a user changed or
 * deleted, a token deleted). Sessions cache their last successful check and
 * redo it only when this counter has moved, or when their cached expiry or
 * validity window says so. Users and tokens are written only by this
 * process's main thread (the API); the controller worker never writes them.
 *
 * @module
 */
let epoch = 0;

/** Marks that some session may have lost its validity. */
export function bumpAuthEpoch(): void {
  epoch++;
}

/** The current value of the counter. */
export function authEpoch(): number {
  return epoch;
}
