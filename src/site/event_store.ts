/**
 * The site's events in this controller's SQLite file (migration 11): the
 * message published for a local audit row, the copy of local rows into
 * `site_events`, the rows received from the stream and the cursors (their
 * retention: `event_retention.ts`). Synchronous SQL only; `event_outbox.ts` and `event_inbox.ts`
 * add NATS.
 *
 * A published event (one NATS message on `leosac.<site>.events.<controller>`,
 * with the header `Nats-Msg-Id: <controller>:<origin_id>`) is the row as
 * `audit.get` returns it with AUDIT_READ_FULL, plus:
 *
 * ```json
 * {
 *   "controller": "door-ctl-1", "origin_id": 42,
 *   "id": 42, "type": "audit-auth-event", "attributes": {…}, "relationships": {…},
 *   "kind": "Leosac::Audit::AuthEvent", "timestamp_ms": 1767614400123,
 *   "refs": {"author_id": null, "target_id": 7, "target2_id": 3, "credential_id": 12},
 *   "push": {"category": "access", "content": {"audit_id": 42, "timestamp": 1767614400123, …}}
 * }
 * ```
 *
 * `kind`, `timestamp_ms` and `refs` let a reader filter as `audit.get` does;
 * `push` (access decisions, door events and alarms only) is the live event
 * `events.subscribe` pushes, as the origin pushed it.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { AUDIT_KIND, type AuditRecord, toAuditRecord } from "../store/audit.ts";
import { prepared, transaction } from "../store/db.ts";
import { int, nullableInt, rowReader, text } from "../store/rows.ts";
import { serializeAudit } from "../ws/handlers/audit/_audit.ts";
import { NAME_PATTERN } from "./names.ts";

/**
 * Largest event message accepted from the stream (bytes of JSON). A local row
 * whose `audit.get` shape is over half of it is published with its
 * `before`/`after` snapshots emptied and `truncated: true`.
 */
export const MAX_EVENT_MESSAGE_BYTES = 256 * 1024;

/** The cursors of `site_event_cursors`. */
export const CURSOR = {
  /** Last local audit id copied into `site_events`. */
  MIRRORED: "mirrored_id",
  /** Last local audit id the stream acknowledged, every id at or below it included. */
  PUBLISHED: "published_id",
  /** The stream sequence of the newest acknowledged own event at or below PUBLISHED. */
  PUBLISHED_SEQ: "published_seq",
  /** Last stream sequence the inbox stored. */
  RECEIVED_SEQ: "received_seq",
} as const;

/** A cursor name. */
export type CursorName = typeof CURSOR[keyof typeof CURSOR];

/** The ids an event carries for `audit.get`'s filters. */
export interface EventRefs {
  author_id: number | null;
  target_id: number | null;
  target2_id: number | null;
  credential_id: number | null;
}

/** The live event of a message (`events.subscribe`). */
export interface EventPush {
  category: string;
  content: Record<string, unknown>;
}

/** One published event (see the module doc). */
export interface SiteEventMessage {
  controller: string;
  origin_id: number;
  id: number;
  type: string;
  attributes: Record<string, unknown>;
  relationships: Record<string, unknown>;
  kind: string;
  timestamp_ms: number;
  refs: EventRefs;
  push?: EventPush;
}

/** Audit kind → live-event category (the rows the controller pushes). */
const PUSH_CATEGORY: Record<string, string> = {
  [AUDIT_KIND.AUTH]: "access",
  [AUDIT_KIND.DOOR]: "door",
  [AUDIT_KIND.ALARM]: "alarm",
};

/** The message of a local audit row of `controller`. */
export function eventMessage(record: AuditRecord, controller: string): SiteEventMessage {
  const wire = serializeAudit(record, true) as {
    id: number;
    type: string;
    attributes: Record<string, unknown>;
    relationships: Record<string, unknown>;
  };
  const credential = record.kind === AUDIT_KIND.AUTH ? record.data.credential : record.targetId;
  const message: SiteEventMessage = {
    controller,
    origin_id: record.id,
    ...wire,
    kind: record.kind,
    timestamp_ms: record.timestamp,
    refs: {
      author_id: record.authorId,
      target_id: record.targetId,
      target2_id: record.target2Id,
      credential_id: record.kind === AUDIT_KIND.AUTH || record.kind === AUDIT_KIND.CREDENTIAL
        ? (typeof credential === "number" ? credential : null)
        : null,
    },
  };
  if (JSON.stringify(wire).length > MAX_EVENT_MESSAGE_BYTES / 2) {
    // A huge snapshot would exceed the NATS payload limit and stop the outbox for ever.
    message.attributes = { ...wire.attributes, before: "", after: "", truncated: true };
  }
  const category = PUSH_CATEGORY[record.kind];
  if (category !== undefined) {
    message.push = {
      category,
      content: { audit_id: record.id, timestamp: record.timestamp, ...record.data },
    };
  }
  return message;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalId(value: unknown): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : null;
}

/**
 * Checks a message read from the stream on `subject`'s controller.
 *
 * @throws {TypeError} when it is not an event message of that controller.
 */
export function parseEventMessage(bytes: Uint8Array, controller: string): SiteEventMessage {
  if (bytes.byteLength > MAX_EVENT_MESSAGE_BYTES) {
    throw new TypeError(`Event message is too large: ${bytes.byteLength} bytes`);
  }
  const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
  if (!isObject(value)) throw new TypeError("Event message is not an object");
  const { origin_id, timestamp_ms, kind, type, attributes, relationships, refs, push } = value;
  if (value.controller !== controller || !NAME_PATTERN.test(controller)) {
    throw new TypeError(`Event message names another controller than its subject's`);
  }
  if (typeof origin_id !== "number" || !Number.isSafeInteger(origin_id) || origin_id < 1) {
    throw new TypeError("Event message has no valid origin_id");
  }
  if (typeof timestamp_ms !== "number" || !Number.isSafeInteger(timestamp_ms)) {
    throw new TypeError("Event message has no valid timestamp_ms");
  }
  if (typeof kind !== "string" || kind.length > 128 || typeof type !== "string") {
    throw new TypeError("Event message has no valid kind or type");
  }
  if (!isObject(attributes) || !isObject(relationships)) {
    throw new TypeError("Event message has no attributes or relationships");
  }
  const r = isObject(refs) ? refs : {};
  const message: SiteEventMessage = {
    controller,
    origin_id,
    id: origin_id,
    type: type.slice(0, 128),
    attributes,
    relationships,
    kind,
    timestamp_ms,
    refs: {
      author_id: optionalId(r.author_id),
      target_id: optionalId(r.target_id),
      target2_id: optionalId(r.target2_id),
      credential_id: optionalId(r.credential_id),
    },
  };
  if (isObject(push) && typeof push.category === "string" && isObject(push.content)) {
    message.push = { category: push.category.slice(0, 32), content: push.content };
  }
  return message;
}

const readValue = rowReader("site_event_cursors", { value: int });

/** A cursor's value (0 before it is first written). */
export function readCursor(db: DatabaseSync, name: CursorName): number {
  const row = prepared(db, "SELECT value FROM site_event_cursors WHERE name = ?").get(name);
  return row === undefined ? 0 : readValue(row).value;
}

/** Writes a cursor. */
export function writeCursor(db: DatabaseSync, name: CursorName, value: number): void {
  prepared(
    db,
    "INSERT INTO site_event_cursors (name, value) VALUES (?, ?) " +
      "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
  ).run(name, value);
}

const INSERT_SQL = `INSERT OR IGNORE INTO site_events
  (controller, origin_id, timestamp, kind, author_id, target_id, target2_id, credential_id,
   message, seq)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * Stores one message; true when it was new. A known one is ignored, except
 * that an own row copied before it was read back gains its stream sequence.
 */
export function storeEvent(
  db: DatabaseSync,
  message: SiteEventMessage,
  json: string,
  seq: number | null,
): boolean {
  const { refs } = message;
  const inserted = prepared(db, INSERT_SQL).run(
    message.controller,
    message.origin_id,
    message.timestamp_ms,
    message.kind,
    refs.author_id,
    refs.target_id,
    refs.target2_id,
    refs.credential_id,
    json,
    seq,
  );
  if (Number(inserted.changes) === 1) return true;
  if (seq !== null) {
    prepared(
      db,
      "UPDATE site_events SET seq = ? WHERE controller = ? AND origin_id = ? AND seq IS NULL",
    ).run(seq, message.controller, message.origin_id);
  }
  return false;
}

/**
 * Copies local audit rows committed after the MIRRORED cursor into
 * `site_events` as `controller`'s, at most `maxRows` of them, in one
 * transaction that also moves the cursor. Returns how many were copied.
 */
export function mirrorLocalEvents(db: DatabaseSync, controller: string, maxRows: number): number {
  return transaction(db, () => {
    const after = readCursor(db, CURSOR.MIRRORED);
    const rows = prepared(db, "SELECT * FROM audit_events WHERE id > ? ORDER BY id LIMIT ?")
      .all(after, maxRows).map(toAuditRecord);
    const last = rows.at(-1);
    if (last === undefined) return 0;
    for (const record of rows) {
      const message = eventMessage(record, controller);
      storeEvent(db, message, JSON.stringify(message), null);
    }
    writeCursor(db, CURSOR.MIRRORED, last.id);
    return rows.length;
  });
}

const readPending = rowReader("site_events", { origin_id: int, message: text });

/** Own events after `afterId` (origin id order), at most `limit`. */
export function pendingOwnEvents(
  db: DatabaseSync,
  controller: string,
  afterId: number,
  limit: number,
): { origin_id: number; message: string }[] {
  return prepared(
    db,
    "SELECT origin_id, message FROM site_events WHERE controller = ? AND origin_id > ? " +
      "ORDER BY origin_id LIMIT ?",
  ).all(controller, afterId, limit).map(readPending);
}

const readMax = rowReader("audit_events", { id: nullableInt });

/** The newest local audit id (0 when there is none). */
export function newestLocalId(db: DatabaseSync): number {
  return readMax(prepared(db, "SELECT max(id) AS id FROM audit_events").get()).id ?? 0;
}
