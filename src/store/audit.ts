/**
 * The audit log: one row per event, with secret-free before/after snapshots.
 *
 * Event masks follow Leosac's `FlagSet<EventType>`: bit k is set for event
 * ordinal k. Ordinals go past 31, so masks are plain numbers built with
 * `2 ** k` (exact up to 2^53), never `1 << k`.
 *
 * Size: a little over 300 lines: the event table, masks, redaction, append
 * and query of one table, which must agree with each other.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { prepared, transaction } from "./db.ts";
import { int, nullableInt, nullableText, rowReader, text } from "./rows.ts";
import {
  type AuditChain,
  auditChainOf,
  GENESIS_HASH,
  hashBytes,
  rowHash,
  storedHashHex,
} from "./audit_chain.ts";

/** Audit event ordinals: 0–29 are Leosac's, 30 and above are ours. */
export const AUDIT_EVENT = {
  WSAPI_CALL: 0,
  USER_CREATED: 1,
  USER_DELETED: 2,
  USER_EDITED: 3,
  USER_PASSWORD_CHANGED: 4,
  USER_PASSWORD_CHANGE_FAILURE: 5,
  GROUP_CREATED: 6,
  GROUP_UPDATED: 7,
  GROUP_DELETED: 8,
  GROUP_MEMBERSHIP_JOINED: 9,
  GROUP_MEMBERSHIP_LEFT: 10,
  CREDENTIAL_DELETED: 11,
  CREDENTIAL_CREATED: 12,
  CREDENTIAL_UPDATED: 13,
  SCHEDULE_CREATED: 14,
  SCHEDULE_DELETED: 15,
  SCHEDULE_UPDATED: 16,
  DOOR_CREATED: 17,
  DOOR_UPDATED: 18,
  DOOR_DELETED: 19,
  MAPPING_MAY_HAVE_CHANGED: 20,
  ACCESS_POINT_CREATED: 21,
  ACCESS_POINT_UPDATED: 22,
  ACCESS_POINT_DELETED: 23,
  UPDATE_CREATED: 24,
  UPDATE_ACKED: 25,
  UPDATE_CANCELLED: 26,
  ZONE_CREATED: 27,
  ZONE_UPDATED: 28,
  ZONE_DELETED: 29,
  AUTH_GRANTED: 30,
  AUTH_DENIED: 31,
  DOOR_UNLOCKED: 32,
  DOOR_OPENED: 33,
  DOOR_CLOSED: 34,
  DOOR_RELOCKED: 35,
  DOOR_FORCED: 36,
  DOOR_HELD_OPEN: 37,
  DOOR_REX: 38,
  DOOR_MODE_CHANGED: 39,
  DOOR_OPENED_MANUALLY: 40,
  ALARM: 41,
  HOLIDAY_CREATED: 42,
  HOLIDAY_UPDATED: 43,
  HOLIDAY_DELETED: 44,
  ANTIPASSBACK_FORGIVEN: 45,
  BAD_READ: 46,
  DEVICE_CREATED: 47,
  DEVICE_UPDATED: 48,
  DEVICE_DELETED: 49,
  LOGIN_FAILED: 50,
  LOGIN_SUCCEEDED: 51,
} as const;
/** An audit event ordinal. */
export type AuditEvent = typeof AUDIT_EVENT[keyof typeof AUDIT_EVENT];

/** Audit row kinds: Leosac's polymorphic discriminators, plus ours. */
export const AUDIT_KIND = {
  WSAPI_CALL: "Leosac::Audit::WSAPICall",
  USER: "Leosac::Audit::UserEvent",
  GROUP: "Leosac::Audit::GroupEvent",
  USER_GROUP_MEMBERSHIP: "Leosac::Audit::UserGroupMembershipEvent",
  CREDENTIAL: "Leosac::Audit::CredentialEvent",
  SCHEDULE: "Leosac::Audit::ScheduleEvent",
  DOOR: "Leosac::Audit::DoorEvent",
  ZONE: "Leosac::Audit::ZoneEvent",
  UPDATE: "Leosac::Audit::UpdateEvent",
  AUTH: "Leosac::Audit::AuthEvent",
  ACCESS_POINT: "Leosac::Audit::AccessPointEvent",
  HOLIDAY: "Leosac::Audit::HolidayEvent",
  DEVICE: "Leosac::Audit::DeviceEvent",
  ALARM: "Leosac::Audit::AlarmEvent",
} as const;
/** An audit row kind. */
export type AuditKind = typeof AUDIT_KIND[keyof typeof AUDIT_KIND];

/**
 * The mask with the bits of `events` set (duplicates count once).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AUDIT_EVENT, auditMask } from "./audit.ts";
 * assert.equal(auditMask(AUDIT_EVENT.USER_EDITED, AUDIT_EVENT.USER_PASSWORD_CHANGED), 24);
 * assert.equal(auditMask(AUDIT_EVENT.LOGIN_FAILED), 2 ** 50);
 * ```
 */
export function auditMask(...events: AuditEvent[]): number {
  return [...new Set(events)].reduce<number>((mask, k) => mask + 2 ** k, 0);
}

/** True when bit `event` is set in `mask`. */
export function hasAuditEvent(mask: number, event: AuditEvent): boolean {
  return Math.floor(mask / 2 ** event) % 2 === 1;
}

/** A JSON object snapshot. */
export type JsonObject = Record<string, unknown>;

/** An audit event to record. */
export interface AuditEntry {
  /** Which family of event (Leosac's audit class). */
  kind: AuditKind;
  /** Event mask, see {@linkcode auditMask}. */
  mask: number;
  /** The user who caused the event, or null (anonymous, system). */
  authorId: number | null;
  /** What happened, in a sentence. */
  description: string;
  /** Unix ms. */
  timestamp: number;
  /** The entity concerned (user, group, door …; the user of a membership event). */
  targetId?: number | null;
  /** A second entity (the group of a membership event, the door of an auth event). */
  target2Id?: number | null;
  /** Snapshot before the change (secrets are removed). */
  before?: JsonObject | null;
  /** Snapshot after the change (secrets are removed). */
  after?: JsonObject | null;
  /** Kind-specific fields (secrets are removed). */
  data?: JsonObject;
}

/** A stored audit event. */
export interface AuditRecord {
  id: number;
  /** Unix ms. */
  timestamp: number;
  kind: string;
  mask: number;
  authorId: number | null;
  description: string;
  targetId: number | null;
  target2Id: number | null;
  before: JsonObject | null;
  after: JsonObject | null;
  data: JsonObject;
}

/** Options for {@linkcode queryAudit}. */
export interface AuditQuery {
  /** 1-based page number. */
  page: number;
  /** Rows per page (> 0). */
  pageSize: number;
  /** Only these kinds; absent or empty means all. */
  kinds?: readonly string[];
}

/** One page of audit rows and the number of rows matching the filter. */
export interface AuditPage {
  rows: AuditRecord[];
  count: number;
}

const readAuditCount = rowReader("audit_events count", { n: int });
const readAuditEvent = rowReader("audit_events", {
  id: int,
  timestamp: int,
  kind: text,
  event_mask: int,
  author_id: nullableInt,
  description: text,
  target_id: nullableInt,
  target2_id: nullableInt,
  before: nullableText,
  after: nullableText,
  data: text,
});

const SECRET_KEYS: ReadonlySet<string> = new Set([
  "password",
  "password_hash",
  "passwordhash",
  "current_password",
  "new_password",
  "code",
  "pin",
  "pin_hash",
  "pinhash",
  "token",
  "token_hash",
  "tokenhash",
]);

/**
 * A deep copy of `value` without any property whose name is a secret
 * (password, password_hash, passwordHash, current_password, new_password,
 * code, pin, pin_hash, pinHash, token, token_hash, tokenHash; any case), at
 * any depth, arrays included.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactSecrets } from "./audit.ts";
 * const copy = redactSecrets({ username: "a", Password: "x", nested: [{ pin: "1234" }] });
 * assert.equal(JSON.stringify(copy), '{"username":"a","nested":[{}]}');
 * ```
 */
export function redactSecrets<T>(value: T): T {
  return redact(value) as T;
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Date) return new Date(value.getTime());
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!SECRET_KEYS.has(key.toLowerCase())) copy[key] = redact(item);
  }
  return copy;
}

function jsonOrNull(value: JsonObject | null | undefined): string | null {
  return value === undefined || value === null ? null : JSON.stringify(redactSecrets(value));
}

function parseObject(text: string | null): JsonObject | null {
  if (text === null) return null;
  const value: unknown = JSON.parse(text);
  return typeof value === "object" && value !== null ? value as JsonObject : null;
}

function toRecord(raw: unknown): AuditRecord {
  const row = readAuditEvent(raw);
  return {
    id: row.id,
    timestamp: row.timestamp,
    kind: row.kind,
    mask: row.event_mask,
    authorId: row.author_id,
    description: row.description,
    targetId: row.target_id,
    target2Id: row.target2_id,
    before: parseObject(row.before),
    after: parseObject(row.after),
    data: parseObject(row.data) ?? {},
  };
}

/** Reads one stored audit row (a `SELECT *` row of `audit_events`). */
export function toAuditRecord(raw: unknown): AuditRecord {
  return toRecord(raw);
}

/**
 * Appends one audit event and returns its id. Secrets are removed from
 * `before`, `after` and `data` before they are stored.
 *
 * The row joins its hash chain (see `audit_chain.ts`): the previous row of
 * its chain is read and the row inserted in one `BEGIN IMMEDIATE`
 * transaction (or the caller's), so another connection cannot append in
 * between.
 *
 * The statement runs with `run()`, which steps it to completion, and the
 * commit is a statement of its own, so a refused write (full disk, lock,
 * read-only file) throws. `INSERT … RETURNING` read through `get()` stops at
 * the returned row and node:sqlite drops the commit's error: on a full disk
 * it returned an id for a row that was never stored.
 *
 * @throws {RangeError} if the mask is not a non-negative safe integer.
 * @throws {Error} (node:sqlite's) when the database refuses the row.
 */
export function appendAudit(db: DatabaseSync, entry: AuditEntry): number {
  checkMask(entry);
  return transaction(db, () => appendChained(db, entry, new ChainCursor(db)));
}

/**
 * Appends several audit events in one transaction; returns their ids in order.
 *
 * @throws {RangeError} if a mask is not a non-negative safe integer (nothing is written).
 * @throws {Error} (node:sqlite's) when the database refuses the rows (none is stored).
 */
export function appendAuditBatch(db: DatabaseSync, entries: readonly AuditEntry[]): number[] {
  entries.forEach(checkMask);
  return transaction(db, () => {
    const cursor = new ChainCursor(db);
    return entries.map((entry) => appendChained(db, entry, cursor));
  });
}

function checkMask(entry: AuditEntry): void {
  if (!Number.isSafeInteger(entry.mask) || entry.mask < 0) {
    throw new RangeError(`Audit mask must be a non-negative safe integer: ${entry.mask}`);
  }
}

/**
 * The next id and each chain's last row, read once per transaction (under
 * its write lock, in one statement) and then advanced by the rows it appends.
 */
class ChainCursor {
  readonly #db: DatabaseSync;
  readonly #heads = new Map<AuditChain, { id: number; hash: string }>();
  #lastId = 0;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * The last row of `chain` (its newest row, else its anchor, else genesis)
   * and the id the next row gets (AUTOINCREMENT's: above every id ever used).
   */
  next(chain: AuditChain): { prev: { id: number; hash: string }; id: number } {
    let head = this.#heads.get(chain);
    if (head === undefined) {
      const row = prepared(
        this.#db,
        `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'), 0),
                  coalesce((SELECT max(id) FROM audit_events), 0)) AS last_id,
                h.id AS head_id, h.hash AS head_hash,
                a.last_id AS anchor_id, a.last_hash AS anchor_hash
         FROM (SELECT 1)
         LEFT JOIN (SELECT id, hash FROM audit_events WHERE chain = ?1 ORDER BY id DESC LIMIT 1) h
         LEFT JOIN audit_anchors a ON a.chain = ?1`,
      ).get(chain)!;
      this.#lastId = Math.max(this.#lastId, int(row.last_id));
      // A head without a valid hash was not written here: the chain stays broken at it.
      head = row.head_id !== null
        ? { id: int(row.head_id), hash: storedHashHex(row.head_hash) ?? "" }
        : row.anchor_id !== null
        ? { id: int(row.anchor_id), hash: storedHashHex(row.anchor_hash) ?? "" }
        : { id: 0, hash: GENESIS_HASH };
      this.#heads.set(chain, head);
    }
    return { prev: head, id: this.#lastId + 1 };
  }

  /** Records a row appended to `chain`. */
  advance(chain: AuditChain, id: number, hash: string): void {
    this.#heads.set(chain, { id, hash });
    this.#lastId = id;
  }
}

function appendChained(db: DatabaseSync, entry: AuditEntry, cursor: ChainCursor): number {
  const chain = auditChainOf(entry.kind, entry.mask);
  const { prev, id } = cursor.next(chain);
  const row = {
    id,
    timestamp: entry.timestamp,
    kind: entry.kind,
    event_mask: entry.mask,
    author_id: entry.authorId,
    // A lone surrogate would be stored as U+FFFD and no longer match the hash.
    description: entry.description.toWellFormed(),
    target_id: entry.targetId ?? null,
    target2_id: entry.target2Id ?? null,
    before: jsonOrNull(entry.before),
    after: jsonOrNull(entry.after),
    data: jsonOrNull(entry.data) ?? "{}",
    chain,
    prev_id: prev.id,
  };
  const hash = rowHash(prev.hash, row);
  prepared(
    db,
    `INSERT INTO audit_events (id, timestamp, kind, event_mask, author_id, description, target_id,
       target2_id, before, after, data, chain, prev_id, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    row.id,
    row.timestamp,
    row.kind,
    row.event_mask,
    row.author_id,
    row.description,
    row.target_id,
    row.target2_id,
    row.before,
    row.after,
    row.data,
    chain,
    prev.id,
    hashBytes(hash),
  );
  cursor.advance(chain, row.id, hash);
  return row.id;
}

/** Finds one audit event by id. */
export function getAuditEvent(db: DatabaseSync, id: number): AuditRecord | undefined {
  const row = prepared(db, "SELECT * FROM audit_events WHERE id = ?").get(id);
  return row && toRecord(row);
}

/**
 * One page of audit events, newest first (ORDER BY id DESC, as Leosac), and
 * the count of events matching `kinds`.
 *
 * @throws {RangeError} if `page` or `pageSize` is not a positive integer.
 */
export function queryAudit(db: DatabaseSync, query: AuditQuery): AuditPage {
  const { page, pageSize } = query;
  if (!Number.isSafeInteger(page) || page < 1) {
    throw new RangeError(`Page must be a positive integer: ${page}`);
  }
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`Page size must be a positive integer: ${pageSize}`);
  }
  const kinds = query.kinds ?? [];
  const where = kinds.length > 0 ? `WHERE kind IN (${kinds.map(() => "?").join(", ")})` : "";
  const { n } = readAuditCount(
    prepared(db, `SELECT count(*) AS n FROM audit_events ${where}`).get(...kinds),
  );
  const rows = prepared(db, `SELECT * FROM audit_events ${where} ORDER BY id DESC LIMIT ? OFFSET ?`)
    .all(...kinds, pageSize, (page - 1) * pageSize);
  return { rows: rows.map(toRecord), count: n };
}
