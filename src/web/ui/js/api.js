// @ts-check
// The Leosac WebSocket client: requests are matched to replies by uuid, frames
// that match no request are pushes (live events, session_closed). The socket
// reconnects by itself; requests made while it is down wait in a queue.

import { STATUS } from "./shared/status.js";

/** Status codes of the Leosac envelope (the server's table, `src/shared/status.js`). */
export { STATUS };

/** @type {Record<number, string>} */
const STATUS_NAMES = Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [v, k]));

/**
 * A reply envelope (`content` is the call's result).
 * @typedef {{ status_code: number, status_string?: string, content: any, uuid?: string, type?: string }} Reply
 */

/** @typedef {"connecting" | "open" | "closed"} ConnectionState */

/** A reply with a non-zero status code. */
export class ApiError extends Error {
  /** @param {Reply} reply */
  constructor(reply) {
    super(cleanStatusString(reply.status_string) || `Request failed (status ${reply.status_code})`);
    this.name = "ApiError";
    this.code = reply.status_code;
    this.statusName = STATUS_NAMES[reply.status_code] ?? "UNKNOWN";
    this.statusString = reply.status_string ?? "";
    this.content = reply.content;
  }

  /**
   * Per-field errors of a model exception (status 11).
   * @returns {{ key: string, detail: string }[]}
   */
  get fieldErrors() {
    const errors = this.code === STATUS.MODEL_EXCEPTION ? this.content?.errors : undefined;
    if (!Array.isArray(errors)) return [];
    return errors.map((/** @type {any} */ e) => {
      const pointer = String(e?.source?.pointer ?? "");
      return {
        key: pointer.split("/").filter(Boolean).pop() ?? "",
        detail: String(e?.detail ?? ""),
      };
    });
  }
}

/**
 * `[Type]: message` → `message`.
 * @param {unknown} text
 * @returns {string}
 */
export function cleanStatusString(text) {
  return String(text ?? "").replace(/^\[[^\]]*\]:\s*/, "");
}

function newUuid() {
  return crypto.randomUUID();
}

/** One connection to `/websocket`, kept open. */
export class Api {
  /** @type {string} */
  #url;
  /** @type {WebSocket | null} */
  #socket = null;
  /**
   * Requests waiting for their reply, by uuid.
   * @type {Map<string, { resolve: (content: any) => void, reject: (error: ApiError) => void, timer: number }>}
   */
  #pending = new Map();
  /** @type {string[]} */
  #queue = [];
  /** @type {Map<string, Set<(content: any) => void>>} */
  #pushHandlers = new Map();
  /** @type {Set<(state: ConnectionState) => void>} */
  #statusHandlers = new Set();
  #retryMs = 1000;
  /** @type {number | null} */
  #timer = null;
  #stopped = false;
  /**
   * Called on every (re)open before queued requests are flushed.
   * @type {(() => void) | null}
   */
  onOpen = null;
  /**
   * Called when a reply says the session was aborted (status 7: token expired or revoked).
   * @type {((reply: Reply) => void) | null}
   */
  onSessionAborted = null;
  /** @type {ConnectionState} */
  state = "connecting";

  /** @param {string} url */
  constructor(url) {
    this.#url = url;
  }

  /**
   * The URL of the API on the server that served this page.
   * @returns {string}
   */
  static defaultUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}/websocket`;
  }

  /** Opens the socket (and reopens it after each loss until stopped). */
  connect() {
    this.#stopped = false;
    this.#setState("connecting");
    const socket = new WebSocket(this.#url);
    this.#socket = socket;
    socket.addEventListener("open", () => {
      this.#retryMs = 1000;
      this.#setState("open");
      try {
        this.onOpen?.();
      } finally {
        const queued = this.#queue;
        this.#queue = [];
        for (const frame of queued) socket.send(frame);
      }
    });
    socket.addEventListener("message", (event) => this.#receive(event.data));
    socket.addEventListener("close", () => this.#closed(socket));
  }

  /** @param {WebSocket} socket */
  #closed(socket) {
    if (socket !== this.#socket) return;
    this.#socket = null;
    this.#setState("closed");
    const lost = { status_code: STATUS.TIMEOUT, status_string: "Connection lost", content: null };
    for (const [uuid, entry] of this.#pending) {
      clearTimeout(entry.timer);
      entry.reject(new ApiError(lost));
      this.#pending.delete(uuid);
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.connect(), this.#retryMs);
    this.#retryMs = Math.min(this.#retryMs * 2, 10_000);
  }

  /** @param {ConnectionState} state */
  #setState(state) {
    this.state = state;
    for (const handler of this.#statusHandlers) handler(state);
  }

  /** @param {string} data */
  #receive(data) {
    /** @type {Reply} */
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    const entry = message.uuid === undefined ? undefined : this.#pending.get(message.uuid);
    if (entry && message.uuid !== undefined) {
      this.#pending.delete(message.uuid);
      clearTimeout(entry.timer);
      if (message.status_code === STATUS.SUCCESS) entry.resolve(message.content);
      else entry.reject(new ApiError(message));
      if (message.status_code === STATUS.SESSION_ABORTED) this.onSessionAborted?.(message);
      return;
    }
    for (const handler of this.#pushHandlers.get(message.type ?? "") ?? []) {
      handler(message.content);
    }
    for (const handler of this.#pushHandlers.get("*") ?? []) handler(message);
  }

  /**
   * Sends a request; resolves with the reply's `content`, rejects with an
   * {@link ApiError} for a non-zero status.
   * @param {string} type
   * @param {Record<string, unknown>} [content]
   * @param {{ timeoutMs?: number }} [options]
   * @returns {Promise<any>} the reply's content (JSON the UI does not validate)
   */
  request(type, content = {}, { timeoutMs = 15_000 } = {}) {
    const uuid = newUuid();
    const frame = JSON.stringify({ type, uuid, content });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(uuid);
        this.#queue = this.#queue.filter((f) => f !== frame);
        reject(
          new ApiError({
            status_code: STATUS.TIMEOUT,
            status_string: "Request timeout",
            content: null,
          }),
        );
      }, timeoutMs);
      this.#pending.set(uuid, { resolve, reject, timer });
      if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(frame);
      else this.#queue.push(frame);
    });
  }

  /**
   * Calls `handler(content)` for each push of `type` ("*" gets whole frames).
   * @param {string} type
   * @param {(content: any) => void} handler
   * @returns {() => boolean} unsubscribes
   */
  on(type, handler) {
    const set = this.#pushHandlers.get(type) ?? new Set();
    set.add(handler);
    this.#pushHandlers.set(type, set);
    return () => set.delete(handler);
  }

  /**
   * Calls `handler(state)` on each connection state change.
   * @param {(state: ConnectionState) => void} handler
   * @returns {() => boolean} unsubscribes
   */
  onStatus(handler) {
    this.#statusHandlers.add(handler);
    return () => this.#statusHandlers.delete(handler);
  }
}
