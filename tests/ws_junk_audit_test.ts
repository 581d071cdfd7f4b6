import assert from "node:assert/strict";
import { startTestServer, TestClient } from "../src/testing.ts";
import { AUDIT_KIND } from "../src/store/audit.ts";

const JUNK: ReadonlyArray<[string, unknown, number]> = [
  ["no.such.type", {}, 5], // unknown type: INVALID_CALL
  ["user.read", { user_id: 0 }, 2], // anonymous: PERMISSION_DENIED
  ["create_auth_token", 5, 1], // not an attempt: its content is refused
];

Deno.test("10,000 anonymous junk calls add one audit row per minute, address and kind", async () => {
  await using server = await startTestServer();
  const db = server.store.db;
  const count = (): number =>
    (db.prepare("SELECT count(*) AS n FROM audit_events").get() as { n: number }).n;
  server.app.deps.audit.flush();
  const before = count();
  await using client = await TestClient.connect(server.wsUrl);
  const total = 10_000;
  const batch = 50; // within the session's mailbox
  for (let sent = 0; sent < total; sent += batch) {
    const replies = await Promise.all(
      Array.from({ length: batch }, (_, i) => {
        const [type, content] = JUNK[(sent + i) % JUNK.length]!;
        return client.request(type, content);
      }),
    );
    for (const [i, reply] of replies.entries()) {
      assert.equal(reply.status_code, JUNK[(sent + i) % JUNK.length]![2], JSON.stringify(reply));
    }
  }
  server.app.deps.audit.flush();
  assert.equal(count(), before, "nothing is written while the minute lasts");
  server.clock.advance(60_000); // the minute is over: its counts are written
  server.app.deps.audit.flush();
  const rows = db.prepare("SELECT * FROM audit_events WHERE id > ? ORDER BY id").all(before)
    .map((r) => ({ kind: String(r.kind), data: JSON.parse(String(r.data)) }));
  assert.equal(rows.length, JUNK.length, "one row per kind (the clock stood still)");
  assert.ok(rows.every((r) => r.kind === AUDIT_KIND.WSAPI_CALL && r.data.aggregated === true));
  assert.equal(rows.reduce((n, r) => n + r.data.count, 0), total, "every call is counted");
  assert.deepEqual(
    [...new Set(rows.map((r) => r.data.kind))].sort(),
    ["malformed", "permission_denied", "unknown_type"],
  );
  assert.ok(rows.every((r) => r.data.remote_address === "127.0.0.1"));

  // A logged-in caller's refusal and a login attempt keep rows of their own
  // (a new connection: the first may have passed its login deadline).
  await using second = await TestClient.connect(server.wsUrl);
  ok(await second.request("create_auth_token", { username: "nobody", password: "x" }));
  await second.login();
  await second.request("no.such.type");
  server.app.deps.audit.flush();
  const own = db.prepare("SELECT data FROM audit_events WHERE id > ? AND kind = ?")
    .all(before, AUDIT_KIND.WSAPI_CALL).map((r) => JSON.parse(String(r.data)))
    .filter((d) => d.aggregated !== true).map((d) => `${d.method} ${d.status_code}`);
  assert.deepEqual(own, ["create_auth_token 0", "create_auth_token 0", "no.such.type 5"]);
});

function ok(reply: { status_code: number }): void {
  assert.equal(reply.status_code, 0, JSON.stringify(reply));
}

Deno.test("failed logins past the minute's budget get no rows of their own: one counted row per address", async () => {
  await using server = await startTestServer({
    loginLimits: { failureRowsPerMinute: 3, addressFailures: 1000, accountGuesses: 1000 },
  });
  const db = server.store.db;
  server.app.deps.audit.flush();
  const before =
    (db.prepare("SELECT coalesce(max(id), 0) AS id FROM audit_events").get() as { id: number }).id;
  await using client = await TestClient.connect(server.wsUrl);
  for (let i = 0; i < 10; i++) {
    // Made-up usernames, as a guesser would try: each is checked (status 0, refused).
    const reply = await client.request("create_auth_token", { username: `x${i}`, password: "y" });
    assert.equal((reply.content as { status: number }).status, -1, JSON.stringify(reply));
  }
  server.app.deps.audit.flush();
  const rows = () =>
    db.prepare("SELECT kind, description, data FROM audit_events WHERE id > ? ORDER BY id")
      .all(before).map((r) => ({
        description: String(r.description),
        data: JSON.parse(String(r.data)),
      }));
  const failed = rows().filter((r) => String(r.description).startsWith("Failed login"));
  assert.equal(failed.length, 3, "the budget's rows, one by one");
  assert.equal(rows().filter((r) => r.data.method === "create_auth_token").length, 3);
  server.clock.advance(60_000);
  server.app.deps.audit.flush();
  const counted = rows().filter((r) => r.data.aggregated === true);
  assert.equal(counted.length, 1);
  assert.equal(counted[0]!.data.kind, "login_failed");
  assert.equal(counted[0]!.data.count, 7);
  // A new minute has a new budget (a new connection: the first passed its login deadline).
  await using again = await TestClient.connect(server.wsUrl);
  await again.request("create_auth_token", { username: "x", password: "y" });
  server.app.deps.audit.flush();
  assert.equal(rows().filter((r) => String(r.description).startsWith("Failed login")).length, 4);
});
