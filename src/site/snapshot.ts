/**
 * Policy snapshots (`docs/site.md`): a SQLite file holding every replicated
 * table at one policy-log sequence, the AUTOINCREMENT counters of those
 * tables (so the next ids agree), and the site's PIN key. A controller that
 * joins loads the newest snapshot and replays only the log after it; the
 * founding controller writes the first one (sequence 0) from its own data.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { prepared } from "../store/db.ts";
import { REPLICATED_TABLES } from "./capture.ts";

/** The snapshot's object name in the site's object store. */
export const SNAPSHOT_OBJECT = "policy";
const FORMAT = 1;

/** What a snapshot file says about itself. */
export interface SnapshotMeta {
  format: number;
  site: string;
  /** The last policy-log sequence it includes. */
  seq: number;
  /** The controller that wrote it. */
  controller: string;
  /** When (ms). */
  created_at: number;
}

/**
 * Writes a snapshot of `databasePath` (a consistent read: its own
 * connection, one read transaction) into a new file in `dir`; returns its
 * path and meta. `seqOf` reads the sequence inside that transaction.
 */
export function writeSnapshot(
  databasePath: string,
  dir: string,
  site: string,
  controller: string,
  secret: Uint8Array,
  now: number,
): { path: string; meta: SnapshotMeta } {
  const path = join(dir, `snapshot-${crypto.randomUUID()}.db`);
  const out = new DatabaseSync(path);
  try {
    out.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF");
    out.exec(`ATTACH DATABASE '${databasePath.replaceAll("'", "''")}' AS live`);
    out.exec("BEGIN");
    const seqRow = out.prepare("SELECT applied_seq FROM live.site_state WHERE id = 1").get();
    const seq = seqRow === undefined ? 0 : Number(seqRow.applied_seq);
    for (const table of REPLICATED_TABLES) {
      out.exec(`CREATE TABLE main."${table}" AS SELECT * FROM live."${table}"`);
    }
    out.exec(
      "CREATE TABLE main.snapshot_sequences AS SELECT name, seq FROM live.sqlite_sequence WHERE name IN (" +
        REPLICATED_TABLES.map((t) => `'${t}'`).join(", ") + ")",
    );
    out.exec("COMMIT");
    out.exec("DETACH DATABASE live");
    const meta: SnapshotMeta = { format: FORMAT, site, seq, controller, created_at: now };
    out.exec("CREATE TABLE snapshot_meta (key TEXT PRIMARY KEY, value)");
    const put = out.prepare("INSERT INTO snapshot_meta VALUES (?, ?)");
    put.run("meta", JSON.stringify(meta));
    put.run("pin_key", secret);
    out.close();
    return { path, meta };
  } catch (error) {
    if (out.isOpen) out.close();
    Deno.removeSync(path);
    throw error;
  }
}

/** Reads a snapshot file's meta and PIN key. */
export function readSnapshotMeta(path: string): { meta: SnapshotMeta; secret: Uint8Array } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const meta = JSON.parse(
      String(db.prepare("SELECT value FROM snapshot_meta WHERE key = 'meta'").get()?.value),
    ) as SnapshotMeta;
    const secret = db.prepare("SELECT value FROM snapshot_meta WHERE key = 'pin_key'").get()
      ?.value as Uint8Array;
    if (meta.format !== FORMAT || !(secret instanceof Uint8Array) || secret.length !== 32) {
      throw new Error("not a snapshot of this format");
    }
    return { meta, secret };
  } finally {
    db.close();
  }
}

/**
 * Replaces every replicated table of `db` with the snapshot's rows, sets
 * their AUTOINCREMENT counters, and records the snapshot's sequence as
 * applied, in one transaction.
 */
export function loadSnapshot(
  db: DatabaseSync,
  path: string,
  site: string,
  controller: string,
): SnapshotMeta {
  const { meta } = readSnapshotMeta(path);
  if (meta.site !== site) throw new Error(`the snapshot is of site ${meta.site}, not ${site}`);
  db.exec(`ATTACH DATABASE '${path.replaceAll("'", "''")}' AS snap`);
  try {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec("PRAGMA defer_foreign_keys = ON");
      for (const table of [...REPLICATED_TABLES].reverse()) db.exec(`DELETE FROM main."${table}"`);
      for (const table of REPLICATED_TABLES) {
        const columns =
          (db.prepare(`PRAGMA snap.table_info("${table}")`).all() as { name: string }[])
            .map((c) => `"${c.name}"`).join(", ");
        db.exec(`INSERT INTO main."${table}" (${columns}) SELECT ${columns} FROM snap."${table}"`);
      }
      const sequences = db.prepare("SELECT name, seq FROM snap.snapshot_sequences").all() as {
        name: string;
        seq: number;
      }[];
      for (const row of sequences) {
        const updated = prepared(db, "UPDATE main.sqlite_sequence SET seq = ? WHERE name = ?").run(
          row.seq,
          row.name,
        );
        if (updated.changes === 0) {
          prepared(db, "INSERT INTO main.sqlite_sequence (name, seq) VALUES (?, ?)").run(
            row.name,
            row.seq,
          );
        }
      }
      prepared(
        db,
        `INSERT INTO site_state (id, site, controller, applied_seq, applied_at) VALUES (1, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET site = excluded.site, controller = excluded.controller,
           applied_seq = excluded.applied_seq, applied_at = excluded.applied_at`,
      ).run(site, controller, meta.seq, meta.created_at);
      db.exec("COMMIT");
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
  } finally {
    db.exec("DETACH DATABASE snap");
  }
  return meta;
}
