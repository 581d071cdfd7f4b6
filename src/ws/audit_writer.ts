/**
 * Writes the `WSAPICall` audit row of every WebSocket request.
 *
 * Rows for authentication calls are written at once (before the reply);
 * the others are buffered and written in one transaction every
 * `flushIntervalMs` or `maxBuffered` rows, and on close; a call that ends
 * after close (a request in flight at shutdown) is written at once. So a
 * `kill -9` can lose the call rows of the last `flushIntervalMs`, never an
 * authentication row, and never a change's own audit row (written in the
 * change's transaction). A background batch waits at most `flushBusyMs` for
 * a database locked by another process (the main thread's event loop must
 * keep serving); a failed batch is kept (bounded) and retried with a growing
 * delay. A call row never
 * holds the request payload, so no secret can reach it. Entity changes write
 * their own audit rows inside the change's transaction, not through here.
 *
 * A refused call of a connection that is not logged in (`junk`: unknown
 * type, permission denied, malformed; the dispatcher decides) gets no row of
 * its own: it is counted in a {@linkcode JunkTally}, and each minute's counts
 * are written as one row per (minute, remote address, kind) once the minute
 * is over (on close: at once). A `kill -9` loses the counts of at most the
 * last minute. Minutes are read from the injected {@linkcode Clock}, whose
 * timer ends them; a batch's flush and retry timers run on real time.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { logger } from "../log.ts";
import { JUNK_MINUTE_MS, type JunkKind, JunkTally } from "./junk_tally.ts";
import {
  appendAuditBatch,
  AUDIT_EVENT,
  AUDIT_KIND,
  type AuditEntry,
  auditMask,
} from "../store/audit.ts";

const log = logger("audit");

/** One API call to record. */
export interface ApiCall {
  method: string;
  uuid: string;
  statusCode: number;
  statusString: string;
  authorId: number | null;
  authorName: string | null;
  sourceEndpoint: string;
  durationMs: number;
  timestamp: number;
  /**
   * The kind of a refused call of a connection that is not logged in (see
   * `junkKind()`): counted per minute, address and kind instead of written
   * as a row of its own.
   */
  junk?: JunkKind | null;
  /** The peer's address (without the port); the tally's key for junk. */
  remoteAddress?: string;
}

/** Options of the writer. */
export interface AuditWriterOptions {
  /** @default 200 */
  flushIntervalMs?: number;
  /** @default 500 */
  maxBuffered?: number;
  /** Longest a batch waits for a write lock held by another connection. @default 100 */
  flushBusyMs?: number;
  /**
   * The time of junk minutes and the timer that ends them. Flush and retry
   * timers run on real time whatever this is: a batch waits milliseconds,
   * not for a test's fake clock. @default systemClock
   */
  clock?: Clock;
}

/** Longest delay between two attempts at a batch the database refused. */
const MAX_RETRY_MS = 5000;

function toEntry(call: ApiCall): AuditEntry {
  return {
    kind: AUDIT_KIND.WSAPI_CALL,
    mask: auditMask(AUDIT_EVENT.WSAPI_CALL),
    authorId: call.authorId,
    timestamp: call.timestamp,
    description: `Websocket API call by ${
      call.authorName === null ? "anonymous" : `user ${call.authorName}`
    } to ${call.method} took ${call.durationMs} milliseconds.`,
    data: {
      uuid: call.uuid,
      method: call.method,
      status_code: call.statusCode,
      status_string: call.statusString,
      source_endpoint: call.sourceEndpoint,
    },
  };
}

/** Buffers and writes API-call audit rows. */
export class AuditWriter {
  readonly #db: DatabaseSync;
  readonly #options: Required<AuditWriterOptions>;
  readonly #clock: Clock;
  #buffer: AuditEntry[] = [];
  #timer: TimerHandle | undefined;
  readonly #junk = new JunkTally();
  #junkTimer: TimerHandle | undefined;
  #closed = false;
  #retryMs = 0;

  constructor(db: DatabaseSync, options: AuditWriterOptions = {}) {
    this.#db = db;
    this.#options = {
      flushIntervalMs: 200,
      maxBuffered: 500,
      flushBusyMs: 100,
      clock: systemClock,
      ...options,
    };
    this.#clock = this.#options.clock;
  }

  /**
   * Records a call; `now` (and any call after close) writes it before
   * returning. A `junk` call is only counted (see the module documentation).
   */
  record(call: ApiCall, now = false): void {
    if (call.junk && !this.#closed) {
      this.#junk.add({
        kind: call.junk,
        method: call.method,
        statusCode: call.statusCode,
        remoteAddress: call.remoteAddress ?? call.sourceEndpoint,
        timestamp: call.timestamp,
      });
      this.#scheduleJunk();
      return;
    }
    this.#buffer.push(toEntry(call));
    if (now || this.#closed) {
      this.flush();
    } else if (this.#buffer.length >= this.#options.maxBuffered) {
      this.#flush(true);
    } else if (this.#timer === undefined) {
      this.#timer = systemClock.setTimeout(() => this.#flush(true), this.#options.flushIntervalMs);
    }
  }

  /** Arms the timer that writes the counts of the earliest waiting minute when it ends. */
  #scheduleJunk(): void {
    if (this.#junkTimer !== undefined) return;
    const minute = this.#junk.earliestMinute();
    if (minute === undefined) return;
    const wait = Math.max(0, minute + JUNK_MINUTE_MS - this.#clock.now());
    this.#junkTimer = this.#clock.setTimeout(() => {
      this.#junkTimer = undefined;
      this.#takeJunk(this.#clock.now());
      this.#flush(true);
      this.#scheduleJunk();
    }, wait);
  }

  /** Moves the counts of the minutes over before `beforeMs` into the buffer. */
  #takeJunk(beforeMs?: number): void {
    const rows = this.#junk.take(beforeMs);
    if (rows.length > 0) this.#buffer.push(...rows);
  }

  /**
   * Writes every buffered row and the counts of the minutes that are over
   * (waiting for a busy database up to its busy timeout).
   */
  flush(): void {
    this.#takeJunk(this.#clock.now());
    this.#flush(false);
  }

  /** `background`: a timer's batch, which waits at most `flushBusyMs` for a lock. */
  #flush(background: boolean): void {
    if (this.#timer !== undefined) {
      systemClock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#buffer.length === 0 || !this.#db.isOpen) return;
    const rows = this.#buffer;
    this.#buffer = [];
    try {
      if (background) this.#withShortBusyTimeout(() => appendAuditBatch(this.#db, rows));
      else appendAuditBatch(this.#db, rows);
      this.#retryMs = 0;
    } catch (error) {
      // Keep the rows for the next attempt (a busy database), within the bound.
      this.#buffer = rows.concat(this.#buffer).slice(-this.#options.maxBuffered * 4);
      this.#retryMs = Math.min(
        MAX_RETRY_MS,
        Math.max(this.#options.flushIntervalMs, this.#retryMs * 2),
      );
      log.error("Cannot write API call audit rows (retrying in {ms} ms): {error}", {
        ms: this.#retryMs,
        error: String(error),
      });
      if (this.#timer === undefined && !this.#closed) {
        this.#timer = systemClock.setTimeout(() => this.#flush(true), this.#retryMs);
      }
    }
  }

  /** Runs `fn` with the connection's busy timeout lowered to `flushBusyMs`. */
  #withShortBusyTimeout(fn: () => void): void {
    if (this.#db.isTransaction) return fn();
    const row = this.#db.prepare("PRAGMA busy_timeout").get() as { timeout: number };
    this.#db.exec(`PRAGMA busy_timeout = ${Math.trunc(this.#options.flushBusyMs)}`);
    try {
      fn();
    } finally {
      this.#db.exec(`PRAGMA busy_timeout = ${Math.trunc(row.timeout)}`);
    }
  }

  /** Writes everything, the counts of the current minute included, and stops the timers. */
  close(): void {
    if (this.#junkTimer !== undefined) {
      this.#clock.clearTimeout(this.#junkTimer);
      this.#junkTimer = undefined;
    }
    this.#takeJunk();
    this.flush();
    this.#closed = true;
  }
}
