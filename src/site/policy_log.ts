/**
 * The site's policy as a replicated log (`docs/site.md`). A site-wide change
 * is computed by the controller that received the call, against its copy
 * caught up to the log's head; it is published to the policy stream as one
 * changeset with the head's sequence as the expected last sequence; every
 * controller (the writer too) applies changesets in log order, each in one
 * SQLite transaction that also records the applied sequence. The writer
 * answers its caller once its own copy has applied the change.
 *
 * - A publish that loses the race (another changeset took the slot) is
 *   recomputed against the new head: the endpoint's own checks (a stale
 *   `version`, a name in use) then refuse it as they would on one
 *   controller.
 * - A publish whose acknowledgement is lost is resolved by publishing the
 *   same message id again: JetStream answers a duplicate with the stored
 *   sequence. A write is never answered with an error and applied later.
 * - Changesets over {@linkcode PART_BYTES} go in consecutive parts; a part
 *   followed by anything but its next part is dropped by every controller
 *   alike, and its writer retries the whole changeset.
 * - The writer's audit rows travel in the changeset and are written by the
 *   writer's own apply, in the same transaction (a crash in between loses
 *   nothing: the log is replayed from the applied sequence).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import {
  DeliverPolicy,
  jetstream,
  JetStreamApiError,
  type JetStreamClient,
  jetstreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { AppError, errorText, STATUS } from "../errors.ts";
import { logger } from "../log.ts";
import { appendAudit, type AuditEntry } from "../store/audit.ts";
import { prepared, transaction } from "../store/db.ts";
import { isDiskFullError } from "../store/disk_reserve.ts";
import { type Change, ChangeApplier } from "./capture.ts";
import type { SiteLink } from "./link.ts";
import type { SiteNames } from "./names.ts";

const log = logger("site");

/** Largest part of a changeset, in bytes of JSON (NATS refuses messages over 1 MiB by default). */
export const PART_BYTES = 512 * 1024;
/** Attempts at publishing one change before the caller gets a conflict. */
export const MAX_ATTEMPTS = 8;
/** How long a publish waits for the site's acknowledgement. */
export const PUBLISH_TIMEOUT_MS = 5_000;
/** How long a writer waits for its copy to catch up with the log's head. */
export const CATCH_UP_TIMEOUT_MS = 15_000;

/**
 * How long a writer waits for its own copy to apply the change it stored
 * (the reply comes once it is applied here) before answering that it is
 * stored but not applied yet.
 */
export const APPLY_TIMEOUT_MS = 60_000;

/** How long a write waits for a lost link to come back (a NATS node failing over) before refusing. */
export const RECONNECT_GRACE_MS = 5_000;

/** How long a write waits for the site's stream to answer (a leader election) before refusing. */
export const LEADER_GRACE_MS = 20_000;

/** How often the consumer is checked for a stall (head ahead, nothing delivered). */
export const STALL_CHECK_MS = 3_000;

/**
 * First wait before a changeset that failed for a passing reason (a full
 * disk, a locked or failing database) is applied again; it doubles up to
 * {@linkcode APPLY_RETRY_MAX_MS}.
 */
export const APPLY_RETRY_MIN_MS = 250;
/** Longest wait between two attempts at applying the same changeset. */
export const APPLY_RETRY_MAX_MS = 10_000;

/** JetStream's "wrong last sequence" error code. */
const WRONG_LAST_SEQUENCE = 10071;

/** One message of the policy stream. */
export interface ChangesetPart {
  /** Format. */
  v: 1;
  /** The changeset's id (uuid). */
  id: string;
  /** The controller that wrote it. */
  controller: string;
  /** When it was computed (the writer's clock, ms). */
  at: number;
  /** This part's index. */
  part: number;
  /** How many parts. */
  parts: number;
  /** The rows, in order. */
  changes: Change[];
  /** The writer's columns of each table in `changes` (a row's values follow them). */
  columns?: Record<string, string[]>;
  /** The writer's audit rows (last part only). */
  audits?: Omit<AuditEntry, "timestamp">[];
  /** Token hash the writer keeps when a password changes (its caller's own session). */
  keep_token?: string | null;
}

/** What one site-wide call produced (see `Capture.run`). */
export interface ComputedChange<T> {
  /** The handler's reply content. */
  result: T;
  /** The rows it wrote, in order. */
  changes: Change[];
  /** The audit rows it wrote (written by the writer's own apply). */
  audits: Omit<AuditEntry, "timestamp">[];
  /** The caller's token hash, kept when its own password changes. */
  keepToken: string | null;
  /** The call's time, stamped on its audit rows. */
  now: number;
}

/** What {@linkcode PolicyLog} tells the rest of the controller after each applied changeset. */
export interface AppliedChange {
  /** The stream sequence. */
  seq: number;
  /** The writer. */
  controller: string;
  /** The tables it touched. */
  tables: Set<string>;
  /** Users whose password, rank or validity changed (their sessions are re-checked). */
  users: Set<number>;
  /** Rows changed. */
  rows: number;
}

/** Refusal while the site cannot be reached (status 9, documented in docs/ws_protocol.md). */
export class SiteUnavailableError extends AppError {
  constructor(why: string) {
    super(
      STATUS.DATABASE_ERROR,
      "odb::exception",
      `Database Error: ${why}; site-wide changes are refused until it is back. Nothing was changed.`,
    );
    this.name = "SiteUnavailableError";
  }
}

/** Options of {@linkcode PolicyLog}. */
export interface PolicyLogOptions {
  db: DatabaseSync;
  link: SiteLink;
  names: SiteNames;
  controller: string;
  /** Called after each applied changeset (wiring reload, session re-check). */
  onApplied?: (change: AppliedChange) => void;
  /** Wall clock (ms). */
  now?: () => number;
  /**
   * Called when a changeset could not be applied because the disk is full
   * (the site releases the disk reserve; the changeset is tried again).
   */
  onStoreFull?: () => void;
}

type Waiter = { seq: number; resolve: () => void };

/** The policy log of one controller: its consumer (apply) and its writer (publish). */
export class PolicyLog {
  readonly #db: DatabaseSync;
  readonly #link: SiteLink;
  readonly #names: SiteNames;
  readonly #controller: string;
  readonly #onApplied: (change: AppliedChange) => void;
  readonly #now: () => number;
  readonly #onStoreFull: () => void;
  readonly #applier: ChangeApplier;
  /** Last sequence seen by the consumer (applied, skipped, or a buffered part). */
  #processed: number;
  /** Last sequence applied to the copy (durable in site_state). */
  #applied: number;
  /** Parts of a changeset waiting for their last part. */
  #pending: {
    id: string;
    next: number;
    changes: Change[];
    columns: Record<string, string[]>;
  } | null = null;
  #waiters: Waiter[] = [];
  #writeChain: Promise<unknown> = Promise.resolve();
  #stopped = false;
  #loop: Promise<void> | null = null;
  #stopConsumer: (() => void) | null = null;
  /** Messages still to deliver, as the consumer last said; and when the oldest was stored. */
  #behind = { pending: 0, oldestAt: 0 };
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #stallMark = -1;
  /** Set when a changeset could not be applied: the copy stops following the site. */
  diverged: string | null = null;
  /**
   * Set while the next changeset fails for a passing reason (a full disk, a
   * locked database): why, and how many attempts so far. It is tried again,
   * never skipped; this copy lags meanwhile.
   */
  applyFailing: { seq: number; error: string; attempts: number; storedAt: number } | null = null;

  constructor(options: PolicyLogOptions) {
    this.#db = options.db;
    this.#link = options.link;
    this.#names = options.names;
    this.#controller = options.controller;
    this.#onApplied = options.onApplied ?? (() => {});
    this.#now = options.now ?? Date.now;
    this.#onStoreFull = options.onStoreFull ?? (() => {});
    this.#applier = new ChangeApplier(options.db);
    this.#applied = appliedSequence(options.db);
    this.#processed = this.#applied;
  }

  /** The last applied sequence. */
  get appliedSequence(): number {
    return this.#applied;
  }

  /** How far behind the site this copy is, in ms (see `SiteStatus.lag_ms`). */
  lagMs(): number {
    const now = this.#now();
    if (!this.#link.connected) return now - (this.#link.disconnectedAt ?? now);
    // Not applied yet, however little the consumer says is left.
    if (this.applyFailing !== null) return Math.max(0, now - this.applyFailing.storedAt);
    if (this.#behind.pending === 0) return 0;
    return Math.max(0, now - this.#behind.oldestAt);
  }

  /** Starts following the log (in the background). Idempotent. */
  start(): void {
    if (this.#loop !== null || this.#stopped) return;
    // After a reconnection (a NATS node or the whole cluster back), follow afresh.
    this.#link.onChange((up) => {
      if (up) this.#stopConsumer?.();
    });
    this.#watchdog = setInterval(() => void this.#checkStalled(), STALL_CHECK_MS);
    this.#loop = this.#follow();
  }

  /**
   * Resolves with the log's head once this copy has applied it (following
   * the log meanwhile): a copy fresh from a snapshot calls it before it
   * decides anything, as the snapshot may predate the last changes.
   *
   * @throws {SiteUnavailableError} when the head cannot be read, or is not
   *   applied within `timeoutMs`
   */
  async catchUp(timeoutMs: number): Promise<number> {
    this.start();
    const head = await this.#head();
    await this.#until(head, timeoutMs, "catch up with the site");
    return head;
  }

  /** Restarts the consumer when the log's head is ahead and nothing arrived meanwhile. */
  async #checkStalled(): Promise<void> {
    const nc = this.#link.connection;
    if (nc === null || this.#stopped || this.diverged !== null) return;
    try {
      const jsm = await jetstreamManager(nc, { timeout: 2_000 });
      const head = (await jsm.streams.info(this.#names.policyStream)).state.last_seq;
      const seen = this.#processed;
      if (head <= seen) return;
      if (this.#stallMark === seen) {
        log.debug("Policy consumer stalled at {seq} (head {head}); restarting it", {
          seq: seen,
          head,
        });
        this.#stopConsumer?.();
      }
      this.#stallMark = seen;
    } catch {
      // The next check tries again.
    }
  }

  /** Stops following; waiting writers are refused. */
  async close(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#watchdog);
    this.#stopConsumer?.();
    for (const w of this.#waiters) w.resolve();
    this.#waiters = [];
    await this.#loop?.catch(() => {});
  }

  async #follow(): Promise<void> {
    while (!this.#stopped) {
      const nc = this.#link.connection;
      if (nc === null || this.diverged !== null) {
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      const failing = this.applyFailing;
      if (failing !== null) {
        // The same changeset again, from a fresh consumer, after a pause.
        const wait = Math.min(APPLY_RETRY_MAX_MS, APPLY_RETRY_MIN_MS * 2 ** (failing.attempts - 1));
        await new Promise((r) => setTimeout(r, wait));
        if (this.#stopped) break;
      }
      try {
        const js = jetstream(nc);
        const consumer = await js.consumers.get(this.#names.policyStream, {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: this.#processed + 1,
        });
        const messages = await consumer.consume({ max_messages: 256 });
        this.#stopConsumer = () => void messages.stop();
        for await (const m of messages) {
          if (this.#stopped) break;
          this.#behind = {
            pending: m.info.pending,
            oldestAt: m.info.pending === 0 ? 0 : Math.floor(m.info.timestampNanos / 1e6),
          };
          if (m.seq <= this.#processed) continue;
          if (m.seq !== this.#processed + 1) {
            // A gap: the stream was purged below a snapshot this copy has not loaded.
            log.error("The policy log jumped from {from} to {to}: this copy needs a snapshot", {
              from: this.#processed,
              to: m.seq,
            });
          }
          this.#receive(m);
          if (this.diverged !== null || this.applyFailing !== null) break;
        }
      } catch (error) {
        if (!this.#stopped) {
          log.debug("Policy consumer restarts: {error}", { error: String(error) });
          await new Promise((r) => setTimeout(r, 500));
        }
      } finally {
        this.#stopConsumer = null;
      }
    }
  }

  #receive(m: JsMsg): void {
    let part: ChangesetPart;
    try {
      part = m.json<ChangesetPart>();
      if (part.v !== 1 || !Array.isArray(part.changes)) throw new Error("unknown format");
    } catch (error) {
      log.error("Policy message {seq} is unreadable ({error}); skipped", {
        seq: m.seq,
        error: String(error),
      });
      this.#advance(m.seq, null);
      return;
    }
    const pending = this.#pending;
    if (pending !== null && (pending.id !== part.id || pending.next !== part.part)) {
      // An unfinished changeset interrupted: every controller drops it alike.
      this.#pending = null;
    }
    if (part.part > 0 && this.#pending === null) {
      this.#processed = m.seq; // a stray later part of a dropped changeset
      this.#wake();
      return;
    }
    const changes = this.#pending === null
      ? part.changes
      : this.#pending.changes.concat(part.changes);
    const columns = { ...this.#pending?.columns, ...part.columns };
    if (part.part < part.parts - 1) {
      this.#pending = { id: part.id, next: part.part + 1, changes, columns };
      this.#processed = m.seq;
      this.#wake();
      return;
    }
    // Kept until it is applied: a failed attempt gets the last part again.
    if (
      this.#advance(m.seq, { ...part, changes, columns }, Math.floor(m.info.timestampNanos / 1e6))
    ) {
      this.#pending = null;
    }
  }

  /**
   * Applies `part` (the whole changeset) or just moves past `seq`, in one
   * transaction. False when it failed for a passing reason (see
   * {@linkcode PolicyLog.applyFailing}): nothing was written, and the
   * consumer delivers `seq` again after a pause.
   */
  #advance(seq: number, part: ChangesetPart | null, storedAt = this.#now()): boolean {
    const db = this.#db;
    const tables = new Set<string>();
    const users = new Set<number>();
    try {
      transaction(db, () => {
        if (part !== null) {
          db.exec("PRAGMA defer_foreign_keys = ON");
          const passwords = new Map<number, unknown>();
          for (const [table, op, values] of part.changes) {
            tables.add(table);
            if (table === "users") {
              const id = Number(op === "u" ? values[0] : values[0]);
              users.add(id);
              if (!passwords.has(id)) {
                passwords.set(
                  id,
                  prepared(db, "SELECT password_hash FROM users WHERE id = ?").get(id)
                    ?.password_hash,
                );
              }
            }
          }
          this.#applier.apply(part.changes, part.columns ?? {});
          // A changed password ends the user's other sessions on every controller.
          for (const [id, before] of passwords) {
            const after = prepared(db, "SELECT password_hash FROM users WHERE id = ?").get(id)
              ?.password_hash;
            if (after !== undefined && after === before) continue;
            const keep = part.controller === this.#controller ? part.keep_token ?? null : null;
            prepared(db, "DELETE FROM auth_tokens WHERE user_id = ? AND token_hash IS NOT ?").run(
              id,
              keep,
            );
          }
          if (part.controller === this.#controller) {
            for (const entry of part.audits ?? []) {
              appendAudit(db, { ...entry, timestamp: part.at });
            }
          }
        }
        prepared(db, "UPDATE site_state SET applied_seq = ?, applied_at = ? WHERE id = 1").run(
          seq,
          storedAt,
        );
      });
    } catch (error) {
      if (isPassingStoreError(error)) {
        const attempts = this.applyFailing?.seq === seq ? this.applyFailing.attempts + 1 : 1;
        if (attempts === 1) {
          log.error(
            "Policy change {seq} could not be applied ({error}): tried again until it is; " +
              "doors keep deciding from the copy as it is",
            { seq, error: String(error) },
          );
        }
        this.applyFailing = { seq, error: String(error), attempts, storedAt };
        if (isDiskFullError(error)) this.#onStoreFull();
        this.#wake(); // a writer waiting for this copy hears why at once
        return false;
      }
      this.diverged = `policy change ${seq} could not be applied: ${String(error)}`;
      log.error(
        "Policy change {seq} could not be applied ({error}): this copy stops following the site; " +
          "doors keep deciding from it. Re-join the controller from a snapshot (docs/site.md).",
        { seq, error: String(error) },
      );
      this.#wake();
      return false;
    }
    if (this.applyFailing !== null) {
      log.info("Policy change {seq} applied after {attempts} failed attempts", {
        seq,
        attempts: this.applyFailing.attempts,
      });
      this.applyFailing = null;
    }
    this.#processed = seq;
    this.#applied = seq;
    if (part !== null) {
      try {
        this.#onApplied({
          seq,
          controller: part.controller,
          tables,
          users,
          rows: part.changes.length,
        });
      } catch (error) {
        log.error("After policy change {seq}: {error}", { seq, error: String(error) });
      }
    }
    this.#wake();
    return true;
  }

  #wake(): void {
    const ready = this.#waiters.filter((w) =>
      w.seq <= this.#processed || this.diverged !== null || this.applyFailing !== null
    );
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  /**
   * Resolves once the consumer has processed `seq` (or the wait times out).
   * `fail` makes the error from the reason (by default: nothing changed).
   */
  #until(
    seq: number,
    timeoutMs: number,
    what: string,
    fail: (why: string) => Error = (why) => new SiteUnavailableError(why),
  ): Promise<void> {
    if (this.#processed >= seq) return Promise.resolve();
    if (this.applyFailing !== null) return Promise.reject(fail(this.#cannotApply()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(fail(`this controller could not ${what} in time`));
      }, timeoutMs);
      const waiter: Waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          if (this.diverged !== null) {
            reject(fail("this copy stopped following the site"));
          } else if (this.#stopped) reject(fail("the controller is stopping"));
          else if (this.applyFailing !== null && this.#processed < seq) {
            reject(fail(this.#cannotApply()));
          } else resolve();
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Why a wait for this copy ends while {@linkcode PolicyLog.applyFailing} is set. */
  #cannotApply(): string {
    return `this controller cannot apply the site's changes now (${this.applyFailing?.error})`;
  }

  /**
   * Runs one site-wide change: `compute` (against a caught-up copy) returns
   * the rows it writes; they are published and applied here before this
   * resolves with the computed result. Changes run one at a time.
   */
  write<T>(compute: () => ComputedChange<T> | Promise<ComputedChange<T>>): Promise<T> {
    const run = this.#writeChain.then(() => this.#write(compute));
    this.#writeChain = run.catch(() => {});
    return run;
  }

  async #write<T>(compute: () => ComputedChange<T> | Promise<ComputedChange<T>>): Promise<T> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (this.diverged !== null) {
        throw new SiteUnavailableError("this copy stopped following the site");
      }
      if (!this.#link.connected) {
        await this.#link.whenConnected(AbortSignal.timeout(RECONNECT_GRACE_MS)).catch(() => {});
      }
      const nc = this.#link.connection;
      if (nc === null) throw new SiteUnavailableError("the site cannot be reached");
      const head = await this.#head();
      await this.#until(head, CATCH_UP_TIMEOUT_MS, "catch up with the site");
      const computed = await compute();
      if (computed.changes.length === 0) {
        // Nothing site-wide was written (a refusal, or a no-op): its audit rows are local.
        for (const entry of computed.audits) {
          appendAudit(this.#db, { ...entry, timestamp: computed.now });
        }
        return computed.result;
      }
      const js = jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS });
      const outcome = await this.#publish(js, head, computed);
      if (outcome === "conflict") {
        log.debug("Policy write lost the race (attempt {attempt}); recomputing", { attempt });
        continue;
      }
      // Stored in the site's order: an error now must not say "nothing was changed".
      await this.#until(outcome, APPLY_TIMEOUT_MS, "apply its own change", storedNotApplied);
      return computed.result;
    }
    throw new AppError(
      STATUS.DATABASE_ERROR,
      "odb::exception",
      "Database Error: the site was busy with other changes; nothing was changed. Try again.",
    );
  }

  /**
   * The policy stream's last sequence. While a NATS node fails over (the
   * stream elects a new leader) the site answers nothing for a few seconds:
   * asked again until {@linkcode LEADER_GRACE_MS} have passed.
   */
  async #head(): Promise<number> {
    const deadline = this.#now() + LEADER_GRACE_MS;
    for (;;) {
      const nc = this.#link.connection;
      try {
        if (nc === null) throw new Error("not connected");
        const jsm = await jetstreamManager(nc, { timeout: PUBLISH_TIMEOUT_MS });
        return (await jsm.streams.info(this.#names.policyStream)).state.last_seq;
      } catch (error) {
        if (this.#now() > deadline || this.#stopped) {
          throw new SiteUnavailableError(`the site does not answer (${errorText(error)})`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Publishes the parts; returns the last part's sequence, or "conflict". */
  async #publish<T>(
    js: JetStreamClient,
    head: number,
    computed: ComputedChange<T>,
  ): Promise<number | "conflict"> {
    const id = crypto.randomUUID();
    const parts = splitChanges(computed.changes);
    let expected = head;
    for (let index = 0; index < parts.length; index++) {
      const last = index === parts.length - 1;
      const message: ChangesetPart = {
        v: 1,
        id,
        controller: this.#controller,
        at: computed.now,
        part: index,
        parts: parts.length,
        changes: parts[index]!,
        columns: this.#columnsOf(parts[index]!),
        ...(last ? { audits: computed.audits, keep_token: computed.keepToken } : {}),
      };
      const body = JSON.stringify(message);
      const result = await this.#publishOne(js, body, `${id}:${index}`, expected);
      if (result === "conflict") return "conflict";
      expected = result;
    }
    return expected;
  }

  /** This copy's columns of the tables `changes` touches. */
  #columnsOf(changes: readonly Change[]): Record<string, string[]> {
    const columns: Record<string, string[]> = {};
    for (const [table] of changes) {
      columns[table] ??= [...(this.#applier.shapes.get(table)?.columns ?? [])];
    }
    return columns;
  }

  /**
   * Publishes one part expecting `expected` as the last sequence. A lost
   * acknowledgement is resolved by publishing the same message id again
   * (JetStream answers a stored duplicate with its sequence) for as long
   * as the link is up.
   */
  async #publishOne(
    js: JetStreamClient,
    body: string,
    msgID: string,
    expected: number,
  ): Promise<number | "conflict"> {
    const deadline = this.#now() + CATCH_UP_TIMEOUT_MS * 2;
    for (;;) {
      try {
        const ack = await js.publish(this.#names.policySubject, body, {
          msgID,
          expect: { lastSequence: expected },
        });
        return ack.seq;
      } catch (error) {
        if (error instanceof JetStreamApiError && error.code === WRONG_LAST_SEQUENCE) {
          return "conflict";
        }
        if (this.#now() > deadline || this.#stopped) {
          // Say only what is true: the change may yet be stored.
          throw new AppError(
            STATUS.DATABASE_ERROR,
            "odb::exception",
            "Database Error: the site did not confirm the change in time; it may still be " +
              "applied. Reload before trying again.",
          );
        }
        log.debug("Policy publish unconfirmed ({error}); asking again", {
          error: errorText(error),
        });
        await this.#link.whenConnected(AbortSignal.timeout(5_000)).catch(() => {});
      }
    }
  }
}

/** The error of a change stored in the site's log that this copy has not applied (yet). */
function storedNotApplied(why: string): AppError {
  return new AppError(
    STATUS.DATABASE_ERROR,
    "odb::exception",
    `Database Error: the change is stored in the site, but ${why}; it takes effect here once ` +
      "this controller catches up. Reload before trying again.",
  );
}

/** Splits changes into parts of at most {@linkcode PART_BYTES} of JSON. */
export function splitChanges(changes: readonly Change[]): Change[][] {
  const parts: Change[][] = [];
  let current: Change[] = [];
  let size = 0;
  for (const change of changes) {
    const bytes = JSON.stringify(change).length + 1;
    if (current.length > 0 && size + bytes > PART_BYTES) {
      parts.push(current);
      current = [];
      size = 0;
    }
    current.push(change);
    size += bytes;
  }
  if (current.length > 0 || parts.length === 0) parts.push(current);
  return parts;
}

/** The applied sequence recorded in `site_state` (0 before any). */
export function appliedSequence(db: DatabaseSync): number {
  const row = prepared(db, "SELECT applied_seq FROM site_state WHERE id = 1").get();
  return row === undefined ? 0 : Number(row.applied_seq);
}

/**
 * Whether a failed apply may succeed when tried again: the disk is full, the
 * database is locked or busy, or the I/O failed. Anything else (a row that
 * does not fit this copy) would fail again the same way.
 */
function isPassingStoreError(error: unknown): boolean {
  return isDiskFullError(error) ||
    /database is locked|database table is locked|SQLITE_BUSY|SQLITE_LOCKED|disk I\/O error|SQLITE_IOERR|out of memory|SQLITE_NOMEM/i
      .test(errorText(error));
}
