/**
 * How read endpoints (`access: "read"` in their declaration) read: one read
 * transaction around the synchronous part of the handler.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/**
 * Runs `fn` inside one read transaction: one snapshot (consistent reads) and
 * one WAL lock instead of one per query. Nothing else runs on the connection
 * meanwhile (the code is synchronous), and the transaction ends before any
 * awaited continuation.
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
