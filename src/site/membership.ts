/**
 * Whether a data directory belongs to a site, for the offline tools: in a
 * site, site-wide data changes only through the policy log, so a tool that
 * would write people, cards or accounts straight into one copy refuses
 * (the copies would differ for ever).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { StoreError } from "../errors.ts";

/** The site and controller names of a member's database, or null. */
export function siteMembership(db: DatabaseSync): { site: string; controller: string } | null {
  try {
    const row = db.prepare("SELECT site, controller FROM site_state WHERE id = 1").get();
    return row === undefined
      ? null
      : { site: String(row.site), controller: String(row.controller) };
  } catch {
    return null; // a schema from before sites
  }
}

/**
 * Throws when `db` belongs to a site: `what` (a tool) would change one
 * controller's copy of site-wide data.
 *
 * @throws {StoreError} naming the site, the controller and what to do instead.
 */
export function refuseSiteMember(db: DatabaseSync, what: string, instead: string): void {
  const member = siteMembership(db);
  if (member === null) return;
  throw new StoreError(
    `${what} would change only this copy: this data directory belongs to controller ` +
      `"${member.controller}" of site "${member.site}", whose people, cards and accounts change ` +
      `only through the site. ${instead} (docs/site.md).`,
  );
}
