import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { migrate, openDatabase, SCHEMA_VERSION, schemaVersion, transaction } from "./db.ts";
import { StoreError } from "../errors.ts";

function tempPath(): { dir: string; path: string } {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-db-" });
  return { dir, path: join(dir, "test.db") };
}

Deno.test("openDatabase() migrates a fresh file to the current schema in WAL mode", () => {
  const { dir, path } = tempPath();
  try {
    const db = openDatabase(path);
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    const mode = db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
    assert.equal(mode.journal_mode, "wal");
    const fk = db.prepare("PRAGMA foreign_keys").get() as { foreign_keys: number };
    assert.equal(fk.foreign_keys, 1);
    const tables =
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<
        { name: string }
      >).map((t) => t.name);
    for (
      const t of [
        "users",
        "groups",
        "credentials",
        "schedules",
        "doors",
        "zones",
        "devices",
        "holidays",
        "auth_tokens",
        "audit_events",
      ]
    ) {
      assert.ok(tables.includes(t), `table ${t}`);
    }
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("openDatabase() re-opens a migrated file without re-applying or losing data", () => {
  const { dir, path } = tempPath();
  try {
    const first = openDatabase(path);
    first.prepare("INSERT INTO groups (name) VALUES ('kept')").run();
    first.close();
    const second = openDatabase(path);
    assert.equal(schemaVersion(second), SCHEMA_VERSION);
    assert.deepEqual(
      { ...second.prepare("SELECT name FROM groups").get() as object },
      { name: "kept" },
    );
    migrate(second); // idempotent
    second.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("openDatabase() refuses a database from a newer schema and leaves it untouched", () => {
  const { dir, path } = tempPath();
  try {
    const raw = new DatabaseSync(path);
    raw.exec(`CREATE TABLE future (x); PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    assert.throws(() => openDatabase(path), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.match(e.message, /newer than this build/);
      return true;
    });
    const check = new DatabaseSync(path);
    assert.equal(schemaVersion(check), SCHEMA_VERSION + 5);
    check.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("migrate() rolls back a failing migration completely", () => {
  const { dir, path } = tempPath();
  try {
    const raw = new DatabaseSync(path);
    raw.exec("CREATE TABLE users (id INTEGER PRIMARY KEY)"); // conflicts with migration 1
    assert.throws(() => migrate(raw), StoreError);
    assert.equal(schemaVersion(raw), 0);
    const tables = raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'")
      .get() as { n: number };
    assert.equal(tables.n, 1, "nothing from the failed migration remains");
    raw.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("transaction() commits on success and rolls back on error", () => {
  const { dir, path } = tempPath();
  try {
    const db = openDatabase(path);
    transaction(db, () => db.prepare("INSERT INTO groups (name) VALUES ('a')").run());
    assert.throws(() =>
      transaction(db, () => {
        db.prepare("INSERT INTO groups (name) VALUES ('b')").run();
        throw new Error("boom");
      })
    );
    const n = db.prepare("SELECT count(*) AS n FROM groups").get() as { n: number };
    assert.equal(n.n, 1);
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
