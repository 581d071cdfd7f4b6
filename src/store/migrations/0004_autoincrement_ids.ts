/**
 * Migration 4: ids are never reused.
 *
 * Up to schema 3 the entity tables used `INTEGER PRIMARY KEY`, which gives a
 * new row `max(id) + 1`: deleting the newest user, door or credential freed
 * its id for the next one, and the audit log and live events (which name
 * entities by id) then credited an old grant to an unrelated person. This
 * rebuilds each table whose ids appear in audit rows or events with
 * `INTEGER PRIMARY KEY AUTOINCREMENT` (SQLite cannot add it in place): the
 * table's own stored `CREATE TABLE` text with `AUTOINCREMENT` added (so every
 * column, default, check and foreign key of schemas 1–3 is kept), every row
 * copied with its id, the old table dropped, the new one renamed, its indexes
 * recreated. The sequence starts at the highest id present.
 *
 * It must run with foreign key enforcement off (`migrate()` in `db.ts` turns
 * it off around the migration transaction and runs `PRAGMA foreign_key_check`
 * before committing): with it on, dropping a parent table would first delete
 * its rows and cascade to every child (memberships, credentials' owners,
 * tokens …). It refuses to run otherwise.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { int, rowReader, text } from "../rows.ts";

/** The tables rebuilt with `AUTOINCREMENT`, in rebuild order. */
export const AUTOINCREMENT_IN_0004 = [
  "users",
  "groups",
  "memberships",
  "credentials",
  "schedules",
  "schedule_mappings",
  "access_points",
  "doors",
  "zones",
  "holidays",
  "audit_events",
] as const;

const readSql = rowReader("sqlite_schema", { sql: text });
const readForeignKeys = rowReader("foreign_keys", { foreign_keys: int });

/** `CREATE TABLE <name> (\n  id INTEGER PRIMARY KEY` as migrations 1–3 wrote it. */
const KEY_CLAUSE = /^(\s*CREATE TABLE\s+)("?)(\w+)\2(\s*\(\s*id\s+INTEGER\s+PRIMARY\s+KEY)\b/i;

/** The `CREATE TABLE` text of `table` renamed to `as`, its id `AUTOINCREMENT`. */
export function autoincrementSql(createSql: string, table: string, as: string): string {
  const match = KEY_CLAUSE.exec(createSql);
  if (match === null || match[3] !== table) {
    throw new Error(`Migration 4: unexpected definition of table ${table}`);
  }
  const rest = createSql.slice(match[0].length);
  if (/^\s*AUTOINCREMENT\b/i.test(rest)) {
    throw new Error(`Migration 4: table ${table} already has AUTOINCREMENT`);
  }
  return `${match[1]}"${as}"${match[4]} AUTOINCREMENT${rest}`;
}

function rebuild(db: DatabaseSync, table: string): void {
  const create = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?")
    .get(table);
  if (create === undefined) throw new Error(`Migration 4: table ${table} is missing`);
  const others = db.prepare(
    `SELECT sql FROM sqlite_schema
     WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL ORDER BY type, name`,
  ).all(table).map((row) => readSql(row).sql);
  const temp = `${table}_0004`;
  db.exec(autoincrementSql(readSql(create).sql, table, temp));
  db.exec(`INSERT INTO "${temp}" SELECT * FROM "${table}"`);
  db.exec(`DROP TABLE "${table}"`);
  db.exec(`ALTER TABLE "${temp}" RENAME TO "${table}"`);
  for (const sql of others) db.exec(sql);
}

/** Rebuilds every table of {@linkcode AUTOINCREMENT_IN_0004} (inside the migration transaction). */
export function MIGRATION_0004(db: DatabaseSync): void {
  if (readForeignKeys(db.prepare("PRAGMA foreign_keys").get()).foreign_keys !== 0) {
    throw new Error("Migration 4 must run with foreign keys off (dropping would cascade)");
  }
  for (const table of AUTOINCREMENT_IN_0004) rebuild(db, table);
}
