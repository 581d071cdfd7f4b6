import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { openDatabase, SCHEMA_VERSION, schemaVersion } from "../db.ts";
import { getAccessPoint } from "../access_points.ts";
import { getDevice } from "../devices.ts";
import { getDoor, updateDoor } from "../doors.ts";
import { getGroup } from "../groups.ts";
import { getHoliday } from "../holidays.ts";
import { getMembership } from "../memberships.ts";
import { getZone } from "../zones.ts";
import { MIGRATION_0001 } from "./0001_init.ts";
import { MIGRATION_0002 } from "./0002_device_config_keys.ts";
import { VERSIONED_IN_0003 } from "./0003_entity_versions.ts";

/** One row of every table migration 3 versions, as a schema-2 build wrote them. */
const SCHEMA_2_ROWS = `
INSERT INTO users (id, username) VALUES (1, 'alice');
INSERT INTO groups (id, name) VALUES (1, 'staff'), (2, 'night');
INSERT INTO memberships (id, user_id, group_id, rank, timestamp) VALUES (1, 1, 1, 0, 7);
INSERT INTO devices (id, name, type, device_class, config)
  VALUES ('g1', 'strike', 'gpio', 2, '{"chip":"gpiochip0","offset":4}');
INSERT INTO access_points (id, alias) VALUES (1, 'reader');
INSERT INTO doors (id, alias, access_point_id, strike_gpio_id) VALUES (1, 'Front', 1, 'g1');
INSERT INTO zones (id, alias) VALUES (1, 'Lobby');
INSERT INTO zone_doors (zone_id, door_id) VALUES (1, 1);
INSERT INTO holidays (id, date, name) VALUES (1, '2025-12-25', 'Christmas');
`;

Deno.test("migration 3: a schema-2 database loads and every row gets version 1", () => {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-migration-3-" });
  try {
    const path = join(dir, "old.db");
    const raw = new DatabaseSync(path);
    raw.exec(MIGRATION_0001);
    MIGRATION_0002(raw);
    raw.exec("PRAGMA user_version = 2");
    raw.exec(SCHEMA_2_ROWS);
    for (const table of VERSIONED_IN_0003) {
      const columns = raw.prepare(`PRAGMA table_info(${table})`).all().map((c) => c.name);
      assert.ok(!columns.includes("version"), `${table} has no version at schema 2`);
    }
    raw.close();

    const db = openDatabase(path); // migrates 2 -> 3
    try {
      assert.equal(schemaVersion(db), SCHEMA_VERSION);
      for (const table of VERSIONED_IN_0003) {
        const rows = db.prepare(`SELECT version FROM ${table}`).all();
        assert.ok(rows.length > 0, `${table} keeps its rows`);
        assert.deepEqual(rows.map((r) => r.version), rows.map(() => 1), table);
      }
      assert.equal(getGroup(db, 2)?.version, 1);
      assert.equal(getMembership(db, 1)?.version, 1);
      assert.equal(getDevice(db, "g1")?.version, 1);
      assert.equal(getAccessPoint(db, 1)?.version, 1);
      assert.equal(getZone(db, 1)?.version, 1);
      assert.equal(getHoliday(db, 1)?.version, 1);
      assert.deepEqual(getZone(db, 1)?.doorIds, [1]);
      const door = getDoor(db, 1);
      assert.equal(door?.version, 1);
      assert.equal(door?.strikeGpioId, "g1");
      // The migrated rows take part in versioning like new ones.
      assert.equal(updateDoor(db, 1, { alias: "Main" })?.version, 2);
    } finally {
      db.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
