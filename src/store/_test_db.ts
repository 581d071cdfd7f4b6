/**
 * Test helper: a migrated SQLite database in a fresh temporary directory,
 * closed and removed on dispose (`using db = openTempDatabase()`).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { openDatabase } from "./db.ts";

/** A temporary database that removes itself when disposed. */
export interface TempDatabase extends Disposable {
  /** The open, migrated connection. */
  readonly db: DatabaseSync;
  /** Path of the database file. */
  readonly path: string;
}

/** Opens a migrated database file in a new temporary directory. */
export function openTempDatabase(): TempDatabase {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-store-test-" });
  const path = join(dir, "test.db");
  let db: DatabaseSync;
  try {
    db = openDatabase(path);
  } catch (error) {
    Deno.removeSync(dir, { recursive: true });
    throw error;
  }
  return {
    db,
    path,
    [Symbol.dispose](): void {
      try {
        if (db.isOpen) db.close();
      } finally {
        Deno.removeSync(dir, { recursive: true });
      }
    },
  };
}
