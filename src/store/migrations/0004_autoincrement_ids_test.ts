import { MIGRATION_0006 } from "./0006_search_indexes.ts";
import { MIGRATION_0011 } from "./0011_site_events.ts";
import { MIGRATION_0008 } from "./0008_card_pin_binding.ts";
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { openDatabase, SCHEMA_VERSION, schemaVersion } from "../db.ts";
import { openTempDatabase } from "../_test_db.ts";
import { appendAudit, AUDIT_KIND } from "../audit.ts";
import { createCredential, deleteCredential } from "../credentials.ts";
import { createDoor, deleteDoor } from "../doors.ts";
import { createGroup } from "../groups.ts";
import { createUser, deleteUser } from "../users.ts";
import { MIGRATION_0001 } from "./0001_init.ts";
import { MIGRATION_0002 } from "./0002_device_config_keys.ts";
import { MIGRATION_0003 } from "./0003_entity_versions.ts";
import { AUTOINCREMENT_IN_0004, MIGRATION_0004 } from "./0004_autoincrement_ids.ts";

Deno.test("ids are never reused: deleting the newest row does not free its id", () => {
  using t = openTempDatabase();
  const db = t.db;
  createUser(db, { username: "alice" });
  const bob = createUser(db, { username: "bob" });
  assert.ok(deleteUser(db, bob.id));
  assert.equal(createUser(db, { username: "carol" }).id, bob.id + 1);

  createDoor(db, { alias: "Front" });
  const back = createDoor(db, { alias: "Back" });
  assert.ok(deleteDoor(db, back.id));
  assert.equal(createDoor(db, { alias: "Side" }).id, back.id + 1);

  const card = createCredential(db, { type: "rfid-card", cardId: "aa:bb", nbBits: 16 });
  assert.ok(deleteCredential(db, card.id));
  assert.equal(
    createCredential(db, { type: "rfid-card", cardId: "aa:cc", nbBits: 16 }).id,
    card.id + 1,
  );

  const entry = {
    kind: AUDIT_KIND.ALARM,
    mask: 1,
    authorId: null,
    description: "x",
    timestamp: 1,
  };
  appendAudit(db, entry);
  const last = appendAudit(db, entry);
  db.prepare("DELETE FROM audit_events WHERE id = ?").run(last);
  assert.equal(appendAudit(db, entry), last + 1);
});

/** Rows in every table that references or is referenced, as a schema-3 build wrote them. */
const SCHEMA_3_ROWS = `
INSERT INTO users (id, username) VALUES (1, 'admin'), (2, 'alice'), (5, 'bob');
INSERT INTO groups (id, name) VALUES (1, 'staff'), (3, 'night');
INSERT INTO memberships (id, user_id, group_id, rank, timestamp) VALUES (1, 2, 1, 0, 7), (2, 5, 3, 1, 8);
INSERT INTO credentials (id, type, alias, owner_id, card_id, nb_bits)
  VALUES (4, 'rfid-card', 'badge', 5, 'aa:bb:cc:dd', 32);
INSERT INTO credentials (id, type, alias, owner_id, pin_hash) VALUES (6, 'pin-code', 'pin', 2, 'h');
INSERT INTO schedules (id, name) VALUES (2, 'office');
INSERT INTO schedule_timeframes (schedule_id, position, day, start_minute, end_minute)
  VALUES (2, 0, 0, 480, 1080);
INSERT INTO schedule_mappings (id, schedule_id, alias) VALUES (3, 2, 'm');
INSERT INTO mapping_users (mapping_id, user_id) VALUES (3, 5);
INSERT INTO mapping_groups (mapping_id, group_id) VALUES (3, 1);
INSERT INTO mapping_credentials (mapping_id, credential_id) VALUES (3, 4);
INSERT INTO devices (id, name, type, device_class, config)
  VALUES ('g1', 'strike', 'gpio', 2, '{"chip":"gpiochip0","offset":4}');
INSERT INTO access_points (id, alias, reader_id) VALUES (7, 'reader', NULL);
INSERT INTO doors (id, alias, access_point_id, strike_gpio_id, unlock_schedule_id)
  VALUES (2, 'Front', 7, 'g1', 2);
INSERT INTO mapping_doors (mapping_id, door_id) VALUES (3, 2);
INSERT INTO zones (id, alias, antipassback) VALUES (1, 'Site', 'hard'), (4, 'Lobby', 'soft');
INSERT INTO zone_children (parent_id, child_id) VALUES (1, 4);
INSERT INTO zone_doors (zone_id, door_id) VALUES (4, 2);
INSERT INTO mapping_zones (mapping_id, zone_id) VALUES (3, 4);
INSERT INTO antipassback_state (zone_id, user_id, inside, at) VALUES (4, 5, 1, 99);
INSERT INTO holidays (id, date, name) VALUES (9, '2025-12-25', 'Christmas');
INSERT INTO auth_tokens (token_hash, user_id, created_at, expires_at) VALUES ('t', 5, 1, 2);
INSERT INTO audit_events (id, timestamp, kind, event_mask, target_id, data)
  VALUES (11, 5, 'Leosac::Audit::AuthEvent', 1073741824, 5, '{"door":2}');
UPDATE users SET version = 4 WHERE id = 5;
UPDATE doors SET version = 3 WHERE id = 2;
`;

type Dump = Record<string, unknown[]>;

function dump(db: DatabaseSync): Dump {
  const tables = db.prepare(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  ).all().map((r) => String(r.name));
  const out: Dump = {};
  for (const table of tables) {
    out[table] = db.prepare(`SELECT * FROM "${table}" ORDER BY 1, 2`).all()
      .map((row) => ({ ...row }));
  }
  return out;
}

/** `dump` without what migration 5 adds (audit chain columns, anchors): what migration 4 kept. */
function withoutSchema5(tables: Dump): Dump {
  // Later migrations' tables (5: the audit anchors, 7: OSDP keys, 10 and 11: the site's) are
  // not this migration's.
  const {
    audit_anchors: _anchors,
    osdp_keys: _osdpKeys,
    site_state: _site,
    site_events: _siteEvents,
    site_event_cursors: _siteCursors,
    ...rest
  } = tables;
  rest.audit_events = (rest.audit_events ?? []).map((row) => {
    const { chain: _chain, prev_id: _prev, hash: _hash, ...kept } = row as Record<string, unknown>;
    return kept;
  });
  // Migration 8 adds credentials.required_pin_id (a card's bound PIN).
  rest.credentials = (rest.credentials ?? []).map((row) => {
    const { required_pin_id: _pin, ...kept } = row as Record<string, unknown>;
    return kept;
  });
  // Migration 9 adds access_points.pairs_only.
  rest.access_points = (rest.access_points ?? []).map((row) => {
    const { pairs_only: _pairs, controller: _controller, ...kept } = row as Record<string, unknown>;
    return kept;
  });
  // Migration 10 adds `controller` to doors and devices too (sites).
  for (const table of ["doors", "devices"]) {
    rest[table] = (rest[table] ?? []).map((row) => {
      const { controller: _controller, ...kept } = row as Record<string, unknown>;
      return kept;
    });
  }
  return rest;
}

function indexes(db: DatabaseSync): string[] {
  return db.prepare(
    "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
  ).all().map((r) => `${r.name}: ${r.sql}`);
}

function foreignKeyTargets(db: DatabaseSync, table: string): string[] {
  return db.prepare(`PRAGMA foreign_key_list("${table}")`).all()
    .filter((r) => r.from !== "required_pin_id") // migration 8's
    .map((r) => `${r.from}->${r.table}.${r.to} ${r.on_delete}`).sort();
}

Deno.test("migration 4: a schema-3 database keeps its rows, indexes and references", () => {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-migration-4-" });
  try {
    const path = join(dir, "old.db");
    const raw = new DatabaseSync(path);
    raw.exec("PRAGMA foreign_keys = ON");
    raw.exec(MIGRATION_0001);
    MIGRATION_0002(raw);
    raw.exec(MIGRATION_0003);
    raw.exec("PRAGMA user_version = 3");
    raw.exec(SCHEMA_3_ROWS);
    const before = dump(raw);
    const indexesBefore = indexes(raw);
    const tables = Object.keys(before);
    const keysBefore = tables.map((t) => foreignKeyTargets(raw, t));
    raw.close();

    const db = openDatabase(path); // migrates 3 -> 4
    try {
      assert.equal(schemaVersion(db), SCHEMA_VERSION);
      assert.deepEqual(withoutSchema5(dump(db)), before, "every row of every table, ids included");
      assert.deepEqual(
        // Later migrations' indexes (5: the chain, 6: search, 8: bound PINs, 11: site events)
        // are not this one's.
        indexes(db).filter((i) =>
          !i.startsWith("audit_events_chain:") &&
          !new RegExp(`INDEX ${i.split(":")[0]}\\s`).test(
            MIGRATION_0006 + MIGRATION_0008 + MIGRATION_0011,
          )
        ),
        indexesBefore,
      );
      assert.deepEqual(tables.map((t) => foreignKeyTargets(db, t)), keysBefore);
      assert.deepEqual(db.prepare("PRAGMA foreign_key_check").all(), []);
      assert.equal(db.prepare("PRAGMA foreign_keys").get()?.foreign_keys, 1);
      for (const table of AUTOINCREMENT_IN_0004) {
        const { sql } = db.prepare("SELECT sql FROM sqlite_schema WHERE name = ?").get(table)!;
        assert.match(String(sql), /id INTEGER PRIMARY KEY AUTOINCREMENT/, table);
      }
      // The references still act: deleting bob cascades through the rebuilt tables.
      assert.ok(deleteUser(db, 5));
      assert.equal(db.prepare("SELECT count(*) AS n FROM memberships").get()?.n, 1);
      assert.equal(
        db.prepare("SELECT owner_id FROM credentials WHERE id = 4").get()?.owner_id,
        null,
      );
      assert.equal(db.prepare("SELECT count(*) AS n FROM auth_tokens").get()?.n, 0);
      assert.equal(db.prepare("SELECT count(*) AS n FROM antipassback_state").get()?.n, 0);
      // bob (5) was the newest user: his id is not given again.
      assert.equal(createUser(db, { username: "dave" }).id, 6);
      assert.equal(createGroup(db, { name: "day" }).id, 4);
    } finally {
      db.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("migration 4 refuses to run with foreign keys enforced (the drops would cascade)", () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec("PRAGMA foreign_keys = ON");
    db.exec(MIGRATION_0001);
    assert.throws(() => MIGRATION_0004(db), /foreign keys off/);
  } finally {
    db.close();
  }
});
