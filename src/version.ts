/**
 * Version numbers.
 *
 * @module
 */

/** This product's version. */
export const VERSION = "0.1.0";

/** The Leosac protocol version we are wire-compatible with (sent by `get_leosac_version`). */
export const LEOSAC_VERSION = "0.8.0";
