/**
 * Turns decisions, door events and alarms into `audit_events` rows (on the
 * worker's own write connection, through `appendAudit`: the one function that
 * writes audit rows, with its redaction and mask check) and then into live
 * events. The row is committed before the event is handed on, so a crash at
 * any moment loses no event that anyone was told about. A state change that
 * belongs to a row (anti-passback) is written in the row's transaction.
 *
 * When the database refuses a row (locked by another process beyond the
 * connection's busy timeout, read-only, full disk), the row and every later
 * one are kept in memory, in order (at most {@linkcode MAX_PENDING_ROWS}; the
 * oldest are dropped beyond), and retried after {@linkcode RETRY_MIN_MS},
 * the delay doubling up to {@linkcode RETRY_MAX_MS}; each event is handed on
 * once its row is committed. Doors keep deciding and opening meanwhile. A
 * `kill -9` during the trouble loses the rows still waiting, which nobody was
 * told about. Timers run on the injected {@linkcode Clock}.
 *
 * The first refusal raises an alarm at once (an `alarm` event
 * `database_refused` with `audit_id` -1: its row cannot be stored either);
 * once the rows are written again, one `ALARM` row says for how long and how
 * many rows waited (and were dropped), and its event is handed on.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Clock, TimerHandle } from "../clock.ts";
import type { DoorEvent } from "../engine/mod.ts";
import { logger } from "../log.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask, redactSecrets } from "../store/audit.ts";
import { isForeignKeyViolation } from "../store/constraint.ts";
import { transaction } from "../store/db.ts";
import {
  type AccessRecord,
  accessRow,
  badReadRow,
  type DoorRef,
  doorRow,
  type EventRow,
  openedManuallyRow,
} from "./audit_rows.ts";
import type { ControllerEvent } from "./protocol.ts";
import { createTelemetry, type Telemetry } from "./telemetry.ts";

export type { AccessRecord, DoorRef };

const log = logger("controller");

/** Rows kept in memory while the database refuses them; the oldest go beyond. */
export const MAX_PENDING_ROWS = 10_000;
/** First delay before the waiting rows are tried again. */
export const RETRY_MIN_MS = 250;
/** Longest delay between two attempts (the delay doubles up to it). */
export const RETRY_MAX_MS = 4000;

/** Writes audit rows and emits the matching events. */
export interface Recorder {
  /**
   * An access decision (kind AUTH, AUTH_GRANTED / AUTH_DENIED). `alongside`
   * (the decision's state changes) runs in the row's transaction; if it
   * refers to a row deleted meanwhile, the audit row is written without it.
   */
  access(record: AccessRecord, alongside?: () => void): void;
  /** A frame that is not a credential (kind AUTH, BAD_READ). */
  badRead(door: DoorRef, accessPointId: number, reason: string, nbBits: number, atMs: number): void;
  /** A door state machine event (kind DOOR; forced and held-open are kind ALARM). */
  door(door: DoorRef, event: DoorEvent, authorId: number | null): void;
  /** A remote opening (`door.open`, kind DOOR, DOOR_OPENED_MANUALLY). */
  openedManually(door: DoorRef, authorId: number | null, atMs: number): void;
  /** Any other row (OSDP reader supervision, `osdp_rows.ts`). */
  row(row: EventRow): void;
  /**
   * Runs `fn`; rows written meanwhile are committed at once, but their events
   * are handed on only when `fn` returns (so an event follows the strike).
   */
  hold<T>(fn: () => T): T;
  /** Rows waiting for the database to accept them. */
  pending(): number;
  /** Tries the waiting rows one last time and stops retrying. */
  close(): void;
}

/** What {@linkcode createRecorder} needs. */
export interface RecorderOptions {
  /** The write connection. */
  db: DatabaseSync;
  /** Receives each event once its row is committed. */
  emit: (event: ControllerEvent) => void;
  /** Retry timers. */
  clock: Clock;
  /** Rows kept while the database refuses them. @default MAX_PENDING_ROWS */
  maxPending?: number;
  /**
   * Receives the alarms of a refusal (its start, then its end once its row is
   * committed). Without it no alarm is raised and no end row is written.
   */
  alarms?: (event: ControllerEvent) => void;
  /**
   * Logs each decision and door alarm when it happens, and observes them and
   * each row's commit time (`telemetry.ts`). @default createTelemetry()
   */
  telemetry?: Telemetry;
}

interface Waiting extends EventRow {
  alongside: (() => void) | undefined;
}

/** Creates a recorder (see the module documentation). */
export function createRecorder(
  {
    db,
    emit,
    clock,
    maxPending = MAX_PENDING_ROWS,
    alarms,
    telemetry = createTelemetry(),
  }: RecorderOptions,
): Recorder {
  const waiting: Waiting[] = [];
  let retryTimer: TimerHandle | undefined;
  let retryMs = 0;
  let closed = false;
  let held: ControllerEvent[] | null = null;
  /** The current refusal: since when, why, how many rows waited and were dropped. */
  let trouble: { since: number; error: string; waited: number; dropped: number } | null = null;

  function handOn(event: ControllerEvent): void {
    if (held !== null) held.push(event);
    else emit(event);
  }

  /** Commits one row (and its state changes) and returns its event; throws if refused. */
  function commit(row: Waiting): ControllerEvent {
    const { entry, alongside } = row;
    let auditId: number;
    const startedAt = clock.monotonic();
    try {
      auditId = transaction(db, () => {
        alongside?.();
        return appendAudit(db, entry);
      });
    } catch (error) {
      if (alongside === undefined || !isForeignKeyViolation(error)) throw error;
      log.warning("State change of {description} dropped (its zone or user is gone)", {
        description: entry.description,
      });
      auditId = appendAudit(db, entry);
    }
    telemetry.written((clock.monotonic() - startedAt) / 1000);
    return {
      category: row.category,
      auditId,
      timestamp: entry.timestamp,
      content: { audit_id: auditId, timestamp: entry.timestamp, ...redactSecrets(entry.data) },
    };
  }

  /** True (and logged) when `error` is appendAudit's mask check: retrying cannot help. */
  function invalid(row: EventRow, error: unknown): boolean {
    if (!(error instanceof RangeError)) return false;
    log.error("Audit row rejected: {description}: {error}", {
      description: row.entry.description,
      error: String(error),
    });
    return true;
  }

  /** Records the start of a refusal (once) and raises its alarm. */
  function refused(error: unknown): void {
    if (trouble !== null || alarms === undefined) return;
    const since = clock.now();
    trouble = { since, error: String(error), waited: 0, dropped: 0 };
    const reason = /disk is full/.test(trouble.error) ? "disk_full" : "database_error";
    alarms({
      category: "alarm",
      auditId: -1,
      timestamp: since,
      content: {
        audit_id: -1,
        timestamp: since,
        alarm: "database_refused",
        reason,
        error: trouble.error,
      },
    });
  }

  /** Once the rows are written again: one ALARM row for the whole refusal. */
  function recovered(): void {
    const over = trouble;
    trouble = null;
    if (over === null || alarms === undefined) return;
    const now = clock.now();
    const data = {
      alarm: "database_refused_until",
      since: over.since,
      error: over.error,
      waited: over.waited,
      dropped: over.dropped,
    };
    const row: Waiting = {
      category: "alarm",
      alongside: undefined,
      entry: {
        kind: AUDIT_KIND.ALARM,
        mask: auditMask(AUDIT_EVENT.ALARM),
        authorId: null,
        description: `The database refused event rows for ${
          Math.round((now - over.since) / 1000)
        } s (${over.error}): ${over.waited} waited, ${over.dropped} dropped`,
        timestamp: now,
        data,
      },
    };
    try {
      alarms(commit(row));
    } catch (error) {
      log.error("Cannot record the end of the database refusal: {error}", { error: String(error) });
    }
  }

  function schedule(delayMs: number): void {
    if (retryTimer === undefined && !closed) retryTimer = clock.setTimeout(drain, delayMs);
  }

  function drain(): void {
    retryTimer = undefined;
    while (waiting.length > 0) {
      const next = waiting[0]!;
      let event: ControllerEvent;
      try {
        event = commit(next);
      } catch (error) {
        if (invalid(next, error)) {
          waiting.shift();
          continue;
        }
        refused(error);
        retryMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, retryMs * 2));
        log.error("Cannot append audit rows ({count} waiting, retry in {ms} ms): {error}", {
          count: waiting.length,
          ms: retryMs,
          error: String(error),
        });
        return schedule(retryMs);
      }
      waiting.shift();
      handOn(event);
    }
    if (retryMs > 0) log.info("Audit rows written again; the database accepts them");
    retryMs = 0;
    recovered();
  }

  function write(row: EventRow, alongside?: () => void): void {
    const item: Waiting = { ...row, alongside };
    if (waiting.length === 0) {
      let event: ControllerEvent | undefined;
      try {
        event = commit(item);
      } catch (error) {
        if (invalid(row, error)) return;
        refused(error);
        log.error("Cannot append the audit row for {description} (kept, retrying): {error}", {
          description: row.entry.description,
          error: String(error),
        });
      }
      if (event !== undefined) return handOn(event);
    }
    waiting.push(item);
    if (trouble !== null) trouble.waited++;
    if (waiting.length > maxPending) {
      const lost = waiting.shift()!;
      if (trouble !== null) trouble.dropped++;
      log.error("Audit row dropped (too many waiting): {description}", {
        description: lost.entry.description,
      });
    }
    schedule(Math.max(RETRY_MIN_MS, retryMs));
  }

  return {
    access(record, alongside) {
      telemetry.access(record);
      write(accessRow(record), alongside);
    },
    badRead(door, accessPointId, reason, nbBits, atMs) {
      telemetry.badRead(door, reason, nbBits);
      write(badReadRow(door, accessPointId, reason, nbBits, atMs));
    },
    door(door, event, authorId) {
      telemetry.door(door, event);
      write(doorRow(door, event, authorId));
    },
    openedManually: (door, authorId, atMs) => write(openedManuallyRow(door, authorId, atMs)),
    row: (row) => write(row),
    hold<T>(fn: () => T): T {
      if (held !== null) return fn();
      const events: ControllerEvent[] = [];
      held = events;
      try {
        return fn();
      } finally {
        held = null;
        for (const event of events) emit(event);
      }
    },
    pending: () => waiting.length,
    close() {
      closed = true;
      if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
      retryTimer = undefined;
      if (waiting.length > 0) drain();
    },
  };
}
