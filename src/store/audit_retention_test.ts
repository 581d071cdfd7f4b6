import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { Buffer } from "node:buffer";
import { gunzipSync, gzipSync } from "node:zlib";
import { join } from "node:path";
import { FakeClock } from "../clock.ts";
import { openTempDatabase } from "./_test_db.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, type AuditEntry, auditMask } from "./audit.ts";
import { verifyAuditChain } from "./audit_verify.ts";
import { verifyExportFile } from "./audit_export.ts";
import {
  AuditRetention,
  type AuditRetentionPolicy,
  DAY_MS,
  runAuditRetention,
  usedDatabaseBytes,
} from "./audit_retention.ts";

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);

function decision(daysAgo: number, extra = ""): AuditEntry {
  return {
    kind: AUDIT_KIND.AUTH,
    mask: auditMask(AUDIT_EVENT.AUTH_GRANTED),
    authorId: null,
    description: `Access granted ${daysAgo} days ago`,
    timestamp: NOW - daysAgo * DAY_MS,
    data: { door_alias: "Front", extra },
  };
}

function call(daysAgo: number, extra = ""): AuditEntry {
  return {
    kind: AUDIT_KIND.WSAPI_CALL,
    mask: auditMask(AUDIT_EVENT.WSAPI_CALL),
    authorId: 1,
    description: `Call ${daysAgo} days ago`,
    timestamp: NOW - daysAgo * DAY_MS,
    data: { method: "user.update", extra },
  };
}

function ids(db: DatabaseSync, chain: string): number[] {
  return db.prepare("SELECT id FROM audit_events WHERE chain = ? ORDER BY id").all(chain)
    .map((r) => Number(r.id));
}

/** A temp database with an export directory beside it. */
function setup(): { temp: ReturnType<typeof openTempDatabase>; exportDir: string } {
  const temp = openTempDatabase();
  return { temp, exportDir: join(temp.path, "..", "audit-export") };
}

function policy(exportDir: string | null, overrides: Partial<AuditRetentionPolicy> = {}) {
  return { keepAccessDays: 365, keepOtherDays: 90, maxBytes: null, exportDir, ...overrides };
}

Deno.test("runAuditRetention() removes rows past their keep period; access decisions are kept longer", async () => {
  const { temp, exportDir } = setup();
  using _ = temp;
  const db = temp.db;
  for (const days of [400, 200, 100, 10]) {
    appendAudit(db, decision(days)); // ids 1, 3, 5, 7
    appendAudit(db, call(days)); // ids 2, 4, 6, 8
  }
  const report = await runAuditRetention(db, policy(exportDir), NOW);
  assert.deepEqual(report.removed, { access: 1, other: 3 });
  assert.equal(report.more, false);
  assert.deepEqual(ids(db, "access"), [3, 5, 7]);
  assert.deepEqual(ids(db, "other"), [8]);
  // The anchors: the last removed row of each chain, and how many went.
  const anchors = db.prepare("SELECT chain, last_id, removed FROM audit_anchors ORDER BY chain")
    .all().map((r) => [r.chain, r.last_id, r.removed]);
  assert.deepEqual(anchors, [["access", 1, 1], ["other", 6, 3]]);
  const verified = verifyAuditChain(db);
  assert.ok(verified.ok, JSON.stringify(verified));
  assert.equal(verified.rows, 4);
  // One file per chain, 0600, named by date and id range, verifiable on its own.
  assert.equal(report.files.length, 2);
  const names = report.files.map((f) => f.slice(exportDir.length + 1)).sort();
  assert.deepEqual(names, [
    "audit-2026-01-05-access-1-1.jsonl.gz",
    "audit-2026-01-05-other-2-6.jsonl.gz",
  ]);
  for (const file of report.files) {
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    const checked = verifyExportFile(file);
    assert.ok(checked.ok, JSON.stringify(checked));
  }
  const other = verifyExportFile(join(exportDir, names[1]!));
  assert.ok(other.ok);
  assert.equal(other.rows, 3);
  assert.equal(other.head.id, 6);
  // Nothing due: a second run removes nothing and writes no file.
  const again = await runAuditRetention(db, policy(exportDir), NOW);
  assert.deepEqual(again, {
    removed: { access: 0, other: 0 },
    removedCopy: 0,
    files: [],
    more: false,
  });
});

Deno.test("runAuditRetention(): new rows continue from the anchor of an emptied chain", async () => {
  using temp = openTempDatabase();
  const db = temp.db;
  appendAudit(db, call(200));
  appendAudit(db, call(150));
  const report = await runAuditRetention(db, policy(null), NOW);
  assert.deepEqual(report.removed, { access: 0, other: 2 });
  assert.deepEqual(report.files, []);
  assert.deepEqual(ids(db, "other"), []);
  assert.ok(verifyAuditChain(db).ok);
  appendAudit(db, call(0));
  assert.equal(db.prepare("SELECT prev_id FROM audit_events WHERE id = 3").get()?.prev_id, 2);
  const verified = verifyAuditChain(db);
  assert.ok(verified.ok, JSON.stringify(verified));
  assert.equal(verified.chains.other.from.id, 2);
});

Deno.test("verifyAuditChain() after retention names a deleted row and a row inserted below the anchor", async () => {
  using temp = openTempDatabase();
  const db = temp.db;
  for (const days of [200, 150, 10, 5, 1]) appendAudit(db, call(days));
  await runAuditRetention(db, policy(null), NOW);
  assert.deepEqual(ids(db, "other"), [3, 4, 5]);
  db.exec("DELETE FROM audit_events WHERE id = 3");
  let report = verifyAuditChain(db);
  assert.ok(!report.ok);
  assert.equal(report.rowId, 4);
  assert.match(report.problem, /misses row 3, which row 4 follows: it was deleted/);

  using temp2 = openTempDatabase();
  for (const days of [200, 150, 10]) appendAudit(temp2.db, call(days));
  await runAuditRetention(temp2.db, policy(null), NOW);
  temp2.db.exec(
    `INSERT INTO audit_events (id, timestamp, kind, event_mask, description, data, chain, hash)
     SELECT 1, timestamp, kind, event_mask, description, data, chain, hash
     FROM audit_events WHERE id = 3`,
  );
  report = verifyAuditChain(temp2.db);
  assert.ok(!report.ok);
  assert.equal(report.rowId, 1);
  assert.match(report.problem, /row 1 is older than the other chain's anchor \(row 2/);
});

Deno.test("runAuditRetention() keeps the used pages under the size bound, oldest by share of keep period first", async () => {
  using temp = openTempDatabase();
  const db = temp.db;
  const filler = "x".repeat(2000);
  // Access decisions 300 days old (82% of 365) and calls 60 days old (67% of 90): within
  // their periods, so only the size bound removes them; the decisions are further into theirs.
  // Three decisions a call: removing decisions alone can bring the pages under the bound.
  for (let i = 0; i < 600; i++) {
    appendAudit(db, decision(300, filler));
    if (i % 3 === 0) appendAudit(db, call(60, filler));
  }
  const before = usedDatabaseBytes(db);
  const maxBytes = Math.floor(before * 0.6);
  const report = await runAuditRetention(db, policy(null, { maxBytes }), NOW, { batchRows: 50 });
  const after = usedDatabaseBytes(db);
  assert.ok(after <= maxBytes * 0.9 + 64 * 1024, `used ${after} bytes, bound ${maxBytes}`);
  assert.ok(report.removed.access > 0, JSON.stringify(report));
  assert.equal(report.removed.other, 0, "calls are younger for their period");
  assert.ok(verifyAuditChain(db).ok);
  // Under the bound: nothing more to do.
  const again = await runAuditRetention(db, policy(null, { maxBytes }), NOW);
  assert.equal(again.removed.access + again.removed.other, 0);
});

Deno.test("runAuditRetention() deletes in small batches with a pause between them", async () => {
  using temp = openTempDatabase();
  const db = temp.db;
  for (let i = 0; i < 10; i++) appendAudit(db, call(100));
  let pauses = 0;
  const report = await runAuditRetention(db, policy(null), NOW, {
    batchRows: 3,
    pause: () => {
      pauses++;
      return Promise.resolve();
    },
  });
  assert.equal(report.removed.other, 10);
  assert.equal(pauses, 4, "batches of 3, 3, 3, 1");
  assert.equal(db.prepare("SELECT removed FROM audit_anchors").get()?.removed, 10);
});

Deno.test("runAuditRetention() deletes nothing when the export cannot be written", async () => {
  using temp = openTempDatabase();
  const db = temp.db;
  appendAudit(db, call(100));
  const notADir = join(temp.path, "..", "export-is-a-file");
  await Deno.writeTextFile(notADir, "");
  await assert.rejects(() => runAuditRetention(db, policy(notADir), NOW));
  assert.deepEqual(ids(db, "other"), [1]);
  assert.equal(db.prepare("SELECT count(*) AS n FROM audit_anchors").get()?.n, 0);
});

Deno.test("runAuditRetention() exports several passes into files that chain to each other", async () => {
  const { temp, exportDir } = setup();
  using _ = temp;
  for (let i = 0; i < 25; i++) appendAudit(temp.db, call(100));
  const report = await runAuditRetention(temp.db, policy(exportDir), NOW, {
    passRows: 10,
    batchRows: 4,
    maxPasses: 2,
  });
  assert.equal(report.removed.other, 20);
  assert.equal(report.more, true, "5 rows are left for the next run");
  const [first, second] = report.files.map((f) => verifyExportFile(f));
  assert.ok(first?.ok && second?.ok);
  assert.equal(second.header.after.hash, first.head.hash);
  assert.equal(second.header.first_id, 11);
});

Deno.test("verifyExportFile() names an edited row and a removed one", async () => {
  const { temp, exportDir } = setup();
  using _ = temp;
  for (let i = 0; i < 5; i++) appendAudit(temp.db, call(100));
  const [file] = (await runAuditRetention(temp.db, policy(exportDir), NOW)).files;
  const lines = gunzipSync(await Deno.readFile(file!)).toString().trimEnd().split("\n");
  const write = (content: string[]) =>
    Deno.writeFileSync(file!, gzipSync(Buffer.from(content.join("\n") + "\n")));

  write(lines.map((line, i) => i === 3 ? line.replace("Call 100 days ago", "Nothing") : line));
  let report = verifyExportFile(file!);
  assert.ok(!report.ok);
  assert.equal(report.rowId, 3);
  assert.match(report.problem, /row 3 was edited/);

  write(lines.filter((_, i) => i !== 2));
  report = verifyExportFile(file!);
  assert.ok(!report.ok);
  assert.equal(report.rowId, 3);
  assert.match(report.problem, /misses row 2, which row 3 follows/);

  write(lines.slice(0, -1));
  report = verifyExportFile(file!);
  assert.ok(!report.ok);
  assert.match(report.problem, /announces 5 rows, ids 1..5; the file holds 4, ids 1..4/);
});

Deno.test("AuditRetention runs on the app clock and stops cleanly", async () => {
  using temp = openTempDatabase();
  const clock = new FakeClock(NOW);
  appendAudit(temp.db, call(100));
  appendAudit(temp.db, call(80));
  const retention = new AuditRetention(temp.db, policy(null), { clock, intervalMs: 60_000 });
  retention.start();
  clock.advance(59_999);
  assert.equal(retention.running, null);
  clock.advance(1);
  await retention.running;
  assert.deepEqual(ids(temp.db, "other"), [2]);
  // Ten days later (on the app clock) the second row is due at the next run.
  clock.set(NOW + 10 * DAY_MS);
  clock.advance(60_000);
  await retention.running;
  assert.deepEqual(ids(temp.db, "other"), []);
  await retention.stop();
  clock.advance(120_000);
  assert.equal(retention.running, null, "no run after stop");
});
