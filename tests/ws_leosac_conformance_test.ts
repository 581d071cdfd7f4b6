/**
 * Leosac's own test suites (../shared/protocol/leosac-ws-api.md §11),
 * expressed against our server on port 0: the Python `leosacpy` cases (11.1)
 * and the C# `LeosacSharp` cases (11.2), one test per Leosac case name.
 *
 * Deliberate differences from the original cases:
 * - the administrator's password is TEST_ADMIN_PASSWORD, not "admin" (there
 *   is no default password by design);
 * - `version_short` is "0.8.0" (the Python tests still expect a stale "0.6.3");
 * - `search.zone_alias` takes `%` literally (Leosac used SQL LIKE), so the
 *   second search of `test_search_zone` uses part of the alias;
 * - `TestDatabaseError` (Postgres stopped) has no equivalent with SQLite.
 */
import assert from "node:assert/strict";
import {
  startTestServer,
  TEST_ADMIN_PASSWORD,
  TestClient,
  type TestServer,
} from "../src/testing.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";

const ZONE_PHYSICAL = 0;
const ZONE_LOGICAL = 1;

// deno-lint-ignore no-explicit-any
function ok(reply: ServerMessage): any {
  assert.equal(reply.status_code, 0, `expected success, got ${JSON.stringify(reply)}`);
  return reply.content;
}

function status(reply: ServerMessage, code: number): void {
  assert.equal(reply.status_code, code, `expected ${code}, got ${JSON.stringify(reply)}`);
}

async function adminClient(server: TestServer): Promise<TestClient> {
  const client = await TestClient.connect(server.wsUrl);
  await client.login();
  return client;
}

interface WsApiCall {
  id: number;
  type: string;
  attributes: { method: string; "status-code": number; "event-mask": number };
}

/** The WSAPICall audit rows, oldest first. */
async function apiCalls(client: TestClient): Promise<WsApiCall[]> {
  const reply = await client.request("audit.get", {
    p: 1,
    ps: 100,
    enabled_type: ["Leosac::Audit::WSAPICall"],
  });
  return (ok(reply).data as WsApiCall[]).toReversed();
}

// --- Python: test_ws_general.py, test_ws_auth.py -------------------------

Deno.test("WSGeneral.test_get_version: get_leosac_version gives version_short 0.8.0", async () => {
  await using server = await startTestServer();
  await using client = await TestClient.connect(server.wsUrl);
  const content = ok(await client.request("get_leosac_version"));
  assert.equal(content.version_short, "0.8.0");
  assert.match(content.version, /^0\.8\.0-/);
});

Deno.test("WSGeneral.test_malformed_message: {} gives MALFORMED with empty uuid and type", async () => {
  await using server = await startTestServer();
  await using client = await TestClient.connect(server.wsUrl);
  client.sendRaw("{}");
  const reply = await client.nextUnsolicited();
  assert.equal(reply.status_code, 4);
  assert.equal(reply.uuid, "");
  assert.equal(reply.type, "");
  assert.deepEqual(Object.keys(reply).sort(), [
    "content",
    "status_code",
    "status_string",
    "type",
    "uuid",
  ]);
});

// --- C#: DefaultLoginTests ------------------------------------------------

Deno.test("CanLoginWithDefaultCredential: the administrator logs in with user_id 1", async () => {
  await using server = await startTestServer();
  await using client = await TestClient.connect(server.wsUrl);
  const reply = await client.request("create_auth_token", {
    username: "admin",
    password: TEST_ADMIN_PASSWORD,
  });
  const content = ok(reply);
  assert.equal(content.status, 0);
  assert.equal(content.user_id, 1);
  assert.equal(typeof content.token, "string");
});

Deno.test("CannotLoginWithInvalidCredential: status -1 inside a status_code 0 reply", async () => {
  await using server = await startTestServer();
  await using client = await TestClient.connect(server.wsUrl);
  const reply = await client.request("create_auth_token", {
    username: "admin",
    password: "wrong_password",
  });
  assert.equal(reply.status_code, 0);
  assert.equal(ok(reply).status, -1);
  status(await client.request("system_overview"), 2);
});

Deno.test("LoginWithValidCredentialLeaveAudit: the first API call row is create_auth_token, status 0", async () => {
  await using server = await startTestServer();
  await using client = await adminClient(server);
  const first = (await apiCalls(client))[0]!;
  assert.equal(first.type, "audit-wsapicall-event");
  assert.equal(first.attributes.method, "create_auth_token");
  assert.equal(first.attributes["status-code"], 0);
});

Deno.test("LoginWithInvalidCredentialLeavesAudit: a failed login leaves a create_auth_token row, status 0", async () => {
  await using server = await startTestServer();
  await using client = await TestClient.connect(server.wsUrl);
  ok(await client.request("create_auth_token", { username: "admin", password: "wrong" }));
  await client.login();
  const calls = await apiCalls(client);
  assert.equal(calls.length, 2, "the failed and the successful login");
  for (const call of calls) {
    assert.equal(call.attributes.method, "create_auth_token");
    assert.equal(call.attributes["status-code"], 0);
  }
});

// --- Python: test_ws_audit.py ----------------------------------------------

Deno.test("WSAudit.test_get_audit_negative_page: p -1 gives INVALID_ARGUMENT, p 1 succeeds", async () => {
  await using server = await startTestServer();
  await using client = await adminClient(server);
  const filter = { ps: 25, enabled_types: ["Leosac::Audit::WSAPICall"] };
  status(await client.request("audit.get", { p: -1, ...filter }), 12);
  ok(await client.request("audit.get", { p: 1, ...filter }));
});

// --- Python: test_ws_zone.py -----------------------------------------------

function zone(
  alias: string,
  type: number,
  children: number[] = [],
): { attributes: Record<string, unknown> } {
  return { attributes: { alias, type, description: "A very nice zone", doors: [], children } };
}

Deno.test("WSZone.test_create_zone: an empty list, then the created zone", async () => {
  await using server = await startTestServer();
  await using client = await adminClient(server);
  assert.deepEqual(ok(await client.request("zone.read", { zone_id: 0 })).data, []);
  ok(await client.request("zone.create", zone("My Zone", ZONE_PHYSICAL)));
  const zones = ok(await client.request("zone.read", { zone_id: 0 })).data;
  assert.equal(zones.length, 1);
  assert.equal(zones[0].attributes.alias, "My Zone");
  assert.equal(zones[0].attributes.type, ZONE_PHYSICAL);
});

Deno.test("WSZone.test_search_zone: no result (null), then one", async () => {
  await using server = await startTestServer();
  await using client = await adminClient(server);
  assert.equal(ok(await client.request("search.zone_alias", { partial_name: "%" })), null);
  ok(await client.request("zone.create", zone("My Zone", ZONE_LOGICAL)));
  const found = ok(await client.request("search.zone_alias", { partial_name: "zon" }));
  assert.equal(found.length, 1);
  assert.equal(found[0].alias, "My Zone");
  // Our difference: `%` is an ordinary character, not a wildcard.
  assert.equal(ok(await client.request("search.zone_alias", { partial_name: "%" })), null);
});

Deno.test("WSZone.test_zone_invalid_type: type 42 gives MODEL_EXCEPTION", async () => {
  await using server = await startTestServer();
  await using client = await adminClient(server);
  status(await client.request("zone.create", zone("Bad", 42)), 11);
  assert.deepEqual(ok(await client.request("zone.read", { zone_id: 0 })).data, []);
});

Deno.test("WSZone.test_zone_multiple_physical_parent: a second physical parent gives MODEL_EXCEPTION", async () => {
  await using server = await startTestServer();
  await using client = await adminClient(server);
  const child = ok(await client.request("zone.create", zone("Child", ZONE_PHYSICAL))).data.id;
  ok(await client.request("zone.create", zone("Parent", ZONE_PHYSICAL, [child])));
  status(await client.request("zone.create", zone("SecondParent", ZONE_PHYSICAL, [child])), 11);
  assert.equal(ok(await client.request("zone.read", { zone_id: 0 })).data.length, 2);
});

Deno.test("WSZone.test_zone_no_cycle: closing a cycle gives MODEL_EXCEPTION", async () => {
  await using server = await startTestServer();
  await using client = await adminClient(server);
  const z2 = ok(await client.request("zone.create", zone("Z2", ZONE_LOGICAL))).data.id;
  const z1 = ok(await client.request("zone.create", zone("Z1", ZONE_LOGICAL, [z2]))).data.id;
  const z0 = ok(await client.request("zone.create", zone("Z0", ZONE_LOGICAL, [z1]))).data.id;
  status(
    await client.request("zone.update", { zone_id: z2, ...zone("Z2", ZONE_LOGICAL, [z0]) }),
    11,
  );
  const after = ok(await client.request("zone.read", { zone_id: z2 })).data;
  assert.deepEqual(after.relationships.children.data, [], "the failed update was rolled back");
});

// --- C#: password changes ----------------------------------------------------

Deno.test("ChangePasswordFailureTest: a wrong current password gives PERMISSION_DENIED", async () => {
  await using server = await startTestServer();
  await using client = await adminClient(server);
  status(
    await client.request("password_change", {
      user_id: 1,
      current_password: "wrong_old_password",
      new_password: "toto",
    }),
    2,
  );
  await using other = await TestClient.connect(server.wsUrl);
  await other.login(); // unchanged
});

Deno.test("ChangePasswordSuccessTest: the old password stops working, the new one works", async () => {
  await using server = await startTestServer();
  await using client = await adminClient(server);
  ok(
    await client.request("password_change", {
      user_id: 1,
      current_password: TEST_ADMIN_PASSWORD,
      new_password: "toto",
    }),
  );
  await using fresh = await TestClient.connect(server.wsUrl);
  const old = ok(
    await fresh.request("create_auth_token", { username: "admin", password: TEST_ADMIN_PASSWORD }),
  );
  assert.equal(old.status, -1);
  assert.equal(await fresh.login("admin", "toto"), 1);
});

Deno.test("ChangePasswordCloseOtherSessionTest: other sessions get session_closed and lose their rights", async () => {
  await using server = await startTestServer();
  await using a = await adminClient(server);
  await using b = await adminClient(server);
  await using c = await adminClient(server);
  ok(
    await a.request("password_change", {
      user_id: 1,
      current_password: TEST_ADMIN_PASSWORD,
      new_password: "toto",
    }),
  );
  for (const closed of [b, c]) {
    const push = await closed.nextUnsolicited((m) => m.type === "session_closed");
    assert.equal(push.uuid, "");
    assert.equal(push.status_code, 0);
    assert.equal(typeof (push.content as { reason: unknown }).reason, "string");
    status(
      await closed.request("password_change", {
        user_id: 1,
        current_password: "toto",
        new_password: "hacked",
      }),
      2,
    );
  }
  assert.equal(a.unsolicited.length, 0, "the caller's own session is not closed");
  ok(
    await a.request("password_change", {
      user_id: 1,
      current_password: "toto",
      new_password: "toto-2",
    }),
  );
  await using fresh = await TestClient.connect(server.wsUrl);
  await fresh.login("admin", "toto-2");
});
