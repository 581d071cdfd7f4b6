/**
 * `GET /metrics` (issue 9, "Metrics and logs"; issue 14: disk state) on a real
 * server on 127.0.0.1 with a real controller worker on simulated hardware: the
 * families are there and parse strictly, a simulated card's grant and a forced
 * door count, a wrong password counts, a worker restart counts, and no user
 * name, card number or PIN appears. Addresses other than loopback and the
 * `--metrics-allow` ranges get 403: the client address is set per request by
 * a test-only wrapper around the app's handler (Deno.connect cannot choose its
 * source address).
 */
import assert from "node:assert/strict";
import { parseCidr } from "../src/metrics/cidr.ts";
import {
  type ParsedFamily,
  parseExposition,
  promtool,
  promtoolMissing,
} from "../src/metrics/_text_format.ts";
import { METRICS_CONTENT_TYPE } from "../src/metrics/route.ts";
import { startTestServer, TestClient, type TestServer } from "../src/testing.ts";
import { configureDoor, type Json, ok, until } from "./_controller_fixtures.ts";

/** Every family `/metrics` serves. */
const FAMILIES = [
  "leosac_build_info",
  "leosac_start_time_seconds",
  "leosac_access_decisions_total",
  "leosac_door_alarms_total",
  "leosac_event_write_duration_seconds",
  "leosac_controller_up",
  "leosac_controller_worker_restarts_total",
  "leosac_door_info",
  "leosac_door_locked",
  "leosac_door_open",
  "leosac_door_alarm_active",
  "leosac_door_mode",
  "leosac_sessions_open",
  "leosac_sessions_anonymous",
  "leosac_login_failures_total",
  "leosac_audit_rows",
  "leosac_database_size_bytes",
  "leosac_database_ok",
  "leosac_disk_free_bytes",
  "leosac_disk_full",
];

async function scrape(url: string): Promise<{ text: string; families: Map<string, ParsedFamily> }> {
  const response = await fetch(new URL("metrics", url));
  const text = await response.text();
  assert.equal(response.status, 200, text);
  assert.equal(response.headers.get("content-type"), METRICS_CONTENT_TYPE);
  return { text, families: parseExposition(text) };
}

/** The value of the one sample of `name` whose labels include `labels`. */
function value(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = families.get(name.replace(/_(bucket|sum|count)$/, "")) ?? families.get(name);
  const matches =
    family?.samples.filter((s) =>
      s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
    ) ?? [];
  assert.ok(matches.length <= 1, `${name} ${JSON.stringify(labels)} matches several samples`);
  return matches[0]?.value;
}

/** Serves the app again, taking the client address from `x-test-remote`. */
function serveWithAddresses(server: TestServer): { url: string } & AsyncDisposable {
  const abort = new AbortController();
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: abort.signal, onListen() {} },
    (req, info) =>
      server.app.handler(req, {
        ...info,
        remoteAddr: { ...info.remoteAddr, hostname: req.headers.get("x-test-remote") ?? "" },
      }),
  );
  return {
    url: `http://127.0.0.1:${http.addr.port}/metrics`,
    async [Symbol.asyncDispose]() {
      abort.abort();
      await http.finished;
    },
  };
}

Deno.test("/metrics from loopback: every family, decisions, alarms, logins, restarts, no identities", async () => {
  await using server = await startTestServer({ hardware: "sim" });
  const controller = server.controller!;
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const { doorId } = await configureDoor(server, admin);
  ok(await admin.request("events.subscribe", {}));
  const door = String(doorId);

  const before = await scrape(server.url);
  for (const name of FAMILIES) assert.ok(before.families.has(name), `family ${name}`);
  assert.equal(value(before.families, "leosac_controller_up"), 1);
  assert.equal(value(before.families, "leosac_access_decisions_total", { door }), undefined);
  assert.equal(value(before.families, "leosac_door_locked", { door }), 1);
  assert.equal(value(before.families, "leosac_door_info", { door, alias: "Front" }), 1);
  assert.equal(value(before.families, "leosac_door_mode", { door, mode: "normal" }), 1);
  assert.equal(value(before.families, "leosac_sessions_open"), 1);
  assert.equal(value(before.families, "leosac_sessions_anonymous"), 0);
  assert.equal(value(before.families, "leosac_disk_full"), 0);
  assert.ok(value(before.families, "leosac_disk_free_bytes")! > 0);
  assert.ok(value(before.families, "leosac_database_size_bytes")! > 0);
  assert.equal(value(before.families, "leosac_database_ok"), 1);
  assert.ok(value(before.families, "leosac_audit_rows")! > 0);
  const build = before.families.get("leosac_build_info")!.samples[0]!;
  assert.match(build.labels.version!, /^\d+\.\d+\.\d+/);
  assert.equal(build.value, 1);

  // A simulated card: granted, counted at once; its rows' commit times observed.
  ok(
    await admin.request("hardware.simulate", {
      action: "card",
      reader: "front-reader",
      format: "H10301",
      facility: 12,
      number: 3456,
    }),
  );
  const granted = await admin.nextUnsolicited((m) => m.type === "event.access");
  const cardId = (granted.content as Json).card_id as string;
  assert.equal((granted.content as Json).granted, true);
  // An unknown card: denied.
  ok(
    await admin.request("hardware.simulate", { action: "card", reader: "front-reader", number: 1 }),
  );
  await admin.nextUnsolicited((m) => m.type === "event.access");
  // Opened without a grant: forced.
  await until(() => controller.simLevel(2) === false, 2000);
  ok(
    await admin.request("hardware.simulate", {
      action: "input",
      door: doorId,
      input: "contact",
      value: true,
    }),
  );
  await admin.nextUnsolicited((m) => m.type === "event.alarm");
  // A wrong password, from a second (anonymous) connection.
  await using stranger = await TestClient.connect(server.wsUrl);
  const refused = await stranger.request("create_auth_token", {
    username: "alice",
    password: "not-her-password",
  });
  assert.notEqual((refused.content as Json).status, 0);

  const { text, families } = await scrape(server.url);
  const decisions = (result: string, reason: string): number | undefined =>
    value(families, "leosac_access_decisions_total", { door, result, reason });
  assert.equal(decisions("granted", "GRANTED"), 1);
  assert.equal(decisions("denied", "UNKNOWN_CREDENTIAL"), 1);
  assert.equal(value(families, "leosac_door_alarms_total", { door, alarm: "forced" }), 1);
  assert.equal(value(families, "leosac_door_alarm_active", { door, alarm: "forced" }), 1);
  assert.equal(value(families, "leosac_door_open", { door }), 1);
  assert.equal(
    value(families, "leosac_login_failures_total", { kind: "login", reason: "invalid" }),
    1,
  );
  assert.equal(value(families, "leosac_sessions_open"), 2);
  assert.equal(value(families, "leosac_sessions_anonymous"), 1);
  // Access rows, door rows (unlocked, relocked, forced …): each commit observed.
  const writes = value(families, "leosac_event_write_duration_seconds_count")!;
  assert.ok(writes >= 4, `${writes} event writes observed`);
  assert.ok(value(families, "leosac_audit_rows")! > value(before.families, "leosac_audit_rows")!);

  // No identity anywhere: not the user name, not the card, not the credential alias.
  for (const secret of ["alice", "alice-card", cardId, "3456", "not-her-password"]) {
    assert.ok(!text.includes(secret), `"${secret}" appears in /metrics`);
  }
  const labelNames = new Set(
    [...families.values()].flatMap((f) => f.samples.flatMap((s) => Object.keys(s.labels))),
  );
  for (const forbidden of ["user", "username", "card", "credential", "pin"]) {
    assert.ok(!labelNames.has(forbidden), `label ${forbidden}`);
  }

  if (promtoolMissing() === null) {
    const checked = await promtool(text);
    assert.equal(checked.code, 0, checked.output);
  }

  // A worker restart counts.
  assert.equal(value(families, "leosac_controller_worker_restarts_total"), 0);
  controller.kill();
  await controller.ready();
  const after = await scrape(server.url);
  assert.equal(value(after.families, "leosac_controller_worker_restarts_total"), 1);
  assert.equal(value(after.families, "leosac_controller_up"), 1);
  // Counters kept across the restart (they live in the main thread).
  assert.equal(
    value(after.families, "leosac_access_decisions_total", {
      door,
      result: "granted",
      reason: "GRANTED",
    }),
    1,
  );
});

Deno.test("/metrics without a controller: controller_up 0, no door series", async () => {
  await using server = await startTestServer();
  const { families } = await scrape(server.url);
  for (const name of FAMILIES) assert.ok(families.has(name), `family ${name}`);
  assert.equal(value(families, "leosac_controller_up"), 0);
  assert.equal(families.get("leosac_door_locked")!.samples.length, 0);
});

Deno.test("/metrics answers 403 outside loopback and the --metrics-allow ranges", async () => {
  await using server = await startTestServer({
    metricsAllow: [parseCidr("10.1.0.0/16"), parseCidr("fd00:1::/32")],
  });
  await using http = serveWithAddresses(server);
  const get = async (address: string): Promise<number> => {
    const response = await fetch(http.url, { headers: { "x-test-remote": address } });
    const body = await response.text();
    if (response.status === 403) {
      assert.match(body, /loopback and the --metrics-allow ranges/);
      assert.doesNotMatch(body, /leosac_/);
    }
    return response.status;
  };
  for (const allowed of ["127.0.0.1", "::1", "10.1.2.3", "::ffff:10.1.200.4", "fd00:1:2::9"]) {
    assert.equal(await get(allowed), 200, allowed);
  }
  for (const refused of ["10.2.0.1", "192.168.1.10", "fd00:2::1", "::2", "", "not-an-address"]) {
    assert.equal(await get(refused), 403, refused);
  }
});
