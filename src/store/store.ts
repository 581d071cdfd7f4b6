/**
 * The data directory: the SQLite file and the installation secret.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { errorText, StoreError } from "../errors.ts";
import { openDatabase, prepared } from "./db.ts";
import {
  DISK_FULL_BYTES,
  DISK_LOW_BYTES,
  DiskReserve,
  freeBytesOf,
  type ReserveState,
} from "./disk_reserve.ts";
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
  /**
   * Free space of the data directory's filesystem (one `statfs`, a few µs),
   * judged with the disk reserve and the database's own free pages.
   */
  diskState(): DiskState;
  /** The free-space reserve (`reserve.bin`; off unless {@linkcode OpenStoreOptions.reserveBytes}). */
  readonly reserve: DiskReserve;
  /** Closes the database. */
  close(): void;
}

export { DISK_FULL_BYTES, DISK_LOW_BYTES, DiskReserve };
export type { ReserveChange, ReserveState } from "./disk_reserve.ts";

/** The data directory's filesystem: free bytes and a verdict. */
export interface DiskState {
  /** Bytes an unprivileged writer may still use; null when the system cannot tell. */
  freeBytes: number | null;
  /**
   * `"full"` when the room left for the database is below
   * {@linkcode DISK_FULL_BYTES}, `"low"` below {@linkcode DISK_LOW_BYTES}.
   * That room is the free space, less a released reserve (the space it
   * needs back: while the database lives on it the disk is still full),
   * plus the database file's free pages (rows deleted make room inside it).
   */
  disk: "ok" | "low" | "full" | "unknown";
  /** The disk reserve: `"held"`, `"released"` (the disk was full) or `"off"`. */
  reserve?: ReserveState;
  /** The reserve's configured size. */
  reserveBytes?: number;
}

/** Free space of the filesystem holding `dir` (no reserve, no database). */
export function diskStateOf(dir: string): DiskState {
  const freeBytes = freeBytesOf(dir);
  return { freeBytes, disk: freeBytes === null ? "unknown" : verdict(freeBytes) };
}

function verdict(room: number): "ok" | "low" | "full" {
  return room < DISK_FULL_BYTES ? "full" : room < DISK_LOW_BYTES ? "low" : "ok";
}

/** Free space of the data directory judged with its reserve and the database's free pages. */
function diskStateWith(reserve: DiskReserve, db: DatabaseSync): DiskState {
  const freeBytes = reserve.freeBytes();
  const state = reserve.state;
  const base = { freeBytes, reserve: state, reserveBytes: reserve.bytes };
  if (freeBytes === null) return { ...base, disk: "unknown" };
  const owed = state === "released" ? reserve.bytes : 0;
  return { ...base, disk: verdict(Math.max(0, freeBytes - owed) + databaseFreeBytes(db)) };
}

/** Bytes of the database file's free pages (what deleted rows left), 0 when unreadable. */
function databaseFreeBytes(db: DatabaseSync): number {
  try {
    const pages = prepared(db, "PRAGMA freelist_count").get() as { freelist_count: number };
    const size = prepared(db, "PRAGMA page_size").get() as { page_size: number };
    return pages.freelist_count * size.page_size;
  } catch {
    return 0;
  }
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
  /**
   * Bytes of the free-space reserve file (`reserve.bin`) kept in the
   * directory: made at start when there is room, released when the disk is
   * full (see `disk_reserve.ts`). 0 turns it off (and deletes a leftover
   * file). @default 0
   */
  reserveBytes?: number;
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
    throw new StoreError(`Cannot create data directory "${dataDir}": ${errorText(cause)}`, {
      cause,
    });
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
  // Before the database opens: on a full disk its release lets the start's writes in.
  const reserve = new DiskReserve(dataDir, options.reserveBytes ?? 0);
  reserve.open();
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
    diskState: () => diskStateWith(reserve, db),
    reserve,
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
    throw new StoreError(`Data directory "${dir}" is not writable: ${errorText(cause)}`, { cause });
  }
}

function loadSecret(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new StoreError(`Cannot read installation secret "${path}": ${errorText(error)}`);
    }
    bytes = newInstallationSecret();
    try {
      Deno.writeFileSync(path, bytes, { mode: 0o600, createNew: true });
    } catch (cause) {
      throw new StoreError(`Cannot write installation secret "${path}": ${errorText(cause)}`, {
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
