import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { openDatabase, SCHEMA_VERSION, schemaVersion } from "../store/db.ts";
import { storedConfig } from "../store/device_config.ts";
import { getDevice, listDevices } from "../store/devices.ts";
import { MIGRATION_0001 } from "../store/migrations/0001_init.ts";
import { loadWiring } from "./wiring.ts";

type Rows = Record<string, [type: string, config: Record<string, unknown>]>;

/** Two doors: door 1 with strike, contact, REX and a reader with LED and buzzer; door 2 with a broken strike. */
function insertInstallation(db: DatabaseSync, devices: Rows): void {
  const device = db.prepare(
    "INSERT INTO devices (id, name, type, device_class, config) VALUES (?, ?, ?, 0, ?)",
  );
  for (const [id, [type, config]] of Object.entries(devices)) {
    device.run(id, id, type, JSON.stringify(config));
  }
  db.exec(`
    INSERT INTO access_points (id, reader_id, reader_mode) VALUES (1, 'r1', 'card_and_pin');
    INSERT INTO access_points (id, reader_id) VALUES (2, 'r2');
    INSERT INTO doors (id, alias, access_point_id, strike_gpio_id, contact_gpio_id, rex_gpio_id)
      VALUES (1, 'front', 1, 'g-strike', 'g-contact', 'g-rex');
    INSERT INTO doors (id, alias, access_point_id, strike_gpio_id) VALUES (2, 'back', 2, 'g-bad');
  `);
}

/** Every old spelling the readers before schema 2 accepted. */
const OLD: Rows = {
  "g-strike": ["gpio", { device: "gpiochip1", line: "4", "fail-safe": true, "active-low": true }],
  "g-contact": ["gpio", { number: 5, "debounce-us": "1000", direction: 0 }],
  "g-rex": ["gpio", { chip: "", offset: 6, debounce_us: -3 }],
  "g-bad": ["gpio", { offset: "abc" }],
  "g-d0": ["gpio", { line: 10 }],
  "g-d1": ["gpio", { offset: 11, active_low: "yes" }],
  "g-d0b": ["gpio", { offset: 20 }],
  "g-d1b": ["gpio", { offset: 21 }],
  "g-led": ["gpio", { offset: 12 }],
  "g-buzz": ["gpio", { offset: 13 }],
  "led1": ["led", { gpio: "g-led" }],
  "buzz1": ["buzzer", { "gpio-id": { id: "g-buzz" } }],
  "r1": ["wiegand-reader", {
    mode: "WIEGAND_PIN_4BITS",
    d0: { id: "g-d0" },
    "gpio-high": "g-d1",
    "green-led": "led1",
    buzzer: "buzz1",
    "silence-ms": "30",
    "fixed-length": 26,
    formats: ["H10301", 5],
  }],
  "r2": ["wiegand-reader", {
    mode: "BOGUS",
    d0_id: "g-d0b",
    "d1-id": "g-d1b",
    led_id: "led1",
    silence_ms: 0,
    fixed_length: "0",
  }],
};

/** The same installation in the one spelling of schema 2. */
const CANONICAL: Rows = {
  "g-strike": ["gpio", { chip: "gpiochip1", offset: 4, fail_safe: true, active_low: true }],
  "g-contact": ["gpio", { offset: 5, debounce_us: 1000, direction: "in" }],
  "g-rex": ["gpio", { offset: 6 }],
  "g-bad": ["gpio", {}],
  "g-d0": ["gpio", { offset: 10 }],
  "g-d1": ["gpio", { offset: 11, active_low: false }],
  "g-d0b": ["gpio", { offset: 20 }],
  "g-d1b": ["gpio", { offset: 21 }],
  "g-led": ["gpio", { offset: 12 }],
  "g-buzz": ["gpio", { offset: 13 }],
  "led1": ["led", { gpio_id: "g-led" }],
  "buzz1": ["buzzer", { gpio_id: "g-buzz" }],
  "r1": ["wiegand-reader", {
    mode: "WIEGAND_PIN_4BITS",
    gpio_low_id: "g-d0",
    gpio_high_id: "g-d1",
    green_led_id: "led1",
    buzzer_id: "buzz1",
    silence_ms: 30,
    fixed_length: 26,
    formats: ["H10301"],
  }],
  "r2": ["wiegand-reader", { gpio_low_id: "g-d0b", gpio_high_id: "g-d1b", green_led_id: "led1" }],
};

function withTempDir(fn: (dir: string) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-wiring-test-" });
  try {
    fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("a schema-1 database with every old device key spelling loads the same wiring after migration 2", () => {
  withTempDir((dir) => {
    // A database as the build before schema 2 left it.
    const oldPath = join(dir, "old.db");
    const raw = new DatabaseSync(oldPath);
    raw.exec(MIGRATION_0001);
    raw.exec("PRAGMA user_version = 1");
    insertInstallation(raw, OLD);
    raw.close();

    const old = openDatabase(oldPath); // migrates
    const fresh = openDatabase(join(dir, "fresh.db"));
    try {
      assert.equal(schemaVersion(old), SCHEMA_VERSION);
      insertInstallation(fresh, CANONICAL);
      const wiring = loadWiring(old);
      assert.deepEqual(wiring, loadWiring(fresh));

      // What the old readers made of the old spellings.
      const [front, back] = wiring.doors;
      assert.deepEqual(front?.strike, {
        deviceId: "g-strike",
        name: "g-strike",
        chip: "gpiochip1",
        offset: 4,
        activeLow: true,
        debounceUs: 0,
        failSafe: true,
      });
      assert.equal(front?.contact?.offset, 5);
      assert.equal(front?.contact?.debounceUs, 1000);
      assert.equal(front?.rex?.chip, "gpiochip0");
      assert.equal(front?.rex?.debounceUs, 0);
      const reader = front?.accessPoint?.reader;
      assert.equal(reader?.d0.offset, 10);
      assert.equal(reader?.d1.offset, 11);
      assert.equal(reader?.d1.activeLow, false);
      assert.equal(reader?.led?.offset, 12);
      assert.equal(reader?.buzzer?.offset, 13);
      assert.equal(reader?.keypad, "4bit");
      assert.deepEqual(reader?.formats, ["H10301"]);
      assert.equal(reader?.silenceMs, 30);
      assert.equal(reader?.fixedLength, 26);
      assert.equal(back?.strike, null);
      const second = back?.accessPoint?.reader;
      assert.deepEqual([second?.d0.offset, second?.d1.offset, second?.led?.offset], [20, 21, 12]);
      assert.deepEqual([second?.keypad, second?.silenceMs, second?.fixedLength], [
        "none",
        25,
        null,
      ]);
      assert.deepEqual(wiring.warnings, ['door 2 strike: gpio "g-bad" has no line offset']);

      // Every row now holds the canonical document.
      for (const device of listDevices(old)) {
        assert.deepEqual(storedConfig(device), storedConfig(getDevice(fresh, device.id)!));
      }
      const row = old.prepare("SELECT config FROM devices WHERE id = 'r1'").get() as {
        config: string;
      };
      assert.deepEqual(JSON.parse(row.config), CANONICAL.r1![1]);
    } finally {
      old.close();
      fresh.close();
    }
  });
});

Deno.test("loadWiring() with a controller name wires only that controller's doors and devices", () => {
  withTempDir((dir) => {
    const db = openDatabase(join(dir, "site.db"));
    try {
      insertInstallation(db, CANONICAL);
      // Door 1 (and its devices) are this controller's (NULL); door 2 is B's.
      db.exec(`
        UPDATE doors SET controller = 'B' WHERE id = 2;
        UPDATE access_points SET controller = 'B' WHERE id = 2;
        UPDATE devices SET controller = 'B' WHERE id IN ('g-bad', 'g-d0b', 'g-d1b', 'r2');
        INSERT INTO doors (id, alias, strike_gpio_id, controller) VALUES (3, 'mine', 'g-strike', 'A');
        INSERT INTO doors (id, alias, strike_gpio_id, controller) VALUES (4, 'crossed', 'g-d0b', 'A');
      `);
      const onA = loadWiring(db, "A");
      assert.deepEqual(onA.doors.map((d) => d.id), [1, 3, 4]);
      assert.equal(onA.doors[1]?.strike?.deviceId, "g-strike");
      // A reference to another controller's device is not wired: a warning says why.
      assert.equal(onA.doors[2]?.strike, null);
      assert.deepEqual(onA.warnings, ['door 4 strike: device "g-d0b" is wired on controller B']);

      const onB = loadWiring(db, "B");
      // NULL rows are "this controller": B's own database would hold A's as 'A'.
      assert.deepEqual(onB.doors.map((d) => d.id), [1, 2]);
      assert.equal(onB.doors[1]?.accessPoint?.reader?.d0.deviceId, "g-d0b");

      // Outside a site every row is wired.
      assert.deepEqual(loadWiring(db).doors.map((d) => d.id), [1, 2, 3, 4]);
    } finally {
      db.close();
    }
  });
});
