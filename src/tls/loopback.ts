/**
 * Which listen addresses are loopback: plain HTTP is allowed there without
 * `--insecure-http`, and a self-signed certificate for them names
 * `localhost`.
 *
 * @module
 */

/**
 * Whether `host` is a loopback name or address: `localhost`, 127.0.0.0/8,
 * `::1` or `::ffff:127.x.y.z` (with or without brackets).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLoopback } from "./loopback.ts";
 * assert.equal(isLoopback("127.0.0.1"), true);
 * assert.equal(isLoopback("0.0.0.0"), false);
 * ```
 */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || bare === "0:0:0:0:0:0:0:1" ||
    /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}
