/**
 * Migration 1: Leosac's whole model (users, groups, credentials, schedules,
 * doors, access points, zones, devices, holidays, tokens, audit).
 *
 * Times are stored as Unix milliseconds (INTEGER). A NULL validity bound means
 * "unbounded". Weekdays use the Leosac web client's convention, 0 = Monday.
 *
 * @module
 */

/** The SQL applied by migration 1. */
export const MIGRATION_0001 = `
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT,
  firstname TEXT NOT NULL DEFAULT '',
  lastname TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  rank INTEGER NOT NULL DEFAULT 0 CHECK (rank BETWEEN 0 AND 4),
  validity_enabled INTEGER NOT NULL DEFAULT 1,
  validity_start INTEGER,
  validity_end INTEGER,
  version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE groups (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE memberships (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  rank INTEGER NOT NULL DEFAULT 0 CHECK (rank BETWEEN 0 AND 2),
  timestamp INTEGER NOT NULL,
  UNIQUE (user_id, group_id)
);
CREATE INDEX memberships_group ON memberships(group_id);

CREATE TABLE credentials (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL CHECK (type IN ('rfid-card', 'pin-code')),
  alias TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  validity_enabled INTEGER NOT NULL DEFAULT 1,
  validity_start INTEGER,
  validity_end INTEGER,
  version INTEGER NOT NULL DEFAULT 1,
  card_id TEXT,
  nb_bits INTEGER,
  pin_hash TEXT,
  CHECK ((type = 'rfid-card' AND card_id IS NOT NULL AND nb_bits > 0)
      OR (type = 'pin-code' AND pin_hash IS NOT NULL))
);
CREATE UNIQUE INDEX credentials_card ON credentials(card_id) WHERE card_id IS NOT NULL;
CREATE INDEX credentials_pin ON credentials(pin_hash) WHERE pin_hash IS NOT NULL;
CREATE INDEX credentials_owner ON credentials(owner_id);

CREATE TABLE schedules (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  applies_on_holidays INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE schedule_timeframes (
  schedule_id INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  day INTEGER NOT NULL CHECK (day BETWEEN 0 AND 6),
  start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1439),
  PRIMARY KEY (schedule_id, position)
);

CREATE TABLE schedule_mappings (
  id INTEGER PRIMARY KEY,
  schedule_id INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
  alias TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX schedule_mappings_schedule ON schedule_mappings(schedule_id);

CREATE TABLE mapping_users (
  mapping_id INTEGER NOT NULL REFERENCES schedule_mappings(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (mapping_id, user_id)
);
CREATE INDEX mapping_users_user ON mapping_users(user_id);
CREATE TABLE mapping_groups (
  mapping_id INTEGER NOT NULL REFERENCES schedule_mappings(id) ON DELETE CASCADE,
  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  PRIMARY KEY (mapping_id, group_id)
);
CREATE INDEX mapping_groups_group ON mapping_groups(group_id);
CREATE TABLE mapping_credentials (
  mapping_id INTEGER NOT NULL REFERENCES schedule_mappings(id) ON DELETE CASCADE,
  credential_id INTEGER NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
  PRIMARY KEY (mapping_id, credential_id)
);
CREATE INDEX mapping_credentials_credential ON mapping_credentials(credential_id);
CREATE TABLE mapping_doors (
  mapping_id INTEGER NOT NULL REFERENCES schedule_mappings(id) ON DELETE CASCADE,
  door_id INTEGER NOT NULL REFERENCES doors(id) ON DELETE CASCADE,
  PRIMARY KEY (mapping_id, door_id)
);
CREATE INDEX mapping_doors_door ON mapping_doors(door_id);
CREATE TABLE mapping_zones (
  mapping_id INTEGER NOT NULL REFERENCES schedule_mappings(id) ON DELETE CASCADE,
  zone_id INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
  PRIMARY KEY (mapping_id, zone_id)
);
CREATE INDEX mapping_zones_zone ON mapping_zones(zone_id);

-- Hardware devices: ids are UUID strings as in Leosac. The per-type settings
-- (lines, modes, formats, blink defaults) live in a validated JSON document.
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
  type TEXT NOT NULL CHECK (type IN ('gpio', 'wiegand-reader', 'led', 'buzzer')),
  device_class INTEGER NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  config TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE access_points (
  id INTEGER PRIMARY KEY,
  alias TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  controller_module TEXT NOT NULL DEFAULT 'LEOSAC-BUILTIN-ACCESS-POINT',
  reader_id TEXT REFERENCES devices(id) ON DELETE SET NULL,
  reader_mode TEXT NOT NULL DEFAULT 'card'
    CHECK (reader_mode IN ('card', 'pin', 'card_and_pin', 'card_or_pin')),
  direction TEXT NOT NULL DEFAULT 'none' CHECK (direction IN ('none', 'entry', 'exit')),
  pin_timeout_ms INTEGER NOT NULL DEFAULT 10000
);

CREATE TABLE doors (
  id INTEGER PRIMARY KEY,
  alias TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  access_point_id INTEGER UNIQUE REFERENCES access_points(id) ON DELETE SET NULL,
  mode TEXT NOT NULL DEFAULT 'normal'
    CHECK (mode IN ('normal', 'unlocked', 'locked', 'lockdown')),
  strike_gpio_id TEXT REFERENCES devices(id) ON DELETE SET NULL,
  contact_gpio_id TEXT REFERENCES devices(id) ON DELETE SET NULL,
  rex_gpio_id TEXT REFERENCES devices(id) ON DELETE SET NULL,
  unlock_ms INTEGER NOT NULL DEFAULT 5000,
  held_open_ms INTEGER NOT NULL DEFAULT 30000,
  unlock_schedule_id INTEGER REFERENCES schedules(id) ON DELETE SET NULL,
  unlock_after_first_card INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE zones (
  id INTEGER PRIMARY KEY,
  alias TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  type INTEGER NOT NULL DEFAULT 1 CHECK (type IN (0, 1)),
  antipassback TEXT NOT NULL DEFAULT 'off' CHECK (antipassback IN ('off', 'soft', 'hard')),
  antipassback_reset_s INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE zone_children (
  parent_id INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
  child_id INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
  PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX zone_children_child ON zone_children(child_id);
CREATE TABLE zone_doors (
  zone_id INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
  door_id INTEGER NOT NULL REFERENCES doors(id) ON DELETE CASCADE,
  PRIMARY KEY (zone_id, door_id)
);
CREATE INDEX zone_doors_door ON zone_doors(door_id);

-- Anti-passback: where each user was last seen, per zone.
CREATE TABLE antipassback_state (
  zone_id INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  inside INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (zone_id, user_id)
);

CREATE TABLE holidays (
  id INTEGER PRIMARY KEY,
  date TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  name TEXT NOT NULL DEFAULT '',
  recurring INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX holidays_date ON holidays(date);

CREATE TABLE auth_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX auth_tokens_user ON auth_tokens(user_id);

-- Audit: one row per event. Columns common to every kind, plus the
-- kind-specific fields in 'data' (JSON). Snapshots never hold secrets.
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY,
  timestamp INTEGER NOT NULL,
  kind TEXT NOT NULL,
  event_mask INTEGER NOT NULL,
  author_id INTEGER,
  description TEXT NOT NULL DEFAULT '',
  target_id INTEGER,
  target2_id INTEGER,
  before TEXT,
  after TEXT,
  data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_kind ON audit_events(kind, id);

CREATE TABLE log_messages (
  id INTEGER PRIMARY KEY,
  timestamp INTEGER NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL
);
`;
