import assert from "node:assert/strict";
import { auditRecord as record } from "./_test_records.ts";
import { AUDIT_KIND } from "../store/audit.ts";
import { eventMessage, MAX_EVENT_MESSAGE_BYTES, parseEventMessage } from "./event_store.ts";

const NOW = Date.UTC(2026, 0, 5, 12);

Deno.test("eventMessage() carries the audit.get shape, the filter ids and the live event", () => {
  const m = eventMessage(record(5, AUDIT_KIND.AUTH, NOW), "a");
  assert.equal(m.controller, "a");
  assert.equal(m.origin_id, 5);
  assert.equal(m.type, "audit-auth-event");
  assert.equal(m.attributes.granted, true);
  assert.deepEqual(m.refs, { author_id: null, target_id: 7, target2_id: 3, credential_id: 12 });
  assert.deepEqual(m.push, {
    category: "access",
    content: { audit_id: 5, timestamp: NOW, granted: true, door: 3, credential: 12 },
  });
  assert.equal(eventMessage(record(6, AUDIT_KIND.USER, NOW), "a").push, undefined);
});

Deno.test("eventMessage() empties snapshots that would not fit a NATS message", () => {
  const big = { ...record(5, AUDIT_KIND.USER, NOW), after: { notes: "x".repeat(200_000) } };
  const m = eventMessage(big, "a");
  assert.equal(m.attributes.after, "");
  assert.equal(m.attributes.truncated, true);
  assert.ok(JSON.stringify(m).length < MAX_EVENT_MESSAGE_BYTES);
});

Deno.test("parseEventMessage() refuses an event naming another controller than its subject", () => {
  const bytes = new TextEncoder().encode(JSON.stringify(eventMessage(record(1, "k", NOW), "a")));
  assert.equal(parseEventMessage(bytes, "a").origin_id, 1);
  assert.throws(() => parseEventMessage(bytes, "b"), /another controller/);
  assert.throws(() => parseEventMessage(new TextEncoder().encode("[1]"), "a"), /not an object/);
});
