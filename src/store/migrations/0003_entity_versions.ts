/**
 * Migration 3: a `version` on every entity the API returns.
 *
 * Users, credentials, schedules and schedule mappings carried a `version`
 * from schema 1. This adds the column, starting at 1, to groups,
 * memberships, devices, access points, doors, zones and holidays, so that
 * every update can be checked against the version the client read
 * (optimistic concurrency, see `docs/ws_protocol.md`). Every existing row
 * gets version 1 (the column default).
 *
 * @module
 */

/** The tables that gain a `version` column. */
export const VERSIONED_IN_0003 = [
  "groups",
  "memberships",
  "devices",
  "access_points",
  "doors",
  "zones",
  "holidays",
] as const;

/** The migration's SQL. */
export const MIGRATION_0003: string = VERSIONED_IN_0003
  .map((table) => `ALTER TABLE ${table} ADD COLUMN version INTEGER NOT NULL DEFAULT 1;`)
  .join("\n");
