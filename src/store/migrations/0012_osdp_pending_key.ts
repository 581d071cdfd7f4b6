/**
 * Migration 12: `osdp_keys.pending`, the sealed Secure Channel key a reader
 * was sent with osdp_KEYSET (key rotation, `osdp-reader.rekey`) whose
 * acknowledgement has not been seen yet. The reader may hold it already (its
 * osdp_ACK was lost) or not (the command was lost), so until one handshake
 * tells, the controller keeps both keys: `sealed` (the confirmed key) and
 * `pending`, and the next Secure Channel handshake accepts either (see
 * `src/hardware/osdp/pd_link.ts`). Kept on disk so that a controller restart
 * in between does not lose the key the reader may have. NULL when no
 * rotation is unresolved. Sealed as `sealed` is (`src/store/osdp_keys.ts`).
 *
 * @module
 */

/** The migration's SQL. */
export const MIGRATION_0012 = `
ALTER TABLE osdp_keys ADD COLUMN pending BLOB;
`;
