// @ts-check
/**
 * Leosac `APIStatusCode` values: the status codes of the WebSocket envelope
 * (wire contract). One plain module for the server (`src/errors.ts`
 * re-exports it) and the browser (served at `/js/shared/status.js`): no
 * imports, no Deno APIs.
 *
 * @module
 */

/** Leosac `APIStatusCode` values (wire contract). */
export const STATUS = /** @type {const} */ ({
  SUCCESS: 0,
  GENERAL_FAILURE: 1,
  PERMISSION_DENIED: 2,
  RATE_LIMITED: 3,
  MALFORMED: 4,
  INVALID_CALL: 5,
  TIMEOUT: 6,
  SESSION_ABORTED: 7,
  ENTITY_NOT_FOUND: 8,
  DATABASE_ERROR: 9,
  UNKNOWN: 10,
  MODEL_EXCEPTION: 11,
  INVALID_ARGUMENT: 12,
});

/** A numeric Leosac status code. @typedef {typeof STATUS[keyof typeof STATUS]} Status */
