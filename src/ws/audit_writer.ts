/**
 * Writes the `WSAPICall` audit row of every WebSocket request.
 *
 * Rows for authentication calls are written at once (before the reply);
 * the others are buffered and written in one transaction every
 * `flushIntervalMs` or `maxBuffered` rows, and on close. A call row never
 * holds the request payload, so no secret can reach it. Entity changes write
 * their own audit rows inside the change's transaction, not through here.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { logger } from "../log.ts";
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
}

/** Options of the writer. */
export interface AuditWriterOptions {
  /** @default 200 */
  flushIntervalMs?: number;
  /** @default 500 */
  maxBuffered?: number;
}

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
  #buffer: AuditEntry[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(db: DatabaseSync, options: AuditWriterOptions = {}) {
    this.#db = db;
    this.#options = { flushIntervalMs: 200, maxBuffered: 500, ...options };
  }

  /** Records a call; `now` writes it before returning. */
  record(call: ApiCall, now = false): void {
    if (this.#closed) return;
    this.#buffer.push(toEntry(call));
    if (now || this.#buffer.length >= this.#options.maxBuffered) {
      this.flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.#options.flushIntervalMs);
    }
  }

  /** Writes every buffered row. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#buffer.length === 0 || !this.#db.isOpen) return;
    const rows = this.#buffer;
    this.#buffer = [];
    try {
      appendAuditBatch(this.#db, rows);
    } catch (error) {
      // Keep the rows for the next attempt (a busy database), within the bound.
      this.#buffer = rows.concat(this.#buffer).slice(-this.#options.maxBuffered * 4);
      log.error("Cannot write API call audit rows: {error}", { error: String(error) });
      if (this.#timer === undefined && !this.#closed) {
        this.#timer = setTimeout(() => this.flush(), this.#options.flushIntervalMs);
      }
    }
  }

  /** Flushes and stops the timer. */
  close(): void {
    this.flush();
    this.#closed = true;
  }
}
