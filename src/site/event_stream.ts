/**
 * The site's event stream on JetStream: its configuration, and reading back
 * what one controller already published there (the outbox's recovery).
 *
 * @module
 */
import {
  DeliverPolicy,
  jetstream,
  type JetStreamManager,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { parseEventMessage } from "./event_store.ts";
import type { SiteNames } from "./names.ts";

/** How long JetStream remembers a message id (a repeat within it is dropped). */
export const EVENT_DUPLICATE_WINDOW_MS = 2 * 60_000;
/** How long the stream keeps events (a controller catching up reads at most this far back). */
export const EVENT_STREAM_MAX_AGE_DAYS = 400;
/** Longest wait for the stream while reading back own events. */
export const READ_BACK_TIMEOUT_MS = 10_000;

const NANOS_PER_MS = 1_000_000;

/**
 * Creates the site's event stream if it is missing: subjects
 * `leosac.<site>.events.*`, file storage, a 2-minute duplicate window,
 * events kept {@linkcode EVENT_STREAM_MAX_AGE_DAYS} days, `replicas` copies.
 * An existing stream is left as it is.
 */
export async function ensureEventStream(
  jsm: JetStreamManager,
  names: SiteNames,
  replicas: number,
): Promise<void> {
  if (await exists(jsm, names.eventsStream)) return;
  try {
    await jsm.streams.add({
      name: names.eventsStream,
      subjects: [names.eventsWildcard],
      storage: StorageType.File,
      duplicate_window: EVENT_DUPLICATE_WINDOW_MS * NANOS_PER_MS,
      max_age: EVENT_STREAM_MAX_AGE_DAYS * 86_400_000 * NANOS_PER_MS,
      num_replicas: replicas,
    });
  } catch (error) {
    // Another controller may have created it meanwhile.
    if (!(await exists(jsm, names.eventsStream))) throw error;
  }
}

async function exists(jsm: JetStreamManager, stream: string): Promise<boolean> {
  try {
    await jsm.streams.info(stream);
    return true;
  } catch (error) {
    if (/stream not found/i.test(String(error))) return false;
    throw error;
  }
}

/** Where {@linkcode ownEventsAfter} reads. */
export interface ReadBackQuery {
  stream: string;
  /** The controller's own subject. */
  subject: string;
  controller: string;
  /** Only ids after this one count. */
  afterId: number;
  /** Reading starts after this stream sequence (0: from the start). */
  afterSeq: number;
}

/**
 * The controller's own events after `afterId` that the stream holds, with
 * their stream sequence: none when the last message on its subject is at or
 * below `afterId`, else every own message after `afterSeq` (an ordered
 * consumer filtered on the subject).
 */
export async function ownEventsAfter(
  nc: NatsConnection,
  query: ReadBackQuery,
): Promise<Map<number, number>> {
  const found = new Map<number, number>();
  const jsm = await jetstreamManager(nc);
  const last = await jsm.streams.getMessage(query.stream, { last_by_subj: query.subject });
  if (last === null) return found;
  if (parseEventMessage(last.data, query.controller).origin_id <= query.afterId) return found;
  const consumer = await jetstream(nc).consumers.get(query.stream, {
    // One subject as a string: server 2.9 has no filter_subjects list.
    filter_subjects: query.subject,
    // A sequence past the last one means the stream was recreated: read it all.
    ...(query.afterSeq > 0 && query.afterSeq < last.seq
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: query.afterSeq + 1 }
      : { deliver_policy: DeliverPolicy.All }),
  });
  const messages = await consumer.consume({ max_messages: 512 });
  const timer = setTimeout(() => messages.stop(), READ_BACK_TIMEOUT_MS);
  try {
    for await (const m of messages) {
      const { origin_id } = parseEventMessage(m.data, query.controller);
      if (origin_id > query.afterId) found.set(origin_id, m.seq);
      if (m.seq >= last.seq) break;
    }
  } finally {
    clearTimeout(timer);
    await messages.close().catch(() => {});
  }
  if (![...found.values()].some((seq) => seq >= last.seq)) {
    throw new Error(`Reading back ${query.subject} stopped before sequence ${last.seq}`);
  }
  return found;
}
