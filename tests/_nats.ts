/**
 * Real NATS servers for the site tests: `nats-server` processes with
 * JetStream on 127.0.0.1, on free ports, each node with its own temporary
 * store, that a test can `kill -9` and start again on the same ports and
 * store, all removed afterwards.
 *
 * ```ts ignore
 * await using nats = await startNatsCluster(); // 3 nodes, a JetStream meta leader
 * const nc = await connect({ servers: nats.urls });
 * await nats.kill(0);
 * await nats.killAll();
 * await nats.restartAll(); // waits until every node is healthy again
 * ```
 *
 * Also the NATS permissions of one controller of a site
 * ({@linkcode controllerPermissions}): the rules `deploy/nats-server.conf`
 * documents, which `tests/nats_permissions_test.ts` checks against the
 * sample and proves against a real server.
 *
 * The server is Debian's `nats-server` (`apt-get install nats-server`) at
 * {@linkcode NATS_SERVER_PATH}, or the binary named by `LEOSAC_NATS_SERVER`.
 * Tests skip when it is missing, unless `LEOSAC_REQUIRE_NATS=1` (set by
 * `.ci/run`): then they fail.
 *
 * @module
 */
import { join } from "node:path";
import { siteNames } from "../src/site/names.ts";

/** Where Debian's package installs the server. */
export const NATS_SERVER_PATH = "/usr/sbin/nats-server";

/**
 * How long a node may take to become healthy. A restart of the whole
 * cluster elects the meta leader, then each stream's, each after an election
 * timeout of 4-9 s (nats-server 2.9, no setting): about 10 s alone, 20 s
 * and more when the test suite loads the machine.
 */
export const READY_TIMEOUT_MS = 60_000;
/** How often readiness is polled. */
const POLL_MS = 100;
/** The server log kept per node (the end of it). */
const LOG_LIMIT = 256 * 1024;
/** How much of a node's log an error shows. */
const LOG_IN_ERROR = 6_000;
/** Attempts with fresh ports when a port picked as free was taken meanwhile. */
const PORT_ATTEMPTS = 3;

/** The server binary the tests use. */
export function natsServerPath(): string {
  return Deno.env.get("LEOSAC_NATS_SERVER") || NATS_SERVER_PATH;
}

function natsServerPresent(): boolean {
  try {
    return Deno.statSync(natsServerPath()).isFile;
  } catch {
    return false;
  }
}

/**
 * True when the NATS tests of `testFile` must be skipped (`ignore:`): the
 * server is missing and `LEOSAC_REQUIRE_NATS` is not `1`. It says why on
 * stderr. With `LEOSAC_REQUIRE_NATS=1` it returns false, so the tests run
 * and fail with {@linkcode startNatsCluster}'s error.
 */
export function skipWithoutNats(testFile: string): boolean {
  if (natsServerPresent() || Deno.env.get("LEOSAC_REQUIRE_NATS") === "1") return false;
  Deno.stderr.writeSync(new TextEncoder().encode(
    `${testFile}: skipping the NATS tests: no ${natsServerPath()} ` +
      "(apt-get install nats-server; LEOSAC_REQUIRE_NATS=1 makes this a failure)\n",
  ));
  return true;
}

/** A user of the test servers' account. */
export interface NatsUser {
  /** User name. */
  user: string;
  /** Password, in clear (test servers only). */
  password: string;
  /** A `permissions: { … }` block (e.g. {@linkcode controllerPermissions}); none: all subjects. */
  permissions?: string;
}

/** The JetStream account structured users are put in. */
export const TEST_ACCOUNT = "LEOSAC";

/** Options of {@linkcode startNatsCluster}. */
export interface NatsClusterOptions {
  /** Number of nodes (1–9); default 3. One node has no `cluster` block. */
  nodes?: number;
  /**
   * Authentication: configuration text (an `accounts { … }` or
   * `authorization { … }` block, put as is in every node's file) or users
   * (put in one JetStream-enabled account, {@linkcode TEST_ACCOUNT}). None:
   * anyone connects, in the global account.
   */
  users?: string | readonly NatsUser[];
  /**
   * TLS for clients: every node's client port asks for TLS with this
   * certificate and key (PEM files), as `deploy/nats-server.conf` does.
   */
  tls?: { certFile: string; keyFile: string };
  /** More configuration text appended to every node's file. */
  extraConfig?: string;
  /** JetStream's memory limit per node (`max_mem`); default 256MB. */
  maxMemory?: string;
  /** JetStream's file store limit per node (`max_file`); default 2GB. */
  maxFile?: string;
}

/** Running nats-server nodes (see the module's example). */
export interface NatsCluster extends AsyncDisposable {
  /** Each node's client URL, `nats://127.0.0.1:PORT`, in node order. */
  readonly urls: readonly string[];
  /** Each node's monitoring URL, `http://127.0.0.1:PORT`. */
  readonly monitorUrls: readonly string[];
  /** The temporary directory holding every node's configuration and store. */
  readonly dir: string;
  /** True while node `i` runs. */
  running(i: number): boolean;
  /** The end of node `i`'s log (every run of it). */
  log(i: number): string;
  /** SIGKILLs node `i` and waits until it has exited. */
  kill(i: number): Promise<void>;
  /**
   * Starts node `i` again with the same ports and store. Waits until it is
   * healthy unless `waitReady` is false (a lone node of a cluster whose
   * other nodes are down never is: it has no quorum).
   */
  restart(i: number, options?: { waitReady?: boolean }): Promise<void>;
  /** SIGKILLs every running node. */
  killAll(): Promise<void>;
  /** Starts every stopped node and waits until all are healthy. */
  restartAll(): Promise<void>;
  /** Kills every node and removes the temporary directory. */
  stop(): Promise<void>;
}

interface Node {
  readonly index: number;
  readonly name: string;
  readonly configPath: string;
  readonly clientPort: number;
  readonly httpPort: number;
  child: Deno.ChildProcess | null;
  /** Resolves when the running child has exited and its stderr is read. */
  done: Promise<void>;
  exited: boolean;
  log: string;
}

/**
 * Starts a JetStream cluster of `options.nodes` (default 3) nodes on
 * 127.0.0.1 and waits until every node is healthy and sees a JetStream meta
 * leader.
 *
 * @throws {Error} when the server is missing or a node does not become
 * ready; the error holds the end of that node's log.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const count = options.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > 9) {
    throw new Error(`startNatsCluster: nodes must be 1 to 9, not ${count}`);
  }
  if (!natsServerPresent()) {
    throw new Error(
      `nats-server not found at ${natsServerPath()} (apt-get install nats-server, ` +
        "or set LEOSAC_NATS_SERVER to its path)",
    );
  }
  for (let attempt = 1;; attempt++) {
    const dir = await Deno.makeTempDir({ prefix: "leosac-nats-" });
    const cluster = new Cluster(dir, await writeConfigs(dir, count, options));
    try {
      await cluster.restartAll();
      return cluster;
    } catch (error) {
      const portTaken = cluster.logs().some((log) => /address already in use/.test(log));
      await cluster.stop();
      if (!portTaken || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

/** Starts one JetStream node (no cluster); see {@linkcode startNatsCluster}. */
export function startNats(options: Omit<NatsClusterOptions, "nodes"> = {}): Promise<NatsCluster> {
  return startNatsCluster({ ...options, nodes: 1 });
}

function freePorts(count: number): number[] {
  // All listeners stay open until every port is picked, so no port repeats.
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((listener) => (listener.addr as Deno.NetAddr).port);
  for (const listener of listeners) listener.close();
  return ports;
}

function usersConfig(users: NatsClusterOptions["users"]): string {
  if (users === undefined) return "";
  if (typeof users === "string") return users;
  const entries = users.map((u) =>
    `      { user: ${JSON.stringify(u.user)}, password: ${JSON.stringify(u.password)}` +
    (u.permissions === undefined ? "" : `\n        ${u.permissions.trim()}\n     `) + " }"
  );
  return `accounts {\n  ${TEST_ACCOUNT}: {\n    jetstream: enabled\n    users: [\n` +
    `${entries.join("\n")}\n    ]\n  }\n}\n`;
}

async function writeConfigs(
  dir: string,
  count: number,
  options: NatsClusterOptions,
): Promise<Node[]> {
  const ports = freePorts(count * 3);
  const clusterPorts = ports.slice(2 * count);
  const routes = clusterPorts.map((port) => `nats-route://127.0.0.1:${port}`).join(", ");
  const nodes: Node[] = [];
  for (let index = 0; index < count; index++) {
    const name = `n${index}`;
    const clientPort = ports[index]!;
    const httpPort = ports[count + index]!;
    const store = join(dir, name);
    await Deno.mkdir(store);
    const lines = [
      `server_name: ${name}`,
      `listen: 127.0.0.1:${clientPort}`,
      `http: 127.0.0.1:${httpPort}`,
      "jetstream {",
      `  store_dir: ${JSON.stringify(store)}`,
      `  max_mem: ${options.maxMemory ?? "256MB"}`,
      `  max_file: ${options.maxFile ?? "2GB"}`,
      "}",
    ];
    if (options.tls !== undefined) {
      lines.push(
        "tls {",
        `  cert_file: ${JSON.stringify(options.tls.certFile)}`,
        `  key_file: ${JSON.stringify(options.tls.keyFile)}`,
        "  timeout: 2",
        "}",
      );
    }
    if (count > 1) {
      lines.push(
        "cluster {",
        "  name: leosac-test",
        `  listen: 127.0.0.1:${clusterPorts[index]}`,
        `  routes: [${routes}]`,
        "}",
      );
    }
    const config = `${lines.join("\n")}\n${usersConfig(options.users)}${
      options.extraConfig ?? ""
    }\n`;
    const configPath = join(dir, `${name}.conf`);
    await Deno.writeTextFile(configPath, config);
    nodes.push({
      index,
      name,
      configPath,
      clientPort,
      httpPort,
      child: null,
      done: Promise.resolve(),
      exited: true,
      log: "",
    });
  }
  return nodes;
}

class Cluster implements NatsCluster {
  readonly dir: string;
  readonly urls: readonly string[];
  readonly monitorUrls: readonly string[];
  readonly #nodes: Node[];
  #stopped = false;

  constructor(dir: string, nodes: Node[]) {
    this.dir = dir;
    this.#nodes = nodes;
    this.urls = nodes.map((node) => `nats://127.0.0.1:${node.clientPort}`);
    this.monitorUrls = nodes.map((node) => `http://127.0.0.1:${node.httpPort}`);
  }

  #node(i: number): Node {
    const node = this.#nodes[i];
    if (node === undefined) throw new Error(`no NATS node ${i} (${this.#nodes.length} nodes)`);
    return node;
  }

  running(i: number): boolean {
    return !this.#node(i).exited;
  }

  log(i: number): string {
    return this.#node(i).log;
  }

  logs(): string[] {
    return this.#nodes.map((node) => node.log);
  }

  #spawn(node: Node): void {
    if (this.#stopped) throw new Error("the NATS cluster is stopped");
    if (!node.exited) throw new Error(`NATS node ${node.name} is already running`);
    const child = new Deno.Command(natsServerPath(), {
      args: ["-c", node.configPath],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    node.child = child;
    node.exited = false;
    const decoder = new TextDecoder();
    const append = (text: string) => {
      node.log = (node.log + text).slice(-LOG_LIMIT);
    };
    append(`--- ${node.name} started (pid ${child.pid})\n`);
    const drained = child.stderr.pipeTo(
      new WritableStream({ write: (chunk) => append(decoder.decode(chunk, { stream: true })) }),
    ).catch(() => {});
    node.done = Promise.all([child.status, drained]).then(([status]) => {
      node.exited = true;
      node.child = null;
      append(`--- ${node.name} exited (${status.signal ?? `code ${status.code}`})\n`);
    });
  }

  /** Waits until `node` answers /healthz and, in a cluster, knows a meta leader. */
  async #waitReady(node: Node): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = "no answer yet";
    while (Date.now() < deadline) {
      if (node.exited) throw this.#failure(node, "exited while starting");
      last = await this.#notReadyReason(node);
      if (last === "") return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw this.#failure(node, `not ready within ${READY_TIMEOUT_MS / 1000} s (${last})`);
  }

  /** "" when ready, else why not. */
  async #notReadyReason(node: Node): Promise<string> {
    const base = `http://127.0.0.1:${node.httpPort}`;
    try {
      // Without js-enabled-only, /healthz also waits for the meta leader
      // and for this node's streams and consumers to be current.
      const health = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
      const text = await health.text();
      if (!health.ok) return `healthz ${health.status}: ${text.trim()}`;
      if (this.#nodes.length === 1) return "";
      const jsz = await fetch(`${base}/jsz`, { signal: AbortSignal.timeout(2_000) });
      const info = await jsz.json() as { meta_cluster?: { leader?: string } };
      return info.meta_cluster?.leader ? "" : "no JetStream meta leader yet";
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  #failure(node: Node, what: string): Error {
    // The server logs each failed poll of /healthz: keep only the last.
    const lines = node.log.split("\n");
    const lastPoll = lines.findLastIndex((line) => line.includes("Healthcheck failed"));
    const log = lines.filter((line, i) => i === lastPoll || !line.includes("Healthcheck failed"))
      .join("\n");
    return new Error(
      `nats-server node ${node.name} (${node.configPath}) ${what}\n` +
        `--- end of its log ---\n${log.slice(-LOG_IN_ERROR)}`,
    );
  }

  async kill(i: number): Promise<void> {
    const node = this.#node(i);
    if (node.exited || node.child === null) return;
    try {
      node.child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await node.done;
  }

  async restart(i: number, options: { waitReady?: boolean } = {}): Promise<void> {
    const node = this.#node(i);
    this.#spawn(node);
    if (options.waitReady !== false) await this.#waitReady(node);
  }

  async killAll(): Promise<void> {
    await Promise.all(this.#nodes.map((node) => this.kill(node.index)));
  }

  async restartAll(): Promise<void> {
    const stopped = this.#nodes.filter((node) => node.exited);
    for (const node of stopped) this.#spawn(node);
    await Promise.all(this.#nodes.map((node) => this.#waitReady(node)));
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    await this.killAll();
    this.#stopped = true;
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * The NATS permissions of controller `controller` of site `site`, as a
 * nats-server `permissions: { … }` block: the rules `deploy/nats-server.conf`
 * gives each controller (and `docs/site.md` explains).
 *
 * Publish: its own event subject only, the policy subject, door commands to
 * any controller, its own keys of the door and controller buckets (and the
 * site's two coordination keys `_founder` and `_snapshot`), the snapshot
 * store, and the JetStream API of the site's streams limited to
 * create, update, info, get, consumers and acks (no stream delete, no
 * message delete, no purge but of the snapshot store's old chunks). Replies
 * to requests it receives (`allow_responses`). Subscribe: its own command
 * subject and its own inboxes, `_INBOX.<site>.<controller>.>` (its
 * connection's inbox prefix), never another controller's replies.
 */
export function controllerPermissions(site: string, controller: string): string {
  const names = siteNames(site);
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(controller)) {
    throw new Error(`invalid controller name: ${JSON.stringify(controller)}`);
  }
  const streams = [
    names.policyStream,
    names.eventsStream,
    `KV_${names.doorsBucket}`,
    `KV_${names.controllersBucket}`,
    `OBJ_${names.snapshotStore}`,
  ];
  const publish = [
    names.eventsSubject(controller),
    names.policySubject,
    names.commandSubject("*"),
    `$KV.${names.doorsBucket}.${controller}.>`,
    `$KV.${names.controllersBucket}.${controller}`,
    // The site's coordination keys (src/site/site.ts): which controller
    // founded the site, and the election of the next snapshot's author.
    `$KV.${names.controllersBucket}._founder`,
    `$KV.${names.controllersBucket}._snapshot`,
    `$O.${names.snapshotStore}.>`,
    "$JS.API.INFO",
    ...streams.flatMap((stream) => [
      `$JS.API.STREAM.CREATE.${stream}`,
      `$JS.API.STREAM.UPDATE.${stream}`,
      `$JS.API.STREAM.INFO.${stream}`,
      `$JS.API.STREAM.MSG.GET.${stream}`,
      `$JS.API.DIRECT.GET.${stream}`,
      `$JS.API.DIRECT.GET.${stream}.>`,
      `$JS.API.CONSUMER.CREATE.${stream}`,
      `$JS.API.CONSUMER.CREATE.${stream}.>`,
      `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.*`,
      `$JS.API.CONSUMER.INFO.${stream}.*`,
      `$JS.API.CONSUMER.DELETE.${stream}.*`,
      `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
      `$JS.ACK.${stream}.>`,
      `$JS.FC.${stream}.>`,
    ]),
    `$JS.API.STREAM.PURGE.OBJ_${names.snapshotStore}`,
  ];
  const subscribe = [names.commandSubject(controller), `${names.inboxPrefix(controller)}.>`];
  const list = (subjects: string[]) =>
    subjects.map((subject) => `      ${JSON.stringify(subject)}`).join("\n");
  return [
    "permissions: {",
    "  publish: {",
    "    allow: [",
    list(publish),
    "    ]",
    "  }",
    "  subscribe: {",
    "    allow: [",
    list(subscribe),
    "    ]",
    "  }",
    "  allow_responses: true",
    "}",
  ].join("\n");
}
