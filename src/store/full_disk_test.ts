/**
 * Writes on a real full filesystem (a tmpfs filled to the last byte): a write
 * that reports success is stored; one that is not stored throws. node:sqlite's
 * `get()` on `INSERT … RETURNING` outside a transaction returned an id for a
 * row the full disk never took (issue 14, finding 1).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "./audit.ts";
import { openDatabase } from "./db.ts";
import { createGroup } from "./groups.ts";
import { mountTinyFs, tinyFsTest } from "./_tiny_fs.ts";

/** Counts the rows of `table` (the file is reopened: what is really stored). */
function storedRows(path: string, table: string): number {
  const db = openDatabase(path, { readOnly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

tinyFsTest(
  "appendAudit() on a full disk throws instead of returning an id it did not store",
  () => {
    using fs = mountTinyFs(512);
    const path = join(fs.dir, "leosac.db");
    const db = openDatabase(path);
    fs.fill();
    const acknowledged: number[] = [];
    let refused: unknown = null;
    for (let i = 0; i < 200 && refused === null; i++) {
      try {
        acknowledged.push(appendAudit(db, {
          kind: AUDIT_KIND.ALARM,
          mask: auditMask(AUDIT_EVENT.ALARM),
          authorId: null,
          description: `row ${i} `.padEnd(3000, "x"),
          timestamp: 1,
        }));
      } catch (error) {
        refused = error;
      }
    }
    db.close();
    assert.match(String(refused), /disk is full/);
    assert.equal(new Set(acknowledged).size, acknowledged.length, "an id was returned twice");
    assert.equal(storedRows(path, "audit_events"), acknowledged.length);
  },
);

tinyFsTest(
  "a repository write with RETURNING on a full disk throws instead of acknowledging",
  () => {
    using fs = mountTinyFs(512);
    const path = join(fs.dir, "leosac.db");
    const db = openDatabase(path);
    fs.fill();
    let created = 0;
    let refused: unknown = null;
    for (let i = 0; i < 200 && refused === null; i++) {
      try {
        createGroup(db, { name: `group-${i}`, description: "d".repeat(3000) });
        created++;
      } catch (error) {
        refused = error;
      }
    }
    db.close();
    assert.match(String(refused), /disk is full/);
    assert.equal(storedRows(path, "groups"), created);
  },
);

Deno.test("no INSERT/UPDATE … RETURNING in src/ is read with get() (it hides a failed commit)", async () => {
  const offenders: string[] = [];
  const root = new URL("../", import.meta.url);
  async function walk(dir: URL): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory) await walk(url);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
        const text = await Deno.readTextFile(url);
        for (const match of text.matchAll(/RETURNING[^;]*?\.get\(/g)) {
          const line = text.slice(0, match.index).split("\n").length;
          offenders.push(`${url.pathname.slice(root.pathname.length)}:${line}`);
        }
      }
    }
  }
  await walk(root);
  assert.deepEqual(offenders, [], "use run() (+ lastInsertRowid) or all() for these statements");
});
