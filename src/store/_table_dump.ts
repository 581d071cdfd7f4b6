/**
 * Test helper: every table of a database, its rows in rowid order, and the
 * schema text, as one JSON-comparable value (backup round trips).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/** The schema and every row of every table but `except`, keyed by table name. */
export function dumpTables(
  db: DatabaseSync,
  except: readonly string[] = [],
): { schema: unknown[]; tables: Record<string, unknown[]> } {
  const schema = db.prepare(
    "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name",
  ).all().filter((row) => !except.includes(String((row as { tbl_name: unknown }).tbl_name)));
  const tables: Record<string, unknown[]> = {};
  for (const row of schema) {
    const { type, name } = row as { type: string; name: string };
    if (type !== "table") continue;
    tables[name] = db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}" ORDER BY rowid`).all()
      .map((r) => JSON.stringify(r, (_k, v) => v instanceof Uint8Array ? [...v] : v));
  }
  return { schema, tables };
}
