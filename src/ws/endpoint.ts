/**
 * What an endpoint is: one declared record per endpoint module. The
 * dispatcher, the router, the call audit, the permission matrix test and the
 * protocol docs read these records; no behaviour hangs on a wire name's
 * prefix or suffix.
 *
 * @example A whole endpoint module
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineEndpoint } from "./endpoint.ts";
 * import { object, str } from "./validate.ts";
 *
 * // A named decoder, so that `handle` infers the request type from it.
 * const decode = object({ text: str(64) });
 *
 * export const echo = defineEndpoint({
 *   names: ["demo.echo"],
 *   session: "required",
 *   permission: { action: "SYSTEM_OVERVIEW" },
 *   access: "read",
 *   audit: "failures",
 *   wiring: false,
 *   decode,
 *   handle: (_ctx, request) => ({ text: request.text }),
 * });
 * assert.deepEqual(echo.decode({ text: "hi" }, ""), { text: "hi" });
 * ```
 *
 * @module
 */
import type { Action, Actor, Target } from "./permissions.ts";
import type { Decoder } from "./validate.ts";
import type { Store } from "../store/store.ts";
import type { AuditEntry } from "../store/audit.ts";
import type { ControllerPort } from "../controller/port.ts";
import type { ServerMessage } from "./protocol.ts";
import type { UserRank } from "../store/users.ts";
import type { Validity } from "../policy/validity.ts";
import type { LoginLimiter } from "./login_limiter.ts";
import type { EventHub } from "./event_hub.ts";
import type { RegisteredSession } from "./registry.ts";
import type { SiteService } from "../site/service.ts";

// The types an endpoint author meets in the records below, re-exported so
// this module is the whole surface for writing an endpoint.
export type {
  Action,
  Actor,
  AuditEntry,
  ControllerPort,
  Decoder,
  EventHub,
  LoginLimiter,
  RegisteredSession,
  ServerMessage,
  SiteService,
  Store,
  Target,
  UserRank,
  Validity,
};
export { AUDIT_KIND, type AuditKind, type JsonObject } from "../store/audit.ts";
export type { EventListener, LiveEvent } from "./event_hub.ts";
export type { GuessKind, LoginAccount, LoginAttempt } from "./login_limiter.ts";
export type {
  DoorCommand,
  DoorCommandReply,
  DoorCommandRequest,
  DoorStateEntry,
  SiteDoorsPort,
  SiteDoorState,
} from "../site/door_command.ts";
export type { SitePolicyPort, SiteStatus } from "../site/service.ts";
export type { Capture, Change, SqlValue, TableShape } from "../site/capture.ts";
export type { ComputedChange } from "../site/policy_log.ts";
export { PERMISSIONS } from "./permissions.ts";
export { USER_RANK } from "../store/users.ts";
export { DOOR_MODES, type DoorMode } from "../store/doors.ts";

/** Whether a call needs a logged-in session. */
export type SessionNeed =
  /** Logged in (PERMISSION_DENIED otherwise). */
  | "required"
  /** Logged out: the login calls (PERMISSION_DENIED when logged in). */
  | "forbidden"
  /** Either. */
  | "optional";

/** Which `WSAPICall` audit row a call writes. */
export type CallAudit =
  /** Failures and refusals only: a successful call changed nothing worth a row. */
  | "failures"
  /** Every call, buffered and written in batches. */
  | "always"
  /** Every call, written before the reply (authentication). */
  | "immediately";

/**
 * The permission an endpoint checks, from the table in `permissions.ts`.
 * `action` is the endpoint's own action. Unless `byHandler` is set, the
 * dispatcher checks it (with an empty target) before the handler runs; with
 * `byHandler`, the handler checks it against the entity it loads, and the
 * dispatcher refuses to answer success for a handler that did not. `also`
 * lists the further actions the handler may check (rank grants, filters).
 */
export interface PermissionDeclaration<A extends Action> {
  /** The endpoint's own action. */
  readonly action: A;
  /** The handler checks `action` against the entity it loads. */
  readonly byHandler?: boolean;
  /** Further actions the handler may check. */
  readonly also?: readonly A[];
}

/** Services beyond the store, controller and session, given only to endpoints that declare them. */
export interface Services {
  /** Failed-login bookkeeping (login calls, password changes). */
  readonly logins: LoginLimiter;
  /** Other sessions (closing a user's sessions after a password change). */
  readonly sessions: { sessionsOf(userId: number, exceptId?: string): RegisteredSession[] };
  /** Live events. */
  readonly events: EventHub;
  /** The process: its name, start time, restart. */
  readonly system: { instanceName: string; startedAt: number; requestRestart(): void };
  /** The site this controller belongs to, or null when it runs alone (`docs/site.md`). */
  readonly site: SiteService | null;
}

/** A service name. */
export type ServiceName = keyof Services;

/** What a handler may do to its own session. */
export interface SessionPort {
  /** Connection id. */
  readonly id: string;
  /** "ip:port" of the peer. */
  readonly remote: string;
  /** The peer's address. */
  readonly remoteAddress: string;
  /** The logged-in user, or null. */
  readonly actor: Actor | null;
  /** Hash of the session's token, when logged in. */
  readonly tokenHash: string | null;
  /** Marks the session logged in with a token valid until `expiresAt`. */
  login(
    userId: number,
    rank: UserRank,
    token: { tokenHash: string; username: string; expiresAt: number; validity: Validity },
  ): void;
  /** Logs out: privileges and the live-event subscription go. */
  logout(): void;
  /**
   * Subscribes the session to live events (replacing an earlier
   * subscription); `push` is called for each event while the session is
   * authenticated. `null` unsubscribes.
   */
  subscribe(listen: ((push: (message: ServerMessage) => void) => () => void) | null): void;
}

/** Everything a handler receives. */
export interface EndpointContext<A extends Action = Action, N extends ServiceName = never> {
  /** Request time (Unix ms), from the injected clock. */
  readonly now: number;
  /** The request's uuid. */
  readonly uuid: string;
  /** The wire name the call used (one of the declaration's names). */
  readonly type: string;
  /** The database. */
  readonly store: Store;
  /** The door controller, or null when the process runs without one. */
  readonly controller: ControllerPort | null;
  /** The caller's own session. */
  readonly session: SessionPort;
  /** The declared services. */
  readonly services: Pick<Services, N>;
  /** Aborts when the call overran its time limit: nothing may commit after that. */
  readonly signal: AbortSignal;
  /** Throws PERMISSION_DENIED unless allowed; returns the actor. */
  require(action: A, target?: Target): Actor;
  /** True when allowed (for filtering lists). */
  can(action: A, target?: Target): boolean;
  /**
   * Runs `fn` in one write transaction, unless the call was aborted (its
   * time limit passed): then it throws and nothing is written.
   */
  transaction<T>(fn: () => T): T;
  /** Appends an audit row stamped with the request time (inside the caller's transaction). */
  audit(entry: Omit<AuditEntry, "timestamp">): void;
  /**
   * Set to true when the call's refusal should get no audit row of its own
   * but be counted per minute, address and kind (a failed login past the
   * minute's budget of failed-login rows).
   */
  countedOnly: boolean;
}

/** One endpoint. */
export interface EndpointDeclaration<
  T = unknown,
  A extends Action = Action,
  N extends ServiceName = ServiceName,
> {
  /** Wire names: the first is the documented one, the others aliases. */
  readonly names: readonly [string, ...string[]];
  /** Whether a call needs a logged-in session. */
  readonly session: SessionNeed;
  /** The permission checked, or null (session gate only: login, logout, version). */
  readonly permission: PermissionDeclaration<A> | null;
  /** A read changes nothing and runs in one read snapshot. */
  readonly access: "read" | "write";
  /**
   * For a write: whether it changes the site-wide policy (people, cards,
   * schedules, doors and devices: in a site, published through the policy
   * log and applied on every controller before the reply, `docs/site.md`)
   * or only this controller's own state (sessions, door commands, its live
   * door mode, simulation). Reads have none.
   */
  readonly scope?: "site" | "local";
  /** Which `WSAPICall` row a call writes. */
  readonly audit: CallAudit;
  /** A successful call changes what the controller wires (it reloads before the reply). */
  readonly wiring: boolean;
  /** Services the handler uses beyond the store, controller and session. */
  readonly uses?: readonly N[];
  /** Turns the request content into a typed request (BAD_REQUEST naming the key otherwise). */
  readonly decode: Decoder<T>;
  /** Answers the request; the reply content is returned (or thrown as an AppError). */
  handle(
    ctx: EndpointContext<NoInfer<A>, NoInfer<N>>,
    request: NoInfer<T>,
    signal: AbortSignal,
  ): unknown;
}

/** Any declaration (what the router and the dispatcher hold). */
// deno-lint-ignore no-explicit-any
export type AnyEndpoint = EndpointDeclaration<any, any, any>;

/**
 * Declares an endpoint. The decoder, the actions and the services are
 * inferred, so `handle` sees a typed request and may only check the declared
 * actions and use the declared services.
 */
export function defineEndpoint<
  T,
  const A extends Action = never,
  const N extends ServiceName = never,
>(
  declaration: EndpointDeclaration<T, A, N>,
): AnyEndpoint {
  if (declaration.access === "read" && declaration.wiring) {
    throw new Error(`${declaration.names[0]}: a read cannot change the wiring`);
  }
  if ((declaration.access === "write") !== (declaration.scope !== undefined)) {
    throw new Error(`${declaration.names[0]}: a write declares its scope, a read none`);
  }
  return Object.freeze(declaration) as AnyEndpoint;
}
