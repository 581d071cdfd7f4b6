import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StoreError } from "../errors.ts";
import { createAccessPoint, getAccessPoint } from "./access_points.ts";
import { migrate, MIGRATIONS } from "./db.ts";
import { createDevice, deleteDevice, getDevice } from "./devices.ts";
import {
  clearPendingScbk,
  deleteScbk,
  openScbk,
  readPendingScbk,
  readScbk,
  scbkState,
  sealScbk,
  writePendingScbk,
  writeScbk,
} from "./osdp_keys.ts";
import { openTempDatabase } from "./_test_db.ts";

const SECRET = new Uint8Array(32).fill(7);
const KEY = Uint8Array.from({ length: 16 }, (_, i) => i * 3);

Deno.test("sealScbk() opens only for the same installation and device", () => {
  const sealed = sealScbk(SECRET, "reader-1", KEY);
  assert.equal(sealed.length, 12 + 16 + 16);
  assert.ok(!Buffer.from(sealed).includes(Buffer.from(KEY)), "the key is not stored in clear");
  assert.deepEqual(openScbk(SECRET, "reader-1", sealed), KEY);
  assert.throws(() => openScbk(SECRET, "reader-2", sealed), StoreError);
  assert.throws(() => openScbk(new Uint8Array(32).fill(8), "reader-1", sealed), StoreError);
  const altered = sealed.slice();
  altered[20]! ^= 1;
  assert.throws(() => openScbk(SECRET, "reader-1", altered), /does not open/);
  assert.throws(() => sealScbk(SECRET, "reader-1", new Uint8Array(15)), RangeError);
});

Deno.test("writeScbk() stores a reader's key sealed; the row goes with the device", () => {
  using temp = openTempDatabase();
  const db = temp.db;
  const bus = createDevice(db, { name: "bus", type: "osdp-bus", config: { port: "/dev/ttyUSB0" } });
  const reader = createDevice(db, {
    name: "front",
    type: "osdp-reader",
    config: { bus_id: bus.id, address: 3 },
  });
  assert.deepEqual(scbkState(db, reader.id), { hasKey: false, installedAt: null });
  assert.equal(readScbk(db, SECRET, reader.id), null);
  writeScbk(db, SECRET, reader.id, KEY, 1_700_000_000_000);
  assert.deepEqual(scbkState(db, reader.id), { hasKey: true, installedAt: 1_700_000_000_000 });
  assert.deepEqual(readScbk(db, SECRET, reader.id), KEY);
  const stored = db.prepare("SELECT sealed FROM osdp_keys").get() as { sealed: Uint8Array };
  assert.ok(!Buffer.from(stored.sealed).includes(Buffer.from(KEY)));
  const ap = createAccessPoint(db, { readerId: reader.id });
  deleteScbk(db, reader.id);
  assert.equal(scbkState(db, reader.id).hasKey, false);
  writeScbk(db, SECRET, reader.id, KEY, 1);
  deleteDevice(db, reader.id);
  assert.equal(db.prepare("SELECT count(*) AS n FROM osdp_keys").get()!.n, 0);
  assert.equal(getAccessPoint(db, ap.id)?.readerId, null);
});

Deno.test("writePendingScbk() keeps a rotation's key beside the confirmed one until it is resolved", () => {
  using temp = openTempDatabase();
  const db = temp.db;
  const bus = createDevice(db, { name: "bus", type: "osdp-bus", config: { port: "/dev/ttyUSB0" } });
  const reader = createDevice(db, {
    name: "front",
    type: "osdp-reader",
    config: { bus_id: bus.id, address: 3 },
  });
  const next = Uint8Array.from({ length: 16 }, (_, i) => 200 - i);
  assert.throws(() => writePendingScbk(db, SECRET, reader.id, next), /has no key to rotate/);
  writeScbk(db, SECRET, reader.id, KEY, 1);
  assert.equal(readPendingScbk(db, SECRET, reader.id), null);
  writePendingScbk(db, SECRET, reader.id, next);
  assert.deepEqual(readPendingScbk(db, SECRET, reader.id), next);
  assert.deepEqual(readScbk(db, SECRET, reader.id), KEY, "the confirmed key stays");
  const row = db.prepare("SELECT sealed, pending FROM osdp_keys").get() as {
    sealed: Uint8Array;
    pending: Uint8Array;
  };
  assert.ok(!Buffer.from(row.pending).includes(Buffer.from(next)), "sealed");
  // A pending key never opens as the confirmed one, nor the other way round.
  assert.throws(() => openScbk(SECRET, reader.id, row.pending), StoreError);
  clearPendingScbk(db, reader.id);
  assert.equal(readPendingScbk(db, SECRET, reader.id), null);
  assert.deepEqual(readScbk(db, SECRET, reader.id), KEY);
  writePendingScbk(db, SECRET, reader.id, next);
  writeScbk(db, SECRET, reader.id, next, 2); // confirmed: the pending one goes
  assert.equal(readPendingScbk(db, SECRET, reader.id), null);
  assert.deepEqual(readScbk(db, SECRET, reader.id), next);
});

Deno.test("migration 7 keeps every device and the references to them, and accepts the OSDP types", () => {
  const db = new DatabaseSync(":memory:", { enableForeignKeyConstraints: false });
  try {
    for (const migration of MIGRATIONS.slice(0, 6)) {
      if (typeof migration === "string") db.exec(migration);
      else migration(db);
    }
    db.exec("PRAGMA user_version = 6");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec(
      `INSERT INTO devices (id, name, type, device_class, config, version)
         VALUES ('w1', 'wiegand', 'wiegand-reader', 2, '{"mode":"SIMPLE_WIEGAND"}', 4)`,
    );
    db.exec("INSERT INTO access_points (id, reader_id) VALUES (5, 'w1')");
    migrate(db);
    assert.equal(getDevice(db, "w1")?.version, 4);
    assert.equal(getAccessPoint(db, 5)?.readerId, "w1");
    assert.deepEqual(db.prepare("PRAGMA foreign_key_check").all(), []);
    createDevice(db, { name: "bus", type: "osdp-bus" });
    deleteDevice(db, "w1"); // ON DELETE SET NULL still applies through the rebuilt table
    assert.equal(getAccessPoint(db, 5)?.readerId, null);
  } finally {
    db.close();
  }
});
