/**
 * Migration 7: OSDP readers (issue 13).
 *
 * - `devices.type` also accepts `osdp-bus` (a serial port) and `osdp-reader`
 *   (a PD at an address on a bus). SQLite cannot change a CHECK constraint,
 *   so the table is rebuilt (foreign keys are off while migrations run; the
 *   references of `doors` and `access_points` name the table and follow it).
 * - `osdp_keys` holds each reader's Secure Channel base key (SCBK), sealed
 *   with AES-256-GCM under a key derived from the installation secret (see
 *   `src/store/osdp_keys.ts`). It is never part of a device's config, so it
 *   is never serialised to API clients or written to the audit log.
 *
 * @module
 */

/** The migration's SQL. */
export const MIGRATION_0007 = `
CREATE TABLE devices_new (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
  type TEXT NOT NULL CHECK (
    type IN ('gpio', 'wiegand-reader', 'led', 'buzzer', 'osdp-bus', 'osdp-reader')
  ),
  device_class INTEGER NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  config TEXT NOT NULL DEFAULT '{}',
  version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO devices_new (id, name, type, device_class, enabled, config, version)
  SELECT id, name, type, device_class, enabled, config, version FROM devices;
DROP TABLE devices;
ALTER TABLE devices_new RENAME TO devices;

CREATE TABLE osdp_keys (
  device_id TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
  sealed BLOB NOT NULL,
  installed_at INTEGER NOT NULL
);
`;
