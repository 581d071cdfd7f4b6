/**
 * Site events over a real nats-server (issue 12): the outbox publishes every
 * local audit row exactly once (after a crash between publish and cursor
 * write, a message lost in the middle, an outage), and the inboxes of two
 * controllers each end with both controllers' events, once each, pushing the
 * other's live.
 */
import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  DeliverPolicy,
  jetstream,
  type JetStreamManager,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import {
  appendAuditBatch,
  AUDIT_EVENT,
  AUDIT_KIND,
  auditMask,
  toAuditRecord,
} from "../src/store/audit.ts";
import { openTempDatabase } from "../src/store/_test_db.ts";
import {
  CURSOR,
  eventMessage,
  mirrorLocalEvents,
  readCursor,
  storeEvent,
  writeCursor,
} from "../src/site/event_store.ts";
import type { SiteService } from "../src/site/service.ts";
import { startTestServer, TestClient } from "../src/testing.ts";
import { EventInbox } from "../src/site/event_inbox.ts";
import { ensureEventStream, EventOutbox } from "../src/site/event_outbox.ts";
import type { SiteLink } from "../src/site/link.ts";
import { siteLinkTo } from "./_site_fixtures.ts";
import { type SiteNames, siteNames } from "../src/site/names.ts";
import { EventHub, type LiveEvent } from "../src/ws/event_hub.ts";
import { type NatsCluster, skipWithoutNats, startNats } from "./_nats.ts";

const ignore = skipWithoutNats("tests/site_events_test.ts");
const names = siteNames("evt");

/** Appends `count` access decisions at door `door`; returns their ids. */
function appendAccess(db: DatabaseSync, count: number, door = 1): number[] {
  const now = Date.now();
  return appendAuditBatch(
    db,
    Array.from({ length: count }, (_, i) => ({
      kind: AUDIT_KIND.AUTH,
      mask: auditMask(AUDIT_EVENT.AUTH_GRANTED),
      authorId: null,
      description: `Access granted ${i}`,
      timestamp: now + i,
      targetId: 7,
      target2Id: door,
      data: { granted: true, reason: "GRANTED", door, credential: 12, user: 7 },
    })),
  );
}

function linkTo(nats: NatsCluster, controller: string): SiteLink {
  return siteLinkTo(nats, names.site, controller);
}

/** The server's smallest duplicate window. */
const SHORT_WINDOW_MS = 100;

/**
 * The stream with the shortest duplicate window the server allows: once it
 * has passed, only the outbox's read-back can prevent a repeat.
 */
async function createShortWindowStream(jsm: JetStreamManager, n: SiteNames): Promise<void> {
  await jsm.streams.add({
    name: n.eventsStream,
    subjects: [n.eventsWildcard],
    storage: StorageType.File,
    duplicate_window: SHORT_WINDOW_MS * 1_000_000,
  });
}

/** Every message of the stream: [subject, origin_id] in stream order. */
async function readStream(nc: NatsConnection): Promise<{ subject: string; origin: number }[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(names.eventsStream);
  const out: { subject: string; origin: number }[] = [];
  if (info.state.messages === 0) return out;
  const consumer = await jetstream(nc).consumers.get(names.eventsStream, {
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume();
  for await (const m of messages) {
    out.push({ subject: m.subject, origin: (m.json() as { origin_id: number }).origin_id });
    if (m.seq >= info.state.last_seq) break;
  }
  await messages.close();
  return out;
}

function origins(list: { subject: string; origin: number }[], controller: string): number[] {
  return list.filter((m) => m.subject === names.eventsSubject(controller)).map((m) => m.origin);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

Deno.test({
  name: "EventOutbox publishes each row once, after a lost cursor write and a lost message",
  ignore,
  async fn() {
    await using nats = await startNats();
    using temp = openTempDatabase();
    const nc = await connect({ servers: [...nats.urls] });
    const jsm = await jetstreamManager(nc);
    await createShortWindowStream(jsm, names);
    const link = linkTo(nats, "a");
    void link.start();
    try {
      appendAccess(temp.db, 600);
      let outbox = new EventOutbox({ db: temp.db, link, names, controller: "a" });
      outbox.start();
      await outbox.flushed();
      await outbox.close();
      assert.deepEqual(origins(await readStream(nc), "a"), range(1, 600));
      assert.equal(readCursor(temp.db, CURSOR.PUBLISHED), 600);

      // A crash after publishing 101..600 but before the cursor moved past 100.
      const seqOf100 = (await jsm.streams.getMessage(names.eventsStream, { seq: 100 }))!.seq;
      writeCursor(temp.db, CURSOR.PUBLISHED, 100);
      writeCursor(temp.db, CURSOR.PUBLISHED_SEQ, seqOf100);
      appendAccess(temp.db, 50);
      // The server's window, not our logic: past it JetStream itself would store a repeat.
      await new Promise((resolve) => setTimeout(resolve, SHORT_WINDOW_MS * 2));
      outbox = new EventOutbox({ db: temp.db, link, names, controller: "a" });
      outbox.start();
      await outbox.flushed();
      await outbox.close();
      assert.deepEqual(origins(await readStream(nc), "a"), range(1, 650));

      // A message lost in the middle of a batch (deleted here), the cursor before it,
      // and the cursor's stream sequence lost too (0): only 300 is published again.
      await jsm.streams.deleteMessage(names.eventsStream, 300);
      writeCursor(temp.db, CURSOR.PUBLISHED, 250);
      writeCursor(temp.db, CURSOR.PUBLISHED_SEQ, 0);
      outbox = new EventOutbox({ db: temp.db, link, names, controller: "a" });
      outbox.start();
      await outbox.flushed();
      await outbox.close();
      const after = origins(await readStream(nc), "a");
      assert.equal(after.length, 650);
      assert.deepEqual([...after].sort((x, y) => x - y), range(1, 650));
      assert.equal(after.at(-1), 300);
      assert.equal(readCursor(temp.db, CURSOR.PUBLISHED), 650);
    } finally {
      await link.close();
      await nc.close();
    }
  },
});

Deno.test({
  name: "EventOutbox keeps rows while the server is down and drains them in order",
  ignore,
  async fn() {
    await using nats = await startNats();
    using temp = openTempDatabase();
    const admin = await connect({ servers: [...nats.urls] });
    await ensureEventStream(await jetstreamManager(admin), names, 1);
    await admin.close();
    const link = linkTo(nats, "a");
    void link.start();
    const outbox = new EventOutbox({ db: temp.db, link, names, controller: "a" });
    outbox.start();
    try {
      appendAccess(temp.db, 10);
      await outbox.flushed();
      await nats.kill(0);
      appendAccess(temp.db, 300);
      // The rows are copied for audit.get at once, connected or not.
      const deadline = Date.now() + 5_000;
      while (readCursor(temp.db, CURSOR.MIRRORED) < 310 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(readCursor(temp.db, CURSOR.MIRRORED), 310);
      assert.equal(outbox.backlog(), 300);
      await nats.restart(0);
      await outbox.flushed();
      const nc = await connect({ servers: [...nats.urls] });
      try {
        assert.deepEqual(origins(await readStream(nc), "a"), range(1, 310));
      } finally {
        await nc.close();
      }
    } finally {
      await outbox.close();
      await link.close();
    }
  },
});

interface Controller {
  name: string;
  temp: ReturnType<typeof openTempDatabase>;
  link: SiteLink;
  outbox: EventOutbox;
  inbox: EventInbox;
  pushed: LiveEvent[];
}

function startController(nats: NatsCluster, name: string): Controller {
  const temp = openTempDatabase();
  const link = linkTo(nats, name);
  void link.start();
  const events = new EventHub();
  const pushed: LiveEvent[] = [];
  events.subscribe((event) => pushed.push(event));
  const common = { db: temp.db, link, names, controller: name, replicas: 1 };
  const outbox = new EventOutbox(common);
  const inbox = new EventInbox({ ...common, events });
  outbox.start();
  inbox.start();
  return { name, temp, link, outbox, inbox, pushed };
}

async function stopController(c: Controller): Promise<void> {
  await c.outbox.close();
  await c.inbox.close();
  await c.link.close();
  c.temp[Symbol.dispose]();
}

function siteCounts(db: DatabaseSync): Record<string, { rows: number; read: number }> {
  const out: Record<string, { rows: number; read: number }> = {};
  for (
    const row of db.prepare(
      "SELECT controller, count(*) AS rows, count(seq) AS read FROM site_events GROUP BY controller",
    ).all() as { controller: string; rows: number; read: number }[]
  ) out[row.controller] = { rows: row.rows, read: row.read };
  return out;
}

Deno.test({
  name: "EventInbox: two controllers each store both controllers' events once and push the other's",
  ignore,
  async fn() {
    await using nats = await startNats();
    const a = startController(nats, "a");
    const b = startController(nats, "b");
    try {
      appendAccess(a.temp.db, 400, 1);
      appendAccess(b.temp.db, 250, 2);
      await Promise.all([a.outbox.flushed(), b.outbox.flushed()]);
      const nc = await connect({ servers: [...nats.urls] });
      const last = (await (await jetstreamManager(nc)).streams.info(names.eventsStream)).state
        .last_seq;
      await nc.close();
      assert.equal(last, 650);
      await Promise.all([a.inbox.reached(last), b.inbox.reached(last)]);
      const expected = { a: { rows: 400, read: 400 }, b: { rows: 250, read: 250 } };
      assert.deepEqual(siteCounts(a.temp.db), expected);
      assert.deepEqual(siteCounts(b.temp.db), expected);

      // Live pushes: each controller saw only the other's events, in the local push shape.
      assert.equal(a.pushed.length, 250);
      assert.equal(b.pushed.length, 400);
      assert.ok(a.pushed.every((e) => e.controller === "b" && e.category === "access"));
      const first = b.pushed[0]!;
      assert.equal(first.controller, "a");
      assert.equal(first.origin_id, 1);
      assert.equal(first.audit_id, 1);
      assert.equal(first.granted, true);
      assert.equal(first.door, 1);

      // Replayed from the start (a lost cursor), nothing is stored or pushed twice.
      await b.inbox.close();
      writeCursor(b.temp.db, CURSOR.RECEIVED_SEQ, 0);
      const again = new EventInbox({
        db: b.temp.db,
        link: b.link,
        names,
        controller: "b",
        events: new EventHub(),
      });
      b.inbox = again;
      again.start();
      await again.reached(last);
      assert.deepEqual(siteCounts(b.temp.db), expected);
    } finally {
      await stopController(a);
      await stopController(b);
    }
  },
});

interface SiteAuditReply {
  meta: { next?: string | null; count?: number };
  data: {
    id: number;
    type: string;
    controller?: string;
    origin_id?: number;
    attributes: Record<string, unknown>;
  }[];
}

/** A site as audit.get sees it (only the names are read). */
function fakeSite(controller: string): SiteService {
  return {
    siteName: names.site,
    controller,
    status: () => ({
      name: names.site,
      controller,
      connected: true,
      lag_ms: 0,
      applied_sequence: 0,
    }),
  } as SiteService;
}

Deno.test("audit.get with site: true pages every controller's events with their controller", async () => {
  await using server = await startTestServer({ site: fakeSite("a") });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const db = server.store.db;
  appendAccess(db, 3, 1);
  // Controller b's events as the inbox stores them (b's ids overlap a's).
  const other = appendAccess(db, 2, 2).map((id) =>
    eventMessage(toAuditRecord(db.prepare("SELECT * FROM audit_events WHERE id = ?").get(id)), "b")
  );
  db.exec("DELETE FROM audit_events WHERE kind = 'Leosac::Audit::AuthEvent' AND target2_id = 2");
  server.app.deps.audit.flush();
  mirrorLocalEvents(db, "a", 1_000);
  for (const [i, m] of other.entries()) {
    const message = { ...m, origin_id: i + 1, id: i + 1 };
    assert.equal(storeEvent(db, message, JSON.stringify(message), 10 + i), true);
    assert.equal(storeEvent(db, message, JSON.stringify(message), 10 + i), false, "once only");
  }
  const local = (await admin.request("audit.get", { p: 1, ps: 1000 })).content as SiteAuditReply;
  assert.ok(local.data.every((row) => row.controller === undefined), "the local view is unchanged");

  const site = await admin.request("audit.get", { site: true, p: 1, ps: 1000 });
  assert.equal(site.status_code, 0, JSON.stringify(site));
  const all = site.content as SiteAuditReply;
  const byController = (c: string) => all.data.filter((row) => row.controller === c);
  assert.equal(all.meta.count, all.data.length);
  assert.equal(byController("b").length, 2);
  assert.equal(byController("a").length, local.data.length);
  assert.deepEqual(byController("b").map((r) => [r.id, r.origin_id]).sort(), [[1, 1], [2, 2]]);

  // Keyset: b's access decisions at door 2, one per page.
  const first = (await admin.request("audit.get", { site: true, after: "", door_id: 2, ps: 1 }))
    .content as SiteAuditReply;
  assert.equal(first.data.length, 1);
  assert.equal(first.data[0]!.controller, "b");
  assert.equal(first.data[0]!.attributes.granted, true);
  const second = (await admin.request("audit.get", {
    site: true,
    after: first.meta.next,
    door_id: 2,
    ps: 1,
  })).content as SiteAuditReply;
  assert.equal(second.data.length, 1);
  assert.equal(second.meta.next, null);
  assert.notEqual(second.data[0]!.origin_id, first.data[0]!.origin_id);
  const onlyA = (await admin.request("audit.get", { site: true, controller: "a", door_id: 1 }))
    .content as SiteAuditReply;
  assert.equal(onlyA.data.length, 3);
  assert.ok(onlyA.data.every((row) => row.controller === "a"));
});

Deno.test("audit.get with site: true outside a site is a BAD_REQUEST", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const before = (await admin.request("audit.get", { p: 1, ps: 1 })).content as SiteAuditReply;
  const reply = await admin.request("audit.get", { site: true });
  assert.notEqual(reply.status_code, 0);
  assert.match(reply.status_string, /site: true needs a controller in a site/);
  const bad = await admin.request("audit.get", { controller: "a" });
  assert.match(bad.status_string, /only valid with site: true/);
  assert.ok(before.data.length === 1);
});
