/**
 * What a WebSocket endpoint is and what it is given.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { Store } from "../store/store.ts";
import type { UserRank } from "../store/users.ts";
import type { Validity } from "../store/validity.ts";
import type { Action, Actor, Relations, Target } from "./permissions.ts";
import type { Decoder } from "./validate.ts";
import type { ServerMessage } from "./protocol.ts";
import type { AuditWriter } from "./audit_writer.ts";
import type { LoginLimiter } from "./login_limiter.ts";
import type { SessionRegistry } from "./registry.ts";
import type { EventHub } from "./event_hub.ts";

/** The controller as seen from the API (door control, hardware, status). Optional in tests. */
export interface ControllerApi {
  /** Sends a request to the controller worker and waits for its answer. */
  request(message: { type: string; [key: string]: unknown }): Promise<unknown>;
  /** True when the process runs with simulated hardware. */
  readonly simulated: boolean;
}

/** Services shared by every session (built once by the app). */
export interface AppDeps {
  store: Store;
  clock: Clock;
  audit: AuditWriter;
  limiter: LoginLimiter;
  sessions: SessionRegistry;
  events: EventHub;
  relations: Relations;
  controller: ControllerApi | null;
  /** Process start time (Unix ms). */
  startedAt: number;
  /** Name shown by `system_overview`. */
  instanceName: string;
  /** Asks the process to restart (the `restart` endpoint). */
  requestRestart(): void;
}

/** The per-connection state a handler can see and change. */
export interface SessionState {
  /** Connection id (for logs and the registry). */
  readonly id: string;
  /** "ip:port" of the peer. */
  readonly remote: string;
  readonly remoteAddress: string;
  /** The logged-in user, or null. */
  actor: Actor | null;
  /** Hash of the session's token, when logged in. */
  tokenHash: string | null;
  /** Sends a frame to this session (pushes). */
  send(message: ServerMessage): void;
  /** Marks the session logged in with a token valid until `expiresAt`. */
  login(
    userId: number,
    rank: UserRank,
    session: { tokenHash: string; username: string; expiresAt: number; validity: Validity },
  ): void;
  /**
   * True while the session is logged in with an unexpired token and a user
   * within validity, as last checked (pushes go only to such sessions).
   */
  isAuthenticatedAt(nowMs: number): boolean;
  /** Clears the session's authentication and privileges. */
  logout(): void;
  /** The live-event subscription, if any (its unsubscribe function). */
  eventSubscription: (() => void) | null;
}

/** Everything a handler receives. */
export interface RequestContext {
  readonly deps: AppDeps;
  readonly session: SessionState;
  /** Request time (Unix ms), from the injected clock. */
  readonly now: number;
  readonly uuid: string;
  readonly type: string;
  /** Throws PERMISSION_DENIED unless allowed; returns the actor. */
  require(action: Action, target?: Target): Actor;
  /** True when allowed (for filtering lists). */
  can(action: Action, target?: Target): boolean;
}

/** Who may call an endpoint before its own permission check. */
export type AuthGate = "any" | "logged_out" | "logged_in";

/** One endpoint: a decoder for its content and a handler. */
export interface Endpoint<T = unknown> {
  auth: AuthGate;
  decode: Decoder<T>;
  handle(ctx: RequestContext, request: T): unknown;
  /** Write the WSAPICall audit row synchronously (authentication). @default false */
  auditNow?: boolean;
}

/**
 * Defines an endpoint. The decoder comes first so that the request type is
 * inferred from it before the handler is checked.
 */
export function endpoint<T>(
  decode: Decoder<T>,
  definition: {
    auth: AuthGate;
    auditNow?: boolean;
    handle(ctx: RequestContext, request: T): unknown;
  },
): Endpoint<unknown> {
  return { ...definition, decode } as unknown as Endpoint<unknown>;
}
