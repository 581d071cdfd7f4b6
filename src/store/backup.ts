/**
 * Backup files: one SQLite file, a consistent snapshot of `leosac.db` taken
 * with `VACUUM INTO` (one read transaction, so it is consistent while the
 * controller goes on writing; WAL readers never block the writer), plus one
 * table, `leosac_backup`, holding the installation key (without it PIN codes
 * cannot be checked) and what the file is:
 *
 * | name               | value                                   |
 * | ------------------ | --------------------------------------- |
 * | `format`           | `leosac-backup-1`                       |
 * | `installation_key` | the 32-byte key, as a BLOB              |
 * | `created_at`       | Unix ms (the app clock)                 |
 * | `leosac_version`   | the version that wrote it               |
 * | `schema_version`   | the database schema version (`user_version`) |
 *
 * The file is written 0600 under a temporary name beside its destination,
 * synced, then renamed: a reader never sees half a backup. A restore checks
 * the file (integrity, format, key, schema version) before it touches the
 * data directory, takes the directory's lock (so never under a running
 * controller), moves the replaced files aside into `replaced-<UTC time>/`,
 * and puts the database and the key in place, each by rename.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { basename, dirname, join, resolve } from "node:path";
import { errorText, StoreError } from "../errors.ts";
import { VERSION_STRING } from "../version.ts";
import { openDatabase, SCHEMA_VERSION, schemaVersion } from "./db.ts";
import { acquireDataLock } from "./lock.ts";
import { DATA_FILES } from "./store.ts";

/** The `format` value of the files this build writes and reads. */
export const BACKUP_FORMAT = "leosac-backup-1";
/** The table of a backup file that describes it and holds the key. */
export const BACKUP_TABLE = "leosac_backup";
/** Length of the installation key. */
const KEY_BYTES = 32;
/** The files of a data directory that a restore replaces (the database with its WAL, and the key). */
const REPLACED_FILES = [
  DATA_FILES.database,
  `${DATA_FILES.database}-wal`,
  `${DATA_FILES.database}-shm`,
  DATA_FILES.secret,
] as const;

/** A backup file that cannot be used. */
export class BackupError extends StoreError {
  /** A message naming the file and what is wrong with it. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BackupError";
  }
}

/** What a checked backup file holds. */
export interface BackupInfo {
  path: string;
  /** When it was taken, Unix ms. */
  createdAt: number;
  leosacVersion: string;
  schemaVersion: number;
  sizeBytes: number;
  /** The installation key. Never logged. */
  key: Uint8Array;
}

/** Options for {@linkcode writeBackup}. */
export interface WriteBackupOptions {
  /** Recorded as `created_at`, Unix ms. */
  now: number;
  /** Replace an existing file at the destination. @default false */
  overwrite?: boolean;
}

/**
 * Writes a backup of the open database `db` and its installation `key` to
 * `outPath` (mode 0600). Safe while other connections write.
 *
 * @returns the size of the file written, in bytes.
 * @throws {BackupError} when the destination exists (without `overwrite`) or
 * cannot be written; nothing is left at the destination then.
 */
export function writeBackup(
  db: DatabaseSync,
  key: Uint8Array,
  outPath: string,
  options: WriteBackupOptions,
): number {
  if (key.length !== KEY_BYTES) throw new RangeError(`The installation key must be 32 bytes`);
  const out = resolve(outPath);
  if (!options.overwrite && exists(out)) {
    throw new BackupError(`"${outPath}" already exists: choose another file (or --force)`);
  }
  const partial = join(dirname(out), `.${basename(out)}.partial-${crypto.randomUUID()}`);
  try {
    // VACUUM INTO writes into an empty existing file, which keeps our mode.
    Deno.writeFileSync(partial, new Uint8Array(), { mode: 0o600, createNew: true });
    Deno.chmodSync(partial, 0o600);
    db.prepare("VACUUM INTO ?").run(partial);
    const copy = openDatabase(partial, { migrate: false, busyTimeoutMs: 0 });
    try {
      copy.exec(`CREATE TABLE ${BACKUP_TABLE} (name TEXT PRIMARY KEY, value NOT NULL)`);
      const insert = copy.prepare(`INSERT INTO ${BACKUP_TABLE} (name, value) VALUES (?, ?)`);
      insert.run("format", BACKUP_FORMAT);
      insert.run("installation_key", key);
      insert.run("created_at", options.now);
      insert.run("leosac_version", VERSION_STRING);
      insert.run("schema_version", schemaVersion(copy));
      copy.exec("PRAGMA journal_mode = DELETE");
    } finally {
      copy.close();
    }
    syncFile(partial);
    Deno.renameSync(partial, out);
    syncDir(dirname(out));
    return Deno.statSync(out).size;
  } catch (cause) {
    removeDatabaseFiles(partial);
    if (cause instanceof BackupError) throw cause;
    throw new BackupError(`Cannot write the backup "${outPath}": ${errorText(cause)}`, { cause });
  }
}

/**
 * Checks a backup file without changing it: SQLite integrity, foreign keys,
 * the `leosac_backup` table, a 32-byte key, and a schema version this build
 * can open (older ones are migrated when the controller starts).
 *
 * @throws {BackupError} saying what is wrong.
 */
export function inspectBackup(path: string): BackupInfo {
  let sizeBytes: number;
  try {
    const info = Deno.statSync(path);
    if (!info.isFile) throw new Error("not a file");
    sizeBytes = info.size;
  } catch (cause) {
    throw new BackupError(`Cannot read the backup "${path}": ${errorText(cause)}`, { cause });
  }
  let db: DatabaseSync;
  try {
    db = openDatabase(path, { readOnly: true, busyTimeoutMs: 0 });
  } catch (cause) {
    throw new BackupError(`"${path}" is not a usable Leosac backup: ${errorText(cause)}`, {
      cause,
    });
  }
  try {
    return { path, sizeBytes, ...checkBackupDb(db, path) };
  } catch (cause) {
    if (cause instanceof BackupError) throw cause;
    throw new BackupError(`"${path}" is not a usable Leosac backup: ${errorText(cause)}`, {
      cause,
    });
  } finally {
    db.close();
  }
}

function checkBackupDb(db: DatabaseSync, path: string): Omit<BackupInfo, "path" | "sizeBytes"> {
  const bad = (why: string): BackupError =>
    new BackupError(`"${path}" is not a usable Leosac backup: ${why}`);
  const integrity = db.prepare("PRAGMA integrity_check").all()
    .map((row) => String((row as Record<string, unknown>).integrity_check));
  if (integrity.length !== 1 || integrity[0] !== "ok") {
    throw bad(`the integrity check failed (${integrity.slice(0, 3).join("; ")})`);
  }
  const hasTable = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?")
    .get(BACKUP_TABLE);
  if (!hasTable) throw bad(`it has no ${BACKUP_TABLE} table (not written by leosac backup)`);
  const meta = new Map<string, unknown>();
  for (const row of db.prepare(`SELECT name, value FROM ${BACKUP_TABLE}`).all()) {
    const { name, value } = row as { name: unknown; value: unknown };
    meta.set(String(name), value);
  }
  if (meta.get("format") !== BACKUP_FORMAT) {
    throw bad(`unknown format ${JSON.stringify(meta.get("format") ?? null)}`);
  }
  const key = meta.get("installation_key");
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    throw bad("the installation key is missing or damaged");
  }
  const version = schemaVersion(db);
  if (version < 1) throw bad("it holds no Leosac database (schema version 0)");
  if (version > SCHEMA_VERSION) {
    throw bad(
      `its schema version ${version} is newer than this build supports (${SCHEMA_VERSION}): restore it with a newer Leosac`,
    );
  }
  if (Number(meta.get("schema_version")) !== version) {
    throw bad(`its recorded schema version does not match the database (${version})`);
  }
  if (db.prepare("PRAGMA foreign_key_check").all().length > 0) {
    throw bad("rows refer to rows that do not exist (foreign key check)");
  }
  const createdAt = Number(meta.get("created_at"));
  return {
    createdAt: Number.isFinite(createdAt) ? createdAt : 0,
    leosacVersion: String(meta.get("leosac_version") ?? "unknown"),
    schemaVersion: version,
    key: new Uint8Array(key),
  };
}

/** Options for {@linkcode restoreBackup}. */
export interface RestoreBackupOptions {
  /** Names the directory the replaced files move to, Unix ms. */
  now: number;
}

/** What a restore did. */
export interface RestoreResult {
  backup: Omit<BackupInfo, "key">;
  /** Where the replaced files went, or null when the directory held none. */
  replacedDir: string | null;
  /** The files moved there. */
  replacedFiles: string[];
}

/**
 * Restores the backup `from` into `dataDir` (created 0700 if missing). The
 * file is checked first; the directory's lock is held throughout, so this
 * refuses while a controller uses it. The database, its WAL files and the
 * key found there move to `dataDir/replaced-<UTC time>/`; if the restore
 * fails they are moved back.
 *
 * @throws {BackupError} when the file is not a usable backup.
 * @throws {DataDirInUseError} when a controller uses `dataDir`.
 * @throws {StoreError} when the files cannot be moved or written.
 */
export function restoreBackup(
  from: string,
  dataDir: string,
  options: RestoreBackupOptions,
): RestoreResult {
  const info = inspectBackup(from);
  using _lock = acquireDataLock(dataDir, {
    purpose: "restore refused while a controller uses it. Stop the controller first " +
      "(systemctl stop leosac), then restore",
  });
  const present = REPLACED_FILES.filter((name) => exists(join(dataDir, name)));
  const replacedDir = present.length === 0
    ? null
    : join(dataDir, `replaced-${timeStamp(options.now)}`);
  const moved: string[] = [];
  const staged = {
    database: join(dataDir, `.${DATA_FILES.database}.restoring`),
    secret: join(dataDir, `.${DATA_FILES.secret}.restoring`),
  };
  try {
    if (replacedDir !== null) {
      Deno.mkdirSync(replacedDir, { mode: 0o700 });
      for (const name of present) {
        Deno.renameSync(join(dataDir, name), join(replacedDir, name));
        moved.push(name);
      }
    }
    removeDatabaseFiles(staged.database);
    Deno.copyFileSync(from, staged.database);
    Deno.chmodSync(staged.database, 0o600);
    const db = openDatabase(staged.database, { migrate: false, busyTimeoutMs: 0 });
    try {
      db.exec(`DROP TABLE ${BACKUP_TABLE}`);
    } finally {
      db.close();
    }
    syncFile(staged.database);
    Deno.writeFileSync(staged.secret, info.key, { mode: 0o600 });
    Deno.chmodSync(staged.secret, 0o600);
    syncFile(staged.secret);
    Deno.renameSync(staged.secret, join(dataDir, DATA_FILES.secret));
    Deno.renameSync(staged.database, join(dataDir, DATA_FILES.database));
    syncDir(dataDir);
  } catch (cause) {
    removeDatabaseFiles(staged.database);
    removeDatabaseFiles(staged.secret);
    for (const name of moved) {
      try {
        Deno.renameSync(join(replacedDir!, name), join(dataDir, name));
      } catch {
        // Left in the replaced directory, which the error names.
      }
    }
    throw new StoreError(
      `Restore into "${dataDir}" failed: ${errorText(cause)}` +
        (moved.length > 0 ? ` (the previous files were put back from "${replacedDir}")` : ""),
      { cause },
    );
  }
  const { key: _key, ...backup } = info;
  return { backup, replacedDir, replacedFiles: moved };
}

/** Reads the installation key of a data directory. @throws {StoreError} */
export function readInstallationKey(dataDir: string): Uint8Array {
  const path = join(dataDir, DATA_FILES.secret);
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (cause) {
    throw new StoreError(`Cannot read the installation key "${path}": ${errorText(cause)}`, {
      cause,
    });
  }
  if (bytes.length !== KEY_BYTES) {
    throw new StoreError(`The installation key "${path}" is damaged (${bytes.length} bytes)`);
  }
  return bytes;
}

/**
 * A UTC time for file names, `YYYYMMDDTHHMMSSZ`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timeStamp } from "./backup.ts";
 * assert.equal(timeStamp(Date.UTC(2025, 0, 2, 3, 4, 5)), "20250102T030405Z");
 * ```
 */
export function timeStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function removeDatabaseFiles(path: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    try {
      Deno.removeSync(path + suffix);
    } catch {
      // absent
    }
  }
}

function syncFile(path: string): void {
  const file = Deno.openSync(path, { read: true, write: true });
  try {
    file.syncSync();
  } finally {
    file.close();
  }
}

function syncDir(path: string): void {
  try {
    const dir = Deno.openSync(path, { read: true });
    try {
      dir.syncSync();
    } finally {
      dir.close();
    }
  } catch {
    // Not every filesystem lets a directory be synced; the renames still happened.
  }
}
