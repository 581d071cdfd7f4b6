/**
 * One actor per WebSocket connection: a bounded mailbox, messages handled one
 * at a time and answered in request order, clean disposal on close.
 *
 * @module
 */
import { AppError, STATUS } from "../errors.ts";
import { logger } from "../log.ts";
import { deleteToken, getTokenByHash, refreshToken, TOKEN_LIFETIME_MS } from "../store/tokens.ts";
import { getUser, type UserRank } from "../store/users.ts";
import { isValidAt, type Validity } from "../store/validity.ts";
import { authEpoch } from "../store/auth_epoch.ts";
import { afterSuccessfulCall, reloadsController } from "./after_write.ts";
import { inReadSnapshot, isReadOnlyCall } from "./read_only.ts";
import type { AppDeps, Endpoint, SessionState } from "./context.ts";
import {
  type ClientMessage,
  errorReply,
  parseClientMessage,
  pushMessage,
  replyForError,
  type ServerMessage,
  successReply,
} from "./protocol.ts";
import type { RegisteredSession } from "./registry.ts";
import { ENDPOINTS } from "./router.ts";
import { type Action, isAllowed, requirePermission, type Target } from "./permissions.ts";

const log = logger("ws");

/** Session limits (named defaults). */
export interface SessionLimits {
  /** Largest accepted frame, in bytes. @default 1 MiB */
  maxFrameBytes: number;
  /** Requests waiting to be handled before new ones are refused (RATE_LIMITED). @default 64 */
  mailboxDepth: number;
  /** Refused requests in a row after which the connection is closed. @default 256 */
  maxRefused: number;
  /** Unsent bytes after which a client that does not read is disconnected. @default 8 MiB */
  maxBufferedBytes: number;
  /** Longest a handler may run before the request gets TIMEOUT. @default 30 s */
  handlerTimeoutMs: number;
  /** Text waiting in the mailbox, in characters, beyond which new requests are refused. @default 4 Mi */
  maxQueuedChars: number;
}

/** Default limits. */
export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxFrameBytes: 1024 * 1024,
  mailboxDepth: 64,
  maxRefused: 256,
  maxBufferedBytes: 8 * 1024 * 1024,
  handlerTimeoutMs: 30_000,
  maxQueuedChars: 4 * 1024 * 1024,
};

/** Extends the token when less than this remains of its lifetime (fewer writes). */
const TOKEN_REFRESH_SLACK_MS = 60_000;

type MailItem = { text: string } | { reply: ServerMessage };

/** The actor behind one WebSocket. */
export class Session implements SessionState, RegisteredSession {
  readonly id: string = crypto.randomUUID();
  readonly remote: string;
  readonly remoteAddress: string;
  actor: SessionState["actor"] = null;
  tokenHash: string | null = null;
  /** Set while the user subscribes to live events (the unsubscribe function). */
  eventSubscription: (() => void) | null = null;

  readonly #socket: WebSocket;
  readonly #deps: AppDeps;
  readonly #limits: SessionLimits;
  readonly #mailbox: MailItem[] = [];
  #running = false;
  #refused = 0;
  /** Characters of request text waiting in the mailbox. */
  #queuedChars = 0;
  #closed = false;
  #username: string | null = null;
  /** The last successful session check, reused while nothing has changed. */
  #verified: { epoch: number; expiresAt: number; validity: Validity } | null = null;

  constructor(
    socket: WebSocket,
    deps: AppDeps,
    remote: { address: string; port: number },
    limits: Partial<SessionLimits> = {},
  ) {
    this.#socket = socket;
    this.#deps = deps;
    this.#limits = { ...DEFAULT_SESSION_LIMITS, ...limits };
    this.remoteAddress = remote.address;
    this.remote = `${remote.address}:${remote.port}`;
    socket.addEventListener("open", () => deps.sessions.add(this));
    socket.addEventListener("message", (event) => this.#onFrame(event.data));
    socket.addEventListener("close", () => this.#dispose());
    socket.addEventListener("error", () => this.#dispose());
  }

  userId(): number | null {
    return this.actor?.userId ?? null;
  }

  /** Logs in (called by the auth endpoints). */
  login(
    userId: number,
    rank: UserRank,
    session: { tokenHash: string; username: string; expiresAt: number; validity: Validity },
  ): void {
    this.actor = { userId, rank };
    this.tokenHash = session.tokenHash;
    this.#username = session.username;
    this.#verified = {
      epoch: authEpoch(),
      expiresAt: session.expiresAt,
      validity: session.validity,
    };
  }

  isAuthenticatedAt(nowMs: number): boolean {
    if (this.actor === null || this.tokenHash === null) return false;
    const v = this.#verified;
    if (v !== null && v.epoch === authEpoch() && nowMs <= v.expiresAt) {
      return isValidAt(v.validity, nowMs);
    }
    // Some user or token changed since the last check (often someone else's):
    // re-read this session's token and user, without refreshing the token (a
    // push must not extend a session). Dropping the push instead silenced every
    // subscriber after any user edit or logout until it sent a request.
    const epoch = authEpoch();
    const token = getTokenByHash(this.#deps.store.db, this.tokenHash);
    const user = token && token.expiresAt >= nowMs
      ? getUser(this.#deps.store.db, token.userId)
      : undefined;
    if (!token || !user || !isValidAt(user.validity, nowMs)) return false;
    this.actor = { userId: user.id, rank: user.rank };
    this.#verified = { epoch, expiresAt: token.expiresAt, validity: user.validity };
    return true;
  }

  /** Clears the authentication (logout, abort). Privileges go with it. */
  logout(): void {
    this.actor = null;
    this.tokenHash = null;
    this.#username = null;
    this.#verified = null;
    this.eventSubscription?.();
    this.eventSubscription = null;
  }

  /** Logs out and pushes `session_closed` (uuid "" as Leosac, for its clients). */
  abort(reason: string): void {
    this.logout();
    this.send(pushMessage("session_closed", { reason }, ""));
  }

  send(message: ServerMessage): void {
    if (this.#closed || this.#socket.readyState !== WebSocket.OPEN) return;
    if (this.#socket.bufferedAmount > this.#limits.maxBufferedBytes) {
      log.warn("Session {id} from {remote} does not read its messages; closing", {
        id: this.id,
        remote: this.remote,
      });
      this.close(1008, "Client too slow");
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (error) {
      // A reply that cannot be serialised is a bug; the client still gets an answer.
      log.error("Cannot serialise a {type} reply: {error}", {
        type: message.type,
        error: String(error),
      });
      text = JSON.stringify(
        errorReply(message, STATUS.GENERAL_FAILURE, "LEOSACException", "Internal error."),
      );
    }
    try {
      this.#socket.send(text);
    } catch {
      // The socket closed under us: nothing to deliver to.
    }
  }

  close(code: number, reason: string): void {
    if (
      this.#socket.readyState === WebSocket.OPEN || this.#socket.readyState === WebSocket.CONNECTING
    ) {
      try {
        this.#socket.close(code, reason);
      } catch {
        // already closing
      }
    }
    this.#dispose();
  }

  #dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#mailbox.length = 0;
    this.#queuedChars = 0;
    this.eventSubscription?.();
    this.eventSubscription = null;
    this.#deps.sessions.remove(this);
  }

  #onFrame(data: unknown): void {
    if (this.#closed) return;
    let item: MailItem;
    if (typeof data !== "string") {
      item = {
        reply: errorReply(
          { type: "", uuid: "" },
          STATUS.MALFORMED,
          "Malformed",
          "Binary frames are not accepted.",
        ),
      };
      item.reply.status_string = "Malformed message.";
    } else if (data.length > this.#limits.maxFrameBytes) {
      item = { reply: errorReply({ type: "", uuid: "" }, STATUS.MALFORMED, "Malformed", "") };
      item.reply.status_string = `Message too large (limit ${this.#limits.maxFrameBytes} bytes).`;
    } else {
      item = { text: data };
    }
    const size = "text" in item ? item.text.length : 0;
    if (
      this.#mailbox.length >= this.#limits.mailboxDepth ||
      (size > 0 && this.#queuedChars + size > this.#limits.maxQueuedChars &&
        this.#mailbox.length > 0)
    ) {
      if (++this.#refused > this.#limits.maxRefused) {
        log.warn("Session {id} from {remote} floods the server; closing", {
          id: this.id,
          remote: this.remote,
        });
        this.close(1008, "Too many requests");
        return;
      }
      const parsed = "text" in item ? parseClientMessage(item.text) : null;
      const request = parsed?.ok ? parsed.message : { type: "", uuid: "" };
      item = {
        reply: errorReply(
          request,
          STATUS.RATE_LIMITED,
          "RateLimited",
          "Too many pending requests.",
        ),
      };
    } else {
      this.#refused = 0;
    }
    if ("text" in item) this.#queuedChars += item.text.length;
    this.#mailbox.push(item);
    if (!this.#running) void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#mailbox.length > 0 && !this.#closed) {
        const item = this.#mailbox.shift()!;
        if ("text" in item) this.#queuedChars -= item.text.length;
        // Synchronous handlers answer without an await: no extra turn per message.
        try {
          const handled = "reply" in item ? item.reply : this.#handle(item.text);
          this.send(handled instanceof Promise ? await handled : handled);
        } catch (error) {
          log.error("Session {id} failed to handle a message: {error}", {
            id: this.id,
            error: error instanceof Error ? error.stack ?? error.message : String(error),
          });
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #handle(text: string): ServerMessage | Promise<ServerMessage> {
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return parsed.reply;
    const request = parsed.message;
    const started = performance.now();
    const now = this.#deps.clock.now();
    const author = { id: this.actor?.userId ?? null, name: this.#username };
    const ep = Object.hasOwn(ENDPOINTS, request.type) ? ENDPOINTS[request.type] : undefined;
    if (ep === undefined) {
      const reply = errorReply(
        request,
        STATUS.INVALID_CALL,
        "Leosac::Module::WebSockAPI::InvalidCall",
        "Unknown message type.",
      );
      return this.#audited(request, reply, { started, now, author, auditNow: false });
    }
    const reply = this.#dispatch(request, ep, now);
    const options = { started, now, author, auditNow: ep.auditNow === true };
    return reply instanceof Promise
      ? reply.then((r) => this.#audited(request, r, options))
      : this.#audited(request, reply, options);
  }

  /** Records the call's audit row (not for successful reads) and returns the reply. */
  #audited(
    request: ClientMessage,
    reply: ServerMessage,
    options: {
      started: number;
      now: number;
      author: { id: number | null; name: string | null };
      auditNow: boolean;
    },
  ): ServerMessage {
    if (reply.status_code === STATUS.SUCCESS && isReadOnlyCall(request.type)) return reply;
    this.#deps.audit.record({
      method: request.type.slice(0, 128),
      uuid: request.uuid,
      statusCode: reply.status_code,
      statusString: reply.status_string.slice(0, 1024),
      authorId: options.author.id ?? this.actor?.userId ?? null,
      authorName: options.author.name ?? this.#username,
      sourceEndpoint: this.remote,
      durationMs: Math.round(performance.now() - options.started),
      timestamp: options.now,
    }, options.auditNow);
    return reply;
  }

  #dispatch(
    request: ClientMessage,
    ep: Endpoint,
    now: number,
  ): ServerMessage | Promise<ServerMessage> {
    try {
      const aborted = this.#checkSession(now);
      if (aborted) {
        return errorReply(
          request,
          STATUS.SESSION_ABORTED,
          "Leosac::Module::WebSockAPI::SessionAborted",
          aborted,
        );
      }
      if (ep.auth === "logged_out" && this.actor !== null) {
        requirePermission(null, "SYSTEM_OVERVIEW", {}, this.#deps.relations);
      }
      if (ep.auth === "logged_in" && this.actor === null) {
        requirePermission(null, "SYSTEM_OVERVIEW", {}, this.#deps.relations);
      }
      const content = ep.decode(request.content, "");
      const deps = this.#deps;
      const ctx = {
        deps,
        session: this,
        now,
        uuid: request.uuid,
        type: request.type,
        require: (action: Action, target: Target = {}) =>
          requirePermission(this.actor, action, target, deps.relations),
        can: (action: Action, target: Target = {}) =>
          this.actor !== null && isAllowed(this.actor, action, target, deps.relations),
      };
      const result = isReadOnlyCall(request.type)
        ? inReadSnapshot(deps.store.db, () => ep.handle(ctx, content))
        : ep.handle(ctx, content);
      if (result instanceof Promise || reloadsController(request.type)) {
        return this.#finish(request, result);
      }
      return successReply(request, result);
    } catch (error) {
      return this.#failure(request, error);
    }
  }

  /** The asynchronous end of a call: its handler's promise, the controller reload. */
  async #finish(request: ClientMessage, result: unknown): Promise<ServerMessage> {
    try {
      const value = result instanceof Promise ? await this.#withTimeout(result) : result;
      await afterSuccessfulCall(this.#deps, request.type);
      return successReply(request, value);
    } catch (error) {
      return this.#failure(request, error);
    }
  }

  /** The error reply for `error`; unexpected errors are logged, never shown. */
  #failure(request: ClientMessage, error: unknown): ServerMessage {
    const reply = replyForError(request, error);
    if (
      reply.status_code === STATUS.GENERAL_FAILURE &&
      reply.status_string.endsWith("Internal error.")
    ) {
      log.error("Request {type} failed: {error}", {
        type: request.type,
        error: error instanceof Error ? error.stack ?? error.message : String(error),
      });
    }
    return reply;
  }

  #withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError()), this.#limits.handlerTimeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Leosac's before-request hook, fixed: a logged-in session's token must
   * still exist and be unexpired, and its user must still be enabled and
   * within validity; otherwise the session is logged out (privileges
   * included) and the request gets SESSION_ABORTED. Returns the reason, or
   * null when the session is fine (or not logged in).
   */
  #checkSession(now: number): string | null {
    if (this.actor === null || this.tokenHash === null) return null;
    const db = this.#deps.store.db;
    const epoch = authEpoch(), cached = this.#verified;
    if (
      cached !== null && cached.epoch === epoch &&
      now <= cached.expiresAt && isValidAt(cached.validity, now) &&
      cached.expiresAt - now >= TOKEN_LIFETIME_MS - TOKEN_REFRESH_SLACK_MS
    ) {
      return null;
    }
    this.#verified = null;
    const token = getTokenByHash(db, this.tokenHash);
    const user = token ? getUser(db, token.userId) : undefined;
    let reason: string | null = null;
    if (!token) reason = "Websocket session has been aborted: the token no longer exists.";
    else if (token.expiresAt < now) {
      reason = "Websocket session has been aborted: the token expired.";
    } else if (!user || !isValidAt(user.validity, now)) {
      reason = "Websocket session has been aborted: the user account is disabled.";
    }
    if (reason !== null) {
      if (token) deleteToken(db, token.tokenHash);
      this.logout();
      return reason;
    }
    this.actor = { userId: user!.id, rank: user!.rank };
    let expiresAt = token!.expiresAt;
    if (expiresAt - now < TOKEN_LIFETIME_MS - TOKEN_REFRESH_SLACK_MS) {
      refreshToken(db, token!.tokenHash, now);
      expiresAt = now + TOKEN_LIFETIME_MS;
    }
    this.#verified = { epoch, expiresAt, validity: user!.validity };
    return null;
  }
}

/** A handler that ran longer than its limit (status 6). */
export class TimeoutError extends AppError {
  constructor() {
    super(STATUS.TIMEOUT, "Timeout", "Request timed out.");
    this.name = "TimeoutError";
  }
}
