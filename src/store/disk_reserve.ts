/**
 * The free-space reserve (issue 14): a file of really written bytes,
 * `reserve.bin`, kept in the data directory so that the database never fills
 * the filesystem to zero. When the filesystem is full (a write failed with
 * "database or disk is full", or the free space fell under
 * {@linkcode DISK_FULL_BYTES}), the reserve is deleted: its space lets an
 * administrator log in, see the alarm and free space, and lets the waiting
 * event rows in. It is written again once the filesystem has room for it
 * and as much again ({@linkcode DiskReserve.check}, called periodically).
 *
 * The file is written with zeros, not made sparse with a seek or truncate,
 * so its blocks are allocated when it is made and come back when it is
 * deleted. Listeners hear of each release and re-creation (the app turns
 * them into an alarm).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DiskReserve } from "./disk_reserve.ts";
 * const dir = Deno.makeTempDirSync();
 * let free = 100 * 1024 * 1024;
 * const reserve = new DiskReserve(dir, 1024 * 1024, () => free);
 * assert.equal(reserve.open(), "held");
 * free = 0;
 * assert.equal(reserve.check()?.kind, "released");
 * assert.equal(reserve.state, "released");
 * Deno.removeSync(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { statfsSync } from "node:fs";
import { logger } from "../log.ts";

const log = logger("store");

/** The reserve's file name in the data directory. */
export const RESERVE_FILE = "reserve.bin";
/** One mebibyte. */
export const MIB = 1024 * 1024;
/** The reserve `leosac serve` keeps unless told otherwise (`--disk-reserve-mb`). */
export const DEFAULT_RESERVE_MB = 32;
/** The largest reserve accepted (`--disk-reserve-mb`). */
export const MAX_RESERVE_MB = 65_536;
/** Below this many free bytes the disk is `"full"`: SQLite may no longer grow its files. */
export const DISK_FULL_BYTES = 1024 * 1024;
/** Below this many free bytes the disk is `"low"`. */
export const DISK_LOW_BYTES = 64 * 1024 * 1024;
/** How often the app checks the free space (release when full, re-create when room is back). */
export const DISK_CHECK_INTERVAL_MS = 2000;
/** Bytes written per call while the reserve file is made. */
const CHUNK_BYTES = MIB;

/**
 * `"held"`: the file is there, full size. `"released"`: it was deleted (the
 * disk was full) or could not be made for want of room. `"off"`: no reserve
 * is configured.
 */
export type ReserveState = "held" | "released" | "off";

/** A release or re-creation, as the listeners hear it. */
export interface ReserveChange {
  /** The file was deleted (the disk was full) or written again (room is back). */
  kind: "released" | "restored";
  /** Why (a release), or "room is back" (a re-creation). */
  reason: string;
  /** The filesystem's free bytes after the change, null when the system cannot tell. */
  freeBytes: number | null;
  /** The reserve's configured size. */
  reserveBytes: number;
}

/** Bytes an unprivileged writer may use on the filesystem holding `dir`; null when unknown. */
export function freeBytesOf(dir: string): number | null {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

/** True when `error` says the filesystem is full (SQLite's SQLITE_FULL, or ENOSPC). */
export function isDiskFullError(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /disk is full|SQLITE_FULL|No space left|ENOSPC/i.test(text);
}

/** The reserve file of one data directory. */
export class DiskReserve {
  /** The reserve's configured size in bytes (0: off). */
  readonly bytes: number;
  /** The file's path. */
  readonly path: string;
  readonly #freeBytes: () => number | null;
  #state: ReserveState;
  readonly #listeners = new Set<(change: ReserveChange) => void>();

  /**
   * `bytes` 0 turns the reserve off. `freeBytes` reads the filesystem's free
   * space (tests pass their own).
   */
  constructor(dataDir: string, bytes: number, freeBytes?: () => number | null) {
    if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes > MAX_RESERVE_MB * MIB) {
      throw new RangeError(
        `The disk reserve must be a whole number of bytes from 0 to ${MAX_RESERVE_MB} MiB: ${bytes}`,
      );
    }
    this.bytes = bytes;
    this.path = join(dataDir, RESERVE_FILE);
    this.#freeBytes = freeBytes ?? (() => freeBytesOf(dataDir));
    this.#state = bytes === 0 ? "off" : "released";
  }

  /** The reserve's state. */
  get state(): ReserveState {
    return this.#state;
  }

  /** The filesystem's free bytes (one `statfs`), null when the system cannot tell. */
  freeBytes(): number | null {
    return this.#freeBytes();
  }

  /**
   * At start: keeps a full-size reserve file already there (and releases it
   * at once if the disk is full), writes one when there is room for it and
   * as much again, and removes a leftover file when the reserve is off.
   * Returns the state.
   */
  open(): ReserveState {
    if (this.bytes === 0) {
      this.#remove();
      return this.#state;
    }
    if (this.#isWhole()) {
      this.#state = "held";
      const free = this.#freeBytes();
      if (free !== null && free < DISK_FULL_BYTES) {
        this.release("the disk was full at start");
      }
      return this.#state;
    }
    this.#remove();
    if (!this.#make()) {
      log.warn(
        "No room for the {mb} MiB disk reserve ({free} bytes free): it is made once there is",
        { mb: this.bytes / MIB, free: this.#freeBytes() },
      );
    }
    return this.#state;
  }

  /**
   * Deletes the reserve file so that its space can be used; `reason` says
   * why (logged and told to the listeners). False when there was nothing to
   * release (off, or released already).
   */
  release(reason: string): boolean {
    return this.#release(reason) !== null;
  }

  #release(reason: string): ReserveChange | null {
    if (this.#state !== "held") return null;
    this.#remove();
    this.#state = "released";
    const change: ReserveChange = {
      kind: "released",
      reason,
      freeBytes: this.#freeBytes(),
      reserveBytes: this.bytes,
    };
    log.error(
      "The disk is full ({reason}): released the {mb} MiB disk reserve so that administrators can log in and free space",
      { reason, mb: this.bytes / MIB },
    );
    this.#tell(change);
    return change;
  }

  /**
   * The periodic check (one `statfs`): a held reserve is released when the
   * free space is under {@linkcode DISK_FULL_BYTES}; a released one is
   * written again once the filesystem has room for it and as much again.
   * Returns the change made, or null.
   */
  check(): ReserveChange | null {
    if (this.#state === "off") return null;
    const free = this.#freeBytes();
    if (free === null) return null;
    if (this.#state === "held") {
      if (free >= DISK_FULL_BYTES) return null;
      return this.#release(`${free} bytes free`);
    }
    if (free < 2 * this.bytes || !this.#make()) return null;
    const change: ReserveChange = {
      kind: "restored",
      reason: "room is back",
      freeBytes: this.#freeBytes(),
      reserveBytes: this.bytes,
    };
    log.info("Room is back on the disk: the {mb} MiB disk reserve is held again", {
      mb: this.bytes / MIB,
    });
    this.#tell(change);
    return change;
  }

  /** Adds a listener of releases and re-creations; returns a function that removes it. */
  subscribe(listener: (change: ReserveChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #tell(change: ReserveChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        log.error("A disk reserve listener failed: {error}", { error: String(error) });
      }
    }
  }

  /** True when the file is there, full size, with its blocks allocated (not sparse). */
  #isWhole(): boolean {
    try {
      const info = Deno.statSync(this.path);
      const allocated = info.blocks === null ? info.size : info.blocks * 512;
      return info.isFile && info.size === this.bytes && allocated >= this.bytes;
    } catch {
      return false;
    }
  }

  /**
   * Writes the file (zeros, chunk by chunk, under a temporary name renamed
   * when complete) if the filesystem has room for it and as much again.
   * False, with nothing left behind, when it has not.
   */
  #make(): boolean {
    const free = this.#freeBytes();
    if (free !== null && free < 2 * this.bytes) return false;
    const partial = `${this.path}.partial`;
    const chunk = new Uint8Array(CHUNK_BYTES);
    let file: Deno.FsFile | null = null;
    try {
      file = Deno.openSync(partial, { write: true, create: true, truncate: true, mode: 0o600 });
      for (let written = 0; written < this.bytes;) {
        written += file.writeSync(chunk.subarray(0, Math.min(CHUNK_BYTES, this.bytes - written)));
      }
      file.syncSync();
      file.close();
      file = null;
      Deno.renameSync(partial, this.path);
      this.#state = "held";
      return true;
    } catch (error) {
      file?.close();
      try {
        Deno.removeSync(partial);
      } catch {
        // Nothing was created.
      }
      if (!isDiskFullError(error)) {
        log.warn("Cannot write the disk reserve {path}: {error}", {
          path: this.path,
          error: String(error),
        });
      }
      return false;
    }
  }

  #remove(): void {
    try {
      Deno.removeSync(this.path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        log.error("Cannot delete the disk reserve {path}: {error}", {
          path: this.path,
          error: String(error),
        });
      }
    }
  }
}
