// @ts-check
/**
 * The words for ranks, shared by the server (audit descriptions) and the web
 * UI (served at `/js/shared/ranks.js`), so that both say "Member" where the
 * wire says `0`. No imports, no Deno APIs.
 *
 * @module
 */

/** User (account) ranks by Leosac number: 0 User … 4 Administrator. */
export const USER_RANK_NAMES = Object.freeze([
  "User",
  "Viewer",
  "Manager",
  "Supervisor",
  "Administrator",
]);

/** Group membership ranks by Leosac number: 0 Member, 1 Operator, 2 Administrator. */
export const GROUP_RANK_NAMES = Object.freeze(["Member", "Operator", "Administrator"]);

/**
 * A group membership rank as a word (`2` → `"Administrator"`); an unknown
 * number stays visible as `rank 7`.
 * @param {unknown} rank
 * @returns {string}
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupRankName } from "./ranks.js";
 * assert.equal(groupRankName(0), "Member");
 * assert.equal(groupRankName(7), "rank 7");
 * ```
 */
export function groupRankName(rank) {
  return GROUP_RANK_NAMES[Number(rank)] ?? `rank ${String(rank)}`;
}
