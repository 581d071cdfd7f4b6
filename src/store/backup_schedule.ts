/**
 * Scheduled backups (`serve --backup-dir DIR --backup-keep N`): one backup a
 * day, named after the app clock's UTC time (`leosac-YYYYMMDDTHHMMSSZ.backup`),
 * and only the newest N of those files kept. Other files in the directory are
 * never touched.
 *
 * The schedule is decided from the names alone, so it survives restarts: at
 * start and then every {@linkcode BACKUP_CHECK_INTERVAL_MS}, a backup is taken
 * when the newest one is {@linkcode BACKUP_INTERVAL_MS} old or more (or when
 * it is dated more than that into the future: the clock was set back).
 *
 * @module
 */
import { join } from "node:path";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { logger } from "../log.ts";
import { timeStamp, writeBackup } from "./backup.ts";
import type { Store } from "./store.ts";

/** Time between two scheduled backups. */
export const BACKUP_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** How often the scheduler looks whether a backup is due. */
export const BACKUP_CHECK_INTERVAL_MS = 60 * 60 * 1000;
/** Default number of scheduled backups kept. */
export const DEFAULT_BACKUP_KEEP = 7;
/** Largest `--backup-keep`. */
export const MAX_BACKUP_KEEP = 1000;

const NAME = /^leosac-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.backup$/;

/** A scheduled backup file found in the directory. */
export interface ScheduledBackupFile {
  name: string;
  /** The time in its name, Unix ms. */
  takenAt: number;
}

/** The scheduled backups in `dir`, oldest first (an absent directory has none). */
export function listScheduledBackups(dir: string): ScheduledBackupFile[] {
  const found: ScheduledBackupFile[] = [];
  try {
    for (const entry of Deno.readDirSync(dir)) {
      const m = entry.isFile ? NAME.exec(entry.name) : null;
      if (!m) continue;
      const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      found.push({ name: entry.name, takenAt: Date.UTC(y, mo - 1, d, h, mi, s) });
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort((a, b) => a.takenAt - b.takenAt || a.name.localeCompare(b.name));
}

/** The file name of a scheduled backup taken at `now`. */
export function scheduledBackupName(now: number): string {
  return `leosac-${timeStamp(now)}.backup`;
}

/** Whether a backup is due at `now`, given the files already there. */
export function isBackupDue(files: readonly ScheduledBackupFile[], now: number): boolean {
  const newest = files.at(-1);
  if (newest === undefined) return true;
  return now - newest.takenAt >= BACKUP_INTERVAL_MS || newest.takenAt - now > BACKUP_INTERVAL_MS;
}

/** Options of {@linkcode BackupScheduler}. */
export interface BackupSchedulerOptions {
  dir: string;
  /** Scheduled backups kept (the newest). */
  keep: number;
  clock: Clock;
  /** Writes one backup to `path` (the store's {@linkcode writeBackup}). */
  backup(path: string): void;
  /** Told about each backup taken and each failure (logging). */
  report?(outcome: { path: string; removed: string[] } | { error: unknown }): void;
}

/** Takes the daily backup when due and prunes the old ones. */
export class BackupScheduler {
  readonly #options: BackupSchedulerOptions;
  #timer: TimerHandle | null = null;
  #stopped = false;

  /** A scheduler; nothing happens before {@linkcode BackupScheduler.start}. */
  constructor(options: BackupSchedulerOptions) {
    if (!Number.isInteger(options.keep) || options.keep < 1) {
      throw new RangeError(`keep must be a positive integer: ${options.keep}`);
    }
    this.#options = options;
  }

  /** Checks now, then every {@linkcode BACKUP_CHECK_INTERVAL_MS}. */
  start(): void {
    this.#tick();
  }

  /** Stops the checks. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /**
   * Takes a backup if one is due at the clock's time, then removes all but
   * the newest `keep`. Returns the path written, or null when none was due.
   * @throws whatever the backup throws (the file is not kept then)
   */
  runIfDue(): string | null {
    const { dir, keep, clock } = this.#options;
    const now = clock.now();
    if (!isBackupDue(listScheduledBackups(dir), now)) return null;
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, scheduledBackupName(now));
    this.#options.backup(path);
    const files = listScheduledBackups(dir);
    const removed: string[] = [];
    for (const file of files.slice(0, Math.max(0, files.length - keep))) {
      Deno.removeSync(join(dir, file.name));
      removed.push(file.name);
    }
    this.#options.report?.({ path, removed });
    return path;
  }

  #tick(): void {
    if (this.#stopped) return;
    try {
      this.runIfDue();
    } catch (error) {
      this.#options.report?.({ error });
    }
    this.#timer = this.#options.clock.setTimeout(() => this.#tick(), BACKUP_CHECK_INTERVAL_MS);
  }
}

/**
 * Starts the daily backups of an open store into `dir` (what `serve
 * --backup-dir DIR --backup-keep N` does), logging each one at info and each
 * failure at error. Stop it before closing the store.
 */
export function startBackupSchedule(
  store: Store,
  options: { dir: string; keep: number; clock?: Clock },
): BackupScheduler {
  const log = logger("backup");
  const clock = options.clock ?? systemClock;
  const scheduler = new BackupScheduler({
    dir: options.dir,
    keep: options.keep,
    clock,
    backup: (path) => writeBackup(store.db, store.secret, path, { now: clock.now() }),
    report(outcome) {
      if ("error" in outcome) {
        log.error("Scheduled backup failed: {error}", {
          error: outcome.error instanceof Error ? outcome.error.message : String(outcome.error),
        });
      } else {
        log.info("Scheduled backup written to {path}; removed {removed}", {
          path: outcome.path,
          removed: outcome.removed.length === 0 ? "none" : outcome.removed.join(", "),
        });
      }
    },
  });
  scheduler.start();
  return scheduler;
}
