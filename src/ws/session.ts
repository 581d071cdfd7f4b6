/**
 * One actor per WebSocket connection: a bounded mailbox, messages handled one
 * at a time and answered in request order, clean disposal on close. What a
 * message does is the {@linkcode Dispatcher}'s business; who is logged in is
 * the {@linkcode SessionAuth}'s.
 *
 * @module
 */
import { STATUS } from "../errors.ts";
import { logger } from "../log.ts";
import type { UserRank } from "../store/users.ts";
import type { AppDeps } from "./context.ts";
import type { DispatchSession } from "./dispatcher.ts";
import type { Actor } from "./permissions.ts";
import { errorReply, parseClientMessage, pushMessage, type ServerMessage } from "./protocol.ts";
import type { RegisteredSession } from "./registry.ts";
import { type SessionSlot, UNCOUNTED_SLOT } from "./admission.ts";
import { type LoginToken, SessionAuth } from "./session_auth.ts";

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
  /** Text waiting in the mailbox, in characters, beyond which new requests are refused. @default 4 Mi */
  maxQueuedChars: number;
}

/** Default limits. */
export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxFrameBytes: 1024 * 1024,
  mailboxDepth: 64,
  maxRefused: 256,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxQueuedChars: 4 * 1024 * 1024,
};

type MailItem = { text: string } | { reply: ServerMessage };

/** The actor behind one WebSocket. */
export class Session implements DispatchSession, RegisteredSession {
  readonly id: string = crypto.randomUUID();
  readonly remote: string;
  readonly remoteAddress: string;
  readonly auth: SessionAuth;

  readonly #socket: WebSocket;
  readonly #deps: AppDeps;
  readonly #limits: SessionLimits;
  readonly #mailbox: MailItem[] = [];
  #running = false;
  #refused = 0;
  /** Characters of request text waiting in the mailbox. */
  #queuedChars = 0;
  #closed = false;
  /** The live-event subscription (its unsubscribe function). */
  #subscription: (() => void) | null = null;
  /** The connection's place in the upgrade's counts (anonymous or not, open until Deno says closed). */
  readonly #slot: SessionSlot;

  constructor(
    socket: WebSocket,
    deps: AppDeps,
    remote: { address: string; port: number },
    limits: Partial<SessionLimits> = {},
    slot: SessionSlot = UNCOUNTED_SLOT,
  ) {
    this.#slot = slot;
    this.#socket = socket;
    this.#deps = deps;
    this.#limits = { ...DEFAULT_SESSION_LIMITS, ...limits };
    this.auth = new SessionAuth(deps.store.db);
    this.remoteAddress = remote.address;
    this.remote = `${remote.address}:${remote.port}`;
    socket.addEventListener("open", () => {
      // Closed before it opened (the login deadline, a shutdown): close it now.
      if (this.#closed) this.#closeSocket(this.#closeCode, this.#closeReason);
      else deps.sessions.add(this);
    });
    socket.addEventListener("message", (event) => this.#onFrame(event.data));
    const closed = (): void => {
      slot.release();
      this.#dispose();
    };
    socket.addEventListener("close", closed);
    socket.addEventListener("error", closed);
  }

  get actor(): Actor | null {
    return this.auth.actor;
  }

  get tokenHash(): string | null {
    return this.auth.tokenHash;
  }

  userId(): number | null {
    return this.auth.actor?.userId ?? null;
  }

  login(userId: number, rank: UserRank, token: LoginToken): void {
    this.auth.login(userId, rank, token);
    this.#slot.authenticated();
  }

  /** Clears the authentication (logout, abort). Privileges and the subscription go with it. */
  logout(): void {
    this.auth.logout();
    this.subscribe(null);
    this.#slot.anonymous();
  }

  subscribe(listen: ((push: (message: ServerMessage) => void) => () => void) | null): void {
    this.#subscription?.();
    this.#subscription = null;
    if (listen === null || this.#closed) return;
    this.#subscription = listen((message) => {
      if (this.auth.isAuthenticatedAt(this.#deps.clock.now())) this.send(message);
    });
  }

  /** Logs out and pushes `session_closed` (uuid "" as Leosac, for its clients). */
  abort(reason: string): void {
    this.logout();
    this.send(pushMessage("session_closed", { reason }, ""));
  }

  recheck(now: number): boolean {
    if (this.#closed) return false;
    const verdict = this.auth.check(now);
    if (verdict.ok) return false;
    this.abort(verdict.reason);
    return true;
  }

  /** Sends a frame; a client that does not read is disconnected. */
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
    // A socket still CONNECTING cannot be closed yet: the open listener closes it.
    this.#closeCode = code;
    this.#closeReason = reason;
    if (this.#socket.readyState === WebSocket.OPEN) this.#closeSocket(code, reason);
    this.#dispose();
  }

  #closeCode = 1000;
  #closeReason = "";

  #closeSocket(code: number, reason: string): void {
    try {
      this.#socket.close(code, reason);
    } catch {
      // already closing
    }
  }

  #dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#slot.closing();
    this.#mailbox.length = 0;
    this.#queuedChars = 0;
    this.#subscription?.();
    this.#subscription = null;
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
    return parsed.ok ? this.#deps.dispatcher.dispatch(parsed.message, this) : parsed.reply;
  }
}
