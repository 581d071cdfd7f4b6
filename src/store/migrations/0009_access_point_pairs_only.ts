/**
 * Migration 9: an access point may take bound card+PIN pairs only (issue 11).
 *
 * `access_points.pairs_only` (0 or 1, default 0): when set, a `card_and_pin`
 * access point grants only a card bound to a PIN (`credentials.required_pin_id`,
 * Leosac's `WiegandCardPin`) presented with that PIN; an ordinary card with a
 * PIN of its owner is denied `PAIR_REQUIRED` (see `decideAccess()`). This is
 * how Leosac's card+PIN readers decided, and `leosac import-leosac` sets it on
 * them. Every existing access point keeps today's decisions (0).
 *
 * @module
 */

/** The migration's SQL. */
export const MIGRATION_0009 = `
ALTER TABLE access_points ADD COLUMN pairs_only INTEGER NOT NULL DEFAULT 0
  CHECK (pairs_only IN (0, 1));
`;
