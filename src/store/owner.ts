/**
 * Which controller a door, access point or device belongs to (issue 12,
 * `docs/site.md`). Each row's `controller` column names its controller in a
 * site; NULL means "this controller" (a controller outside a site, and every
 * row written before migration 10).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isOwnRow, ownerOf } from "./owner.ts";
 * assert.ok(isOwnRow(null, "a"));
 * assert.ok(isOwnRow("a", "a"));
 * assert.ok(!isOwnRow("b", "a"));
 * assert.ok(isOwnRow("b", null)); // outside a site, every row is this controller's
 * assert.equal(ownerOf(null, "a"), "a");
 * ```
 *
 * @module
 */

/**
 * Whether a row whose `controller` column is `controller` is wired on the
 * controller named `name`: always outside a site (`name` null), else when
 * the column is NULL or names it.
 */
export function isOwnRow(controller: string | null, name: string | null): boolean {
  return name === null || controller === null || controller === name;
}

/**
 * The controller a row belongs to as the site names it: its column, or
 * `local` (this controller's name in a site, null outside one) when NULL.
 */
export function ownerOf(controller: string | null, local: string | null): string | null {
  return controller ?? local;
}
