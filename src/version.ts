/**
 * Version numbers.
 *
 * @module
 */

/** This product's version number. */
export const VERSION = "0.1.0";

/** The Leosac protocol version we are wire-compatible with (sent by `get_leosac_version`). */
export const LEOSAC_VERSION = "0.8.0";

/**
 * The version string shown everywhere: `leosac --version`, `/healthz`,
 * `get_leosac_version` (whose clients expect it to start with the Leosac
 * version, as Leosac's own `0.8.0-<git sha1>` did), `system_overview` and the
 * web UI's footer.
 */
export const VERSION_STRING = `${LEOSAC_VERSION}-deno-${VERSION}`;
