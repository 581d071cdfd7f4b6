/**
 * The event inbox: the whole site's event stream, kept in `site_events` for
 * `audit.get` with `site: true`, and other controllers' live events pushed to
 * this controller's `events.subscribe` sessions.
 *
 * 1. **Read.** While connected, an ordered consumer reads the stream from
 *    the sequence after the RECEIVED_SEQ cursor (a controller that never
 *    read it starts at the oldest event the retention would keep).
 * 2. **Store.** Messages are stored in batches (up to `batchRows`, or when
 *    the server has nothing more pending), one transaction each that also
 *    moves RECEIVED_SEQ: a crash re-reads at most the batch it lost. A
 *    message whose `(controller, origin_id)` is already stored is ignored,
 *    so a duplicate that slipped past JetStream's window stays one row.
 *    A message whose `controller` is not its subject's is dropped (the NATS
 *    permissions should prevent it; see `deploy/`).
 * 3. **Push.** After the commit, each new event of another controller with
 *    a live event (access, door, alarm) is published on the event hub as
 *    the origin pushed it plus `controller` and `origin_id`, if the stream
 *    stored it less than `liveWindowMs` ago (catching up on old history
 *    pushes nothing). This controller's own events are pushed locally when
 *    committed, not here.
 * 4. **Retention.** Not here: the audit retention's schedule removes old
 *    events, and the oldest first when the database is too large
 *    (`event_retention.ts`, wired in `src/server.ts`).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type Clock, systemClock } from "../clock.ts";
import { logger } from "../log.ts";
import {
  DAY_MS,
  DEFAULT_AUDIT_KEEP_ACCESS_DAYS,
  DEFAULT_AUDIT_KEEP_OTHER_DAYS,
} from "../store/audit_retention.ts";
import { transaction } from "../store/db.ts";
import type { EventHub, LiveEvent } from "../ws/event_hub.ts";
import { EVENT_CATEGORIES } from "../ws/handlers/events/_events.ts";
import type { SiteEventRetention } from "./event_retention.ts";
import { CURSOR, parseEventMessage, readCursor, storeEvent, writeCursor } from "./event_store.ts";
import { ensureEventStream } from "./event_stream.ts";
import type { SiteLink } from "./link.ts";
import type { SiteNames } from "./names.ts";

const log = logger("site", "events");

/** Default messages stored per transaction. */
export const DEFAULT_INBOX_BATCH_ROWS = 256;
/** Default age (in the stream) beyond which a received event is not pushed live. */
export const DEFAULT_LIVE_WINDOW_MS = 60_000;

/** What {@linkcode EventInbox} needs. */
export interface EventInboxOptions {
  /** The store's connection. */
  db: DatabaseSync;
  /** The site link. */
  link: SiteLink;
  /** The site's names. */
  names: SiteNames;
  /** This controller's name. */
  controller: string;
  /** Where other controllers' live events go; absent: none are pushed. */
  events?: EventHub;
  /** Timers and `now`. @default systemClock */
  clock?: Clock;
  /** When given, the event stream is created (with these replicas) if missing. */
  replicas?: number;
  /** Keep periods (how far back a first read starts). @default the audit log's defaults (365 and 90 days) */
  retention?: SiteEventRetention;
  /** Messages per transaction. @default {@linkcode DEFAULT_INBOX_BATCH_ROWS} */
  batchRows?: number;
  /** Push window. @default {@linkcode DEFAULT_LIVE_WINDOW_MS} */
  liveWindowMs?: number;
  /** Wait after a failure. @default 1000 */
  retryMs?: number;
}

/** Reads the site's event stream into `site_events` (see the module doc). */
export class EventInbox {
  readonly #db: DatabaseSync;
  readonly #link: SiteLink;
  readonly #names: SiteNames;
  readonly #controller: string;
  readonly #events: EventHub | undefined;
  readonly #clock: Clock;
  readonly #replicas: number | undefined;
  readonly #retention: SiteEventRetention;
  readonly #batchRows: number;
  readonly #liveWindowMs: number;
  readonly #retryMs: number;
  readonly #prefix: string;
  readonly #abort = new AbortController();
  #running: Promise<void> | null = null;
  #stop: (() => void) | null = null;
  #waiters: { seq: number; resolve: () => void }[] = [];

  constructor(options: EventInboxOptions) {
    this.#db = options.db;
    this.#link = options.link;
    this.#names = options.names;
    this.#controller = options.controller;
    this.#events = options.events;
    this.#clock = options.clock ?? systemClock;
    this.#replicas = options.replicas;
    this.#retention = options.retention ?? {
      keepAccessDays: DEFAULT_AUDIT_KEEP_ACCESS_DAYS,
      keepOtherDays: DEFAULT_AUDIT_KEEP_OTHER_DAYS,
    };
    this.#batchRows = options.batchRows ?? DEFAULT_INBOX_BATCH_ROWS;
    this.#liveWindowMs = options.liveWindowMs ?? DEFAULT_LIVE_WINDOW_MS;
    this.#retryMs = options.retryMs ?? 1_000;
    this.#prefix = options.names.eventsSubject("");
  }

  /** Starts reading (returns at once). */
  start(): void {
    if (this.#running !== null || this.#abort.signal.aborted) return;
    this.#running = this.#run();
  }

  /** The last stream sequence stored. */
  receivedSeq(): number {
    return readCursor(this.#db, CURSOR.RECEIVED_SEQ);
  }

  /** Resolves once the stream is stored up to sequence `seq`. */
  reached(seq: number, signal?: AbortSignal): Promise<void> {
    if (this.receivedSeq() >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { seq, resolve };
      this.#waiters.push(waiter);
      signal?.addEventListener("abort", () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Stops reading; what was read is stored first. */
  async close(): Promise<void> {
    this.#abort.abort(new Error("event inbox closed"));
    this.#stop?.();
    await this.#running;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        await this.#link.whenConnected(signal);
        const nc = this.#link.connection;
        if (nc !== null) await this.#consume(nc);
      } catch (error) {
        if (!signal.aborted) {
          log.warn("Reading the site's events failed (will retry): {error}", {
            error: String(error),
          });
        }
      }
      if (!signal.aborted) await this.#pause(this.#retryMs);
    }
  }

  async #consume(nc: NatsConnection): Promise<void> {
    if (this.#replicas !== undefined) {
      await ensureEventStream(await jetstreamManager(nc), this.#names, this.#replicas);
    }
    const from = this.receivedSeq();
    const keepMs = Math.max(this.#retention.keepAccessDays, this.#retention.keepOtherDays) *
      DAY_MS;
    const consumer = await jetstream(nc).consumers.get(
      this.#names.eventsStream,
      from > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from + 1 } : {
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: new Date(this.#clock.now() - keepMs).toISOString(),
      },
    );
    const messages = await consumer.consume({ max_messages: this.#batchRows * 2 });
    this.#stop = () => messages.stop();
    const unlisten = this.#link.onChange((up) => {
      if (!up) messages.stop();
    });
    const batch: JsMsg[] = [];
    try {
      for await (const m of messages) {
        batch.push(m);
        if (batch.length >= this.#batchRows || m.info.pending === 0) this.#store(batch.splice(0));
        if (this.#abort.signal.aborted) break;
      }
    } finally {
      unlisten();
      this.#stop = null;
      if (batch.length > 0) this.#store(batch.splice(0));
      await messages.close().catch(() => {});
    }
  }

  /** Stores a batch in one transaction, then pushes what is new and live. */
  #store(batch: JsMsg[]): void {
    const live: LiveEvent[] = [];
    const now = this.#clock.now();
    transaction(this.#db, () => {
      for (const m of batch) {
        const controller = m.subject.slice(this.#prefix.length);
        let message;
        try {
          message = parseEventMessage(m.data, controller);
        } catch (error) {
          log.warn("Dropped site event {seq} on {subject}: {error}", {
            seq: m.seq,
            subject: m.subject,
            error: String(error),
          });
          continue;
        }
        const fresh = storeEvent(this.#db, message, JSON.stringify(message), m.seq);
        const push = message.push;
        if (
          fresh && controller !== this.#controller && push !== undefined &&
          (EVENT_CATEGORIES as readonly string[]).includes(push.category) &&
          now - m.info.timestampNanos / 1_000_000 < this.#liveWindowMs
        ) {
          live.push({
            ...push.content,
            category: push.category,
            controller,
            origin_id: message.origin_id,
          });
        }
      }
      writeCursor(this.#db, CURSOR.RECEIVED_SEQ, batch.at(-1)!.seq);
    });
    for (const event of live) this.#events?.publish(event);
    const seq = this.receivedSeq();
    const done = this.#waiters.filter((w) => w.seq <= seq);
    this.#waiters = this.#waiters.filter((w) => w.seq > seq);
    for (const waiter of done) waiter.resolve();
  }

  #pause(ms: number): Promise<void> {
    const signal = this.#abort.signal;
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.#clock.clearTimeout(timer);
        resolve();
      };
      const timer = this.#clock.setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
