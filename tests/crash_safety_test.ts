/**
 * Crash safety from outside: the real CLI as a subprocess, driven over the
 * WebSocket API with simulated card reads and admin changes, then killed
 * (`kill -9`) at random moments, stopped with SIGTERM under load, and made to
 * fight another process for the database's write lock.
 *
 * What is checked: every event pushed with an `audit_id` is in
 * `audit_events`; every admin change that got a success reply is there with
 * its audit row; `PRAGMA integrity_check` passes; the server starts again
 * cleanly; SIGTERM exits 0 within 5 s with every API-call row written; a
 * locked database gives a clear DATABASE_ERROR reply, does not stop the
 * doors, and nothing is lost once the lock is released.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { AUDIT_KIND } from "../src/store/audit.ts";
import { openDatabase } from "../src/store/db.ts";
import { AuditWriter } from "../src/ws/audit_writer.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";
import {
  type Acknowledged,
  adminClient,
  cardRequest,
  type Json,
  newAcknowledged,
  ok,
  ServerProcess,
  startLoad,
  untilAcknowledged,
  verifyDatabase,
  wireDoors,
} from "./_crash_fixtures.ts";

const KILL_ITERATIONS = 3;

/** The load has pushed at least one event and committed at least one change. */
const underWay = (ack: Acknowledged): boolean => ack.events.size > 0 && ack.groups.size > 0;

async function freshServer(doors: number): Promise<
  { dir: string; server: ServerProcess; readers: string[] }
> {
  const dir = await Deno.makeTempDir({ prefix: "leosac-crash-" });
  const server = await ServerProcess.start(dir);
  const admin = await adminClient(server);
  const readers = await wireDoors(admin, doors);
  await admin.close();
  return { dir, server, readers };
}

Deno.test("kill -9 under load loses no pushed event and no acknowledged change", async () => {
  let { dir, server, readers } = await freshServer(6);
  try {
    for (let i = 0; i < KILL_ITERATIONS; i++) {
      const ack = newAcknowledged();
      const load = await startLoad(server, readers, `k${i}`, ack);
      await untilAcknowledged(ack, underWay);
      // The kill lands at a random moment of the load (that is what is tested, not a wait).
      await new Promise((r) => setTimeout(r, Math.random() * 900));
      const status = await server.stop("SIGKILL");
      assert.equal(status.signal, "SIGKILL");
      await load.stop();
      server = await ServerProcess.start(dir);
      assert.equal((await server.health()).status, "ok");
      verifyDatabase(dir, ack);
      assert.equal(ack.eventsWithoutRow, 0);
    }
    // Cards still work after the last restart.
    const client = await adminClient(server);
    ok(await client.request("events.subscribe", {}));
    ok(await client.request("hardware.simulate", cardRequest(readers[0]!, 0)));
    const access = await client.nextUnsolicited((m) => m.type === "event.access");
    assert.equal((access.content as Json).granted, true);
    await client.close();
  } finally {
    await server.stop("SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGTERM under load exits 0 within 5 s and writes every API-call row", async () => {
  const { dir, server, readers } = await freshServer(4);
  try {
    const ack = newAcknowledged();
    const load = await startLoad(server, readers, "term", ack);
    await untilAcknowledged(ack, underWay);
    const started = performance.now();
    const status = await server.stop("SIGTERM");
    const tookMs = performance.now() - started;
    await load.stop();
    assert.equal(status.code, 0, server.output);
    assert.ok(tookMs < 5000, `shutdown took ${tookMs} ms`);
    verifyDatabase(dir, ack);
    const db = new DatabaseSync(`${dir}/leosac.db`, { readOnly: true });
    try {
      // Every group.create that committed (even one in flight at shutdown) has its call row.
      const groups = db.prepare("SELECT count(*) AS n FROM groups WHERE name LIKE 'g-term-%'")
        .get() as { n: number };
      const calls = db.prepare(
        `SELECT count(*) AS n FROM audit_events WHERE kind = ?
           AND json_extract(data, '$.method') = 'group.create'
           AND json_extract(data, '$.status_code') = 0`,
      ).get(AUDIT_KIND.WSAPI_CALL) as { n: number };
      assert.ok(groups.n >= ack.groups.size);
      assert.equal(calls.n, groups.n);
    } finally {
      db.close();
    }
  } finally {
    await server.stop("SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("another process holding the write lock: clear error, doors keep deciding, nothing lost", async () => {
  const { dir, server, readers } = await freshServer(2);
  const lock = new DatabaseSync(`${dir}/leosac.db`);
  try {
    const admin = await adminClient(server);
    const watcher = await adminClient(server);
    ok(await watcher.request("events.subscribe", {}));
    const pushed: ServerMessage[] = [];
    const alarms: ServerMessage[] = [];
    watcher.socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data as string) as ServerMessage;
      // Alarms (the database refused rows, then accepted them again) are counted apart.
      if (message.type === "event.alarm") alarms.push(message);
      else if (message.type.startsWith("event.")) pushed.push(message);
    });

    lock.exec("BEGIN IMMEDIATE");
    const lockedAt = performance.now();
    // A change cannot commit: after the busy timeout (5 s), a clear DATABASE_ERROR.
    const change = await admin.request("group.create", { attributes: { name: "during-lock" } });
    assert.equal(change.status_code, 9, JSON.stringify(change));
    assert.match(change.status_string, /busy/);
    assert.ok(performance.now() - lockedAt < 6500);
    // A card is still decided at once (the strike does not wait for the audit row)...
    const refused = server.waitForOutput(/Cannot append the audit row for .*kept, retrying/);
    refused.catch(() => {}); // awaited below; a failure before then is reported once
    ok(await watcher.request("hardware.simulate", cardRequest(readers[1]!, 0)));
    const door = await watcher.request("door.status", { door_id: 0 });
    assert.ok(performance.now() - lockedAt < 6500);
    assert.equal(ok(door).doors.length, 2);
    // ...but its event is pushed only once its row is committed: the recorder
    // says it could not append the row, and nothing was pushed.
    await refused;
    assert.equal(pushed.length, 0, JSON.stringify(pushed));
    lock.exec("COMMIT");

    // Once the lock is gone, the read's three rows are committed and pushed, in order.
    const access = await watcher.nextUnsolicited((m) => m.type === "event.access", 8000);
    assert.equal((access.content as Json).granted, true);
    await watcher.nextUnsolicited(
      (m) => m.type === "event.door" && (m.content as Json).event === "RELOCKED",
      8000,
    );
    ok(await admin.request("group.create", { attributes: { name: "after-lock" } }));
    assert.deepEqual(
      pushed.map((m) => [m.type, (m.content as Json).event ?? null]),
      [["event.access", null], ["event.door", "UNLOCKED"], ["event.door", "RELOCKED"]],
    );
    assert.ok(pushed.every((m) => (m.content as Json).audit_id > 0), JSON.stringify(pushed));
    assert.ok(alarms.length >= 1, "the refusal raised an alarm");
    const ack = newAcknowledged();
    for (const m of pushed) ack.events.add((m.content as Json).audit_id);
    verifyDatabase(dir, ack);
    await admin.close();
    await watcher.close();
  } finally {
    if (lock.isTransaction) lock.exec("ROLLBACK");
    lock.close();
    await server.stop("SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("thousands of connect/disconnect cycles leave no session behind", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leosac-crash-" });
  const server = await ServerProcess.start(dir);
  try {
    const cycle = async (): Promise<void> => {
      const socket = new WebSocket(server.wsUrl);
      await new Promise((resolve) => socket.addEventListener("open", resolve, { once: true }));
      socket.send(JSON.stringify({ type: "get_leosac_version", uuid: "u", content: {} }));
      socket.close();
      await new Promise((resolve) => socket.addEventListener("close", resolve, { once: true }));
    };
    for (let batch = 0; batch < 20; batch++) await Promise.all(Array.from({ length: 50 }, cycle));
    let sessions = -1;
    for (let i = 0; i < 100 && sessions !== 0; i++) {
      sessions = (await server.health()).sessions;
      if (sessions !== 0) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(sessions, 0);
  } finally {
    await server.stop("SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AuditWriter: a call that ends after close is written at once, not dropped", () => {
  const db = openDatabase(":memory:");
  try {
    const writer = new AuditWriter(db);
    writer.close();
    writer.record({
      method: "group.create",
      uuid: "late",
      statusCode: 0,
      statusString: "",
      authorId: null,
      authorName: null,
      sourceEndpoint: "test",
      durationMs: 1,
      timestamp: 1,
    });
    const row = db.prepare("SELECT count(*) AS n FROM audit_events WHERE kind = ?")
      .get(AUDIT_KIND.WSAPI_CALL) as { n: number };
    assert.equal(row.n, 1);
  } finally {
    db.close();
  }
});
