/**
 * Network helpers of `scripts/stress.ts`: a listener in front of a test
 * server's app that takes each connection's remote address from an
 * `x-test-remote` header (loopback is exempt from the anonymous connection
 * bounds, and `Deno.connect` cannot choose a source address, so this is how
 * one machine attacks "from" many foreign addresses, as
 * `tests/ws_admission_test.ts` does), a WebSocket peer that can be refused,
 * and a raw client that sends one oversized frame.
 *
 * @module
 */
import type { App } from "../src/app.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";

/** The header that names a connection's remote address on an {@linkcode AddressFront}. */
export const REMOTE_HEADER = "x-test-remote";

/** A listener on 127.0.0.1 that serves `app` with header-chosen remote addresses. */
export interface AddressFront extends AsyncDisposable {
  /** The WebSocket endpoint (`ws://127.0.0.1:…/websocket`). */
  wsUrl: string;
  port: number;
}

/** Serves `app` again on 127.0.0.1 port 0; a request without the header keeps its loopback address. */
export async function serveWithAddresses(app: App): Promise<AddressFront> {
  const abort = new AbortController();
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: abort.signal, onListen: resolve },
    (req, info) => {
      const hostname = req.headers.get(REMOTE_HEADER) ?? info.remoteAddr.hostname;
      return app.handler(req, { ...info, remoteAddr: { ...info.remoteAddr, hostname } });
    },
  );
  const { port } = await promise;
  return {
    wsUrl: `ws://127.0.0.1:${port}/websocket`,
    port,
    async [Symbol.asyncDispose]() {
      abort.abort();
      await http.finished;
    },
  };
}

/** A reply as received: a parsed envelope, or the raw text when it is not one. */
export type Received = ServerMessage | { invalid: string };

/** Why `data` is not a well-formed reply envelope, or null when it is one. */
export function envelopeProblem(data: unknown): string | null {
  if (typeof data !== "string") return "a binary reply";
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return "a reply that is not JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not an object";
  const m = value as Record<string, unknown>;
  if (typeof m.type !== "string" || typeof m.uuid !== "string") return "no type or uuid";
  if (!Number.isInteger(m.status_code) || (m.status_code as number) < 0) return "bad status_code";
  if ((m.status_code as number) > 12) return "unknown status_code";
  if (typeof m.status_string !== "string" || !Object.hasOwn(m, "content")) return "no status text";
  return null;
}

/**
 * A WebSocket client that may be refused at the upgrade. Replies are matched
 * to requests by uuid ({@linkcode Peer.request}) or taken in arrival order
 * ({@linkcode Peer.exchange}: a session answers in request order).
 */
export class Peer {
  readonly socket: WebSocket;
  readonly closed: Promise<CloseEvent>;
  closeEvent: CloseEvent | null = null;
  readonly #pending = new Map<string, (m: ServerMessage) => void>();
  readonly #arrived: Received[] = [];
  #wake: (() => void) | null = null;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    this.closed = new Promise((resolve) =>
      socket.addEventListener("close", (event) => {
        this.closeEvent = event;
        this.#wake?.();
        resolve(event);
      })
    );
    socket.addEventListener("message", (event) => {
      const problem = envelopeProblem(event.data);
      if (problem !== null) {
        this.#arrived.push({ invalid: `${problem}: ${String(event.data).slice(0, 80)}` });
      } else {
        const message = JSON.parse(event.data as string) as ServerMessage;
        const resolve = this.#pending.get(message.uuid);
        if (resolve) {
          this.#pending.delete(message.uuid);
          resolve(message);
        } else {
          this.#arrived.push(message);
        }
      }
      this.#wake?.();
    });
  }

  /** Opens a connection "from" `address` (null: the real loopback address); null when refused. */
  static async open(url: string, address: string | null): Promise<Peer | null> {
    const socket = address === null
      ? new WebSocket(url)
      : new WebSocket(url, { headers: { [REMOTE_HEADER]: address } });
    const opened = await new Promise<boolean>((resolve) => {
      socket.addEventListener("open", () => resolve(true), { once: true });
      socket.addEventListener("error", () => resolve(false), { once: true });
    });
    if (opened) return new Peer(socket);
    if (socket.readyState !== WebSocket.CLOSED) {
      await new Promise((resolve) => socket.addEventListener("close", resolve, { once: true }));
    }
    return null;
  }

  /** Sends a request and waits for the reply with its uuid (null if the socket closes first). */
  request(type: string, content: unknown = {}): Promise<ServerMessage | null> {
    const uuid = crypto.randomUUID();
    const reply = new Promise<ServerMessage>((resolve) => this.#pending.set(uuid, resolve));
    this.socket.send(JSON.stringify({ type, uuid, content }));
    return Promise.race([reply, this.closed.then(() => null)]);
  }

  /**
   * Sends `frames` and returns as many replies, in arrival order; fewer when
   * the socket closed or `timeoutMs` passed first.
   */
  async exchange(
    frames: ReadonlyArray<string | Uint8Array>,
    timeoutMs = 10_000,
  ): Promise<Received[]> {
    for (const frame of frames) this.socket.send(frame);
    const deadline = performance.now() + timeoutMs;
    while (this.#arrived.length < frames.length && this.closeEvent === null) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      this.#wake = null;
    }
    return this.#arrived.splice(0, frames.length);
  }

  /** Logs in; true when the password was accepted. */
  async login(username: string, password: string): Promise<boolean> {
    const reply = await this.request("create_auth_token", { username, password });
    return reply?.status_code === 0 && (reply.content as { status?: number }).status === 0;
  }

  /** Closes the socket and waits until it is closed. */
  async close(): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) {
      this.socket.close();
      await this.closed;
    }
  }
}

/** Closes every peer. */
export async function closeAll(peers: Iterable<Peer | null>): Promise<void> {
  await Promise.all([...peers].map((p) => p?.close()));
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length;) off += await conn.write(data.subarray(off));
}

/**
 * One raw client "from" `address`:
 * upgrade, then one masked text frame of `bytes` bytes, then wait for the
 * reply or the close. "refused" when the upgrade was not accepted.
 */
export async function oversizedFrame(
  port: number,
  address: string,
  bytes: number,
): Promise<"answered" | "refused"> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  await writeAll(
    conn,
    new TextEncoder().encode(
      `GET /websocket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        `${REMOTE_HEADER}: ${address}\r\n\r\n`,
    ),
  );
  const head = new Uint8Array(4096);
  const n = await conn.read(head);
  const status = new TextDecoder().decode(head.subarray(0, n ?? 0)).split("\r\n")[0] ?? "";
  if (!status.includes(" 101 ")) {
    conn.close();
    return "refused";
  }
  // FIN + text, masked, 64-bit length; a zero mask keeps the payload plain.
  const header = new Uint8Array(14);
  header[0] = 0x81;
  header[1] = 0x80 | 127;
  new DataView(header.buffer).setBigUint64(2, BigInt(bytes));
  await writeAll(conn, header);
  const chunk = new Uint8Array(256 * 1024).fill(0x61);
  try {
    for (let sent = 0; sent < bytes; sent += chunk.length) {
      await writeAll(conn, chunk.subarray(0, Math.min(chunk.length, bytes - sent)));
    }
    await conn.read(head); // the reply (MALFORMED) or the close
  } catch {
    // closed by the server while sending: also an answer
  }
  conn.close();
  return "answered";
}

/** A kernel memory figure of process `pid`, in KiB (`VmRSS` now, `VmHWM` its peak). */
export function rssKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return match ? Number(match[1]) : 0;
}
