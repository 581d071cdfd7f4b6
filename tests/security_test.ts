/**
 * Security review regressions: secrets kept out of the audit and the replies,
 * login limits (token logins, password_change), a deleted user's card, live
 * pushes after unrelated account changes, the Origin check, and what a group
 * administrator learns about the members they add.
 */
import assert from "node:assert/strict";
import { hashPin } from "../src/store/secrets.ts";
import {
  createUserViaApi,
  startTestServer,
  TEST_ADMIN_PASSWORD,
  TestClient,
} from "../src/testing.ts";
import { LoginLimiter } from "../src/ws/login_limiter.ts";
import { isOriginAllowed } from "../src/ws/upgrade.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";
import { configureDoor, type Json, ok } from "./_controller_fixtures.ts";

Deno.test("passwords, PINs, PIN hashes and tokens reach neither the audit table, the logs table nor a reply", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  const replies: ServerMessage[] = [];
  const call = async (client: TestClient, type: string, content: unknown) => {
    const reply = await client.request(type, content);
    replies.push(reply);
    return reply;
  };
  await call(admin, "create_auth_token", { username: "admin", password: "Wrong-Pass-1" });
  const token = ok(
    await call(admin, "create_auth_token", { username: "admin", password: TEST_ADMIN_PASSWORD }),
  ).token as string;
  const bob = ok(
    await call(admin, "user.create", {
      attributes: { username: "bob", password: "Bob-Create-2" },
    }),
  ).data.id as number;
  ok(await call(admin, "user.update", { user_id: bob, attributes: { password: "Bob-Update-3" } }));
  ok(await call(admin, "password_change", { user_id: bob, new_password: "Bob-Change-4" }));
  const pin = ok(
    await call(admin, "credential.create", {
      "credential-type": "pin-code",
      attributes: { alias: "p", owner_id: bob, code: "739154" },
    }),
  ).data.id as number;
  ok(
    await call(admin, "credential.update", { credential_id: pin, attributes: { code: "846201" } }),
  );
  await using other = await TestClient.connect(server.wsUrl);
  ok(await call(other, "authenticate_with_token", { token }));
  await using bobClient = await TestClient.connect(server.wsUrl);
  await bobClient.login("bob", "Bob-Change-4");
  await call(bobClient, "password_change", {
    user_id: bob,
    current_password: "Bob-Wrong-5",
    new_password: "Bob-Never-6",
  });
  ok(await call(admin, "credential.read", { credential_id: 0 }));
  ok(await call(admin, "audit.get", { p: 1, ps: 1000 }));
  // Every reply above was sent after its call row was buffered: writing the
  // buffer now puts them all in the table.
  server.app.deps.audit.flush();

  const db = server.store.db;
  const dump = (table: string) => JSON.stringify(db.prepare(`SELECT * FROM ${table}`).all());
  const texts = {
    audit: dump("audit_events"),
    logs: dump("log_messages"),
    // The login reply carries its own token by design; every other reply must not.
    replies: JSON.stringify(replies.filter((r) => r.type !== "create_auth_token")),
  };
  const secrets = [
    TEST_ADMIN_PASSWORD,
    "Wrong-Pass-1",
    "Bob-Create-2",
    "Bob-Update-3",
    "Bob-Change-4",
    "Bob-Wrong-5",
    "Bob-Never-6",
    "739154",
    "846201",
    hashPin(server.store.secret, "739154"),
    hashPin(server.store.secret, "846201"),
    token,
  ];
  for (const [where, text] of Object.entries(texts)) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} found in ${where}`);
  }
  assert.ok(texts.audit.includes("Failed login"), "the scan did see the audit rows");
});

Deno.test("bad tokens lock token logins from that address only, not everybody's", () => {
  const limiter = new LoginLimiter({ maxFailures: 5 });
  for (let i = 0; i < 5; i++) limiter.recordFailure(null, "10.0.0.1", 1000 + i);
  assert.equal(limiter.isLimited(null, "10.0.0.1", 2000), true);
  assert.equal(limiter.isLimited(null, "10.0.0.2", 2000), false, "other addresses unaffected");
  assert.equal(limiter.isLimited("admin", "10.0.0.2", 2000), false);
  // A failed login with an empty username does not lock token logins either.
  for (let i = 0; i < 5; i++) limiter.recordFailure("", "10.0.0.3", 1000 + i);
  assert.equal(limiter.isLimited(null, "10.0.0.4", 2000), false);
});

Deno.test("password_change refuses to check the current password once the login limit is hit", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const codes: number[] = [];
  for (let i = 0; i < 6; i++) {
    const reply = await admin.request("password_change", {
      user_id: 1,
      current_password: `guess-${i}`,
      new_password: "new-password-1",
    });
    codes.push(reply.status_code);
  }
  assert.deepEqual(codes, [2, 2, 2, 2, 2, 3]);
  const right = await admin.request("password_change", {
    user_id: 1,
    current_password: TEST_ADMIN_PASSWORD,
    new_password: "new-password-1",
  });
  assert.equal(right.status_code, 3, "even the right password waits for the cool-down");
});

async function presentCard(admin: TestClient): Promise<Json> {
  ok(
    await admin.request("hardware.simulate", {
      action: "card",
      reader: "front-reader",
      format: "H10301",
      facility: 12,
      number: 3456,
    }),
  );
  return (await admin.nextUnsolicited((m) => m.type === "event.access")).content;
}

Deno.test("deleting a user disables their cards: a card mapped by itself stops opening doors", async () => {
  await using server = await startTestServer({ hardware: "sim" });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const { doorId, userId } = await configureDoor(server, admin);
  const card = ok(await admin.request("credential.read", { credential_id: 0 })).data[0].id;
  const schedule = ok(await admin.request("schedule.read", { schedule_id: 0 })).data[0];
  ok(
    await admin.request("schedule.update", {
      schedule_id: schedule.id,
      attributes: { name: schedule.attributes.name, timeframes: schedule.attributes.timeframes },
      mapping: [{ alias: "card", users: [], groups: [], credentials: [card], doors: [doorId] }]
        .map((m) => ({ ...m, zones: [] })),
    }),
  );
  ok(await admin.request("events.subscribe", {}));
  assert.equal((await presentCard(admin)).granted, true);
  ok(await admin.request("user.delete", { user_id: userId }));
  const denied = await presentCard(admin);
  assert.equal(denied.granted, false, JSON.stringify(denied));
  assert.equal(denied.reason, "CREDENTIAL_DISABLED");
  const after = ok(await admin.request("credential.read", { credential_id: card })).data;
  assert.equal(after.attributes["validity-enabled"], false);
  assert.equal(after.relationships.owner, undefined);
});

Deno.test("live pushes keep flowing after someone else's account changes or logs out", async () => {
  await using server = await startTestServer({ hardware: "sim" });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  await configureDoor(server, admin);
  await createUserViaApi(admin, "victor", 1);
  const zed = await createUserViaApi(admin, "zed", 0);
  await using viewer = await TestClient.connect(server.wsUrl);
  await viewer.login("victor", "password-victor");
  ok(await viewer.request("events.subscribe", {}));
  ok(await admin.request("user.update", { user_id: zed, attributes: { firstname: "Z" } }));
  await using zedClient = await TestClient.connect(server.wsUrl);
  await zedClient.login("zed", "password-zed");
  ok(await zedClient.request("logout"));
  ok(
    await admin.request("hardware.simulate", {
      action: "card",
      reader: "front-reader",
      format: "H10301",
      facility: 12,
      number: 3456,
    }),
  );
  const push = await viewer.nextUnsolicited((m) => m.type === "event.access", 3000);
  assert.equal((push.content as Json).granted, true);
  // Still cut off at once when the viewer's own account is disabled.
  const victor = ok(await admin.request("user.read", { user_id: 0 })).data
    .find((u: Json) => u.attributes.username === "victor").id;
  ok(
    await admin.request("user.update", {
      user_id: victor,
      attributes: { "validity-enabled": false },
    }),
  );
  await viewer.nextUnsolicited((m) => m.type === "session_closed");
});

Deno.test("isOriginAllowed: no Origin, same host, allowed list; null, foreign and look-alike origins refused", () => {
  const req = (headers: Record<string, string>) =>
    new Request("http://controller.local:8888/websocket", { headers });
  const host = { host: "controller.local:8888" };
  assert.equal(isOriginAllowed(req(host), []), true, "no Origin: not a browser (by design)");
  assert.equal(isOriginAllowed(req({ ...host, origin: "http://controller.local:8888" }), []), true);
  assert.equal(
    isOriginAllowed(req({ ...host, origin: "https://controller.local:8888" }), []),
    true,
  );
  for (
    const origin of [
      "null",
      "http://evil.example",
      "http://controller.local:8889",
      "http://controller.local",
      "http://controller.local:8888.evil.example",
      "http://evil.example/controller.local:8888",
      "file://controller.local:8888",
      "",
    ]
  ) {
    assert.equal(isOriginAllowed(req({ ...host, origin }), []), false, origin);
  }
  assert.equal(isOriginAllowed(req({ origin: "http://controller.local:8888" }), []), false);
  const v6 = { host: "[::1]:8888" };
  assert.equal(isOriginAllowed(req({ ...v6, origin: "http://[::1]:8888" }), []), true);
  assert.equal(isOriginAllowed(req({ ...v6, origin: "http://[::2]:8888" }), []), false);
  const allowed = ["https://ui.example:8443"];
  assert.equal(isOriginAllowed(req({ ...host, origin: "https://ui.example:8443" }), allowed), true);
  assert.equal(isOriginAllowed(req({ ...host, origin: "http://ui.example:8443" }), allowed), false);
});

Deno.test("a group administrator who adds someone sees their profile but never their e-mail or credentials", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  await createUserViaApi(admin, "alice", 0);
  const bob = await createUserViaApi(admin, "bob", 0);
  ok(
    await admin.request("user.update", { user_id: bob, attributes: { email: "bob@example.com" } }),
  );
  ok(
    await admin.request("credential.create", {
      "credential-type": "rfid-card",
      attributes: { alias: "bob-card", owner_id: bob, "card-id": "aa:bb:cc:dd", "nb-bits": 32 },
    }),
  );
  await using alice = await TestClient.connect(server.wsUrl);
  await alice.login("alice", "password-alice");
  const group = ok(await alice.request("group.create", { attributes: { name: "mine" } })).data.id;
  ok(
    await alice.request("user-group-membership.create", {
      attributes: { group_id: group, user_id: bob, rank: 0 },
    }),
  );
  const seen = ok(await alice.request("user.read", { user_id: bob })).data;
  assert.equal(seen.attributes.email, undefined);
  assert.equal(seen.relationships.credentials.data, null);
  assert.equal((await alice.request("credential.read", { credential_id: 1 })).status_code, 2);
  assert.equal((await alice.request("search.user_username", { partial_name: "a" })).status_code, 2);
});

Deno.test("the last usable administrator cannot be demoted, disabled or deleted, even with a disabled admin around", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const created = await admin.request("user.create", {
    attributes: {
      username: "sleeper",
      password: "sleeper-password",
      rank: 4,
      "validity-enabled": false,
    },
  });
  assert.equal(created.status_code, 0, JSON.stringify(created));
  const demote = await admin.request("user.update", { user_id: 1, attributes: { rank: 2 } });
  assert.equal(demote.status_code, 11, "the disabled admin does not count");
  const sleeperId = (created.content as { data: { id: number } }).data.id;
  const wake = await admin.request("user.update", {
    user_id: sleeperId,
    attributes: { "validity-enabled": true },
  });
  assert.equal(wake.status_code, 0);
  const disableOther = await admin.request("user.update", {
    user_id: sleeperId,
    attributes: { "validity-enabled": false },
  });
  assert.equal(disableOther.status_code, 0, "another usable admin (user 1) remains");
  const deleteOther = await admin.request("user.delete", { user_id: sleeperId });
  assert.equal(deleteOther.status_code, 0);
});

Deno.test("schedule timeframes, mappings and id lists are bounded", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const frame = { day: 0, "start-time": "8:00", "end-time": "9:00" };
  const tooMany = await admin.request("schedule.create", {
    attributes: { name: "huge", timeframes: Array(1001).fill(frame) },
  });
  assert.equal(tooMany.status_code, 1);
  assert.match(tooMany.status_string, /more than 1000/);
  const created = await admin.request("schedule.create", {
    attributes: { name: "fine", timeframes: [frame] },
  });
  const scheduleId = (created.content as { data: { id: number } }).data.id;
  const mappings = await admin.request("schedule.update", {
    schedule_id: scheduleId,
    attributes: { timeframes: [frame] },
    mapping: Array(1001).fill({ users: [], groups: [], credentials: [], doors: [], zones: [] }),
  });
  assert.equal(mappings.status_code, 1);
  const ids = await admin.request("schedule.update", {
    schedule_id: scheduleId,
    attributes: { timeframes: [frame] },
    mapping: [{ users: Array(10_001).fill(1), groups: [], credentials: [], doors: [], zones: [] }],
  });
  assert.equal(ids.status_code, 1);
  assert.match(ids.status_string, /more than 10000 ids/);
});
