/**
 * The data directory: the SQLite file and the installation secret.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { statfsSync } from "node:fs";
import { StoreError } from "../errors.ts";
import { openDatabase } from "./db.ts";
import { newInstallationSecret } from "./secrets.ts";

/** File names inside the data directory. */
export const DATA_FILES = { database: "leosac.db", secret: "installation.key" } as const;

/** An open data directory. */
export interface Store {
  /** The main thread's read-write connection. */
  readonly db: DatabaseSync;
  /** Path of the SQLite file (the worker opens its own connections to it). */
  readonly databasePath: string;
  /** The installation secret (keys PIN hashes). Never logged. */
  readonly secret: Uint8Array;
  /**
   * Whether the database file is still the one that was opened: `"missing"`
   * when it was deleted, `"replaced"` when another file took its place (the
   * process would go on writing to a file nobody can see).
   */
  fileState(): "ok" | "missing" | "replaced";
  /** Free space of the data directory's filesystem (one `statfs`, a few µs). */
  diskState(): DiskState;
  /** Closes the database. */
  close(): void;
}

/** Below this many free bytes the disk is `"full"`: SQLite may no longer grow its files. */
export const DISK_FULL_BYTES = 1024 * 1024;
/** Below this many free bytes the disk is `"low"`. */
export const DISK_LOW_BYTES = 64 * 1024 * 1024;

/** The data directory's filesystem: free bytes and a verdict. */
export interface DiskState {
  /** Bytes an unprivileged writer may still use; null when the system cannot tell. */
  freeBytes: number | null;
  /** `"full"` below {@linkcode DISK_FULL_BYTES}, `"low"` below {@linkcode DISK_LOW_BYTES}. */
  disk: "ok" | "low" | "full" | "unknown";
}

/** Free space of the filesystem holding `dir`. */
export function diskStateOf(dir: string): DiskState {
  let freeBytes: number;
  try {
    const stats = statfsSync(dir);
    freeBytes = stats.bavail * stats.bsize;
  } catch {
    return { freeBytes: null, disk: "unknown" };
  }
  const disk = freeBytes < DISK_FULL_BYTES ? "full" : freeBytes < DISK_LOW_BYTES ? "low" : "ok";
  return { freeBytes, disk };
}

/** Options for {@linkcode openStore}. */
export interface OpenStoreOptions {
  /** `synchronous=FULL` for power-loss durability. @default false */
  durableSync?: boolean;
  /**
   * Create the database even though the directory already holds an
   * installation secret (the database of that installation was lost).
   * Without it, {@linkcode openStore} refuses to start with an empty database.
   * @default false
   */
  allowNewDatabase?: boolean;
}

/**
 * Opens the data directory, creating it, the database and the installation
 * secret as needed.
 *
 * @throws {StoreError} when the directory is not writable, the secret is
 * damaged, the database is unusable or from a newer schema, or the database
 * is missing beside an existing secret (unless `allowNewDatabase`).
 */
export function openStore(dataDir: string, options: OpenStoreOptions = {}): Store {
  try {
    Deno.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new StoreError(`Cannot create data directory "${dataDir}": ${message(cause)}`, { cause });
  }
  checkWritable(dataDir);
  const databasePath = join(dataDir, DATA_FILES.database);
  const secretPath = join(dataDir, DATA_FILES.secret);
  const lostDatabase = fileIdentity(databasePath) === null && fileIdentity(secretPath) !== null;
  const secret = loadSecret(secretPath);
  if (lostDatabase && !options.allowNewDatabase) {
    throw new StoreError(
      `The data directory "${dataDir}" holds an installation key but no database ` +
        `(${DATA_FILES.database}): the database was deleted or moved. Restore it from a backup, ` +
        "or start with --allow-new-database to begin again with an empty one",
    );
  }
  const db = openDatabase(databasePath, options.durableSync ? { durableSync: true } : {});
  const identity = fileIdentity(databasePath);
  return {
    db,
    databasePath,
    secret,
    fileState(): "ok" | "missing" | "replaced" {
      const now = fileIdentity(databasePath);
      if (now === null) return "missing";
      return identity === null || now === identity ? "ok" : "replaced";
    },
    diskState: () => diskStateOf(dataDir),
    close(): void {
      if (db.isOpen) db.close();
    },
  };
}

function fileIdentity(path: string): string | null {
  try {
    const info = Deno.statSync(path);
    return `${info.dev}:${info.ino}`;
  } catch {
    return null;
  }
}

function checkWritable(dir: string): void {
  const probe = join(dir, `.write-test-${crypto.randomUUID()}`);
  try {
    Deno.writeTextFileSync(probe, "");
    Deno.removeSync(probe);
  } catch (cause) {
    throw new StoreError(`Data directory "${dir}" is not writable: ${message(cause)}`, { cause });
  }
}

function loadSecret(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new StoreError(`Cannot read installation secret "${path}": ${message(error)}`);
    }
    bytes = newInstallationSecret();
    try {
      Deno.writeFileSync(path, bytes, { mode: 0o600, createNew: true });
    } catch (cause) {
      throw new StoreError(`Cannot write installation secret "${path}": ${message(cause)}`, {
        cause,
      });
    }
  }
  if (bytes.length !== 32) {
    throw new StoreError(
      `Installation secret "${path}" is damaged (expected 32 bytes, found ${bytes.length}); ` +
        "restore it from a backup: PIN codes cannot be checked without it",
    );
  }
  return bytes;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
