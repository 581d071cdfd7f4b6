/**
 * Audit write benchmark (issue 14, tamper-evident audit log): the cost of
 * one `appendAudit` in its own transaction (how the worker's recorder writes
 * a decision's row) and of `appendAuditBatch` (how the API-call writer
 * flushes), on a real database file with `synchronous=NORMAL`; then, where
 * the build has them, `verifyAuditChain` over all rows written.
 *
 * Usage: deno run -A scripts/bench_audit.ts [--single 20000] [--batches 200] [--batch-size 500]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { openDatabase } from "../src/store/db.ts";
import {
  appendAudit,
  appendAuditBatch,
  AUDIT_EVENT,
  AUDIT_KIND,
  auditMask,
} from "../src/store/audit.ts";
import type { AuditEntry } from "../src/store/audit.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    single: { type: "string", default: "20000" },
    batches: { type: "string", default: "200" },
    "batch-size": { type: "string", default: "500" },
  },
});

function decision(i: number): AuditEntry {
  return {
    kind: AUDIT_KIND.AUTH,
    mask: auditMask(AUDIT_EVENT.AUTH_GRANTED),
    authorId: null,
    description: `Access granted to user ${i % 1000} (u${i % 1000}) at door 1 (Front)`,
    timestamp: 1_700_000_000_000 + i,
    targetId: i % 1000,
    target2Id: 1,
    data: { door_alias: "Front", username: `u${i % 1000}`, credential_alias: "card", reason: "ok" },
  };
}

function call(i: number): AuditEntry {
  return {
    kind: AUDIT_KIND.WSAPI_CALL,
    mask: auditMask(AUDIT_EVENT.WSAPI_CALL),
    authorId: 1,
    description: `Websocket API call by user admin to user.update took ${i % 7} milliseconds.`,
    timestamp: 1_700_000_000_000 + i,
    data: { uuid: crypto.randomUUID(), method: "user.update", status_code: 0, status_string: "" },
  };
}

function print(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

const dir = Deno.makeTempDirSync({ prefix: "leosac-bench-audit-" });
try {
  const db = openDatabase(join(dir, "bench.db"));
  const single = Number(values.single);
  const times: number[] = [];
  for (let i = 0; i < 500; i++) appendAudit(db, decision(i)); // warm-up
  for (let i = 0; i < single; i++) {
    const start = performance.now();
    appendAudit(db, decision(i));
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const total = times.reduce((a, b) => a + b, 0);
  const us = (ms: number): string => `${(ms * 1000).toFixed(1)} µs`;
  print(
    `appendAudit, own transaction: ${single} rows, p50 ${us(percentile(times, 0.5))}, ` +
      `p99 ${us(percentile(times, 0.99))}, mean ${us(total / single)}, ` +
      `${Math.round(single / (total / 1000))} rows/s`,
  );
  const batches = Number(values.batches);
  const size = Number(values["batch-size"]);
  const batchTimes: number[] = [];
  for (let b = 0; b < batches; b++) {
    const rows = Array.from({ length: size }, (_, i) => call(b * size + i));
    const start = performance.now();
    appendAuditBatch(db, rows);
    batchTimes.push(performance.now() - start);
  }
  batchTimes.sort((a, b) => a - b);
  const batchTotal = batchTimes.reduce((a, b) => a + b, 0);
  print(
    `appendAuditBatch: ${batches} batches of ${size}, p50 ${
      percentile(batchTimes, 0.5).toFixed(2)
    } ms per batch, ${us(batchTotal / (batches * size))} per row, ` +
      `${Math.round((batches * size) / (batchTotal / 1000))} rows/s`,
  );
  try {
    const { verifyAuditChain } = await import("../src/store/audit_verify.ts");
    const start = performance.now();
    const report = verifyAuditChain(db);
    const ms = performance.now() - start;
    print(
      `verifyAuditChain: ${report.rows} rows in ${ms.toFixed(0)} ms ` +
        `(${Math.round(report.rows / (ms / 1000))} rows/s), ok: ${report.ok}`,
    );
  } catch (error) {
    print(`verifyAuditChain: not run (${error instanceof Error ? error.message : error})`);
  }
  const size_ = Deno.statSync(join(dir, "bench.db")).size;
  print(`database file: ${(size_ / 2 ** 20).toFixed(1)} MiB`);
  db.close();
} finally {
  Deno.removeSync(dir, { recursive: true });
}
