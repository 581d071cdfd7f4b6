/**
 * One controller per data directory: an exclusive `flock` on
 * `DIR/leosac.lock`, held for as long as the controller (or a command that
 * must not run beside one, such as `restore`) uses the directory.
 *
 * The kernel releases a `flock` when its process ends, however it ends
 * (`kill -9`, power cut of the process, crash), so a lock left behind never
 * blocks the next start: the file stays, the lock does not. The file holds
 * the holder's PID in decimal, for messages and for `leosac admin
 * reset-password`, which signals the running controller; the PID is never
 * trusted to decide whether the directory is in use (the lock alone decides).
 *
 * @module
 */
import { join } from "node:path";
import { errorText, StoreError } from "../errors.ts";

/** Name of the lock file inside the data directory. */
export const LOCK_FILE = "leosac.lock";

/** Longest PID text read back from a lock file. */
const MAX_PID_TEXT = 32;

/** A held data-directory lock. */
export interface DataLock extends Disposable {
  /** Path of the lock file. */
  readonly path: string;
  /** Releases the lock (the file stays). Idempotent. */
  release(): void;
}

/** The data directory is locked by another process. */
export class DataDirInUseError extends StoreError {
  /** PID recorded by the holder, or null when the file holds none. */
  readonly pid: number | null;

  /** An error naming the directory and, when known, the holder's PID. */
  constructor(dataDir: string, pid: number | null, purpose: string) {
    super(
      `The data directory "${dataDir}" is in use by another Leosac controller` +
        `${pid === null ? "" : ` (pid ${pid})`}: ${purpose}`,
    );
    this.name = "DataDirInUseError";
    this.pid = pid;
  }
}

/** Options for {@linkcode acquireDataLock}. */
export interface AcquireDataLockOptions {
  /**
   * The end of the message when the directory is in use: what the caller
   * could not do and what to do instead.
   * @default "two controllers must never share one data directory. Stop the other one, or give this one its own --data directory"
   */
  purpose?: string;
}

/**
 * Takes the exclusive lock of `dataDir` without waiting, creating the
 * directory (0700) and the lock file (0600) as needed, and records this
 * process's PID in it.
 *
 * @throws {DataDirInUseError} when another process holds it.
 * @throws {StoreError} when the directory or the file cannot be created.
 */
export function acquireDataLock(dataDir: string, options: AcquireDataLockOptions = {}): DataLock {
  const path = join(dataDir, LOCK_FILE);
  let file: Deno.FsFile;
  try {
    Deno.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    file = Deno.openSync(path, { read: true, write: true, create: true, mode: 0o600 });
  } catch (cause) {
    throw new StoreError(`Cannot open the lock file "${path}": ${errorText(cause)}`, { cause });
  }
  let locked: boolean;
  try {
    locked = file.tryLockSync(true);
  } catch (cause) {
    file.close();
    throw new StoreError(`Cannot lock "${path}": ${errorText(cause)}`, { cause });
  }
  if (!locked) {
    file.close();
    throw new DataDirInUseError(
      dataDir,
      lockHolder(dataDir),
      options.purpose ??
        "two controllers must never share one data directory. Stop the other one, or give this one its own --data directory",
    );
  }
  try {
    file.truncateSync(0);
    file.writeSync(new TextEncoder().encode(`${Deno.pid}\n`));
  } catch {
    // The PID is only informative; the lock is what matters.
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    try {
      file.unlockSync();
    } finally {
      file.close();
    }
  };
  return { path, release, [Symbol.dispose]: release };
}

/**
 * The PID recorded in `dataDir`'s lock file, or null when there is no file
 * or no number in it. Says nothing about whether that process still runs or
 * still holds the lock: see {@linkcode isDataDirLocked}.
 */
export function lockHolder(dataDir: string): number | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(join(dataDir, LOCK_FILE)).slice(0, MAX_PID_TEXT);
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Whether another process holds `dataDir`'s lock right now (taken and
 * released at once to find out). False when there is no lock file.
 */
export function isDataDirLocked(dataDir: string): boolean {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(join(dataDir, LOCK_FILE), { read: true });
  } catch {
    return false;
  }
  try {
    if (!file.tryLockSync(true)) return true;
    file.unlockSync();
    return false;
  } finally {
    file.close();
  }
}
