import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { openTempDatabase } from "./_test_db.ts";
import { openDatabase } from "./db.ts";
import {
  appendAudit,
  appendAuditBatch,
  AUDIT_EVENT,
  AUDIT_KIND,
  type AuditEntry,
  auditMask,
} from "./audit.ts";
import { auditChainOf, type ChainedRow, hashBytes, rowHash, storedHashHex } from "./audit_chain.ts";
import { verifyAuditChain } from "./audit_verify.ts";

function decision(i: number): AuditEntry {
  return {
    kind: AUDIT_KIND.AUTH,
    mask: auditMask(i % 2 === 0 ? AUDIT_EVENT.AUTH_GRANTED : AUDIT_EVENT.AUTH_DENIED),
    authorId: null,
    description: `Access decision ${i}`,
    timestamp: 1_700_000_000_000 + i,
    targetId: 5,
    target2Id: 1,
    data: { door_alias: "Front", username: "alice" },
  };
}

function change(i: number): AuditEntry {
  return {
    kind: AUDIT_KIND.USER,
    mask: auditMask(AUDIT_EVENT.USER_EDITED),
    authorId: 1,
    description: `User edited ${i}`,
    timestamp: 1_700_000_000_000 + i,
    targetId: 5,
    before: { username: "alice", version: i },
    after: { username: "alice", version: i + 1 },
  };
}

/** Rows 1..12: decisions at even ids from 2, changes at odd ids, written one way and the other. */
function fill(db: DatabaseSync): void {
  for (let i = 1; i <= 6; i++) appendAudit(db, i % 2 === 0 ? decision(i) : change(i));
  appendAuditBatch(db, [7, 8, 9, 10, 11, 12].map((i) => i % 2 === 0 ? decision(i) : change(i)));
}

function row(db: DatabaseSync, id: number): ChainedRow & { hash: unknown } {
  return { ...db.prepare("SELECT * FROM audit_events WHERE id = ?").get(id)! } as never;
}

Deno.test("appendAudit() chains every row; verifyAuditChain() walks both chains", () => {
  using temp = openTempDatabase();
  fill(temp.db);
  const report = verifyAuditChain(temp.db);
  assert.ok(report.ok, JSON.stringify(report));
  assert.equal(report.rows, 12);
  assert.equal(report.firstId, 1);
  assert.equal(report.lastId, 12);
  assert.equal(report.chains.access.rows, 6);
  assert.equal(report.chains.other.rows, 6);
  assert.equal(report.chains.access.head.id, 12);
  assert.equal(report.chains.other.head.id, 11);
  assert.equal(report.chains.other.head.hash, storedHashHex(row(temp.db, 11).hash));
  // Each row names the previous row of its chain and hashes over it.
  assert.equal(row(temp.db, 2).prev_id, 0);
  assert.equal(row(temp.db, 4).prev_id, 2);
  assert.equal(row(temp.db, 5).prev_id, 3);
  assert.equal(row(temp.db, 4).chain, "access");
  assert.equal(row(temp.db, 5).chain, "other");
  const r4 = row(temp.db, 4);
  assert.equal(storedHashHex(r4.hash), rowHash(storedHashHex(row(temp.db, 2).hash)!, r4));
});

Deno.test("auditChainOf() puts only access decisions in the access chain", () => {
  assert.equal(auditChainOf(AUDIT_KIND.AUTH, auditMask(AUDIT_EVENT.AUTH_GRANTED)), "access");
  assert.equal(auditChainOf(AUDIT_KIND.AUTH, auditMask(AUDIT_EVENT.AUTH_DENIED)), "access");
  assert.equal(auditChainOf(AUDIT_KIND.AUTH, auditMask(AUDIT_EVENT.BAD_READ)), "other");
  assert.equal(auditChainOf(AUDIT_KIND.DOOR, auditMask(AUDIT_EVENT.DOOR_OPENED)), "other");
  assert.equal(auditChainOf(AUDIT_KIND.WSAPI_CALL, 1), "other");
});

Deno.test("appendAudit() keeps one chain across two connections to the same file", () => {
  using temp = openTempDatabase();
  const second = openDatabase(temp.path);
  try {
    for (let i = 1; i <= 20; i++) {
      const db = i % 3 === 0 ? second : temp.db;
      if (i % 5 === 0) appendAuditBatch(db, [decision(i), change(i)]);
      else appendAudit(db, i % 2 === 0 ? decision(i) : change(i));
    }
  } finally {
    second.close();
  }
  const report = verifyAuditChain(temp.db);
  assert.ok(report.ok, JSON.stringify(report));
  assert.equal(report.rows, 24);
});

Deno.test("appendAudit() stores a description with a lone surrogate so that it verifies", () => {
  using temp = openTempDatabase();
  appendAudit(temp.db, { ...change(1), description: "User \ud800 edited" });
  assert.ok(verifyAuditChain(temp.db).ok);
});

Deno.test("verifyAuditChain() names an edited row", () => {
  using temp = openTempDatabase();
  fill(temp.db);
  temp.db.exec("UPDATE audit_events SET description = 'nothing happened' WHERE id = 7");
  const report = verifyAuditChain(temp.db);
  assert.equal(report.ok, false);
  assert.ok(!report.ok);
  assert.equal(report.rowId, 7);
  assert.match(report.problem, /row 7 was edited: its contents do not match its hash/);
  assert.equal(report.rows, 6, "rows 1..6 were checked before it");
});

Deno.test("verifyAuditChain() names a row moved to the other chain", () => {
  using temp = openTempDatabase();
  fill(temp.db);
  temp.db.exec("UPDATE audit_events SET event_mask = 1 WHERE id = 6");
  const report = verifyAuditChain(temp.db);
  assert.ok(!report.ok);
  assert.equal(report.rowId, 6);
  assert.match(report.problem, /row 6 was edited: its kind and mask belong to the other chain/);
});

Deno.test("verifyAuditChain() names a deleted middle row", () => {
  using temp = openTempDatabase();
  fill(temp.db);
  temp.db.exec("DELETE FROM audit_events WHERE id = 5");
  const report = verifyAuditChain(temp.db);
  assert.ok(!report.ok);
  assert.equal(report.rowId, 7, "the next row of its chain");
  assert.match(report.problem, /other chain misses row 5, which row 7 follows: it was deleted/);
});

Deno.test("verifyAuditChain() names the oldest rows deleted without an anchor", () => {
  using temp = openTempDatabase();
  fill(temp.db);
  temp.db.exec("DELETE FROM audit_events WHERE id <= 2");
  const report = verifyAuditChain(temp.db);
  assert.ok(!report.ok);
  assert.equal(report.rowId, 3);
  assert.match(report.problem, /misses row 1, which row 3 follows: it was deleted/);
});

Deno.test("verifyAuditChain() names an inserted row without a hash", () => {
  using temp = openTempDatabase();
  fill(temp.db);
  temp.db.exec(
    `INSERT INTO audit_events (timestamp, kind, event_mask, description, data)
     VALUES (1, '${AUDIT_KIND.USER}', 2, 'User created.', '{}')`,
  );
  const report = verifyAuditChain(temp.db);
  assert.ok(!report.ok);
  assert.equal(report.rowId, 13);
  assert.match(report.problem, /row 13 has no valid hash: it was inserted outside Leosac/);
});

Deno.test("verifyAuditChain() names a forged row inserted with a valid hash into an id gap", () => {
  using temp = openTempDatabase();
  const db = temp.db;
  fill(db);
  db.exec("UPDATE sqlite_sequence SET seq = seq + 5 WHERE name = 'audit_events'");
  appendAudit(db, change(18)); // id 18; ids 13..17 were never used
  appendAudit(db, change(19));
  assert.ok(verifyAuditChain(db).ok, "a gap in the ids is not a break");
  // Someone who knows the algorithm forges row 15 after row 11, the last "other" row before it.
  const forged = {
    ...row(db, 11),
    id: 15,
    description: "User edited by nobody",
    prev_id: 11,
  };
  const hash = rowHash(storedHashHex(row(db, 11).hash)!, forged);
  db.prepare(
    `INSERT INTO audit_events (id, timestamp, kind, event_mask, author_id, description, target_id,
       target2_id, before, after, data, chain, prev_id, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    15,
    Number(forged.timestamp),
    String(forged.kind),
    Number(forged.event_mask),
    forged.author_id as number | null,
    forged.description,
    forged.target_id as number | null,
    forged.target2_id as number | null,
    forged.before as string | null,
    forged.after as string | null,
    String(forged.data),
    "other",
    11,
    hashBytes(hash),
  );
  const report = verifyAuditChain(db);
  assert.ok(!report.ok);
  assert.equal(report.rowId, 15);
  assert.match(
    report.problem,
    /row 15 was inserted: the next row of the other chain, 18, follows row 11/,
  );
});

Deno.test("verifyAuditChain() reports an empty log as OK", () => {
  using temp = openTempDatabase();
  const report = verifyAuditChain(temp.db);
  assert.ok(report.ok);
  assert.equal(report.rows, 0);
  assert.equal(report.firstId, null);
});
