import assert from "node:assert/strict";
import { startTestServer, TEST_ADMIN_PASSWORD, TestClient } from "../src/testing.ts";

Deno.test("get_leosac_version answers without login", async () => {
  await using server = await startTestServer();
  await using client = await TestClient.connect(server.wsUrl);
  const reply = await client.request("get_leosac_version");
  assert.equal(reply.status_code, 0);
  assert.equal(reply.status_string, "");
  assert.equal((reply.content as { version_short: string }).version_short, "0.8.0");
});

Deno.test("Session answers malformed frames with status 4 and empty uuid and type", async () => {
  await using server = await startTestServer();
  await using client = await TestClient.connect(server.wsUrl);
  const frames = [
    "{}",
    "not json",
    "[1,2]",
    "42",
    '"str"',
    '{"type":1,"uuid":"a","content":{}}',
    '{"type":"x","uuid":null,"content":{}}',
    '{"type":"x","uuid":"u"}',
    '{"type":"get_leosac_version',
  ];
  for (const frame of frames) client.sendRaw(frame);
  client.sendRaw(new Uint8Array([0xff, 0x00, 0x13]));
  for (let i = 0; i < frames.length + 1; i++) {
    const reply = await client.nextUnsolicited();
    assert.equal(reply.status_code, 4, `frame ${i}`);
    assert.equal(reply.uuid, "");
    assert.equal(reply.type, "");
    assert.equal(reply.content, null);
  }
  const after = await client.request("get_leosac_version");
  assert.equal(after.status_code, 0, "the session still works after bad frames");
});

Deno.test("Session replies INVALID_CALL to an unknown type, even logged out", async () => {
  await using server = await startTestServer();
  await using client = await TestClient.connect(server.wsUrl);
  const reply = await client.request("no.such.thing");
  assert.equal(reply.status_code, 5);
  assert.equal(
    reply.status_string,
    "[Leosac::Module::WebSockAPI::InvalidCall]: Unknown message type.",
  );
});

Deno.test("create_auth_token logs in and returns a token usable on another connection", async () => {
  await using server = await startTestServer();
  await using a = await TestClient.connect(server.wsUrl);
  const reply = await a.request("create_auth_token", {
    username: "ADMIN",
    password: TEST_ADMIN_PASSWORD,
  });
  const content = reply.content as { status: number; user_id: number; token: string };
  assert.equal(content.status, 0);
  assert.equal(content.user_id, 1);
  assert.match(content.token, /^[0-9a-f-]{36}$/);
  await using b = await TestClient.connect(server.wsUrl);
  const auth = await b.request("authenticate_with_token", { token: content.token });
  assert.deepEqual(auth.content, { status: 0, user_id: 1, username: "admin" });
  const again = await b.request("create_auth_token", {
    username: "admin",
    password: TEST_ADMIN_PASSWORD,
  });
  assert.equal(again.status_code, 2, "a logged-in session cannot log in again");
});

Deno.test("create_auth_token refuses a wrong password with status -1 inside a success reply", async () => {
  await using server = await startTestServer();
  await using client = await TestClient.connect(server.wsUrl);
  for (const username of ["admin", "nobody"]) {
    const reply = await client.request("create_auth_token", { username, password: "wrong" });
    assert.equal(reply.status_code, 0);
    assert.deepEqual(reply.content, { status: -1, message: "Invalid credentials" });
  }
  const overview = await client.request("system_overview");
  assert.equal(overview.status_code, 2);
});

Deno.test("create_auth_token is rate limited after 5 failures, without revealing the user", async () => {
  // The connection waits 5 minutes without logging in: past the default login deadline.
  await using server = await startTestServer({ connectionLimits: { loginDeadlineMs: 600_000 } });
  await using client = await TestClient.connect(server.wsUrl);
  for (let i = 0; i < 5; i++) {
    const r = await client.request("create_auth_token", { username: "admin", password: "bad" });
    assert.equal((r.content as { status: number }).status, -1);
  }
  const limited = await client.request("create_auth_token", {
    username: "admin",
    password: TEST_ADMIN_PASSWORD,
  });
  assert.equal(limited.status_code, 3);
  server.clock.advance(5 * 60_000 + 1);
  await client.login();
});

Deno.test("a deleted or expired token gives SESSION_ABORTED and drops the privileges", async () => {
  await using server = await startTestServer();
  await using a = await TestClient.connect(server.wsUrl);
  await a.login();
  await using b = await TestClient.connect(server.wsUrl);
  await b.login();
  assert.equal((await a.request("logout")).status_code, 0);
  assert.equal((await a.request("user.read", { user_id: 1 })).status_code, 2);
  server.clock.advance(21 * 60_000);
  const expired = await b.request("user.read", { user_id: 1 });
  assert.equal(expired.status_code, 7);
  assert.equal(
    (await b.request("user.read", { user_id: 1 })).status_code,
    2,
    "no stale privileges",
  );
});

Deno.test("WebSocket upgrade refuses a foreign Origin and accepts the same host", async () => {
  await using server = await startTestServer();
  await assert.rejects(TestClient.connect(server.wsUrl, { origin: "http://evil.example" }));
  await using same = await TestClient.connect(server.wsUrl, { origin: server.url.slice(0, -1) });
  assert.equal((await same.request("get_leosac_version")).status_code, 0);
});

Deno.test("GET /healthz answers with the status", async () => {
  await using server = await startTestServer();
  const response = await fetch(server.url + "healthz");
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.status, "ok");
  assert.equal(body.database, "ok");
});

Deno.test("disabling a logged-in user closes their sessions at once and stops their pushes", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const reply = await admin.request("user.create", {
    attributes: { username: "watcher", password: "watcher-password", rank: 1 },
  });
  const userId = (reply.content as { data: { id: number } }).data.id;
  await using watcher = await TestClient.connect(server.wsUrl);
  await watcher.login("watcher", "watcher-password");
  assert.equal((await watcher.request("events.subscribe", {})).status_code, 0);
  const update = await admin.request("user.update", {
    user_id: userId,
    attributes: { "validity-enabled": false },
  });
  assert.equal(update.status_code, 0);
  const closed = await watcher.nextUnsolicited((m) => m.type === "session_closed");
  assert.equal((closed.content as { reason: string }).reason, "User account disabled.");
  server.app.deps.events.publish({ category: "access", granted: true });
  assert.equal((await watcher.request("user.read", { user_id: userId })).status_code, 2);
  assert.ok(!watcher.unsolicited.some((m) => m.type === "event.access"), "no push after abort");
  const relogin = await watcher.request("create_auth_token", {
    username: "watcher",
    password: "watcher-password",
  });
  assert.equal(relogin.status_code, 1, "a disabled account cannot log in");
});

Deno.test("GET /healthz answers 503 when the database file was deleted under the server", async () => {
  await using server = await startTestServer();
  await Deno.rename(server.store.databasePath, server.store.databasePath + ".gone");
  const response = await fetch(server.url + "healthz");
  assert.equal(response.status, 503);
  const body = await response.json();
  assert.equal(body.database, "missing");
  assert.equal(body.status, "degraded");
  await Deno.rename(server.store.databasePath + ".gone", server.store.databasePath);
});

Deno.test("WebSocket upgrades beyond the session bound get HTTP 503, and succeed again later", async () => {
  await using server = await startTestServer({ maxSessions: 2 });
  await using a = await TestClient.connect(server.wsUrl);
  await using b = await TestClient.connect(server.wsUrl);
  await a.request("get_leosac_version");
  await b.request("get_leosac_version");
  await assert.rejects(TestClient.connect(server.wsUrl));
  await b.close();
  await server.app.deps.sessions.whenAtMost(1);
  await using c = await TestClient.connect(server.wsUrl);
  assert.equal((await c.request("get_leosac_version")).status_code, 0);
});
