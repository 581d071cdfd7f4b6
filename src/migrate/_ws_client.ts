/**
 * A minimal client of Leosac's WebSocket envelope for the migration: opens a
 * real WebSocket (Deno's client; `wss://` through an HTTP client that trusts
 * the `--ca` or pinned certificate), sends `{type, uuid, content}` and
 * matches replies by `uuid`. Every wait has a limit: the connection, each
 * request, and the size of a reply. A closed socket fails every pending
 * request at once.
 *
 * @module
 */

/** Limits of {@linkcode LeosacWsClient}. */
export interface WsClientLimits {
  /** How long the connection (TCP, TLS, upgrade) may take. @default 10_000 */
  connectMs: number;
  /** How long one request may wait for its reply. @default 30_000 */
  requestMs: number;
  /** The largest reply accepted, in characters of JSON. @default 256 MiB */
  maxReplyChars: number;
}

/** The defaults of {@linkcode WsClientLimits}. */
export const DEFAULT_WS_CLIENT_LIMITS: WsClientLimits = {
  connectMs: 10_000,
  requestMs: 30_000,
  maxReplyChars: 256 * 1024 * 1024,
};

/** A reply envelope (checked: the five keys with their types). */
export interface WsReply {
  type: string;
  uuid: string;
  status_code: number;
  status_string: string;
  content: unknown;
}

interface Pending {
  resolve(reply: WsReply): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** One connection; requests may be pipelined. */
export class LeosacWsClient implements AsyncDisposable {
  readonly #socket: WebSocket;
  readonly #url: string;
  readonly #limits: WsClientLimits;
  readonly #pending = new Map<string, Pending>();
  #failure: Error | null = null;

  private constructor(socket: WebSocket, url: string, limits: WsClientLimits) {
    this.#socket = socket;
    this.#url = url;
    this.#limits = limits;
    socket.addEventListener("message", (event) => this.#onMessage(event.data));
    socket.addEventListener("close", (event) => {
      const why = event.reason === "" ? `code ${event.code}` : `${event.code} ${event.reason}`;
      this.#fail(new Error(`${url} closed the connection (${why})`));
    });
  }

  /**
   * Connects.
   *
   * @throws {Error} naming the URL when the connection fails or takes longer than `connectMs`.
   */
  static open(
    url: string,
    options: { client?: Deno.HttpClient | null; limits?: Partial<WsClientLimits> } = {},
  ): Promise<LeosacWsClient> {
    const limits = { ...DEFAULT_WS_CLIENT_LIMITS, ...options.limits };
    const socket = options.client
      ? new WebSocket(url, { client: options.client })
      : new WebSocket(url);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`cannot connect to ${url}: no answer within ${limits.connectMs} ms`));
      }, limits.connectMs);
      socket.addEventListener("open", () => {
        clearTimeout(timer);
        resolve(new LeosacWsClient(socket, url, limits));
      }, { once: true });
      socket.addEventListener("error", (event) => {
        clearTimeout(timer);
        const why = event instanceof ErrorEvent && event.message ? `: ${event.message}` : "";
        reject(new Error(`cannot connect to ${url}${why}`));
      }, { once: true });
    });
  }

  /**
   * Sends a request and waits for its reply (whatever its status).
   *
   * @throws {Error} when the connection closes, the reply does not come in
   * time, or is not an envelope.
   */
  request(type: string, content: unknown): Promise<WsReply> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const uuid = crypto.randomUUID();
    return new Promise<WsReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(uuid);
        reject(
          new Error(`${this.#url} did not answer ${type} within ${this.#limits.requestMs} ms`),
        );
      }, this.#limits.requestMs);
      this.#pending.set(uuid, { resolve, reject, timer });
      try {
        this.#socket.send(JSON.stringify({ type, uuid, content }));
      } catch (error) {
        clearTimeout(timer);
        this.#pending.delete(uuid);
        reject(new Error(`cannot send ${type} to ${this.#url}`, { cause: error }));
      }
    });
  }

  #onMessage(data: unknown): void {
    if (typeof data !== "string") return this.#fail(new Error(`${this.#url} sent a binary frame`));
    if (data.length > this.#limits.maxReplyChars) {
      return this.#fail(
        new Error(`${this.#url} sent a reply larger than ${this.#limits.maxReplyChars} characters`),
      );
    }
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return this.#fail(new Error(`${this.#url} sent a frame that is not JSON`));
    }
    if (!isEnvelope(frame)) {
      return this.#fail(new Error(`${this.#url} sent a frame that is not a Leosac reply`));
    }
    const pending = this.#pending.get(frame.uuid);
    if (pending === undefined) return; // a push (session_closed …), or a reply that timed out
    this.#pending.delete(frame.uuid);
    clearTimeout(pending.timer);
    pending.resolve(frame);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(this.#failure);
    }
    this.#pending.clear();
    if (this.#socket.readyState === WebSocket.OPEN) this.#socket.close();
  }

  /** Closes the connection and waits until it is closed (at most `connectMs`). */
  async close(): Promise<void> {
    this.#fail(new Error(`the connection to ${this.#url} was closed`));
    if (this.#socket.readyState === WebSocket.CLOSED) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closed = new Promise<void>((resolve) => {
      this.#socket.addEventListener("close", () => resolve());
      timer = setTimeout(resolve, this.#limits.connectMs);
    });
    if (this.#socket.readyState !== WebSocket.CLOSING) this.#socket.close();
    await closed;
    clearTimeout(timer);
  }

  /** Same as {@linkcode LeosacWsClient.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function isEnvelope(frame: unknown): frame is WsReply {
  if (typeof frame !== "object" || frame === null) return false;
  const f = frame as Record<string, unknown>;
  return typeof f.type === "string" && typeof f.uuid === "string" &&
    typeof f.status_code === "number" && typeof f.status_string === "string" && "content" in f;
}
