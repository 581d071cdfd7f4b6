/**
 * Migration 10: a controller may belong to a site (issue 12, `docs/site.md`).
 *
 * - `site_state`: one row once this data directory belongs to a site: the
 *   site's and this controller's names, the last policy-log sequence applied
 *   to this copy (written in the same transaction as the change it applied),
 *   and when.
 * - `controller` on `doors`, `access_points` and `devices`: the controller a
 *   door or device is wired on. NULL means this controller (a controller
 *   outside a site, and every row written before this migration).
 *
 * @module
 */

/** The migration's SQL. */
export const MIGRATION_0010 = `
CREATE TABLE site_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  site TEXT NOT NULL,
  controller TEXT NOT NULL,
  applied_seq INTEGER NOT NULL DEFAULT 0,
  applied_at INTEGER NOT NULL DEFAULT 0
);
ALTER TABLE doors ADD COLUMN controller TEXT;
ALTER TABLE access_points ADD COLUMN controller TEXT;
ALTER TABLE devices ADD COLUMN controller TEXT;
`;
