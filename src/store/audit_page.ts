/**
 * Keyset pages of the audit log, newest first, filtered by door, user, card,
 * kind and time range: fast at ten million rows (issue 10, "Scale").
 *
 * Order: `timestamp DESC, id DESC`. A page ends with a cursor naming its last
 * row (`<timestamp ms>.<id>`); the next page holds the rows strictly after it
 * in that order, so rows appended meanwhile (newer, so before the cursor)
 * neither repeat nor shift the next page, unlike Leosac's OFFSET pages.
 *
 * What each filter matches:
 * - door: access decisions at the door (`target2_id`), and its door events and
 *   alarms (`target_id`);
 * - user: access decisions of the user, events about the user (account,
 *   memberships: `target_id`), and changes the user made (`author_id`);
 * - card (a credential id): access decisions with that credential
 *   (`data.credential`) and changes to it;
 * - kinds: the row's kind is one of them;
 * - time: `fromMs <= timestamp < toMs`.
 *
 * How: the most selective filter (card, then user, then door, then kinds,
 * then none) splits into branches, each an index whose last column is the
 * time (migration 6); a branch that can only hold kinds the filter excludes
 * is skipped. Every branch reads its first `limit + 1` rows in page
 * order with every filter applied, and the branches are merged: a page costs
 * a few index seeks and about a page of rows per branch. A filter that
 * matches few of its driver's rows (a rare kind among a user's rows) reads
 * more, bounded by the driver's rows.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { prepared, type SqlValue } from "./db.ts";
import { AUDIT_KIND, type AuditRecord, toAuditRecord } from "./audit.ts";

/** Most rows one keyset page returns. */
export const MAX_AUDIT_PAGE_LIMIT = 1000;

/** What one keyset page of the audit log takes. */
export interface AuditPageQuery {
  /** Rows per page, 1 to {@linkcode MAX_AUDIT_PAGE_LIMIT}. */
  limit: number;
  /** The previous page's `next` cursor; absent for the newest rows. */
  after?: string;
  /** Only these kinds (absent or empty: all). */
  kinds?: readonly string[];
  /** Only rows about this door. */
  doorId?: number;
  /** Only rows about or by this user. */
  userId?: number;
  /** Only rows about this credential. */
  credentialId?: number;
  /** Only rows at or after this time (Unix ms). */
  fromMs?: number;
  /** Only rows before this time (Unix ms). */
  toMs?: number;
}

/** A keyset page: the rows, newest first, and the cursor of the next page (null: last). */
export interface AuditKeysetPage {
  rows: AuditRecord[];
  next: string | null;
}

/** A SQL condition and its parameters. */
interface Condition {
  sql: string;
  params: SqlValue[];
}

/**
 * One index-driven branch: the index to read, the condition that selects its
 * range, and the only kinds its rows can match (absent: any kind).
 */
interface Branch extends Condition {
  index: string;
  kinds?: readonly string[];
}

const AUTH = AUDIT_KIND.AUTH;

/**
 * Parses a cursor (`<timestamp>.<id>`).
 *
 * @throws {RangeError} when it is not one.
 */
export function parseAuditCursor(cursor: string): { timestamp: number; id: number } {
  const match = /^(-?\d{1,16})\.(\d{1,16})$/.exec(cursor);
  const timestamp = Number(match?.[1]);
  const id = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(timestamp) || !Number.isSafeInteger(id)) {
    throw new RangeError(`Audit cursor is invalid: "${cursor.slice(0, 40)}"`);
  }
  return { timestamp, id };
}

function doorCondition(doorId: number): Condition {
  return {
    sql: "((kind = ? AND target2_id = ?) OR (kind IN (?, ?) AND target_id = ?))",
    params: [AUTH, doorId, AUDIT_KIND.DOOR, AUDIT_KIND.ALARM, doorId],
  };
}

const USER_KINDS = [AUTH, AUDIT_KIND.USER, AUDIT_KIND.USER_GROUP_MEMBERSHIP];

function userCondition(userId: number): Condition {
  return {
    sql: "((kind IN (?, ?, ?) AND target_id = ?) OR author_id = ?)",
    params: [...USER_KINDS, userId, userId],
  };
}

function credentialCondition(credentialId: number): Condition {
  return {
    sql: `((kind = '${AUTH}' AND json_extract(data, '$.credential') = ?) ` +
      "OR (kind = ? AND target_id = ?))",
    params: [credentialId, AUDIT_KIND.CREDENTIAL, credentialId],
  };
}

/** The branches of the most selective filter (see the module doc). */
function branchesOf(query: AuditPageQuery): Branch[] {
  if (query.credentialId !== undefined) {
    return [
      {
        index: "audit_events_credential_time",
        sql: `kind = '${AUTH}' AND json_extract(data, '$.credential') = ?`,
        params: [query.credentialId],
        kinds: [AUTH],
      },
      {
        index: "audit_events_target_time",
        sql: "target_id = ? AND kind = ?",
        params: [query.credentialId, AUDIT_KIND.CREDENTIAL],
        kinds: [AUDIT_KIND.CREDENTIAL],
      },
    ];
  }
  if (query.userId !== undefined) {
    return [
      {
        index: "audit_events_target_time",
        sql: "target_id = ?",
        params: [query.userId],
        kinds: USER_KINDS,
      },
      { index: "audit_events_author_time", sql: "author_id = ?", params: [query.userId] },
    ];
  }
  if (query.doorId !== undefined) {
    return [
      {
        index: "audit_events_target2_time",
        sql: "target2_id = ?",
        params: [query.doorId],
        kinds: [AUTH],
      },
      {
        index: "audit_events_target_time",
        sql: "target_id = ?",
        params: [query.doorId],
        kinds: [AUDIT_KIND.DOOR, AUDIT_KIND.ALARM],
      },
    ];
  }
  const kinds = [...new Set(query.kinds ?? [])];
  if (kinds.length > 0) {
    return kinds.map((kind) => ({
      index: "audit_events_kind_time",
      sql: "kind = ?",
      params: [kind],
    }));
  }
  return [{ index: "audit_events_time", sql: "1", params: [] }];
}

/** Every filter of `query`, as conditions every branch applies. */
function filtersOf(query: AuditPageQuery): Condition[] {
  const out: Condition[] = [];
  if (query.after !== undefined) {
    const { timestamp, id } = parseAuditCursor(query.after);
    out.push({
      sql: "timestamp <= ? AND (timestamp < ? OR id < ?)",
      params: [timestamp, timestamp, id],
    });
  }
  if (query.fromMs !== undefined) out.push({ sql: "timestamp >= ?", params: [query.fromMs] });
  if (query.toMs !== undefined) out.push({ sql: "timestamp < ?", params: [query.toMs] });
  if (query.kinds !== undefined && query.kinds.length > 0) {
    out.push({
      sql: `kind IN (${query.kinds.map(() => "?").join(", ")})`,
      params: [...query.kinds],
    });
  }
  if (query.doorId !== undefined) out.push(doorCondition(query.doorId));
  if (query.userId !== undefined) out.push(userCondition(query.userId));
  if (query.credentialId !== undefined) out.push(credentialCondition(query.credentialId));
  return out;
}

/**
 * One keyset page of the audit log (see the module doc).
 *
 * @throws {RangeError} if the limit is out of range or the cursor is invalid.
 */
export function queryAuditPage(db: DatabaseSync, query: AuditPageQuery): AuditKeysetPage {
  const { limit } = query;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE_LIMIT) {
    throw new RangeError(`Audit page limit must be 1 to ${MAX_AUDIT_PAGE_LIMIT}: ${limit}`);
  }
  const filters = filtersOf(query);
  const byId = new Map<number, AuditRecord>();
  const wanted = query.kinds !== undefined && query.kinds.length > 0 ? query.kinds : null;
  // A branch whose rows cannot have a wanted kind would read all of them for nothing.
  const branches = branchesOf(query)
    .filter((b) =>
      wanted === null || b.kinds === undefined || b.kinds.some((k) => wanted.includes(k))
    );
  for (const branch of branches) {
    const all = [branch, ...filters];
    const rows = prepared(
      db,
      `SELECT * FROM audit_events INDEXED BY ${branch.index}
       WHERE ${all.map((c) => c.sql).join(" AND ")}
       ORDER BY timestamp DESC, id DESC LIMIT ?`,
    ).all(...all.flatMap((c) => c.params), limit + 1);
    for (const row of rows) {
      const record = toAuditRecord(row);
      byId.set(record.id, record);
    }
  }
  const merged = [...byId.values()].sort((a, b) => b.timestamp - a.timestamp || b.id - a.id);
  const rows = merged.slice(0, limit);
  const last = rows.at(-1);
  return {
    rows,
    next: merged.length > limit && last ? `${last.timestamp}.${last.id}` : null,
  };
}
