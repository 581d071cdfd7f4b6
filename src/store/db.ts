/**
 * Opens the SQLite store (node:sqlite), sets its pragmas and applies the
 * numbered migrations. This is the only module that opens SQLite.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { errorText, StoreError } from "../errors.ts";
import { MIGRATION_0001 } from "./migrations/0001_init.ts";
import { MIGRATION_0002 } from "./migrations/0002_device_config_keys.ts";
import { MIGRATION_0003 } from "./migrations/0003_entity_versions.ts";
import { MIGRATION_0004 } from "./migrations/0004_autoincrement_ids.ts";
import { MIGRATION_0005 } from "./migrations/0005_audit_chain.ts";
import { MIGRATION_0006 } from "./migrations/0006_search_indexes.ts";
import { MIGRATION_0007 } from "./migrations/0007_osdp.ts";
import { MIGRATION_0008 } from "./migrations/0008_card_pin_binding.ts";
import { MIGRATION_0009 } from "./migrations/0009_access_point_pairs_only.ts";
import { MIGRATION_0010 } from "./migrations/0010_site.ts";
import { MIGRATION_0011 } from "./migrations/0011_site_events.ts";
import { MIGRATION_0012 } from "./migrations/0012_osdp_pending_key.ts";
import { int, rowReader } from "./rows.ts";

/** One migration: SQL to execute, or a function that rewrites rows (inside the transaction). */
export type Migration = string | ((db: DatabaseSync) => void);

/** The migrations, in order; migration N is `MIGRATIONS[N - 1]`. */
export const MIGRATIONS: readonly Migration[] = [
  MIGRATION_0001,
  MIGRATION_0002,
  MIGRATION_0003,
  MIGRATION_0004,
  MIGRATION_0005,
  MIGRATION_0006,
  MIGRATION_0007,
  MIGRATION_0008,
  MIGRATION_0009,
  MIGRATION_0010,
  MIGRATION_0011,
  MIGRATION_0012,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

/** A SQLite value as node:sqlite binds it. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** Options for {@linkcode openDatabase}. */
export interface OpenDatabaseOptions {
  /** Open read-only (the controller worker's policy connection). @default false */
  readOnly?: boolean;
  /** `synchronous=FULL` (power-loss durable) instead of NORMAL. @default false */
  durableSync?: boolean;
  /** How long a writer waits for a lock. @default 5000 */
  busyTimeoutMs?: number;
  /** Apply migrations (only the main thread does). @default true unless readOnly */
  migrate?: boolean;
}

/**
 * Opens (creating if needed) the database at `path`, in WAL mode with foreign
 * keys on, and migrates it to {@linkcode SCHEMA_VERSION}.
 *
 * @throws {StoreError} if the file cannot be opened or its schema is newer than this build.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): DatabaseSync {
  const readOnly = options.readOnly ?? false;
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly, timeout: options.busyTimeoutMs ?? 5000 });
  } catch (cause) {
    throw new StoreError(`Cannot open database "${path}": ${errorText(cause)}`, { cause });
  }
  try {
    if (!readOnly) db.exec("PRAGMA journal_mode = WAL");
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    db.exec("PRAGMA foreign_keys = ON");
    db.exec(`PRAGMA synchronous = ${options.durableSync ? "FULL" : "NORMAL"}`);
    if (options.migrate ?? !readOnly) migrate(db);
    else checkVersion(db);
  } catch (cause) {
    db.close();
    if (cause instanceof StoreError) throw cause;
    throw new StoreError(`Cannot use database "${path}": ${errorText(cause)}`, { cause });
  }
  return db;
}

const readVersion = rowReader("PRAGMA user_version", { user_version: int });

/** The schema version recorded in the database file. */
export function schemaVersion(db: DatabaseSync): number {
  return readVersion(db.prepare("PRAGMA user_version").get()).user_version;
}

function checkVersion(db: DatabaseSync): number {
  const version = schemaVersion(db);
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      `Database schema version ${version} is newer than this build supports (${SCHEMA_VERSION}): upgrade Leosac for Deno`,
    );
  }
  return version;
}

/**
 * Applies every migration newer than the file's version, all in one
 * transaction: either the whole upgrade lands or nothing changes.
 *
 * Foreign key enforcement is off during the transaction (SQLite ignores the
 * pragma inside one, so it is switched before and restored after): a table
 * rebuild drops a parent table, which with enforcement on would first delete
 * its rows and cascade to the children. `PRAGMA foreign_key_check` must
 * find no more violations before the commit than before the migrations.
 */
export function migrate(db: DatabaseSync): void {
  const from = checkVersion(db);
  if (from === SCHEMA_VERSION) return;
  const enforced = (db.prepare("PRAGMA foreign_keys").get() as { foreign_keys: number })
    .foreign_keys;
  db.exec("PRAGMA foreign_keys = OFF");
  try {
    db.exec("BEGIN IMMEDIATE");
    try {
      const brokenBefore = db.prepare("PRAGMA foreign_key_check").all().length;
      for (let v = from; v < SCHEMA_VERSION; v++) {
        const migration = MIGRATIONS[v]!;
        if (typeof migration === "string") db.exec(migration);
        else migration(db);
      }
      const broken = db.prepare("PRAGMA foreign_key_check").all();
      if (broken.length > brokenBefore) {
        throw new Error(`foreign key violations: ${JSON.stringify(broken.slice(0, 3))}`);
      }
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      db.exec("COMMIT");
    } catch (cause) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw new StoreError(`Migration from schema ${from} failed: ${errorText(cause)}`, { cause });
    }
  } finally {
    db.exec(`PRAGMA foreign_keys = ${enforced ? "ON" : "OFF"}`);
  }
}

/** Runs `fn` inside a transaction (nested calls join the outer one). */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  if (db.isTransaction) return fn();
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** Prepared statements per connection, by SQL text. */
const STATEMENTS = new WeakMap<DatabaseSync, Map<string, StatementSync>>();
/** Distinct SQL texts cached per connection before the cache starts over. */
const MAX_CACHED_STATEMENTS = 512;

/**
 * Returns a prepared statement for `sql`, compiled once per connection.
 * Compiling costs tens of microseconds; every repository goes through this.
 */
export function prepared(db: DatabaseSync, sql: string): StatementSync {
  let cache = STATEMENTS.get(db);
  if (!cache) {
    cache = new Map();
    STATEMENTS.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}
