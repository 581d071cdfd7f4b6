/**
 * Pages of the site's events (`site_events`) for `audit.get` with
 * `site: true`: the same filters and orders as the local audit log
 * (`src/store/audit_page.ts`), each row in `audit.get`'s shape plus
 * `controller` and `origin_id`.
 *
 * - Keyset pages: newest first by `timestamp, n` (`n` is the local row
 *   number), cursor `<timestamp ms>.<n>`; the door, user and card filters
 *   match what they match in the local log, each driven by an index whose
 *   last column is the time, merged as in `audit_page.ts`.
 * - Numbered pages (Leosac's `p`/`ps`): newest first, with the count.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { AUDIT_KIND } from "../store/audit.ts";
import {
  type AuditPageQuery,
  MAX_AUDIT_PAGE_LIMIT,
  parseAuditCursor,
} from "../store/audit_page.ts";
import { prepared, type SqlValue } from "../store/db.ts";
import { int, rowReader, text } from "../store/rows.ts";

/** What a page of site events takes: the local log's keyset query, and one controller. */
export interface SiteEventQuery extends AuditPageQuery {
  /** Only this controller's events. */
  controller?: string;
}

/** A site event as `audit.get` returns it. */
export type SiteEventRow = Record<string, unknown> & { controller: string; origin_id: number };

/** A keyset page. */
export interface SiteEventPage {
  rows: SiteEventRow[];
  next: string | null;
}

interface Condition {
  sql: string;
  params: SqlValue[];
}

interface Branch extends Condition {
  index: string;
  kinds?: readonly string[];
}

const AUTH = AUDIT_KIND.AUTH;
const USER_KINDS = [AUTH, AUDIT_KIND.USER, AUDIT_KIND.USER_GROUP_MEMBERSHIP];
const readRow = rowReader("site_events", { n: int, timestamp: int, message: text });

/** The row of a stored message: its audit.get shape (snapshots only when `full`). */
function toRow(message: string, full: boolean): SiteEventRow {
  const m = JSON.parse(message) as Record<string, unknown>;
  const attributes = { ...(m.attributes as Record<string, unknown>) };
  if (!full) {
    delete attributes.before;
    delete attributes.after;
  }
  return {
    id: m.origin_id,
    type: m.type,
    attributes,
    relationships: m.relationships,
    controller: m.controller as string,
    origin_id: m.origin_id as number,
  };
}

function branchesOf(query: SiteEventQuery): Branch[] {
  if (query.credentialId !== undefined) {
    return [{
      index: "site_events_credential_time",
      sql: "credential_id = ?",
      params: [query.credentialId],
    }];
  }
  if (query.userId !== undefined) {
    return [
      {
        index: "site_events_target_time",
        sql: "target_id = ?",
        params: [query.userId],
        kinds: USER_KINDS,
      },
      { index: "site_events_author_time", sql: "author_id = ?", params: [query.userId] },
    ];
  }
  if (query.doorId !== undefined) {
    return [
      {
        index: "site_events_target2_time",
        sql: "target2_id = ?",
        params: [query.doorId],
        kinds: [AUTH],
      },
      {
        index: "site_events_target_time",
        sql: "target_id = ?",
        params: [query.doorId],
        kinds: [AUDIT_KIND.DOOR, AUDIT_KIND.ALARM],
      },
    ];
  }
  const kinds = [...new Set(query.kinds ?? [])];
  if (kinds.length > 0) {
    return kinds.map((kind) => ({
      index: "site_events_kind_time",
      sql: "kind = ?",
      params: [kind],
    }));
  }
  return [{ index: "site_events_time", sql: "1", params: [] }];
}

function filtersOf(query: SiteEventQuery): Condition[] {
  const out: Condition[] = [];
  if (query.after !== undefined) {
    const { timestamp, id } = parseAuditCursor(query.after);
    out.push({
      sql: "timestamp <= ? AND (timestamp < ? OR n < ?)",
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
  if (query.controller !== undefined) {
    out.push({ sql: "controller = ?", params: [query.controller] });
  }
  if (query.doorId !== undefined) {
    out.push({
      sql: "((kind = ? AND target2_id = ?) OR (kind IN (?, ?) AND target_id = ?))",
      params: [AUTH, query.doorId, AUDIT_KIND.DOOR, AUDIT_KIND.ALARM, query.doorId],
    });
  }
  if (query.userId !== undefined) {
    out.push({
      sql: "((kind IN (?, ?, ?) AND target_id = ?) OR author_id = ?)",
      params: [...USER_KINDS, query.userId, query.userId],
    });
  }
  return out;
}

/**
 * One keyset page of the site's events (see the module doc).
 *
 * @throws {RangeError} if the limit is out of range or the cursor is invalid.
 */
export function querySiteEventPage(
  db: DatabaseSync,
  query: SiteEventQuery,
  full: boolean,
): SiteEventPage {
  const { limit } = query;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE_LIMIT) {
    throw new RangeError(`Audit page limit must be 1 to ${MAX_AUDIT_PAGE_LIMIT}: ${limit}`);
  }
  const filters = filtersOf(query);
  const wanted = query.kinds !== undefined && query.kinds.length > 0 ? query.kinds : null;
  const byN = new Map<number, { n: number; timestamp: number; message: string }>();
  for (const branch of branchesOf(query)) {
    if (
      wanted !== null && branch.kinds !== undefined && !branch.kinds.some((k) => wanted.includes(k))
    ) {
      continue;
    }
    const all = [branch, ...filters];
    const rows = prepared(
      db,
      `SELECT n, timestamp, message FROM site_events INDEXED BY ${branch.index}
       WHERE ${all.map((c) => c.sql).join(" AND ")}
       ORDER BY timestamp DESC, n DESC LIMIT ?`,
    ).all(...all.flatMap((c) => c.params), limit + 1);
    for (const raw of rows) {
      const row = readRow(raw);
      byN.set(row.n, row);
    }
  }
  const merged = [...byN.values()].sort((a, b) => b.timestamp - a.timestamp || b.n - a.n);
  const page = merged.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page.map((r) => toRow(r.message, full)),
    next: merged.length > limit && last ? `${last.timestamp}.${last.n}` : null,
  };
}

const readCount = rowReader("site_events count", { c: int });

/** A numbered page of the site's events, newest first, and how many match. */
export function querySiteEvents(
  db: DatabaseSync,
  query: { page: number; pageSize: number; kinds?: readonly string[]; controller?: string },
  full: boolean,
): { rows: SiteEventRow[]; count: number } {
  const where: Condition[] = [];
  if (query.kinds !== undefined && query.kinds.length > 0) {
    where.push({
      sql: `kind IN (${query.kinds.map(() => "?").join(", ")})`,
      params: [...query.kinds],
    });
  }
  if (query.controller !== undefined) {
    where.push({ sql: "controller = ?", params: [query.controller] });
  }
  const sql = where.length === 0 ? "1" : where.map((c) => c.sql).join(" AND ");
  const params = where.flatMap((c) => c.params);
  const count =
    readCount(prepared(db, `SELECT count(*) AS c FROM site_events WHERE ${sql}`).get(...params)).c;
  const rows = prepared(
    db,
    `SELECT n, timestamp, message FROM site_events WHERE ${sql}
     ORDER BY timestamp DESC, n DESC LIMIT ? OFFSET ?`,
  ).all(...params, query.pageSize, (query.page - 1) * query.pageSize).map(readRow);
  return { rows: rows.map((r) => toRow(r.message, full)), count };
}
