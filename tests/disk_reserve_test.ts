/**
 * The disk reserve on a real full filesystem (issue 14): a real server and
 * controller worker whose data directory is on a tiny tmpfs filled to the
 * last byte. An administrator still logs in (the reserve is released so the
 * token row fits; once even that space is used up the token is kept in
 * memory), reads, deletes and writes; the alarm is raised and stored;
 * /healthz says `disk: "full"`, `reserve: "released"`; doors keep deciding;
 * and once room is back the reserve is written again. Ignored, with the
 * reason printed, where no tmpfs can be mounted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DISK_CHECK_INTERVAL_MS, MIB, RESERVE_FILE } from "../src/store/disk_reserve.ts";
import { createGroup } from "../src/store/groups.ts";
import { hashToken } from "../src/store/secrets.ts";
import { mountTinyFs, tinyFsTest } from "../src/store/_tiny_fs.ts";
import { startTestServer, TestClient, type TestServer } from "../src/testing.ts";
import { configureDoor, type Json, LINES, ok, until } from "./_controller_fixtures.ts";

const RESERVE = 2 * MIB;

async function health(server: TestServer): Promise<{ status: number; body: Json }> {
  const response = await fetch(server.url + "healthz");
  return { status: response.status, body: await response.json() };
}

/** Logs in on a new connection; returns it with the token. */
async function loginAsAdmin(server: TestServer): Promise<{ client: TestClient; token: string }> {
  const client = await TestClient.connect(server.wsUrl);
  const reply = await client.request("create_auth_token", {
    username: "admin",
    password: "admin-password-1",
  });
  assert.equal(reply.status_code, 0, JSON.stringify(reply));
  const content = reply.content as Json;
  assert.equal(content.status, 0, JSON.stringify(reply));
  return { client, token: content.token };
}

function reserveSize(server: TestServer): number | null {
  try {
    return Deno.statSync(join(server.dataDir, RESERVE_FILE)).size;
  } catch {
    return null;
  }
}

tinyFsTest(
  "full disk: the reserve lets an administrator log in, read, delete and write; doors keep deciding",
  async () => {
    using fs = mountTinyFs(16 * 1024);
    await using server = await startTestServer({
      hardware: "sim",
      dataDir: join(fs.dir, "data"),
      diskReserveBytes: RESERVE,
    });
    const controller = server.controller!;
    const db = server.store.db;
    assert.equal(reserveSize(server), RESERVE);
    assert.equal((await health(server)).body.reserve, "held");
    await using watcher = await TestClient.connect(server.wsUrl);
    await watcher.login();
    await configureDoor(server, watcher);
    const spare = Array.from(
      { length: 20 },
      (_, i) => createGroup(db, { name: `old-${i}`, description: "x".repeat(4000) }).id,
    );
    ok(await watcher.request("events.subscribe", {}));
    const tokenStored = (token: string): boolean =>
      db.prepare("SELECT 1 FROM auth_tokens WHERE token_hash = ?").get(hashToken(token)) !==
        undefined;

    /** Presents alice's card; returns the ms from the request to the strike. */
    async function presentCard(): Promise<number> {
      const start = performance.now();
      ok(
        await watcher.request("hardware.simulate", {
          action: "card",
          reader: "front-reader",
          format: "H10301",
          facility: 12,
          number: 3456,
        }),
      );
      await until(() => controller.simLevel(LINES.strike) === true, 2000);
      const ms = performance.now() - start;
      await until(() => controller.simLevel(LINES.strike) === false, 3000);
      return ms;
    }
    const baseline = await presentCard();
    await watcher.nextUnsolicited((m) => m.type === "event.access");

    // 1. The disk fills (another writer took every byte). A login needs its token row:
    //    the reserve is released first, and the row is stored in its space.
    fs.fill();
    assert.ok(fs.freeBytes() < 64 * 1024);
    const first = await loginAsAdmin(server);
    await using admin = first.client;
    assert.ok(tokenStored(first.token), "the token row was stored in the reserve's space");
    assert.equal(reserveSize(server), null);
    const alarm =
      (await watcher.nextUnsolicited((m) =>
        m.type === "event.alarm" && (m.content as Json).alarm === "disk_reserve_released"
      )).content as Json;
    assert.equal(alarm.reason, "a login token could not be stored");
    assert.equal(alarm.reserve_bytes, RESERVE);
    assert.ok(alarm.audit_id > 0, "the alarm's row fits in the reserve's space");
    const full = await health(server);
    assert.equal(full.status, 503);
    assert.equal(full.body.disk, "full");
    assert.equal(full.body.reserve, "released");
    assert.equal(full.body.reserve_bytes, RESERVE);
    assert.equal(full.body.status, "degraded");

    // 2. Reads: the alarm's row is in the audit log.
    ok(await admin.request("user.read", { user_id: 1 }));
    const audit = ok(await admin.request("audit.get", { p: 1, ps: 20 }));
    assert.ok(
      audit.data.some((row: Json) => Number(row.id) === alarm.audit_id),
      `${alarm.audit_id}: ${JSON.stringify(audit.data.slice(0, 3))}`,
    );

    // 3. Deletes and writes go through in the reserve's space; doors decide at normal speed.
    for (const id of spare.slice(0, 10)) ok(await admin.request("group.delete", { group_id: id }));
    ok(await admin.request("group.create", { attributes: { name: "written-on-reserve" } }));
    const onReserve = await presentCard();
    assert.ok(onReserve < baseline + 50, `${Math.round(onReserve)} ms (${Math.round(baseline)})`);
    await watcher.nextUnsolicited((m) => m.type === "event.access", 10_000);

    // 4. The reserve's space is used up too: a login still succeeds, its token kept in memory
    //    (another connection can use it), reads answer, a write is refused with status 9.
    fs.fill();
    const second = await loginAsAdmin(server);
    await using late = second.client;
    assert.ok(!tokenStored(second.token), "the token could not be stored");
    ok(await late.request("user.read", { user_id: 1 }));
    await using resumed = await TestClient.connect(server.wsUrl);
    const byToken = await resumed.request("authenticate_with_token", { token: second.token });
    assert.equal((byToken.content as Json).status, 0, JSON.stringify(byToken));
    ok(await resumed.request("audit.get", { p: 1, ps: 5 }));
    const refused = await late.request("group.create", { attributes: { name: "no-room" } });
    assert.equal(refused.status_code, 9);
    assert.match(refused.status_string, /The disk is full; nothing was changed/);
    const stillOpens = await presentCard();
    assert.ok(stillOpens < baseline + 50, `${Math.round(stillOpens)} ms (${Math.round(baseline)})`);

    // 5. Room is back (the other writer's file removed): writes succeed again, and the
    //    periodic check on the app's clock writes the reserve again and says so.
    fs.free();
    ok(await late.request("group.create", { attributes: { name: "room-is-back" } }));
    server.clock.advance(DISK_CHECK_INTERVAL_MS);
    assert.equal(reserveSize(server), RESERVE);
    const restored =
      (await watcher.nextUnsolicited((m) =>
        m.type === "event.alarm" && (m.content as Json).alarm === "disk_reserve_restored"
      )).content as Json;
    assert.ok(restored.audit_id > alarm.audit_id);
    const back = await health(server);
    assert.equal(back.status, 200);
    assert.equal(back.body.reserve, "held");
    assert.equal(back.body.disk, "low");
    // The session on the memory token goes on.
    ok(await resumed.request("user.read", { user_id: 1 }));
  },
);

tinyFsTest(
  "full disk: the periodic check on the app clock releases the reserve, once",
  async () => {
    using fs = mountTinyFs(16 * 1024);
    await using server = await startTestServer({
      hardware: "sim",
      dataDir: join(fs.dir, "data"),
      diskReserveBytes: RESERVE,
    });
    await using admin = await TestClient.connect(server.wsUrl);
    await admin.login();
    ok(await admin.request("events.subscribe", {}));
    fs.fill();
    // Not before the check is due: time is the app clock's.
    server.clock.advance(DISK_CHECK_INTERVAL_MS - 1);
    assert.equal(reserveSize(server), RESERVE);
    server.clock.advance(1);
    assert.equal(reserveSize(server), null);
    const alarm = (await admin.nextUnsolicited((m) => m.type === "event.alarm")).content as Json;
    assert.equal(alarm.alarm, "disk_reserve_released");
    assert.match(alarm.reason, /^\d+ bytes free$/);
    // Released once: later checks on a still-full disk raise nothing.
    server.clock.advance(10 * DISK_CHECK_INTERVAL_MS);
    assert.equal(admin.unsolicited.filter((m) => m.type === "event.alarm").length, 0);
  },
);

tinyFsTest(
  "full disk: the controller's refused event row releases the reserve, and the row follows",
  async () => {
    using fs = mountTinyFs(16 * 1024);
    await using server = await startTestServer({
      hardware: "sim",
      dataDir: join(fs.dir, "data"),
      diskReserveBytes: RESERVE,
    });
    await using admin = await TestClient.connect(server.wsUrl);
    await admin.login();
    await configureDoor(server, admin);
    ok(await admin.request("events.subscribe", {}));
    fs.fill();
    ok(
      await admin.request("hardware.simulate", {
        action: "card",
        reader: "front-reader",
        format: "H10301",
        facility: 12,
        number: 3456,
      }),
    );
    // The worker's refusal first, then the release it caused (no periodic check has run).
    const refusal = await admin.nextUnsolicited((m) => m.type === "event.alarm");
    assert.equal((refusal.content as Json).alarm, "database_refused");
    const released = await admin.nextUnsolicited((m) => m.type === "event.alarm");
    assert.equal((released.content as Json).alarm, "disk_reserve_released");
    assert.equal((released.content as Json).reason, "the controller could not store event rows");
    assert.equal(reserveSize(server), null);
    // The waiting row is stored in the reserve's space at the recorder's next try.
    const access = await admin.nextUnsolicited((m) => m.type === "event.access", 10_000);
    assert.equal((access.content as Json).granted, true);
  },
);
