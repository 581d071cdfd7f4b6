/**
 * Audit retention: the audit log is bounded by age and by size, access
 * decisions are kept longest, and removed rows are exported first.
 *
 * Rules (one pass of {@linkcode runAuditRetention}, at time `now`):
 *
 * 1. **Age.** A chain's oldest rows (in id order) whose timestamp is older
 *    than its keep period (`keepAccessDays` for access decisions,
 *    `keepOtherDays` for the rest) are removed. Only a prefix is removed: the
 *    first row young enough stops it (a row stamped by a wrong clock can hold
 *    older ones back; the size bound still applies).
 * 2. **Size.** While the database's used pages exceed `maxBytes`, the oldest
 *    rows of the chain whose oldest row is furthest into its keep period
 *    (age divided by keep period) are removed, until the used pages are under
 *    {@linkcode SIZE_TARGET_RATIO} of `maxBytes`. So at equal size pressure
 *    an access decision outlives another row by the ratio of the periods.
 * 3. **Export first.** With an export directory, the rows of a pass are
 *    written to one file per chain (`audit_export.ts`), fsynced and renamed,
 *    before any of them is deleted. If the export fails, nothing is deleted.
 * 4. **Small batches.** Deletion runs in transactions of at most `batchRows`
 *    rows; the event loop (and the worker's writes) get a turn between them.
 * 5. **Anchor.** Each delete transaction records the id and hash of the last
 *    row it removed as the chain's anchor (`audit_anchors`, with a running
 *    count of removed rows), so the chain stays verifiable from there.
 * 6. **A copy goes first.** With a {@linkcode RetentionCopy} (in a site, the
 *    copy of the site's events, `src/site/event_retention.ts`), its rows past
 *    their keep period are removed too (before the chains' rows), and when
 *    the used pages exceed `maxBytes` its oldest rows go down to the target
 *    before any audit row; audit rows go for size only once the copy has
 *    nothing left it may remove. A copy's rows are not exported (the copy
 *    says which rows may go; it keeps what is not elsewhere yet).
 *
 * {@linkcode AuditRetention} runs passes on the app clock every
 * `intervalMs` (sooner while work is left).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { logger } from "../log.ts";
import { AUDIT_CHAINS, type AuditChain, GENESIS_HASH, storedHashHex } from "./audit_chain.ts";
import { AUDIT_EXPORT_DIR, exportLine, ExportWriter } from "./audit_export.ts";
import { type ChainPoint, readAnchors } from "./audit_verify.ts";
import { prepared, transaction } from "./db.ts";
import { int, rowReader } from "./rows.ts";

const log = logger("audit");

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;
/** Default days access decisions are kept. */
export const DEFAULT_AUDIT_KEEP_ACCESS_DAYS = 365;
/** Default days every other audit row is kept. */
export const DEFAULT_AUDIT_KEEP_OTHER_DAYS = 90;
/** Default bound of the database's used pages, in MiB. */
export const DEFAULT_AUDIT_MAX_MB = 1024;
/** Size removal goes on until the used pages are under this share of `maxBytes`. */
export const SIZE_TARGET_RATIO = 0.9;

/** What is kept. */
export interface AuditRetentionPolicy {
  /** Days access decisions (granted, denied) are kept. */
  keepAccessDays: number;
  /** Days every other row is kept. */
  keepOtherDays: number;
  /** Used database bytes beyond which the oldest rows go; null: no bound. */
  maxBytes: number | null;
  /** Where removed rows are exported first; null: they are not exported. */
  exportDir: string | null;
}

/**
 * A table of copies kept beside the audit log (in a site, the site's
 * events): bounded by the same keep periods, and the first to shrink under
 * size pressure. Each method deletes at most `maxRows` rows in one statement
 * and returns how many went; fewer than `maxRows` means nothing more is due.
 */
export interface RetentionCopy {
  /** What the rows are, for the log ("site events"). */
  readonly name: string;
  /** Deletes rows past their keep period at `now`. */
  removeAged(
    policy: Pick<AuditRetentionPolicy, "keepAccessDays" | "keepOtherDays">,
    limits: { now: number; maxRows: number },
  ): number;
  /** Deletes the oldest rows that may go. */
  removeOldest(limits: { maxRows: number }): number;
  /**
   * Audit rows with an id above this are not copied yet (in a site: not yet
   * in the outbox, so not yet on their way to the site's stream) and are
   * never removed, for age or size.
   */
  auditHeldAfter(): number;
}

/** Limits of one run. */
export interface RetentionRunOptions {
  /** Rows of one pass (one export file per chain). @default 10_000 */
  passRows?: number;
  /** Rows per delete transaction. @default 500 */
  batchRows?: number;
  /** Passes per run; more work waits for the next run. @default 10 */
  maxPasses?: number;
  /** Stops the run between batches. */
  signal?: AbortSignal;
  /** Lets other work run between batches. @default a zero-delay timer */
  pause?: () => Promise<void>;
  /** Rows removed before the audit's (rule 6); at most `passRows * maxPasses` of them a run. */
  copy?: RetentionCopy;
}

/** What one run removed. */
export interface RetentionReport {
  /** Rows removed, per chain. */
  removed: Record<AuditChain, number>;
  /** Rows of the copy removed (0 without one). */
  removedCopy: number;
  /** Export files written. */
  files: string[];
  /** True when the run stopped at `maxPasses` with work left. */
  more: boolean;
}

/** A prefix of one chain to remove. */
export interface RemovalPlan {
  chain: AuditChain;
  reason: "age" | "size";
  firstId: number;
  lastId: number;
  rows: number;
  /** The row the first removed row follows (the chain's anchor, or genesis). */
  after: ChainPoint;
}

/**
 * The policy of a data directory from the serve flags: `maxMb` 0 is no size
 * bound; with `exportRows`, removed rows go to `DATA_DIR/audit-export/`.
 */
export function auditRetentionPolicy(
  dataDir: string,
  flags: { keepAccessDays: number; keepOtherDays: number; maxMb: number; export: boolean },
): AuditRetentionPolicy {
  return {
    keepAccessDays: flags.keepAccessDays,
    keepOtherDays: flags.keepOtherDays,
    maxBytes: flags.maxMb === 0 ? null : flags.maxMb * 1024 * 1024,
    exportDir: flags.export ? join(dataDir, AUDIT_EXPORT_DIR) : null,
  };
}

const readIdTime = rowReader("audit_events", { id: int, timestamp: int });
const readSpan = rowReader("audit_events span", { span: int });
const readId = rowReader("audit_events", { id: int });
const readPragma = (name: string) => rowReader(`PRAGMA ${name}`, { [name]: int });

/** Bytes of the database's pages in use (file pages minus free pages). */
export function usedDatabaseBytes(db: DatabaseSync): number {
  const value = (name: string): number =>
    Number(readPragma(name)(prepared(db, `PRAGMA ${name}`).get())[name]);
  return (value("page_count") - value("freelist_count")) * value("page_size");
}

function oldest(
  db: DatabaseSync,
  chain: AuditChain,
  rows: number,
  maxId: number,
): { id: number; timestamp: number }[] {
  return prepared(
    db,
    "SELECT id, timestamp FROM audit_events WHERE chain = ? AND id <= ? ORDER BY id LIMIT ?",
  ).all(chain, maxId, rows).map(readIdTime);
}

function keepMs(policy: AuditRetentionPolicy, chain: AuditChain): number {
  return (chain === "access" ? policy.keepAccessDays : policy.keepOtherDays) * DAY_MS;
}

/**
 * The next prefix to remove (age first, then size while the used pages
 * exceed `sizeLimitBytes`), at most `maxRows` rows; null when nothing is due.
 */
export function planAuditRemoval(
  db: DatabaseSync,
  policy: AuditRetentionPolicy,
  { now, maxRows, sizeLimitBytes = policy.maxBytes, heldAfter = Number.MAX_SAFE_INTEGER }: {
    now: number;
    maxRows: number;
    sizeLimitBytes?: number | null;
    /** Rows with a greater id are kept whatever their age (see {@linkcode RetentionCopy.auditHeldAfter}). */
    heldAfter?: number;
  },
): RemovalPlan | null {
  const anchors = readAnchors(db);
  const plan = (chain: AuditChain, reason: RemovalPlan["reason"], rows: { id: number }[]) => ({
    chain,
    reason,
    firstId: rows[0]!.id,
    lastId: rows.at(-1)!.id,
    rows: rows.length,
    after: anchors[chain] ?? { id: 0, hash: GENESIS_HASH },
  });
  for (const chain of AUDIT_CHAINS) {
    const cutoff = now - keepMs(policy, chain);
    // The oldest row first: each minute's check reads one row per chain when nothing is due.
    const first = oldest(db, chain, 1, heldAfter)[0];
    if (first === undefined || first.timestamp >= cutoff) continue;
    const rows = oldest(db, chain, maxRows, heldAfter);
    const due = rows.findIndex((row) => row.timestamp >= cutoff);
    const prefix = due === -1 ? rows : rows.slice(0, due);
    if (prefix.length > 0) return plan(chain, "age", prefix);
  }
  if (sizeLimitBytes === null || sizeLimitBytes === undefined) return null;
  const used = usedDatabaseBytes(db);
  if (used <= sizeLimitBytes) return null;
  const candidates = AUDIT_CHAINS
    .map((chain) => ({ chain, first: oldest(db, chain, 1, heldAfter)[0] }))
    .filter((c) => c.first !== undefined)
    .map((c) => ({ ...c, over: (now - c.first!.timestamp) / keepMs(policy, c.chain) }))
    .sort((a, b) => b.over - a.over);
  const pick = candidates[0];
  if (pick === undefined) return null;
  // Rows to free the excess, from the mean row size (ids overestimate the count: at least 1).
  const { span } = readSpan(
    prepared(db, "SELECT coalesce(max(id) - min(id) + 1, 0) AS span FROM audit_events").get(),
  );
  const target = sizeLimitBytes * SIZE_TARGET_RATIO;
  const rows = Math.max(1, Math.ceil((used - target) / Math.max(1, used / Math.max(1, span))));
  return plan(pick.chain, "size", oldest(db, pick.chain, Math.min(maxRows, rows), heldAfter));
}

/**
 * Removes, in one transaction, the rows of `chain` up to `lastId` (at most
 * `batchRows` of them, oldest first) and records the last one as the chain's
 * anchor. Returns the rows removed (0 when none is left up to `lastId`).
 */
export function deleteAuditBatch(
  db: DatabaseSync,
  { chain, lastId, batchRows, now }: {
    chain: AuditChain;
    lastId: number;
    batchRows: number;
    now: number;
  },
): number {
  return transaction(db, () => {
    const last = prepared(
      db,
      `SELECT id, hash FROM (SELECT id, hash FROM audit_events WHERE chain = ? AND id <= ?
         ORDER BY id LIMIT ?) ORDER BY id DESC LIMIT 1`,
    ).get(chain, lastId, batchRows);
    if (last === undefined) return 0;
    const upTo = readId(last).id;
    const hash = last.hash;
    if (storedHashHex(hash) === null) {
      throw new Error(`Audit row ${upTo} has no valid hash: not removed (run leosac audit verify)`);
    }
    const { changes } = prepared(db, "DELETE FROM audit_events WHERE chain = ? AND id <= ?")
      .run(chain, upTo);
    prepared(
      db,
      `INSERT INTO audit_anchors (chain, last_id, last_hash, removed, updated_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (chain) DO UPDATE SET last_id = excluded.last_id,
         last_hash = excluded.last_hash, removed = removed + excluded.removed,
         updated_at = excluded.updated_at`,
    ).run(chain, upTo, hash as Uint8Array, Number(changes), now);
    return Number(changes);
  });
}

/** Writes the rows of `plan` to an export file in `dir`; returns its path. */
async function exportPlan(
  db: DatabaseSync,
  plan: RemovalPlan,
  { dir, now, batchRows, pause }: {
    dir: string;
    now: number;
    batchRows: number;
    pause: () => Promise<void>;
  },
): Promise<string> {
  const writer = new ExportWriter(dir, {
    leosac_audit_export: 1,
    chain: plan.chain,
    after: plan.after,
    first_id: plan.firstId,
    last_id: plan.lastId,
    rows: plan.rows,
    exported_at: now,
  });
  try {
    const select = `SELECT * FROM audit_events WHERE chain = ? AND id > ? AND id <= ?
                    ORDER BY id LIMIT ?`;
    for (let after = plan.after.id;;) {
      const rows = prepared(db, select).all(plan.chain, after, plan.lastId, batchRows);
      if (rows.length === 0) break;
      writer.append(rows.map((row) => exportLine(row)));
      after = Number(rows.at(-1)!.id);
      await pause();
    }
    return writer.finish();
  } catch (error) {
    writer.abort();
    throw error;
  }
}

function zeroDelay(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** One run's state: its limits and what it has left to spend. */
interface Run {
  db: DatabaseSync;
  policy: AuditRetentionPolicy;
  now: number;
  passRows: number;
  batchRows: number;
  pause: () => Promise<void>;
  signal: AbortSignal | undefined;
  report: RetentionReport;
  passesLeft: number;
  copyRowsLeft: number;
  copy: RetentionCopy | undefined;
}

/**
 * Deletes batches of the copy with `remove` until `enough()` or it has
 * nothing more (true), or the run stops or its budget is spent (false).
 */
async function copyBatches(
  run: Run,
  { remove, enough = () => false }: { remove: (maxRows: number) => number; enough?: () => boolean },
): Promise<boolean> {
  for (;;) {
    if (enough()) return true;
    if (run.signal?.aborted || run.copyRowsLeft <= 0) return false;
    const maxRows = Math.min(run.batchRows, run.copyRowsLeft);
    const removed = remove(maxRows);
    run.report.removedCopy += removed;
    run.copyRowsLeft -= removed;
    if (removed > 0) await run.pause();
    if (removed < maxRows) return true;
  }
}

/**
 * Passes over the audit chains (age, then size over `sizeLimit`) until none
 * is due or the passes are spent; returns the size limit then in force.
 */
async function auditPasses(run: Run, sizeLimit: number | null): Promise<number | null> {
  const { db, policy, now, batchRows, pause, signal, report } = run;
  for (; run.passesLeft > 0; run.passesLeft--) {
    if (signal?.aborted) return sizeLimit;
    const plan = planAuditRemoval(db, policy, {
      now,
      maxRows: run.passRows,
      sizeLimitBytes: sizeLimit,
      ...(run.copy === undefined ? {} : { heldAfter: run.copy.auditHeldAfter() }),
    });
    if (plan === null) return sizeLimit;
    // Once over the bound, go on down to the target (no removal at every new row).
    if (plan.reason === "size" && policy.maxBytes !== null) {
      sizeLimit = policy.maxBytes * SIZE_TARGET_RATIO;
    }
    if (policy.exportDir !== null) {
      report.files.push(
        await exportPlan(db, plan, { dir: policy.exportDir, now, batchRows, pause }),
      );
    }
    for (;;) {
      if (signal?.aborted) return sizeLimit;
      const removed = deleteAuditBatch(db, {
        chain: plan.chain,
        lastId: plan.lastId,
        batchRows,
        now,
      });
      if (removed === 0) break;
      report.removed[plan.chain] += removed;
      await pause();
    }
  }
  return sizeLimit;
}

/**
 * One retention run at time `now` (see the module documentation): the
 * copy's old rows, the chains' old rows, then while over the size bound the
 * copy's oldest rows and only then the chains'.
 *
 * @throws {Error} when an export cannot be written (nothing of its pass is deleted) or the database refuses a delete.
 */
export async function runAuditRetention(
  db: DatabaseSync,
  policy: AuditRetentionPolicy,
  now: number,
  options: RetentionRunOptions = {},
): Promise<RetentionReport> {
  const passRows = options.passRows ?? 10_000;
  const maxPasses = options.maxPasses ?? 10;
  const run: Run = {
    db,
    policy,
    now,
    passRows,
    batchRows: options.batchRows ?? 500,
    pause: options.pause ?? zeroDelay,
    signal: options.signal,
    report: { removed: { access: 0, other: 0 }, removedCopy: 0, files: [], more: false },
    passesLeft: maxPasses,
    copyRowsLeft: passRows * maxPasses,
    copy: options.copy,
  };
  const { copy, signal } = options;
  let copyDone = copy === undefined ||
    await copyBatches(run, { remove: (maxRows) => copy.removeAged(policy, { now, maxRows }) });
  let sizeLimit = await auditPasses(run, null);
  if (signal?.aborted) return run.report;
  if (policy.maxBytes !== null) {
    const maxBytes = policy.maxBytes;
    sizeLimit = maxBytes;
    if (copy !== undefined && copyDone && usedDatabaseBytes(db) > maxBytes) {
      // The copy down to the target first; audit rows only if it has nothing left to give.
      sizeLimit = maxBytes * SIZE_TARGET_RATIO;
      const target = sizeLimit;
      copyDone = await copyBatches(run, {
        remove: (maxRows) => copy.removeOldest({ maxRows }),
        enough: () => usedDatabaseBytes(db) <= target,
      });
    }
    if (signal?.aborted) return run.report;
    if (copyDone) sizeLimit = await auditPasses(run, sizeLimit);
  }
  if (signal?.aborted) return run.report;
  run.report.more = !copyDone ||
    planAuditRemoval(db, policy, { now, maxRows: 1, sizeLimitBytes: sizeLimit }) !== null;
  return run.report;
}

/** Options of {@linkcode AuditRetention}. */
export interface AuditRetentionOptions extends Omit<RetentionRunOptions, "signal"> {
  /** The app clock (passes are stamped and scheduled on it). @default systemClock */
  clock?: Clock;
  /** Time between runs. @default 60_000 */
  intervalMs?: number;
  /** Time to the next run while work is left. @default 1000 */
  busyIntervalMs?: number;
}

/** Runs {@linkcode runAuditRetention} periodically on the main thread's connection. */
export class AuditRetention {
  readonly #db: DatabaseSync;
  readonly #policy: AuditRetentionPolicy;
  readonly #options: AuditRetentionOptions;
  readonly #clock: Clock;
  readonly #abort = new AbortController();
  #timer: TimerHandle | undefined;
  #running: Promise<void> | null = null;

  constructor(db: DatabaseSync, policy: AuditRetentionPolicy, options: AuditRetentionOptions = {}) {
    this.#db = db;
    this.#policy = policy;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Schedules the first run after `delayMs` (@default intervalMs). */
  start(delayMs: number = this.#options.intervalMs ?? 60_000): void {
    if (this.#abort.signal.aborted || this.#timer !== undefined) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#run();
    }, delayMs);
  }

  /** The run in progress, if any (tests await it). */
  get running(): Promise<void> | null {
    return this.#running;
  }

  async #run(): Promise<void> {
    let next = this.#options.intervalMs ?? 60_000;
    try {
      const report = await runAuditRetention(this.#db, this.#policy, this.#clock.now(), {
        ...this.#options,
        signal: this.#abort.signal,
      });
      if (report.removedCopy > 0) {
        log.info("Retention removed {rows} rows of the {copy} (not exported: a copy)", {
          rows: report.removedCopy,
          copy: this.#options.copy?.name ?? "copy",
        });
      }
      const total = report.removed.access + report.removed.other;
      if (total > 0) {
        log.info(
          "Audit retention removed {access} access decisions and {other} other rows{files}",
          {
            access: report.removed.access,
            other: report.removed.other,
            files: report.files.length > 0 ? `, exported to ${report.files.join(", ")}` : "",
          },
        );
      }
      if (report.more) next = this.#options.busyIntervalMs ?? 1000;
    } catch (error) {
      log.error("Audit retention failed (rows kept, retrying later): {error}", {
        error: String(error),
      });
    } finally {
      this.#running = null;
    }
    if (!this.#abort.signal.aborted) this.start(next);
  }

  /** Stops scheduling and waits for a run in progress (it stops at its next batch). */
  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    await this.#running;
  }
}
