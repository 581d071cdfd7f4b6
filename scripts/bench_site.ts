/**
 * Measures a site of controllers (issue 12, docs/site.md) on a real
 * three-node NATS JetStream cluster on loopback, with `leosac serve`
 * processes on simulated hardware:
 *
 * - `change`: a card created on controller A → committed in controller B's
 *   database (the copy B's doors decide from), p50/p99 over `--changes`
 *   changes (target p99 < 250 ms);
 * - `events`: `--controllers` controllers each presenting `--rate` cards/s
 *   for `--seconds`; every decision must reach the site's event stream once
 *   (none lost, none doubled), and the stream's intake per second is reported;
 * - `backlog`: `--controllers` controllers each find `--backlog` access
 *   decisions committed at once in their audit log (appended from outside,
 *   as a controller coming back from an outage has them); the time until the
 *   site's stream holds every one of them, exactly, is the stream's intake
 *   from that many controllers publishing at once (events/s);
 * - `join`: a founder seeded with `--cardholders` people with cards, then a
 *   fresh controller joins: time from its start to serving (target at
 *   1,000,000: under 5 minutes);
 * - `decision`: card presented → access event pushed, p50/p99, on a
 *   controller alone and on one in a site (the decision never waits on the
 *   network).
 *
 *     deno run -A scripts/bench_site.ts [--only change,events,join,decision]
 *       [--changes 200] [--controllers 10] [--rate 100] [--seconds 20]
 *       [--cardholders 1000000] [--decisions 300] [--backlog 5000]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { adminClient, ok, ServerProcess } from "../tests/_crash_fixtures.ts";
import { type NatsCluster, startNatsCluster } from "../tests/_nats.ts";
import { cardIdHex, encodeCard, H10301 } from "../src/hardware/wiegand/formats.ts";
import type { TestClient } from "../src/testing.ts";
import { openStore } from "../src/store/store.ts";
import { appendAuditBatch, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../src/store/audit.ts";
import { openDatabase } from "../src/store/db.ts";
import { siteNames } from "../src/site/names.ts";
import { printLine } from "../src/log.ts";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "change,events,backlog,join,decision" },
    backlog: { type: "string", default: "5000" },
    changes: { type: "string", default: "200" },
    controllers: { type: "string", default: "10" },
    rate: { type: "string", default: "100" },
    seconds: { type: "string", default: "20" },
    cardholders: { type: "string", default: "1000000" },
    decisions: { type: "string", default: "300" },
  },
});
const only = new Set(values.only.split(","));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${
    percentile(sorted, 0.99).toFixed(1)
  } ms, max ${sorted.at(-1)!.toFixed(1)} ms (n=${sorted.length})`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Node {
  name: string;
  dir: string;
  server: ServerProcess;
  admin: TestClient;
}

async function startNode(
  root: string,
  cluster: NatsCluster,
  name: string,
  extra: string[] = [],
): Promise<Node> {
  const dir = join(root, name);
  const server = await ServerProcess.start(dir, [
    "--site",
    cluster.urls.join(","),
    "--controller",
    name,
    ...extra,
  ]);
  const admin = await adminClient(server);
  return { name, dir, server, admin };
}

async function stopNodes(nodes: Node[]): Promise<void> {
  for (const n of nodes) {
    await n.admin.close().catch(() => {});
    await n.server.stop("SIGTERM");
  }
}

/**
 * Wires door number `k` of `node` (sim lines 3k..3k+2: D0, D1, strike) with
 * its reader; returns the reader's name.
 */
async function wireDoor(node: Node, k = 0): Promise<string> {
  const admin = node.admin;
  const tag = k === 0 ? node.name : `${node.name}-${k}`;
  const gpio = async (suffix: string, offset: number, direction: 0 | 1): Promise<string> =>
    ok(
      await admin.request("gpio.create", {
        attributes: {
          name: `${tag}-${suffix}`,
          "device-class": 1,
          enabled: true,
          offset,
          direction,
        },
      }),
    ).data.id;
  const d0 = await gpio("d0", 3 * k, 0);
  const d1 = await gpio("d1", 3 * k + 1, 0);
  const strike = await gpio("strike", 3 * k + 2, 1);
  const reader = `${tag}-reader`;
  const readerId = ok(
    await admin.request("wiegand-reader.create", {
      attributes: { name: reader, mode: "SIMPLE_WIEGAND", gpio_low_id: d0, gpio_high_id: d1 },
    }),
  ).data.id;
  const ap = ok(
    await admin.request("access_point.create", {
      attributes: {
        alias: `${tag}-ap`,
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        reader: readerId,
        "reader-mode": "card",
      },
    }),
  ).data.id;
  ok(
    await admin.request("door.create", {
      attributes: {
        alias: `${tag}-door`,
        access_point_id: ap,
        "strike-gpio": strike,
        "unlock-duration": 100,
      },
    }),
  );
  return reader;
}

function cardAttributes(owner: number, number: number): Record<string, unknown> {
  const frame = encodeCard(H10301, 12, number);
  return {
    alias: `card-${number}`,
    owner_id: owner,
    "card-id": cardIdHex(frame.bits, frame.nbBits),
    "nb-bits": 26,
  };
}

async function benchChange(root: string): Promise<void> {
  const cluster = await startNatsCluster({ nodes: 3 });
  const nodes: Node[] = [];
  try {
    nodes.push(await startNode(root, cluster, "A"), await startNode(root, cluster, "B"));
    const [a, b] = nodes as [Node, Node];
    const owner = ok(await a.admin.request("user.create", { attributes: { username: "bench" } }))
      .data.id;
    const copy = new DatabaseSync(join(b.dir, "leosac.db"), { readOnly: true });
    const find = copy.prepare("SELECT 1 FROM credentials WHERE alias = ?");
    const reply: number[] = [];
    const effective: number[] = [];
    const n = Number(values.changes);
    for (let i = 0; i < n; i++) {
      const alias = `card-${i + 1}`;
      const started = performance.now();
      const created = a.admin.request("credential.create", {
        "credential-type": "rfid-card",
        attributes: cardAttributes(owner, i + 1),
      });
      // B's copy is polled while A's call runs: a change may land on B first.
      while (find.get(alias) === undefined) await sleep(1);
      effective.push(performance.now() - started);
      ok(await created);
      reply.push(performance.now() - started);
    }
    copy.close();
    printLine(`change on A → answered on A: ${summary(reply)}`);
    printLine(`change on A → committed in B's copy: ${summary(effective)}`);
  } finally {
    await stopNodes(nodes);
    await cluster.stop();
  }
}

async function benchEvents(root: string): Promise<void> {
  const cluster = await startNatsCluster({ nodes: 3 });
  const nodes: Node[] = [];
  const count = Number(values.controllers);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  // An `instant` card on one reader takes its 52 ms of pulses (stamped back)
  // plus the 35 ms gap: about 11 cards/s. A controller reaches `rate` cards/s
  // over several doors (at most 21 on the sim chip's 64 lines), 8 cards/s each.
  const doorsEach = Math.min(21, Math.ceil(rate / 8));
  try {
    const readers: string[][] = [];
    for (let i = 0; i < count; i++) {
      const node = await startNode(root, cluster, `C${i}`);
      nodes.push(node);
      const own: string[] = [];
      for (let k = 0; k < doorsEach; k++) own.push(await wireDoor(node, k));
      readers.push(own);
    }
    const nc = await connect({ servers: cluster.urls.map((u) => u.replace("nats://", "")) });
    const jsm = await jetstreamManager(nc);
    const started = performance.now();
    let sent = 0;
    let failed = 0;
    let unanswered = 0;
    let skipped = 0;
    const inFlight = nodes.map(() => 0);
    const stuck = new Set<Node>();
    await Promise.all(nodes.map(async (node, i) => {
      const interval = 1000 / rate;
      const end = started + seconds * 1000;
      let next = performance.now();
      let n = 0;
      const pending: Promise<void>[] = [];
      while (performance.now() < end) {
        // A session answers its calls one after the other and refuses, then
        // closes, a client that piles up more than its mailbox (64): a tick
        // that finds 48 calls unanswered is skipped and counted.
        if (inFlight[i]! >= 48) {
          skipped++;
        } else {
          const reader = readers[i]![n % doorsEach]!;
          inFlight[i]!++;
          const reply = node.admin.request("hardware.simulate", {
            action: "card",
            reader,
            format: "H10301",
            facility: 12,
            number: 1 + (n++ % 60000),
            instant: true,
          });
          pending.push(
            Promise.race([reply, sleep(60_000).then(() => null)]).then((r) => {
              inFlight[i]!--;
              if (r === null) {
                unanswered++;
                stuck.add(node);
              } else if (r.status_code === 0) sent++;
              else failed++;
            }),
          );
        }
        next += interval;
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
      }
      await Promise.all(pending);
    }));
    for (const node of stuck) {
      printLine(
        `${node.name} left calls unanswered; its output ends with:\n${
          node.server.output.slice(-4000)
        }`,
      );
    }
    const loadEnd = performance.now();
    const elapsed = (loadEnd - started) / 1000;
    // Every controller's rows, counted in its own database, against its
    // subject's messages in the stream, until they agree and stay put.
    let report = "";
    for (;;) {
      const { inStream, expected, differences } = await streamDifferences(jsm, nodes);
      const waited = (performance.now() - loadEnd) / 1000;
      if (differences.length === 0 || waited > 120) {
        let decisions = 0;
        for (const node of nodes) {
          const db = new DatabaseSync(join(node.dir, "leosac.db"), { readOnly: true });
          decisions += Number(
            db.prepare(
              "SELECT count(*) AS n FROM audit_events WHERE kind = 'Leosac::Audit::AuthEvent'",
            ).get()?.n,
          );
          db.close();
        }
        report =
          `${count} controllers × ${rate} cards/s (${doorsEach} doors each) for ${seconds} s: ` +
          `${sent} reads answered (${failed} refused, ${unanswered} unanswered, ${skipped} ticks skipped with 48 calls waiting), ${decisions} decisions = ${
            (decisions / elapsed).toFixed(0)
          }/s; the site stream holds ${inStream} events for ${expected} local rows ` +
          `(${differences.length === 0 ? "every controller exact" : differences.join(", ")}), ${
            (inStream / elapsed).toFixed(0)
          } events/s, the last one in ${waited.toFixed(1)} s after the load`;
        break;
      }
      await sleep(250);
    }
    printLine(report);
    await nc.close();
  } finally {
    await stopNodes(nodes);
    await cluster.stop();
  }
}

/** Each controller's subject count in the events stream against its own audit rows. */
async function streamDifferences(
  jsm: Awaited<ReturnType<typeof jetstreamManager>>,
  nodes: Node[],
): Promise<{ inStream: number; expected: number; differences: string[] }> {
  const names = siteNames("site");
  const info = await jsm.streams.info(names.eventsStream, { subjects_filter: ">" });
  const subjects = info.state.subjects ?? {};
  let inStream = 0;
  let expected = 0;
  const differences: string[] = [];
  for (const node of nodes) {
    const db = new DatabaseSync(join(node.dir, "leosac.db"), { readOnly: true });
    const rows = Number(db.prepare("SELECT count(*) AS n FROM audit_events").get()?.n);
    db.close();
    const published = subjects[names.eventsSubject(node.name)] ?? 0;
    inStream += published;
    expected += rows;
    if (published !== rows) differences.push(`${node.name} ${published - rows}`);
  }
  return { inStream, expected, differences };
}

async function benchBacklog(root: string): Promise<void> {
  const cluster = await startNatsCluster({ nodes: 3 });
  const nodes: Node[] = [];
  const count = Number(values.controllers);
  const backlog = Number(values.backlog);
  try {
    for (let i = 0; i < count; i++) nodes.push(await startNode(root, cluster, `C${i}`));
    const nc = await connect({ servers: cluster.urls.map((u) => u.replace("nats://", "")) });
    const jsm = await jetstreamManager(nc);
    // Settled: every controller's start-up rows are in the stream.
    for (let settled = false; !settled;) {
      settled = (await streamDifferences(jsm, nodes)).differences.length === 0;
      if (!settled) await sleep(100);
    }
    const before = (await streamDifferences(jsm, nodes)).inStream;
    const entries = Array.from({ length: backlog }, (_, i) => ({
      kind: AUDIT_KIND.AUTH,
      mask: auditMask(AUDIT_EVENT.AUTH_GRANTED),
      authorId: null,
      description: `Access granted to backlog ${i}`,
      timestamp: Date.now(),
      data: { granted: true, door_alias: "Front", card_id: "06:00:13:00", nb_bits: 26 },
    }));
    const started = performance.now();
    for (const node of nodes) {
      const db = openDatabase(join(node.dir, "leosac.db"), { migrate: false });
      try {
        appendAuditBatch(db, entries);
      } finally {
        db.close();
      }
    }
    const appended = performance.now();
    let state = await streamDifferences(jsm, nodes);
    while (state.differences.length > 0 && performance.now() - started < 300_000) {
      await sleep(50);
      state = await streamDifferences(jsm, nodes);
    }
    const seconds = (performance.now() - started) / 1000;
    const moved = state.inStream - before;
    printLine(
      `backlog: ${count} controllers × ${backlog} committed decisions (appended in ${
        ((appended - started) / 1000).toFixed(1)
      } s): the stream holds all ${moved} after ${seconds.toFixed(1)} s = ${
        (moved / seconds).toFixed(0)
      } events/s (${
        state.differences.length === 0 ? "every controller exact" : state.differences.join(", ")
      })`,
    );
    await nc.close();
  } finally {
    await stopNodes(nodes);
    await cluster.stop();
  }
}

/** Seeds `dir` with `n` people, each with an H10301 card, in one transaction. */
function seed(dir: string, n: number): void {
  const store = openStore(dir);
  try {
    const db = store.db;
    db.exec("BEGIN");
    db.exec(`
      WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ${n - 1})
      INSERT INTO users (username, firstname, lastname) SELECT 'p' || i, 'P', 'L' || i FROM k;
    `);
    db.exec(`
      INSERT INTO credentials (type, alias, owner_id, card_id, nb_bits)
      SELECT 'rfid-card', 'c' || id,  id,
        printf('%02x:%02x:%02x:%02x', (id >> 24) & 255, (id >> 16) & 255, (id >> 8) & 255, id & 255),
        32
      FROM users WHERE username LIKE 'p%';
    `);
    db.exec("COMMIT");
  } finally {
    store.close();
  }
}

async function benchJoin(root: string): Promise<void> {
  const cluster = await startNatsCluster({ nodes: 3, maxFile: "8GB" });
  const nodes: Node[] = [];
  const n = Number(values.cardholders);
  try {
    let t = performance.now();
    seed(join(root, "F"), n);
    printLine(`seeded ${n} cardholders in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    nodes.push(await startNode(root, cluster, "F", ["--log-level", "info"]));
    printLine(
      `founder F: serving after ${
        ((performance.now() - t) / 1000).toFixed(1)
      } s (snapshot of its data published)`,
    );
    t = performance.now();
    const joiner = await startNode(root, cluster, "J", ["--log-level", "info"]);
    nodes.push(joiner);
    const seconds = (performance.now() - t) / 1000;
    const db = new DatabaseSync(join(joiner.dir, "leosac.db"), { readOnly: true });
    const users = Number(db.prepare("SELECT count(*) AS n FROM users").get()?.n);
    const cards = Number(db.prepare("SELECT count(*) AS n FROM credentials").get()?.n);
    db.close();
    const line = /Joined site .*/.exec(joiner.server.output)?.[0] ?? "";
    printLine(
      `join at ${n} cardholders: serving after ${
        seconds.toFixed(1)
      } s with ${users} users and ${cards} cards (${line})`,
    );
  } finally {
    await stopNodes(nodes);
    await cluster.stop();
  }
}

/** One card presented on `reader` → its `event.access` push, ms. */
async function decisionOnce(node: Node, listener: TestClient, reader: string, number: number) {
  const started = performance.now();
  const pushed = listener.nextUnsolicited((m) => m.type === "event.access");
  ok(
    await node.admin.request("hardware.simulate", {
      action: "card",
      reader,
      format: "H10301",
      facility: 12,
      number,
      instant: true,
    }),
  );
  await pushed;
  return performance.now() - started;
}

/**
 * A controller alone and one in a site, both running beside the same
 * three-node cluster (so both share the machine with it), measured in
 * turns: the difference is what site mode adds to a decision.
 */
async function benchDecision(root: string): Promise<void> {
  const cluster = await startNatsCluster({ nodes: 3 });
  const nodes: Node[] = [];
  try {
    const alone = await ServerProcess.start(join(root, "alone"));
    nodes.push({
      name: "alone",
      dir: join(root, "alone"),
      server: alone,
      admin: await adminClient(alone),
    });
    nodes.push(await startNode(root, cluster, "S"));
    const [aloneNode, siteNode] = nodes as [Node, Node];
    const readers = [await wireDoor(aloneNode), await wireDoor(siteNode)];
    const listeners = [await adminClient(aloneNode.server), await adminClient(siteNode.server)];
    for (const listener of listeners) ok(await listener.request("events.subscribe", {}));
    const samples: [number[], number[]] = [[], []];
    for (let i = 0; i < Number(values.decisions); i++) {
      for (const k of [0, 1] as const) {
        samples[k].push(await decisionOnce(nodes[k]!, listeners[k]!, readers[k]!, 1 + i));
        await sleep(30);
      }
    }
    for (const listener of listeners) await listener.close();
    printLine(`decision, controller alone (cluster running beside it): ${summary(samples[0])}`);
    printLine(`decision, controller in the site: ${summary(samples[1])}`);
  } finally {
    await stopNodes(nodes);
    await cluster.stop();
  }
}

const root = await Deno.makeTempDir({ prefix: "leosac-bench-site-" });
try {
  if (only.has("change")) await benchChange(join(root, "change"));
  if (only.has("events")) await benchEvents(join(root, "events"));
  if (only.has("backlog")) await benchBacklog(join(root, "backlog"));
  if (only.has("join")) await benchJoin(join(root, "join"));
  if (only.has("decision")) await benchDecision(join(root, "decision"));
} finally {
  await Deno.remove(root, { recursive: true });
}
