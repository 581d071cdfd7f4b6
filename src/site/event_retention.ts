/**
 * Retention of the site's events in this controller's `site_events` (issue
 * 12 and 14, `docs/site.md`): the copy is bounded like the audit log, and it
 * goes first when the database is too large.
 *
 * `site_events` is a copy: the site's stream holds every controller's
 * events, and each controller's own audit log (exported by its own
 * retention) is the record of its rows. So its rows are removed without an
 * export, by the audit retention's schedule (`src/store/audit_retention.ts`,
 * which calls {@linkcode siteEventsCopy}'s two methods):
 *
 * 1. **Age.** Access decisions (kind `Leosac::Audit::AuthEvent`) are kept
 *    `keepAccessDays`, every other kind `keepOtherDays`. The copy has no
 *    event mask, so the few AuthEvent rows that are not decisions (bad
 *    reads, which the audit log keeps `keepOtherDays`) are kept as long as
 *    decisions here.
 * 2. **Size.** While the database's used pages are over the bound, the
 *    oldest rows (by timestamp) go, before any audit row.
 * 3. **Never unpublished.** This controller's own rows after the PUBLISHED
 *    cursor are not in the stream yet (the outbox publishes from them): no
 *    rule removes them.
 *
 * Each call deletes at most `maxRows` rows in one statement; the caller
 * gives the event loop a turn between calls.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { AUDIT_KIND } from "../store/audit.ts";
import { DAY_MS, type RetentionCopy } from "../store/audit_retention.ts";
import { prepared } from "../store/db.ts";
import { nullableText, rowReader } from "../store/rows.ts";
import { CURSOR, readCursor } from "./event_store.ts";

/** How long site events are kept: as long as the local audit keeps the same kind. */
export interface SiteEventRetention {
  /** Days access decisions are kept. */
  keepAccessDays: number;
  /** Days every other event is kept. */
  keepOtherDays: number;
}

const readKind = rowReader("site_events kinds", { kind: nullableText });

/** The kinds present, one index seek each. */
function storedKinds(db: DatabaseSync): string[] {
  return prepared(
    db,
    `WITH RECURSIVE k(kind) AS (
       SELECT min(kind) FROM site_events
       UNION ALL
       SELECT (SELECT min(kind) FROM site_events WHERE kind > k.kind) FROM k
       WHERE k.kind IS NOT NULL)
     SELECT kind FROM k WHERE kind IS NOT NULL`,
  ).all().map((row) => readKind(row).kind).filter((kind) => kind !== null);
}

/**
 * Deletes site events older than their keep period at `now` (see the module
 * doc), at most `maxRows`, sparing `controller`'s own events the stream has
 * not acknowledged yet. Returns how many went.
 */
export function removeAgedSiteEvents(
  db: DatabaseSync,
  policy: SiteEventRetention,
  { now, controller, maxRows }: { now: number; controller: string; maxRows: number },
): number {
  const published = readCursor(db, CURSOR.PUBLISHED);
  const remove = prepared(
    db,
    `DELETE FROM site_events WHERE n IN (
       SELECT n FROM site_events INDEXED BY site_events_kind_time
       WHERE kind = ? AND timestamp < ? AND NOT (controller = ? AND origin_id > ?)
       ORDER BY timestamp LIMIT ?)`,
  );
  let removed = 0;
  // Per kind through (kind, timestamp): a pass reads only the rows it deletes, not the
  // months of access decisions that are past the shorter period but within theirs.
  for (const kind of storedKinds(db)) {
    if (removed >= maxRows) break;
    const days = kind === AUDIT_KIND.AUTH ? policy.keepAccessDays : policy.keepOtherDays;
    const { changes } = remove.run(
      kind,
      now - days * DAY_MS,
      controller,
      published,
      maxRows - removed,
    );
    removed += Number(changes);
  }
  return removed;
}

/**
 * Deletes the oldest site events (by timestamp), at most `maxRows`, sparing
 * `controller`'s own events the stream has not acknowledged yet. Returns how
 * many went (fewer than `maxRows`: none that may go is left).
 */
export function removeOldestSiteEvents(
  db: DatabaseSync,
  { controller, maxRows }: { controller: string; maxRows: number },
): number {
  const { changes } = prepared(
    db,
    `DELETE FROM site_events WHERE n IN (
       SELECT n FROM site_events INDEXED BY site_events_time
       WHERE NOT (controller = ? AND origin_id > ?)
       ORDER BY timestamp LIMIT ?)`,
  ).run(controller, readCursor(db, CURSOR.PUBLISHED), maxRows);
  return Number(changes);
}

/**
 * The site's events as a copy the audit retention removes first (see the
 * module doc), for controller `controller` of a site.
 *
 * @example
 * ```ts ignore
 * new AuditRetention(db, policy, { copy: siteEventsCopy(db, "door-ctl-1") });
 * ```
 */
export function siteEventsCopy(db: DatabaseSync, controller: string): RetentionCopy {
  return {
    name: "site events",
    removeAged: (policy, { now, maxRows }) =>
      removeAgedSiteEvents(db, policy, { now, controller, maxRows }),
    removeOldest: ({ maxRows }) => removeOldestSiteEvents(db, { controller, maxRows }),
    // The outbox copies audit rows into site_events (MIRRORED), then publishes
    // them from there: an audit row not yet copied must stay until it is.
    auditHeldAfter: () => readCursor(db, CURSOR.MIRRORED),
  };
}
