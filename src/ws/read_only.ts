/**
 * Read-only calls: which calls change nothing (their successful replies are
 * not audited) and how their handlers read (one read transaction).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/**
 * Calls that change nothing and whose successful replies are not audited:
 * Leosac wrote a row for every message, which costs a database write per
 * read. Changes, authentication and every failed call are still recorded.
 */
const READ_ONLY_CALLS = new Set([
  "get_leosac_version",
  "system_overview",
  "audit.get",
  "get_logs",
  "access_overview",
  "door.status",
  "check_update",
  "get_pending_update",
  "get_update_history",
  "get_update",
  "events.subscribe",
  "events.unsubscribe",
]);

/** True for calls whose success is not worth an audit row. */
export function isReadOnlyCall(type: string): boolean {
  return READ_ONLY_CALLS.has(type) || type.endsWith(".read") || type.startsWith("search.");
}

/**
 * Runs the synchronous part of a read-only handler inside one read
 * transaction: one snapshot (consistent reads) and one WAL lock instead of
 * one per query. Nothing else runs on the connection meanwhile (the code is
 * synchronous), and the transaction ends before any awaited continuation.
 */
export function inReadSnapshot<T>(db: DatabaseSync, fn: () => T): T {
  if (db.isTransaction) return fn();
  db.exec("BEGIN");
  try {
    return fn();
  } finally {
    if (db.isTransaction) db.exec("COMMIT");
  }
}
