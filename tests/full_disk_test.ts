/**
 * A real server and controller worker whose data directory is on a tiny
 * tmpfs filled to the last byte (issue 14, finding 1): doors keep deciding
 * and driving the strike, no event is pushed before its row is stored, and
 * once space is freed the waiting rows commit in order and their events are
 * pushed. Ignored, with the reason printed, where no tmpfs can be mounted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { getAuditEvent } from "../src/store/audit.ts";
import { mountTinyFs, tinyFsTest } from "../src/store/_tiny_fs.ts";
import { startTestServer, TestClient } from "../src/testing.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";
import { configureDoor, type Json, LINES, ok, until } from "./_controller_fixtures.ts";

const CARDS = 3;

tinyFsTest(
  "full disk: doors keep deciding; events wait for their rows and follow in order",
  async () => {
    using fs = mountTinyFs(8 * 1024);
    await using server = await startTestServer({ hardware: "sim", dataDir: join(fs.dir, "data") });
    const controller = server.controller!;
    await using admin = await TestClient.connect(server.wsUrl);
    await admin.login();
    await configureDoor(server, admin);
    ok(await admin.request("events.subscribe", {}));

    // Every pushed event is checked the moment it arrives: its row must be stored already.
    const unstored: string[] = [];
    admin.socket.addEventListener("message", (message) => {
      const frame = JSON.parse(message.data as string) as ServerMessage;
      if (!frame.type.startsWith("event.")) return;
      const id = (frame.content as Json).audit_id as number;
      if (id === -1 && frame.type === "event.alarm") return; // an alarm that says it has no row
      if (getAuditEvent(server.store.db, id) === undefined) unstored.push(`${frame.type} #${id}`);
    });

    /** Presents alice's card; returns the ms from the request to the strike (the pulse train included). */
    async function presentCard(): Promise<number> {
      const start = performance.now();
      ok(
        await admin.request("hardware.simulate", {
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
    await admin.nextUnsolicited((m) => m.type === "event.access");
    admin.unsolicited.length = 0;

    fs.fill();
    const latencies: number[] = [];
    for (let i = 0; i < CARDS; i++) latencies.push(await presentCard());
    // Doors decided at the speed they had with space: no wait for the database before the strike.
    assert.ok(
      Math.max(...latencies) < baseline + 50,
      `card → strike took ${latencies.map(Math.round).join(", ")} ms (${
        Math.round(baseline)
      } ms with space)`,
    );
    assert.deepEqual(
      admin.unsolicited.filter((m) => m.type === "event.access"),
      [],
      "an access event was pushed while its row could not be stored",
    );
    // One alarm at once (no row can hold it), and /healthz says the disk is full.
    const alarm = (await admin.nextUnsolicited((m) => m.type === "event.alarm")).content as Json;
    assert.equal(alarm.alarm, "database_refused");
    assert.equal(alarm.reason, "disk_full");
    assert.equal(alarm.audit_id, -1);
    assert.equal(admin.unsolicited.filter((m) => m.type === "event.alarm").length, 0);
    const full = await fetch(server.url + "healthz");
    assert.equal(full.status, 503);
    const fullBody = await full.json();
    assert.equal(fullBody.disk, "full");
    assert.ok(fullBody.disk_free_bytes < 1024 * 1024, JSON.stringify(fullBody));
    assert.equal(fullBody.status, "degraded");

    fs.free();
    const granted: Json[] = [];
    for (let i = 0; i < CARDS; i++) {
      const event = await admin.nextUnsolicited((m) => m.type === "event.access", 15_000);
      granted.push(event.content);
    }
    assert.deepEqual(granted.map((c) => c.granted), Array(CARDS).fill(true));
    const ids = granted.map((c) => c.audit_id as number);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), "rows committed out of order");
    const times = granted.map((c) => c.timestamp as number);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    for (const id of ids) assert.equal(getAuditEvent(server.store.db, id)?.data.granted, true);
    // The door events of those grants follow too, after their access events.
    await admin.nextUnsolicited(
      (m) =>
        m.type === "event.door" && (m.content as Json).event === "RELOCKED" &&
        (m.content as Json).audit_id > ids[CARDS - 1]!,
      15_000,
    );
    // The refusal ends with one stored ALARM row saying how many rows waited.
    const ended = (await admin.nextUnsolicited(
      (m) => m.type === "event.alarm" && (m.content as Json).alarm === "database_refused_until",
      15_000,
    ))
      .content as Json;
    assert.ok(ended.audit_id > ids[CARDS - 1]!);
    assert.ok(ended.waited >= CARDS, JSON.stringify(ended));
    assert.equal(ended.dropped, 0);
    const after = await fetch(server.url + "healthz");
    assert.equal(after.status, 200);
    assert.equal((await after.json()).disk, "low", "8 MiB free is below the 64 MiB mark");
    assert.deepEqual(unstored, []);
  },
);
