import assert from "node:assert/strict";
import { openTempDatabase } from "./_test_db.ts";
import {
  appendAudit,
  appendAuditBatch,
  AUDIT_EVENT,
  AUDIT_KIND,
  type AuditEntry,
  auditMask,
  getAuditEvent,
  hasAuditEvent,
  queryAudit,
  redactSecrets,
} from "./audit.ts";

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    kind: AUDIT_KIND.USER,
    mask: auditMask(AUDIT_EVENT.USER_CREATED),
    authorId: 1,
    description: "User has been created.",
    timestamp: 1_700_000_000_000,
    ...overrides,
  };
}

Deno.test("AUDIT_EVENT numbers Leosac's events 0..29 and ours from 30", () => {
  assert.equal(AUDIT_EVENT.WSAPI_CALL, 0);
  assert.equal(AUDIT_EVENT.GROUP_MEMBERSHIP_LEFT, 10);
  assert.equal(AUDIT_EVENT.CREDENTIAL_DELETED, 11);
  assert.equal(AUDIT_EVENT.MAPPING_MAY_HAVE_CHANGED, 20);
  assert.equal(AUDIT_EVENT.ZONE_DELETED, 29);
  assert.equal(AUDIT_EVENT.AUTH_GRANTED, 30);
  assert.equal(AUDIT_EVENT.LOGIN_FAILED, 50);
  const values = Object.values(AUDIT_EVENT);
  assert.deepEqual(values, values.map((_, i) => i));
});

Deno.test("auditMask() sets bit k for ordinal k, exactly beyond 2^31", () => {
  assert.equal(auditMask(AUDIT_EVENT.USER_EDITED, AUDIT_EVENT.USER_PASSWORD_CHANGED), 24);
  assert.equal(auditMask(AUDIT_EVENT.WSAPI_CALL), 1);
  assert.equal(auditMask(AUDIT_EVENT.AUTH_DENIED), 2 ** 31);
  assert.equal(auditMask(AUDIT_EVENT.DOOR_UNLOCKED), 2 ** 32);
  assert.equal(auditMask(AUDIT_EVENT.LOGIN_FAILED, AUDIT_EVENT.LOGIN_FAILED), 2 ** 50);
  assert.equal(auditMask(), 0);
  const mask = auditMask(AUDIT_EVENT.DOOR_FORCED, AUDIT_EVENT.ALARM, AUDIT_EVENT.USER_CREATED);
  assert.equal(hasAuditEvent(mask, AUDIT_EVENT.DOOR_FORCED), true);
  assert.equal(hasAuditEvent(mask, AUDIT_EVENT.ALARM), true);
  assert.equal(hasAuditEvent(mask, AUDIT_EVENT.USER_CREATED), true);
  assert.equal(hasAuditEvent(mask, AUDIT_EVENT.DOOR_HELD_OPEN), false);
  assert.equal(hasAuditEvent(mask, AUDIT_EVENT.WSAPI_CALL), false);
});

Deno.test("redactSecrets() removes secret keys at any depth and copies the rest", () => {
  const input = {
    username: "alice",
    Password: "x",
    password_hash: "h",
    passwordHash: "h",
    CURRENT_PASSWORD: "a",
    new_password: "b",
    attributes: { code: "1234", pin: "1", pin_hash: "p", pinHash: "p", alias: "kept" },
    list: [{ token: "t", token_hash: "th", id: 3 }, "plain", 5, null],
  };
  const copy = redactSecrets(input);
  assert.deepEqual(copy, {
    username: "alice",
    attributes: { alias: "kept" },
    list: [{ id: 3 }, "plain", 5, null],
  });
  assert.equal(input.Password, "x");
  assert.notEqual(copy.attributes, input.attributes);
  assert.equal(redactSecrets("text"), "text");
  assert.equal(redactSecrets(null), null);
});

Deno.test("appendAudit() stores an event that reads back", () => {
  using t = openTempDatabase();
  const mask = auditMask(AUDIT_EVENT.DOOR_UNLOCKED, AUDIT_EVENT.AUTH_GRANTED);
  const id = appendAudit(t.db, {
    kind: AUDIT_KIND.AUTH,
    mask,
    authorId: null,
    description: "Access granted",
    timestamp: 1_700_000_000_123,
    targetId: 4,
    target2Id: 9,
    data: { cardId: "aa:bb", reason: "ok" },
  });
  assert.deepEqual(getAuditEvent(t.db, id), {
    id,
    timestamp: 1_700_000_000_123,
    kind: "Leosac::Audit::AuthEvent",
    mask,
    authorId: null,
    description: "Access granted",
    targetId: 4,
    target2Id: 9,
    before: null,
    after: null,
    data: { cardId: "aa:bb", reason: "ok" },
  });
  assert.equal(getAuditEvent(t.db, id)?.mask, 2 ** 32 + 2 ** 30);
  assert.equal(getAuditEvent(t.db, 99), undefined);
});

Deno.test("appendAudit() never stores a secret in before, after or data", () => {
  using t = openTempDatabase();
  const id = appendAudit(
    t.db,
    entry({
      before: { username: "alice", password_hash: "16384:8:1:AB:CD" },
      after: { username: "alice", passwordHash: "16384:8:1:EF:01" },
      data: { request: { type: "create_auth_token", content: { password: "hunter2" } } },
    }),
  );
  const record = getAuditEvent(t.db, id);
  assert.deepEqual(record?.before, { username: "alice" });
  assert.deepEqual(record?.after, { username: "alice" });
  assert.deepEqual(record?.data, { request: { type: "create_auth_token", content: {} } });
  const raw = JSON.stringify(t.db.prepare("SELECT * FROM audit_events").all());
  assert.ok(!raw.includes("hunter2") && !raw.includes("16384"));
});

Deno.test("appendAudit() rejects a mask that is not a safe integer", () => {
  using t = openTempDatabase();
  assert.throws(() => appendAudit(t.db, entry({ mask: 2 ** 53 })), RangeError);
  assert.throws(() => appendAudit(t.db, entry({ mask: -1 })), RangeError);
  assert.throws(() => appendAudit(t.db, entry({ mask: 1.5 })), RangeError);
});

Deno.test("appendAuditBatch() appends all events or none", () => {
  using t = openTempDatabase();
  const ids = appendAuditBatch(t.db, [entry(), entry({ description: "second" })]);
  assert.equal(ids.length, 2);
  assert.equal(getAuditEvent(t.db, ids[1]!)?.description, "second");
  assert.throws(
    () => appendAuditBatch(t.db, [entry({ description: "third" }), entry({ mask: -1 })]),
    RangeError,
  );
  assert.equal(queryAudit(t.db, { page: 1, pageSize: 10 }).count, 2);
});

Deno.test("queryAudit() pages newest first and filters by kind", () => {
  using t = openTempDatabase();
  for (let i = 1; i <= 5; i++) appendAudit(t.db, entry({ description: `user ${i}` }));
  appendAudit(t.db, entry({ kind: AUDIT_KIND.DOOR, description: "door" }));
  appendAudit(t.db, entry({ kind: AUDIT_KIND.WSAPI_CALL, description: "call" }));

  const first = queryAudit(t.db, { page: 1, pageSize: 3 });
  assert.equal(first.count, 7);
  assert.deepEqual(first.rows.map((r) => r.id), [7, 6, 5]);
  assert.deepEqual(queryAudit(t.db, { page: 3, pageSize: 3 }).rows.map((r) => r.id), [1]);
  assert.deepEqual(queryAudit(t.db, { page: 4, pageSize: 3 }).rows, []);

  const users = queryAudit(t.db, { page: 2, pageSize: 2, kinds: [AUDIT_KIND.USER] });
  assert.equal(users.count, 5);
  assert.deepEqual(users.rows.map((r) => r.description), ["user 3", "user 2"]);
  const two = queryAudit(t.db, {
    page: 1,
    pageSize: 10,
    kinds: [AUDIT_KIND.DOOR, AUDIT_KIND.WSAPI_CALL],
  });
  assert.deepEqual(two.rows.map((r) => r.description), ["call", "door"]);
  assert.equal(queryAudit(t.db, { page: 1, pageSize: 10, kinds: [] }).count, 7);
  assert.equal(queryAudit(t.db, { page: 1, pageSize: 10, kinds: ["Nope"] }).count, 0);
});

Deno.test("queryAudit() rejects a page or page size below 1", () => {
  using t = openTempDatabase();
  assert.throws(() => queryAudit(t.db, { page: 0, pageSize: 20 }), RangeError);
  assert.throws(() => queryAudit(t.db, { page: 1, pageSize: 0 }), RangeError);
  assert.throws(() => queryAudit(t.db, { page: 1.5, pageSize: 20 }), RangeError);
});
