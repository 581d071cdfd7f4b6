/**
 * Test support: a real server on 127.0.0.1 port 0 with a temporary SQLite
 * file, and a WebSocket client that matches replies to requests by uuid.
 *
 * @module
 */
import { type App, type AppOptions, createApp } from "./app.ts";
import { FakeClock } from "./clock.ts";
import { ControllerClient } from "./controller/supervisor.ts";
import { ensureAdministrator } from "./store/bootstrap.ts";
import { openStore, type Store } from "./store/store.ts";
import type { ServerMessage } from "./ws/protocol.ts";

/** The administrator password of test servers. */
export const TEST_ADMIN_PASSWORD = "admin-password-1";

/**
 * How long a controller worker started by a test may take to answer `init`.
 * The first worker of a test process loads its whole module graph from a
 * cold cache: 3–5 s on a clean clone under the full parallel suite, and
 * over the product's 10 s with two suites on the two cores. Tests wait this
 * long rather than fail on the machine's load.
 */
export const TEST_WORKER_START_MS = 60_000;

/** A running test server. */
export interface TestServer extends AsyncDisposable {
  /** HTTP base URL, ending in `/` (e.g. `http://127.0.0.1:40123/`). */
  url: string;
  /** The WebSocket endpoint (`ws://…/websocket`). */
  wsUrl: string;
  /**
   * The application behind the server, for white-box checks (its sessions,
   * audit writer, event hub).
   * @internal
   */
  app: App;
  /** The store, on a temporary SQLite file. */
  store: Store;
  /** The app's clock: a {@linkcode FakeClock} that moves only when the test says so. */
  clock: FakeClock;
  /** The temporary data directory, removed by {@linkcode TestServer.close}. */
  dataDir: string;
  /**
   * The real controller worker, when started with `hardware: "sim"`.
   * @internal
   */
  controller: ControllerClient | null;
  /** Stops the server and the controller, closes the store, removes the data directory. */
  close(): Promise<void>;
}

/**
 * Options of {@linkcode startTestServer}: the app's options (`AppOptions` in
 * `src/app.ts`, except the store) and the simulated controller.
 * @internal
 */
export type TestServerOptions = Partial<Omit<AppOptions, "store">> & {
  /** Start a real controller worker on simulated hardware (wired to the app's events). */
  hardware?: "sim";
  /** The controller worker wires only this site controller's rows (`ControllerClientOptions.controllerName`). */
  controllerName?: string;
  /** Use this (empty) data directory, which the caller removes, instead of a temporary one. */
  dataDir?: string;
  /** Bytes of the data directory's free-space reserve (`reserve.bin`). @default 0 (none) */
  diskReserveBytes?: number;
  /** Serve HTTPS and WSS with this PEM certificate and key (`url` is then `https://…`). */
  tls?: { cert: string; key: string };
};

/** Starts a server with a fresh data directory and user `admin`. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? await Deno.makeTempDir({ prefix: "leosac-test-" });
  const store = openStore(dataDir, { reserveBytes: options.diskReserveBytes ?? 0 });
  await ensureAdministrator(store.db, TEST_ADMIN_PASSWORD);
  const clock = options.clock instanceof FakeClock ? options.clock : new FakeClock(Date.now());
  const { hardware, dataDir: _, diskReserveBytes: __, tls, controllerName, ...appOptions } =
    options;
  const controller = hardware === undefined ? null : new ControllerClient({
    databasePath: store.databasePath,
    secret: store.secret,
    hardware,
    db: store.db,
    startTimeoutMs: TEST_WORKER_START_MS,
    ...(controllerName === undefined ? {} : { controllerName }),
  });
  await controller?.start();
  const app = createApp({
    store,
    clock,
    auditFlushMs: 5,
    ...(controller === null ? {} : { controller }),
    ...appOptions,
  });
  controller?.subscribe((event) =>
    app.deps.events.publish({ category: event.category, ...event.content })
  );
  const abort = new AbortController();
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: abort.signal, onListen: resolve, ...tls },
    app.handler,
  );
  const addr = await promise;
  const url = `${tls ? "https" : "http"}://127.0.0.1:${addr.port}/`;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await app.close();
    abort.abort();
    await server.finished;
    await controller?.stop();
    store.close();
    if (options.dataDir === undefined) await Deno.remove(dataDir, { recursive: true });
  };
  return {
    url,
    wsUrl: `${tls ? "wss" : "ws"}://127.0.0.1:${addr.port}/websocket`,
    app,
    store,
    clock,
    dataDir,
    controller,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * The status {@linkcode TestClient.request} answers with when the connection
 * closed before the server's reply (not a wire status: the test harness's own).
 */
export const CONNECTION_CLOSED: number = -1;

function closedReply(type: string, uuid: string, text: string): ServerMessage {
  return {
    type,
    uuid,
    status_code: CONNECTION_CLOSED as ServerMessage["status_code"],
    status_string: text,
    content: null,
  };
}

/** A WebSocket client speaking the Leosac envelope. */
export class TestClient implements AsyncDisposable {
  /** The underlying socket (for raw frames and close codes). */
  readonly socket: WebSocket;
  readonly #pending = new Map<string, { type: string; resolve: (m: ServerMessage) => void }>();
  /** Frames that matched no pending request (pushes, anonymous errors). */
  readonly unsolicited: ServerMessage[] = [];
  #waiters: Array<() => void> = [];
  /** Resolves with the close event when the socket closes. */
  readonly closed: Promise<CloseEvent>;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.addEventListener("close", resolve));
    // A request the server never answers because the connection closed gets
    // CONNECTION_CLOSED (a test waiting for it would otherwise hang).
    socket.addEventListener("close", (event) => {
      const pending = [...this.#pending.entries()];
      this.#pending.clear();
      const why = `${event.code}${event.reason ? ` ${event.reason}` : ""}`;
      // A turn later, so what waits on `closed` too sees the close first.
      setTimeout(() => {
        for (const [uuid, p] of pending) {
          p.resolve(closedReply(p.type, uuid, `The connection closed (${why}) before the reply.`));
        }
      }, 0);
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data as string) as ServerMessage;
      const waiting = this.#pending.get(message.uuid);
      if (waiting) {
        this.#pending.delete(message.uuid);
        waiting.resolve(message);
      } else {
        this.unsolicited.push(message);
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const w of waiters) w();
      }
    });
  }

  /** Opens a connection (optionally with an Origin header, or through an HTTP client that trusts a test certificate). */
  static async connect(
    url: string,
    options: { origin?: string; client?: Deno.HttpClient } = {},
  ): Promise<TestClient> {
    const socket = options.origin === undefined && options.client === undefined
      ? new WebSocket(url)
      : new WebSocket(url, {
        ...(options.origin === undefined ? {} : { headers: { origin: options.origin } }),
        ...(options.client === undefined ? {} : { client: options.client }),
      });
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error("WebSocket failed to open")), {
        once: true,
      });
    });
    return new TestClient(socket);
  }

  /**
   * Sends a request and waits for its reply. If the connection closes first,
   * or is closed already, the reply is made here: status
   * {@linkcode CONNECTION_CLOSED} with the close code in `status_string`.
   */
  request(type: string, content: unknown = {}): Promise<ServerMessage> {
    const uuid = crypto.randomUUID();
    if (this.socket.readyState >= WebSocket.CLOSING) {
      // A turn later: a loop of requests on a closed connection cannot starve the event loop.
      return new Promise((resolve) =>
        setTimeout(() => resolve(closedReply(type, uuid, "The connection is closed.")), 0)
      );
    }
    const reply = new Promise<ServerMessage>((resolve) =>
      this.#pending.set(uuid, { type, resolve })
    );
    this.socket.send(JSON.stringify({ type, uuid, content }));
    return reply;
  }

  /** Sends a raw frame. */
  sendRaw(data: string | Uint8Array): void {
    this.socket.send(data);
  }

  /** Waits for the next unsolicited frame matching `predicate`. */
  async nextUnsolicited(
    predicate: (m: ServerMessage) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.unsolicited.findIndex(predicate);
      if (index >= 0) return this.unsolicited.splice(index, 1)[0]!;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error("No matching unsolicited message");
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, remaining);
      });
      clearTimeout(timer);
    }
  }

  /** Logs in; throws unless it succeeds. */
  async login(username = "admin", password = TEST_ADMIN_PASSWORD): Promise<number> {
    const reply = await this.request("create_auth_token", { username, password });
    const content = reply.content as { status: number; user_id: number };
    if (reply.status_code !== 0 || content.status !== 0) {
      throw new Error(`Login as ${username} failed: ${JSON.stringify(reply)}`);
    }
    return content.user_id;
  }

  /** Closes the socket and waits until it is closed. */
  async close(): Promise<void> {
    if (
      this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING
    ) {
      this.socket.close();
    }
    if (this.socket.readyState !== WebSocket.CLOSED) await this.closed;
  }

  /** Same as {@linkcode TestClient.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Creates a user through the API and returns its id. */
export async function createUserViaApi(
  admin: TestClient,
  username: string,
  rank: number,
  password = "password-" + username,
): Promise<number> {
  const reply = await admin.request("user.create", {
    attributes: { username, password, rank },
  });
  if (reply.status_code !== 0) throw new Error(`user.create failed: ${JSON.stringify(reply)}`);
  return Number((reply.content as { data: { id: number } }).data.id);
}
