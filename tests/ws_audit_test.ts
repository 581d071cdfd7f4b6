import assert from "node:assert/strict";
import { createUserViaApi, startTestServer, TestClient } from "../src/testing.ts";

interface AuditReply {
  meta: { count: number; total_page: number };
  data: Array<
    {
      id: number;
      type: string;
      attributes: Record<string, unknown>;
      relationships: Record<string, unknown>;
    }
  >;
}

Deno.test("audit.get pages newest first with Leosac's meta and event masks", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  await createUserViaApi(admin, "alice", 0);
  server.app.deps.audit.flush();
  const reply = await admin.request("audit.get", { p: 1, ps: 2 });
  assert.equal(reply.status_code, 0);
  const content = reply.content as AuditReply;
  assert.equal(content.data.length, 2);
  assert.ok(content.meta.count >= 3);
  assert.equal(content.meta.total_page, Math.ceil(content.meta.count / 2));
  assert.ok(content.data[0]!.id > content.data[1]!.id);
  const userEvents = await admin.request("audit.get", {
    enabled_type: ["Leosac::Audit::UserEvent"],
  });
  const created = (userEvents.content as AuditReply).data.find((e) =>
    e.type === "audit-user-event"
  )!;
  assert.equal(created.attributes["event-mask"], 2, "USER_CREATED is bit 1");
  assert.deepEqual(created.relationships.target, [{ id: 2, type: "user" }]);
  assert.match(String(created.attributes.after), /"username": "alice"/);
  assert.doesNotMatch(String(created.attributes.after), /password/i);
});

Deno.test("audit.get records the login call first, and never stores the password", async () => {
  await using server = await startTestServer();
  await using client = await TestClient.connect(server.wsUrl);
  await client.request("create_auth_token", { username: "admin", password: "wrong-secret-xyz" });
  await client.login();
  const rows = server.store.db.prepare("SELECT * FROM audit_events").all();
  assert.doesNotMatch(JSON.stringify(rows), /wrong-secret-xyz|admin-password-1/);
  const reply = await client.request("audit.get", {
    p: 1,
    ps: 50,
    enabled_type: ["Leosac::Audit::WSAPICall"],
  });
  const calls = (reply.content as AuditReply).data;
  const first = calls.at(-1)!;
  assert.equal(first.attributes.method, "create_auth_token");
  assert.equal(first.attributes["status-code"], 0);
  assert.equal(first.attributes["event-mask"], 1);
});

Deno.test("audit.get rejects a page below 1 with INVALID_ARGUMENT (Python test)", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const bad = await admin.request("audit.get", {
    p: -1,
    ps: 25,
    enabled_types: ["Leosac::Audit::WSAPICall"],
  });
  assert.equal(bad.status_code, 12);
  assert.match(bad.status_string, /^\[Leosac::InvalidArgument\]: Invalid Argument page/);
  const good = await admin.request("audit.get", {
    p: 1,
    ps: 25,
    enabled_types: ["Leosac::Audit::WSAPICall"],
  });
  assert.equal(good.status_code, 0);
  const badType = await admin.request("audit.get", { enabled_type: ["Robert'); DROP"] });
  assert.equal(badType.status_code, 1);
});

Deno.test("audit.get hides before/after from a viewer and refuses a plain user", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  await createUserViaApi(admin, "viewer", 1, "viewer-password");
  await createUserViaApi(admin, "plain", 0, "plain-password");
  await using viewer = await TestClient.connect(server.wsUrl);
  await viewer.login("viewer", "viewer-password");
  const seen = await viewer.request("audit.get", { enabled_type: ["Leosac::Audit::UserEvent"] });
  assert.equal(seen.status_code, 0);
  for (const entry of (seen.content as AuditReply).data) {
    assert.equal(entry.attributes.before, undefined);
    assert.equal(entry.attributes.after, undefined);
  }
  await using plain = await TestClient.connect(server.wsUrl);
  await plain.login("plain", "plain-password");
  assert.equal((await plain.request("audit.get", {})).status_code, 2);
});
