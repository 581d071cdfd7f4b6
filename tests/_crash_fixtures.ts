/**
 * Fixtures for the crash-safety tests: the real CLI (`main.ts serve`) as a
 * subprocess, a door wired over the WebSocket API, a load of simulated card
 * reads and admin changes, and a check of the database after a crash.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { verifyAuditChain } from "../src/store/audit_verify.ts";
import { TestClient } from "../src/testing.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";
import { grantAlice, type Json, ok } from "./_controller_fixtures.ts";

export const ADMIN_PASSWORD = "crash-admin-pw-1";
const MAIN = new URL("../main.ts", import.meta.url).pathname;

export { type Json, ok };

/** A `leosac serve` subprocess. */
export class ServerProcess {
  readonly child: Deno.ChildProcess;
  readonly url: string;
  readonly wsUrl: string;
  /** Everything it wrote on stdout and stderr (the last 256 KiB). */
  output = "";
  readonly #drained: Promise<void>;
  /** Called after each chunk of output (see {@linkcode waitForOutput}). */
  readonly #outputWaiters = new Set<() => void>();

  private constructor(child: Deno.ChildProcess, url: string, drained: Promise<void>) {
    this.child = child;
    this.url = url;
    this.wsUrl = url.replace(/^http/, "ws") + "websocket";
    this.#drained = drained;
  }

  /** Starts `main.ts serve` on `dataDir` (more flags, more environment) and waits for "Listening on". */
  static async start(
    dataDir: string,
    extra: string[] = [],
    env: Record<string, string> = {},
  ): Promise<ServerProcess> {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN,
        "serve",
        "--data",
        dataDir,
        "--listen",
        "127.0.0.1:0",
        "--log-level",
        "warning",
        ...extra,
      ],
      env: { LEOSAC_ADMIN_PASSWORD: ADMIN_PASSWORD, NO_COLOR: "1", ...env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const { promise: listening, resolve, reject } = Promise.withResolvers<string>();
    let text = "";
    const pump = async (stream: ReadableStream<Uint8Array>): Promise<void> => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) {
        text = (text + decoder.decode(chunk, { stream: true })).slice(-256 * 1024);
        const match = /Listening on (http:\/\/\S+)/.exec(text);
        if (match) resolve(match[1]!);
        if (server !== null) {
          server.output = text;
          for (const wake of server.#outputWaiters) wake();
        }
      }
    };
    let server: ServerProcess | null = null;
    const drained = Promise.all([pump(child.stdout), pump(child.stderr)]).then(() => {});
    child.status.then((s) => reject(new Error(`server exited (${s.code}) before listening`)));
    const timer = setTimeout(() => reject(new Error("server did not listen in 20 s")), 20_000);
    let url: string;
    try {
      url = await listening;
    } catch (error) {
      try {
        child.kill("SIGKILL"); // one that never listened is not left running
      } catch { /* exited already */ }
      await drained;
      throw new Error(`${(error as Error).message}:\n${text}`);
    } finally {
      clearTimeout(timer);
    }
    server = new ServerProcess(child, url, drained);
    server.output = text;
    return server;
  }

  /** Sends `signal`; resolves with the exit status once the output is drained. */
  async stop(signal: Deno.Signal = "SIGKILL"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
    const status = await this.child.status;
    await this.#drained;
    return status;
  }

  /**
   * Resolves with the first match of `pattern` in the output (already written
   * or still to come); rejects after `timeoutMs` or when the output ends.
   */
  async waitForOutput(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    const { promise, resolve, reject } = Promise.withResolvers<RegExpExecArray>();
    const check = (): void => {
      const match = pattern.exec(this.output);
      if (match) resolve(match);
    };
    this.#outputWaiters.add(check);
    const timer = setTimeout(
      () =>
        reject(new Error(`no ${pattern} in the output within ${timeoutMs} ms:\n${this.output}`)),
      timeoutMs,
    );
    this.#drained.then(() => {
      check();
      reject(new Error(`output ended without ${pattern}:\n${this.output}`));
    });
    check();
    try {
      return await promise;
    } finally {
      clearTimeout(timer);
      this.#outputWaiters.delete(check);
    }
  }

  /** GET /healthz. */
  async health(): Promise<Json> {
    const response = await fetch(this.url + "healthz");
    return await response.json();
  }
}

/** Logs in as the administrator on a new connection. */
export async function adminClient(server: ServerProcess): Promise<TestClient> {
  const client = await TestClient.connect(server.wsUrl);
  await client.login("admin", ADMIN_PASSWORD);
  return client;
}

/**
 * Wires `count` doors over the API (door i: D0/D1 on lines 3i/3i+1, strike on
 * 3i+2, its own reader and access point) and alice's H10301 card (12/3456),
 * allowed at every door all week ({@linkcode grantAlice}). Returns the readers' names.
 */
export async function wireDoors(admin: TestClient, count: number): Promise<string[]> {
  const gpio = async (name: string, offset: number, direction: 0 | 1): Promise<string> =>
    ok(
      await admin.request("gpio.create", {
        attributes: { name, "device-class": 1, enabled: true, offset, direction },
      }),
    ).data.id;
  const readers: string[] = [];
  const doors: number[] = [];
  for (let i = 0; i < count; i++) {
    const d0 = await gpio(`d0-${i}`, 3 * i, 0);
    const d1 = await gpio(`d1-${i}`, 3 * i + 1, 0);
    const strike = await gpio(`strike-${i}`, 3 * i + 2, 1);
    const name = `reader-${i}`;
    const reader = ok(
      await admin.request("wiegand-reader.create", {
        attributes: { name, mode: "SIMPLE_WIEGAND", gpio_low_id: d0, gpio_high_id: d1 },
      }),
    ).data.id as string;
    const ap = ok(
      await admin.request("access_point.create", {
        attributes: {
          alias: `ap-${i}`,
          "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
          reader,
          "reader-mode": "card",
        },
      }),
    ).data.id;
    doors.push(
      ok(
        await admin.request("door.create", {
          attributes: {
            alias: `door-${i}`,
            access_point_id: ap,
            "strike-gpio": strike,
            "unlock-duration": 200,
          },
        }),
      ).data.id,
    );
    readers.push(name);
  }
  await grantAlice(admin, doors);
  return readers;
}

/** A simulated card read (alice's card on even `n`, an unknown card on odd). */
export function cardRequest(reader: string, n: number): Record<string, unknown> {
  return {
    action: "card",
    reader,
    format: "H10301",
    facility: 12,
    number: n % 2 === 0 ? 3456 : 1 + (n % 5000),
    instant: true,
  };
}

/**
 * Time between two instant frames on one reader: a frame is stamped as
 * ending when it is sent, so frames closer than its length plus the silence
 * window would merge into one bad read, as two cards would on real lines.
 */
export const READ_INTERVAL_MS = 90;

/** What the load told its clients, to check against the database afterwards. */
export interface Acknowledged {
  /** `audit_id` of every pushed access/door/alarm event. */
  events: Set<number>;
  /** Pushed events that carried no usable audit id. */
  eventsWithoutRow: number;
  /** Ids of groups whose `group.create` got a success reply. */
  groups: Set<number>;
  /** Card reads answered with success. */
  reads: number;
  /** Admin changes answered with success. */
  changes: number;
  /** Dispatches `"change"` after each of the above changes (see {@linkcode untilAcknowledged}). */
  readonly changed: EventTarget;
}

/**
 * Resolves once `enough(ack)` holds (checked now and after each change);
 * rejects after `timeoutMs`, with what was acknowledged by then.
 */
export async function untilAcknowledged(
  ack: Acknowledged,
  enough: (ack: Acknowledged) => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  if (enough(ack)) return;
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  const check = (): void => {
    if (enough(ack)) resolve();
  };
  ack.changed.addEventListener("change", check);
  const timer = setTimeout(() => {
    const { events, groups, reads, changes, eventsWithoutRow } = ack;
    const seen = { events: events.size, groups: groups.size, reads, changes, eventsWithoutRow };
    reject(new Error(`not acknowledged within ${timeoutMs} ms: ${JSON.stringify(seen)}`));
  }, timeoutMs);
  try {
    await promise;
  } finally {
    clearTimeout(timer);
    ack.changed.removeEventListener("change", check);
  }
}

/** A running load; `stop()` ends it and closes its connections. */
export interface Load {
  stop(): Promise<void>;
}

/**
 * Connects a subscriber, an admin and one connection per reader, then runs
 * card reads on every reader (one every {@linkcode READ_INTERVAL_MS}) and
 * group creations, recording what was acknowledged in `ack`. A killed server
 * ends the load quietly.
 */
export async function startLoad(
  server: ServerProcess,
  readers: readonly string[],
  tag: string,
  ack: Acknowledged,
): Promise<Load> {
  const subscriber = await adminClient(server);
  ok(await subscriber.request("events.subscribe", {}));
  subscriber.socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data as string) as ServerMessage;
    if (!message.type.startsWith("event.")) return;
    const id = (message.content as Json).audit_id;
    if (typeof id === "number" && id > 0) ack.events.add(id);
    else ack.eventsWithoutRow++;
    ack.changed.dispatchEvent(new Event("change"));
  });
  const admin = await adminClient(server);
  const readerClients: TestClient[] = [];
  for (const _ of readers) readerClients.push(await adminClient(server));
  const clients = [subscriber, admin, ...readerClients];

  const { promise: stopped, resolve: stopNow } = Promise.withResolvers<null>();
  let stopping = false;
  const race = <T>(client: TestClient, p: Promise<T>): Promise<T | null> =>
    Promise.race([p, stopped, client.closed.then(() => null)]);
  const readerLoop = async (client: TestClient, reader: string): Promise<void> => {
    for (let n = 0; !stopping; n++) {
      const sent = performance.now();
      const reply = await race(client, client.request("hardware.simulate", cardRequest(reader, n)));
      if (reply === null) return;
      if (reply.status_code === 0) {
        ack.reads++;
        ack.changed.dispatchEvent(new Event("change"));
      }
      const wait = READ_INTERVAL_MS - (performance.now() - sent);
      if (wait > 0) await race(client, new Promise((r) => setTimeout(r, wait)));
    }
  };
  const adminLoop = async (): Promise<void> => {
    for (let n = 0; !stopping; n++) {
      const reply = await race(
        admin,
        admin.request("group.create", { attributes: { name: `g-${tag}-${n}` } }),
      );
      if (reply === null) return;
      if (reply.status_code === 0) {
        ack.groups.add(Number((reply.content as Json).data.id));
        ack.changes++;
        ack.changed.dispatchEvent(new Event("change"));
      }
    }
  };
  const loops = [adminLoop(), ...readers.map((r, i) => readerLoop(readerClients[i]!, r))];
  return {
    async stop() {
      stopping = true;
      stopNow(null);
      await Promise.all(loops);
      for (const client of clients) {
        if (client.socket.readyState === WebSocket.OPEN) client.socket.close();
      }
    },
  };
}

/** An empty record of acknowledgements. */
export function newAcknowledged(): Acknowledged {
  return {
    events: new Set(),
    eventsWithoutRow: 0,
    groups: new Set(),
    reads: 0,
    changes: 0,
    changed: new EventTarget(),
  };
}

/**
 * Opens the database read-only and checks that every acknowledged event and
 * change is there, that `PRAGMA integrity_check` passes and that the audit
 * hash chains verify.
 */
export function verifyDatabase(dataDir: string, ack: Acknowledged): {
  auditRows: number;
  callRows: number;
} {
  const db = new DatabaseSync(`${dataDir}/leosac.db`, { readOnly: true });
  try {
    const integrity = db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
    assert.deepEqual(integrity.map((r) => r.integrity_check), ["ok"]);
    const hasEvent = db.prepare("SELECT 1 AS found FROM audit_events WHERE id = ?");
    const missingEvents = [...ack.events].filter((id) => hasEvent.get(id) === undefined);
    assert.deepEqual(missingEvents, [], "pushed events missing from audit_events");
    const hasGroup = db.prepare("SELECT 1 AS found FROM groups WHERE id = ?");
    const hasGroupRow = db.prepare(
      "SELECT 1 AS found FROM audit_events WHERE kind = 'Leosac::Audit::GroupEvent' AND target_id = ?",
    );
    const missingGroups = [...ack.groups].filter((id) =>
      hasGroup.get(id) === undefined || hasGroupRow.get(id) === undefined
    );
    assert.deepEqual(missingGroups, [], "acknowledged groups (or their audit rows) missing");
    // Two writers (main thread, worker), killed at random: the hash chains still hold.
    const chain = verifyAuditChain(db);
    assert.ok(chain.ok, `audit chain broken: ${JSON.stringify(chain)}`);
    const count = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
    return {
      auditRows: count("SELECT count(*) AS n FROM audit_events"),
      callRows: count(
        "SELECT count(*) AS n FROM audit_events WHERE kind = 'Leosac::Audit::WSAPICall'",
      ),
    };
  } finally {
    db.close();
  }
}
