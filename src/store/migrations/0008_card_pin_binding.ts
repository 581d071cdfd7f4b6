/**
 * Migration 8: a card may be bound to one PIN (Leosac's `WiegandCardPin`,
 * issue 11).
 *
 * `credentials.required_pin_id` names the PIN credential a card must be
 * presented with. A bound card is refused alone, and its PIN is refused
 * alone and with any other card (see `decideAccess()`); null (every existing
 * row) is an ordinary card. Only cards carry it (CHECK), and a PIN is bound
 * to at most one card (the unique index, which also serves the lookup "which
 * card is this PIN bound to"). That the PIN is a `pin-code` of the card's
 * owner is checked by `bindCardToPin()` in `src/store/credentials.ts`.
 *
 * The reference has no `ON DELETE` action: deleting a card deletes its bound
 * PIN in the same statement, and a bound PIN cannot be deleted on its own
 * (`deleteCredential()`), so neither half is ever left working alone.
 *
 * @module
 */

/** The migration's SQL. */
export const MIGRATION_0008 = `
ALTER TABLE credentials ADD COLUMN required_pin_id INTEGER REFERENCES credentials(id)
  CHECK (required_pin_id IS NULL OR type = 'rfid-card');
CREATE UNIQUE INDEX credentials_required_pin ON credentials(required_pin_id)
  WHERE required_pin_id IS NOT NULL;
`;
