// The Leosac WebSocket client: requests are matched to replies by uuid, frames
// that match no request are pushes (live events, session_closed). The socket
// reconnects by itself; requests made while it is down wait in a queue.

import { STATUS } from "./shared/status.js";

/** Status codes of the Leosac envelope (the server's table, `src/shared/status.js`). */
export { STATUS };

const STATUS_NAMES = Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [v, k]));

/** A reply with a non-zero status code. */
export class ApiError extends Error {
  constructor(reply) {
    super(cleanStatusString(reply.status_string) || `Request failed (status ${reply.status_code})`);
    this.name = "ApiError";
    this.code = reply.status_code;
    this.statusName = STATUS_NAMES[reply.status_code] ?? "UNKNOWN";
    this.statusString = reply.status_string ?? "";
    this.content = reply.content;
  }

  /** Per-field errors of a model exception (status 11): `[{key, detail}]`. */
  get fieldErrors() {
    const errors = this.code === STATUS.MODEL_EXCEPTION ? this.content?.errors : undefined;
    if (!Array.isArray(errors)) return [];
    return errors.map((e) => {
      const pointer = String(e?.source?.pointer ?? "");
      return {
        key: pointer.split("/").filter(Boolean).pop() ?? "",
        detail: String(e?.detail ?? ""),
      };
    });
  }
}

/** `[Type]: message` → `message`. */
export function cleanStatusString(text) {
  return String(text ?? "").replace(/^\[[^\]]*\]:\s*/, "");
}

function newUuid() {
  return crypto.randomUUID();
}

/** One connection to `/websocket`, kept open. */
export class Api {
  #url;
  #socket = null;
  #pending = new Map();
  #queue = [];
  #pushHandlers = new Map();
  #statusHandlers = new Set();
  #retryMs = 1000;
  #timer = null;
  #stopped = false;
  /** Called on every (re)open before queued requests are flushed. */
  onOpen = null;
  /** Called when a reply says the session was aborted (status 7: token expired or revoked). */
  onSessionAborted = null;
  /** "connecting" | "open" | "closed". */
  state = "connecting";

  constructor(url) {
    this.#url = url;
  }

  /** The URL of the API on the server that served this page. */
  static defaultUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}/websocket`;
  }

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

  #setState(state) {
    this.state = state;
    for (const handler of this.#statusHandlers) handler(state);
  }

  #receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    const entry = this.#pending.get(message.uuid);
    if (entry) {
      this.#pending.delete(message.uuid);
      clearTimeout(entry.timer);
      if (message.status_code === STATUS.SUCCESS) entry.resolve(message.content);
      else entry.reject(new ApiError(message));
      if (message.status_code === STATUS.SESSION_ABORTED) this.onSessionAborted?.(message);
      return;
    }
    for (const handler of this.#pushHandlers.get(message.type) ?? []) handler(message.content);
    for (const handler of this.#pushHandlers.get("*") ?? []) handler(message);
  }

  /**
   * Sends a request; resolves with the reply's `content`, rejects with an
   * {@link ApiError} for a non-zero status.
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

  /** Calls `handler(content)` for each push of `type` ("*" gets whole frames). */
  on(type, handler) {
    const set = this.#pushHandlers.get(type) ?? new Set();
    set.add(handler);
    this.#pushHandlers.set(type, set);
    return () => set.delete(handler);
  }

  /** Calls `handler(state)` on each connection state change. */
  onStatus(handler) {
    this.#statusHandlers.add(handler);
    return () => this.#statusHandlers.delete(handler);
  }
}
