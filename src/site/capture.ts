/**
 * The rows a site-wide change writes, captured as a changeset: the policy
 * log's unit (`docs/site.md`). On the API's own connection, TEMP triggers on
 * every replicated table record each insert, update and delete (the whole
 * new row, or the deleted key) while capturing is on; applying the
 * changeset on another controller replays the same rows in the same order,
 * so ids agree everywhere.
 *
 * Replicated: the site-wide tables (people, groups, credentials, schedules,
 * holidays, zones and their links) and the rows of every controller's doors,
 * access points and devices (each carries its `controller`). Local: tokens,
 * audit, anti-passback state, OSDP keys, the site state, and `doors.mode`
 * (a door's live mode belongs to the controller wired to it).
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { SqlValue } from "../store/db.ts";

export type { SqlValue };

/** Replicated tables, parents before children (a snapshot copies them in this order). */
export const REPLICATED_TABLES: readonly string[] = [
  "users",
  "groups",
  "memberships",
  "schedules",
  "schedule_timeframes",
  "holidays",
  "zones",
  "zone_children",
  "devices",
  "access_points",
  "doors",
  "zone_doors",
  "credentials",
  "schedule_mappings",
  "mapping_users",
  "mapping_groups",
  "mapping_credentials",
  "mapping_doors",
  "mapping_zones",
];

/** Columns that stay local to each copy: never captured, never overwritten by an update. */
export const LOCAL_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  doors: ["mode"],
};

/** One captured change: upsert a whole row (values in column order) or delete by key. */
export type Change = [table: string, op: "u", row: SqlValue[]] | [
  table: string,
  op: "d",
  key: SqlValue[],
];

/** A table's columns and key, read from the schema. */
export interface TableShape {
  /** The table. */
  readonly name: string;
  /** Its columns, in schema order (a captured row's values follow it). */
  readonly columns: readonly string[];
  /** Its primary key's columns. */
  readonly key: readonly string[];
}

/** The shapes of the replicated tables in `db`. */
export function tableShapes(db: DatabaseSync): Map<string, TableShape> {
  const shapes = new Map<string, TableShape>();
  for (const name of REPLICATED_TABLES) {
    const info = db.prepare(`PRAGMA main.table_info("${name}")`).all() as {
      name: string;
      pk: number;
    }[];
    if (info.length === 0) throw new Error(`replicated table ${name} does not exist`);
    const key = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    shapes.set(name, { name, columns: info.map((c) => c.name), key });
  }
  return shapes;
}

const q = (name: string) => `"${name}"`;

/**
 * Installs the capture triggers on `db` (TEMP: this connection only) and
 * returns the capture. Capturing is off until {@linkcode Capture.run}.
 */
export class Capture {
  readonly #db: DatabaseSync;
  readonly #on: StatementSync;
  readonly #off: StatementSync;
  readonly #read: StatementSync;
  readonly #clear: StatementSync;
  /** The replicated tables' shapes. */
  readonly shapes: Map<string, TableShape>;

  /** Installs the triggers on `db`'s connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.shapes = tableShapes(db);
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS site_capture_on (id INTEGER PRIMARY KEY CHECK (id = 1), on_ INTEGER NOT NULL);
      INSERT OR IGNORE INTO temp.site_capture_on VALUES (1, 0);
      CREATE TEMP TABLE IF NOT EXISTS site_changes (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, data TEXT NOT NULL);
    `);
    const when = "WHEN (SELECT on_ FROM temp.site_capture_on) = 1";
    for (const shape of this.shapes.values()) {
      const local = new Set(LOCAL_COLUMNS[shape.name] ?? []);
      const row = (alias: string) =>
        `json_array(${shape.columns.map((c) => `${alias}.${q(c)}`).join(", ")})`;
      const key = (alias: string) =>
        `json_array(${shape.key.map((c) => `${alias}.${q(c)}`).join(", ")})`;
      const keyChanged = shape.key.map((c) => `OLD.${q(c)} IS NOT NEW.${q(c)}`).join(" OR ");
      const tracked = shape.columns.filter((c) => !local.has(c));
      const of = local.size > 0 ? ` OF ${tracked.map(q).join(", ")}` : "";
      const t = shape.name;
      db.exec(`
        DROP TRIGGER IF EXISTS temp.site_cap_${t}_i;
        DROP TRIGGER IF EXISTS temp.site_cap_${t}_u;
        DROP TRIGGER IF EXISTS temp.site_cap_${t}_d;
        CREATE TEMP TRIGGER site_cap_${t}_i AFTER INSERT ON main.${q(t)} ${when} BEGIN
          INSERT INTO temp.site_changes (tbl, op, data) VALUES ('${t}', 'u', ${row("NEW")});
        END;
        CREATE TEMP TRIGGER site_cap_${t}_u AFTER UPDATE${of} ON main.${q(t)} ${when} BEGIN
          INSERT INTO temp.site_changes (tbl, op, data)
            SELECT '${t}', 'd', ${key("OLD")} WHERE ${keyChanged};
          INSERT INTO temp.site_changes (tbl, op, data) VALUES ('${t}', 'u', ${row("NEW")});
        END;
        CREATE TEMP TRIGGER site_cap_${t}_d AFTER DELETE ON main.${q(t)} ${when} BEGIN
          INSERT INTO temp.site_changes (tbl, op, data) VALUES ('${t}', 'd', ${key("OLD")});
        END;
      `);
    }
    this.#on = db.prepare("UPDATE temp.site_capture_on SET on_ = 1");
    this.#off = db.prepare("UPDATE temp.site_capture_on SET on_ = 0");
    this.#read = db.prepare("SELECT tbl, op, data FROM temp.site_changes ORDER BY seq");
    this.#clear = db.prepare("DELETE FROM temp.site_changes");
  }

  /**
   * Runs `fn` in a write transaction with capturing on, then rolls it back:
   * nothing stays written. Returns `fn`'s result and the changes it made to
   * replicated tables, in order. `fn`'s error is thrown (nothing captured).
   */
  run<T>(fn: () => T): { result: T; changes: Change[] } {
    const db = this.#db;
    if (db.isTransaction) throw new Error("a site-wide change cannot run inside a transaction");
    db.exec("BEGIN IMMEDIATE");
    try {
      this.#clear.run();
      this.#on.run();
      const result = fn();
      this.#off.run();
      const changes = this.#read.all().map((r) =>
        [r.tbl as string, r.op as "u" | "d", JSON.parse(r.data as string) as SqlValue[]] as Change
      );
      return { result, changes };
    } finally {
      if (db.isTransaction) db.exec("ROLLBACK");
    }
  }
}

/** Applies changesets to a copy: prepared upserts and deletes per table. */
export class ChangeApplier {
  readonly #db: DatabaseSync;
  readonly #upserts = new Map<string, StatementSync>();
  readonly #deletes = new Map<string, StatementSync>();
  readonly shapes: Map<string, TableShape>;

  constructor(db: DatabaseSync, shapes: Map<string, TableShape> = tableShapes(db)) {
    this.#db = db;
    this.shapes = shapes;
  }

  /**
   * Applies `changes` in order (inside the caller's transaction). A row's
   * values follow the writer's columns for its table (`columns`; default:
   * this copy's), so a controller of another version applies them by name.
   *
   * @throws {Error} when the writer has a column this copy lacks (this
   * controller must be upgraded before it can follow the site).
   */
  apply(
    changes: readonly Change[],
    columns: Readonly<Record<string, readonly string[]>> = {},
  ): void {
    for (const [table, op, values] of changes) {
      const statement = op === "u" ? this.#upsert(table, columns[table]) : this.#delete(table);
      statement.run(...values);
    }
  }

  #shape(table: string): TableShape {
    const shape = this.shapes.get(table);
    if (shape === undefined) {
      throw new Error(`a change names table ${table}, which is not replicated`);
    }
    return shape;
  }

  #upsert(table: string, writerColumns?: readonly string[]): StatementSync {
    const shape = this.#shape(table);
    const columns = writerColumns ?? shape.columns;
    const cacheKey = `${table}:${columns.join(",")}`;
    let statement = this.#upserts.get(cacheKey);
    if (statement === undefined) {
      const missing = columns.find((c) => !shape.columns.includes(c));
      if (missing !== undefined) {
        throw new Error(
          `a change writes ${table}.${missing}, which this copy does not have: upgrade this controller`,
        );
      }
      if (shape.key.some((c) => !columns.includes(c))) {
        throw new Error(`a change to ${table} lacks its key`);
      }
      const local = new Set(LOCAL_COLUMNS[table] ?? []);
      const set = columns.filter((c) => !shape.key.includes(c) && !local.has(c));
      const conflict = set.length === 0
        ? "DO NOTHING"
        : `DO UPDATE SET ${set.map((c) => `${q(c)} = excluded.${q(c)}`).join(", ")}`;
      statement = this.#db.prepare(
        `INSERT INTO main.${q(table)} (${columns.map(q).join(", ")}) VALUES (${
          columns.map(() => "?").join(", ")
        }) ON CONFLICT (${shape.key.map(q).join(", ")}) ${conflict}`,
      );
      this.#upserts.set(cacheKey, statement);
    }
    return statement;
  }

  #delete(table: string): StatementSync {
    let statement = this.#deletes.get(table);
    if (statement === undefined) {
      const shape = this.#shape(table);
      statement = this.#db.prepare(
        `DELETE FROM main.${q(table)} WHERE ${shape.key.map((c) => `${q(c)} = ?`).join(" AND ")}`,
      );
      this.#deletes.set(table, statement);
    }
    return statement;
  }
}
