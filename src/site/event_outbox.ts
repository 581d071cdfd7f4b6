/**
 * The event outbox: this controller's committed audit rows reach the site's
 * event stream once each, in id order, whatever fails on the way.
 *
 * 1. **Copy.** Every `pollMs` (or on {@linkcode EventOutbox.wake}), rows of
 *    `audit_events` after the MIRRORED cursor are copied into `site_events`
 *    as this controller's (`event_store.ts`), in pages, connected or not, so
 *    `audit.get` with `site: true` shows them at once.
 * 2. **Publish.** While connected, own rows after the PUBLISHED cursor are
 *    published on `leosac.<site>.events.<controller>` with the message id
 *    `<controller>:<id>` (JetStream drops a repeat within its duplicate
 *    window), up to `maxInFlight` at a time; their acknowledgements are
 *    awaited in order, and then PUBLISHED (and the stream sequence of the
 *    newest) is written in SQLite.
 * 3. **Recover.** Before the first publish, and after any failed batch, the
 *    outbox reads the stream itself: the last message on its subject, and if
 *    that is past PUBLISHED, every own message after PUBLISHED_SEQ. Ids found
 *    there are not published again. So a crash between a publish and the
 *    cursor write, or a lost acknowledgement, duplicates nothing even after
 *    the duplicate window, and a message lost in the middle of a batch (a
 *    leader change) is published again.
 *
 * Decisions never wait on it: it runs on the event loop between other work,
 * reads at most a page at a time, and the controller commits its rows to
 * SQLite exactly as without a site.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { jetstream, type JetStreamClient, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { logger } from "../log.ts";
import { transaction } from "../store/db.ts";
import {
  CURSOR,
  mirrorLocalEvents,
  newestLocalId,
  pendingOwnEvents,
  readCursor,
  writeCursor,
} from "./event_store.ts";
import { ensureEventStream, ownEventsAfter } from "./event_stream.ts";
import type { SiteLink } from "./link.ts";
import type { SiteNames } from "./names.ts";

export { ensureEventStream } from "./event_stream.ts";

const log = logger("site", "events");

/** Default poll period for new local rows. */
export const DEFAULT_OUTBOX_POLL_MS = 200;
/** Default publishes awaiting their acknowledgement at once. */
export const DEFAULT_OUTBOX_IN_FLIGHT = 256;
/** Default rows copied into `site_events` per transaction. */
export const DEFAULT_OUTBOX_COPY_ROWS = 500;
/** Default wait for one acknowledgement. */
export const DEFAULT_OUTBOX_ACK_TIMEOUT_MS = 10_000;
/** Default wait after a failed batch before recovering (doubled after each failure in a row). */
export const DEFAULT_OUTBOX_RETRY_MS = 1_000;
/** Longest wait between failed batches. */
const MAX_RETRY_MS = 30_000;

/** What {@linkcode EventOutbox} needs. */
export interface EventOutboxOptions {
  /** The store's connection (the one that writes `audit_events`). */
  db: DatabaseSync;
  /** The site link. */
  link: SiteLink;
  /** The site's names. */
  names: SiteNames;
  /** This controller's name. */
  controller: string;
  /** Timers. @default systemClock */
  clock?: Clock;
  /** When given, the event stream is created (with these replicas) if missing, on each connection. */
  replicas?: number;
  /** Poll period. @default {@linkcode DEFAULT_OUTBOX_POLL_MS} */
  pollMs?: number;
  /** Publishes in flight. @default {@linkcode DEFAULT_OUTBOX_IN_FLIGHT} */
  maxInFlight?: number;
  /** Rows copied per transaction. @default {@linkcode DEFAULT_OUTBOX_COPY_ROWS} */
  copyRows?: number;
  /** Acknowledgement timeout. @default {@linkcode DEFAULT_OUTBOX_ACK_TIMEOUT_MS} */
  ackTimeoutMs?: number;
  /** Wait after a failure. @default {@linkcode DEFAULT_OUTBOX_RETRY_MS} */
  retryMs?: number;
}

/** Publishes this controller's audit rows to the site's event stream (see the module doc). */
export class EventOutbox {
  readonly #db: DatabaseSync;
  readonly #link: SiteLink;
  readonly #names: SiteNames;
  readonly #controller: string;
  readonly #subject: string;
  readonly #clock: Clock;
  readonly #replicas: number | undefined;
  readonly #pollMs: number;
  readonly #inFlight: number;
  readonly #copyRows: number;
  readonly #ackTimeoutMs: number;
  readonly #retryMs: number;
  /** Own ids after PUBLISHED found in the stream by the last recovery, with their sequence. */
  #stored = new Map<number, number>();
  #recovered = false;
  #ensuredFor: NatsConnection | null = null;
  #js: { nc: NatsConnection; js: JetStreamClient } | null = null;
  #closed = false;
  #running: Promise<void> | null = null;
  #timer: TimerHandle | undefined;
  #wakeUp: (() => void) | null = null;
  #unlisten: (() => void) | null = null;
  #waiters: { id: number; resolve: () => void }[] = [];

  constructor(options: EventOutboxOptions) {
    this.#db = options.db;
    this.#link = options.link;
    this.#names = options.names;
    this.#controller = options.controller;
    this.#subject = options.names.eventsSubject(options.controller);
    this.#clock = options.clock ?? systemClock;
    this.#replicas = options.replicas;
    this.#pollMs = options.pollMs ?? DEFAULT_OUTBOX_POLL_MS;
    this.#inFlight = options.maxInFlight ?? DEFAULT_OUTBOX_IN_FLIGHT;
    this.#copyRows = options.copyRows ?? DEFAULT_OUTBOX_COPY_ROWS;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_OUTBOX_ACK_TIMEOUT_MS;
    this.#retryMs = options.retryMs ?? DEFAULT_OUTBOX_RETRY_MS;
  }

  /** Starts the loop (returns at once). */
  start(): void {
    if (this.#running !== null || this.#closed) return;
    this.#unlisten = this.#link.onChange((up) => {
      if (up) this.wake();
    });
    this.#running = this.#run();
  }

  /** Looks for new rows now instead of at the next poll. */
  wake(): void {
    const wake = this.#wakeUp;
    this.#wakeUp = null;
    wake?.();
  }

  /** Local audit rows the stream has not acknowledged yet. */
  backlog(): number {
    return Math.max(0, newestLocalId(this.#db) - readCursor(this.#db, CURSOR.PUBLISHED));
  }

  /**
   * Resolves once every local audit row committed so far is acknowledged by
   * the stream (tests, and a clean stop that wants its events out).
   */
  flushed(signal?: AbortSignal): Promise<void> {
    const id = newestLocalId(this.#db);
    if (readCursor(this.#db, CURSOR.PUBLISHED) >= id) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { id, resolve };
      this.#waiters.push(waiter);
      signal?.addEventListener("abort", () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(signal.reason);
      }, { once: true });
      this.wake();
    });
  }

  /** Stops the loop; a batch in flight finishes or fails first. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unlisten?.();
    this.wake();
    await this.#running;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      let delay = this.#pollMs;
      try {
        if (this.#copy()) delay = 0;
        const nc = this.#link.connection;
        if (nc !== null && this.#hasPending()) {
          await this.#publishBatch(nc);
          delay = 0;
        }
        failures = 0;
      } catch (error) {
        if (!this.#closed) {
          log.warn("Site events not published yet (will retry): {error}", {
            error: String(error),
          });
        }
        this.#recovered = false;
        failures++;
        // 1 s, 2 s, 4 s … at most 30 s: a lasting refusal (permissions) logs twice a minute.
        delay = Math.min(this.#retryMs * 2 ** Math.min(failures - 1, 5), MAX_RETRY_MS);
      }
      this.#notify();
      await this.#sleep(delay);
    }
  }

  /** Copies one page of new local rows; true when there may be more. */
  #copy(): boolean {
    return mirrorLocalEvents(this.#db, this.#controller, this.#copyRows) === this.#copyRows;
  }

  #hasPending(): boolean {
    const after = readCursor(this.#db, CURSOR.PUBLISHED);
    return pendingOwnEvents(this.#db, this.#controller, after, 1).length > 0;
  }

  async #publishBatch(nc: NatsConnection): Promise<void> {
    if (this.#replicas !== undefined && this.#ensuredFor !== nc) {
      await ensureEventStream(await jetstreamManager(nc), this.#names, this.#replicas);
      this.#ensuredFor = nc;
    }
    if (!this.#recovered) await this.#recover(nc);
    const js = this.#client(nc);
    let cursor = readCursor(this.#db, CURSOR.PUBLISHED);
    let cursorSeq = readCursor(this.#db, CURSOR.PUBLISHED_SEQ);
    const acks: { id: number; ack: ReturnType<JetStreamClient["publish"]> }[] = [];
    let last = cursor;
    // Read pages until maxInFlight rows are out (ids the stream holds are skipped).
    while (acks.length < this.#inFlight) {
      const rows = pendingOwnEvents(this.#db, this.#controller, last, this.#inFlight);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (acks.length >= this.#inFlight) break;
        last = row.origin_id;
        const seq = this.#stored.get(row.origin_id);
        if (seq !== undefined) {
          cursorSeq = Math.max(cursorSeq, seq);
          continue;
        }
        const ack = js.publish(this.#subject, row.message, {
          msgID: `${this.#controller}:${row.origin_id}`,
          expect: { streamName: this.#names.eventsStream },
          timeout: this.#ackTimeoutMs,
        });
        ack.catch(() => {}); // awaited below, in order; a later one may reject first
        acks.push({ id: row.origin_id, ack });
      }
    }
    for (const { ack } of acks) {
      const reply = await ack;
      cursorSeq = Math.max(cursorSeq, reply.seq);
    }
    cursor = last;
    transaction(this.#db, () => {
      writeCursor(this.#db, CURSOR.PUBLISHED, cursor);
      writeCursor(this.#db, CURSOR.PUBLISHED_SEQ, cursorSeq);
    });
    for (const id of this.#stored.keys()) if (id <= cursor) this.#stored.delete(id);
  }

  /** Learns which own ids after PUBLISHED the stream already holds (see the module doc). */
  async #recover(nc: NatsConnection): Promise<void> {
    const after = readCursor(this.#db, CURSOR.PUBLISHED);
    const afterSeq = readCursor(this.#db, CURSOR.PUBLISHED_SEQ);
    this.#stored = await ownEventsAfter(nc, {
      stream: this.#names.eventsStream,
      subject: this.#subject,
      controller: this.#controller,
      afterId: after,
      afterSeq,
    });
    if (this.#stored.size > 0) {
      log.info("{count} site events were already in the stream; they are not published again", {
        count: this.#stored.size,
      });
    }
    this.#recovered = true;
  }

  #client(nc: NatsConnection): JetStreamClient {
    if (this.#js?.nc !== nc) this.#js = { nc, js: jetstream(nc) };
    return this.#js.js;
  }

  #notify(): void {
    if (this.#waiters.length === 0) return;
    const published = readCursor(this.#db, CURSOR.PUBLISHED);
    const done = this.#waiters.filter((w) => w.id <= published);
    this.#waiters = this.#waiters.filter((w) => w.id > published);
    for (const waiter of done) waiter.resolve();
  }

  #sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (ms === 0) return new Promise((resolve) => setTimeout(resolve, 0));
    return new Promise((resolve) => {
      this.#wakeUp = () => {
        this.#clock.clearTimeout(this.#timer);
        resolve();
      };
      this.#timer = this.#clock.setTimeout(() => {
        this.#wakeUp = null;
        resolve();
      }, ms);
    });
  }
}
