import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { dumpTables } from "./_table_dump.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "./audit.ts";
import {
  BACKUP_TABLE,
  BackupError,
  inspectBackup,
  readInstallationKey,
  restoreBackup,
  writeBackup,
} from "./backup.ts";
import { createCredential } from "./credentials.ts";
import { SCHEMA_VERSION } from "./db.ts";
import { createGroup } from "./groups.ts";
import { acquireDataLock, DataDirInUseError } from "./lock.ts";
import { hashPin } from "./secrets.ts";
import { DATA_FILES, openStore, type Store } from "./store.ts";
import { createUser, deleteUser } from "./users.ts";

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);

function withTempDir(fn: (dir: string) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-backup-test-" });
  try {
    fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** A data directory with users, a group, a card, a PIN, audit rows and a freed id. */
function populated(dir: string): Store {
  const store = openStore(join(dir, "data"));
  const alice = createUser(store.db, { username: "alice" });
  const gone = createUser(store.db, { username: "gone" });
  deleteUser(store.db, gone.id);
  createGroup(store.db, { name: "staff" });
  createCredential(store.db, {
    type: "rfid-card",
    cardId: "aa:bb:cc:dd",
    nbBits: 32,
    ownerId: alice.id,
  });
  createCredential(store.db, {
    type: "pin-code",
    pinHash: hashPin(store.secret, "1234"),
    ownerId: alice.id,
  });
  appendAudit(store.db, {
    kind: AUDIT_KIND.USER,
    mask: auditMask(AUDIT_EVENT.USER_CREATED),
    authorId: null,
    description: "User alice created.",
    timestamp: NOW,
  });
  return store;
}

Deno.test("writeBackup() then restoreBackup() give back every table, row and the key", () => {
  withTempDir((dir) => {
    const store = populated(dir);
    const file = join(dir, "one.backup");
    const expected = dumpTables(store.db);
    const size = writeBackup(store.db, store.secret, file, { now: NOW });
    assert.equal(Deno.statSync(file).size, size);
    assert.equal(Deno.statSync(file).mode! & 0o777, 0o600);
    const secret = store.secret;
    store.close();

    const info = inspectBackup(file);
    assert.equal(info.createdAt, NOW);
    assert.equal(info.schemaVersion, SCHEMA_VERSION);
    assert.deepEqual(info.key, secret);

    const target = join(dir, "restored");
    const result = restoreBackup(file, target, { now: NOW });
    assert.equal(result.replacedDir, null);
    assert.deepEqual(readInstallationKey(target), secret);
    assert.equal(Deno.statSync(join(target, DATA_FILES.secret)).mode! & 0o777, 0o600);
    assert.equal(Deno.statSync(join(target, DATA_FILES.database)).mode! & 0o777, 0o600);
    const restored = new DatabaseSync(join(target, DATA_FILES.database));
    try {
      assert.deepEqual(dumpTables(restored), expected);
      assert.ok(Object.keys(expected.tables).includes("sqlite_sequence"), "ids are not reused");
    } finally {
      restored.close();
    }
    // The restored directory opens as a controller would, and the PIN still matches.
    const reopened = openStore(target);
    try {
      const pin = reopened.db.prepare("SELECT pin_hash FROM credentials WHERE type = 'pin-code'")
        .get() as { pin_hash: string };
      assert.equal(pin.pin_hash, hashPin(reopened.secret, "1234"));
    } finally {
      reopened.close();
    }
  });
});

Deno.test("restoreBackup() keeps the replaced files aside and refuses a locked directory", () => {
  withTempDir((dir) => {
    const store = populated(dir);
    const file = join(dir, "one.backup");
    writeBackup(store.db, store.secret, file, { now: NOW });
    createGroup(store.db, { name: "after the backup" });
    const oldSecret = store.secret;
    const dataDir = join(dir, "data");
    {
      using _held = acquireDataLock(dataDir);
      assert.throws(
        () => restoreBackup(file, dataDir, { now: NOW }),
        (e: unknown) => e instanceof DataDirInUseError && /restore refused/.test(e.message),
      );
    }
    store.close();
    const result = restoreBackup(file, dataDir, { now: NOW + 1000 });
    assert.equal(result.replacedDir, join(dataDir, "replaced-20260105T120001Z"));
    assert.ok(result.replacedFiles.includes(DATA_FILES.database));
    assert.ok(result.replacedFiles.includes(DATA_FILES.secret));
    const aside = new DatabaseSync(join(result.replacedDir!, DATA_FILES.database));
    try {
      assert.equal(
        aside.prepare("SELECT count(*) AS n FROM groups WHERE name = 'after the backup'").get()!.n,
        1,
      );
    } finally {
      aside.close();
    }
    assert.deepEqual(Deno.readFileSync(join(result.replacedDir!, DATA_FILES.secret)), oldSecret);
    const restored = openStore(dataDir);
    try {
      assert.equal(
        restored.db.prepare("SELECT count(*) AS n FROM groups WHERE name = 'after the backup'")
          .get()!.n,
        0,
      );
      assert.equal(
        restored.db.prepare(
          `SELECT count(*) AS n FROM sqlite_schema WHERE name = '${BACKUP_TABLE}'`,
        ).get()!.n,
        0,
      );
    } finally {
      restored.close();
    }
  });
});

Deno.test("writeBackup() refuses an existing destination unless told to overwrite", () => {
  withTempDir((dir) => {
    const store = populated(dir);
    try {
      const file = join(dir, "exists.backup");
      Deno.writeTextFileSync(file, "precious");
      assert.throws(
        () => writeBackup(store.db, store.secret, file, { now: NOW }),
        (e: unknown) => e instanceof BackupError && /already exists/.test(e.message),
      );
      assert.equal(Deno.readTextFileSync(file), "precious");
      writeBackup(store.db, store.secret, file, { now: NOW, overwrite: true });
      assert.equal(inspectBackup(file).createdAt, NOW);
      assert.deepEqual(
        [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes("partial")),
        [],
      );
    } finally {
      store.close();
    }
  });
});

Deno.test("inspectBackup() and restoreBackup() refuse bad files and change nothing", () => {
  withTempDir((dir) => {
    const store = populated(dir);
    const good = join(dir, "good.backup");
    writeBackup(store.db, store.secret, good, { now: NOW });
    store.close();
    const dataDir = join(dir, "data");
    const before = Deno.readFileSync(join(dataDir, DATA_FILES.database));

    const cases: Array<[string, (path: string) => void, RegExp]> = [
      ["text.backup", (p) => Deno.writeTextFileSync(p, "hello"), /not a usable Leosac backup/],
      ["plain.backup", (p) => {
        const db = new DatabaseSync(p);
        db.exec("CREATE TABLE t (x)");
        db.close();
      }, /no leosac_backup table/],
      ["newer.backup", (p) => {
        Deno.copyFileSync(good, p);
        const db = new DatabaseSync(p);
        db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
        db.exec(
          `UPDATE ${BACKUP_TABLE} SET value = ${SCHEMA_VERSION + 1} WHERE name = 'schema_version'`,
        );
        db.close();
      }, /schema version \d+ is newer than this build supports/],
      ["key.backup", (p) => {
        Deno.copyFileSync(good, p);
        const db = new DatabaseSync(p);
        db.exec(`UPDATE ${BACKUP_TABLE} SET value = x'00' WHERE name = 'installation_key'`);
        db.close();
      }, /installation key is missing or damaged/],
      ["truncated.backup", (p) => {
        const bytes = Deno.readFileSync(good);
        Deno.writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length / 2)));
      }, /not a usable Leosac backup/],
      ["missing.backup", () => {}, /Cannot read the backup/],
    ];
    for (const [name, make, pattern] of cases) {
      const path = join(dir, name);
      make(path);
      assert.throws(
        () => inspectBackup(path),
        (e: unknown) => e instanceof BackupError && pattern.test(e.message),
        name,
      );
      assert.throws(() => restoreBackup(path, dataDir, { now: NOW }), BackupError, name);
    }
    assert.deepEqual(Deno.readFileSync(join(dataDir, DATA_FILES.database)), before);
    assert.deepEqual(
      [...Deno.readDirSync(dataDir)].map((e) => e.name).filter((n) => n.startsWith("replaced-")),
      [],
    );
  });
});
