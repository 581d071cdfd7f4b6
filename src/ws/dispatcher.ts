/**
 * Runs one request against its declared endpoint: the session check, the
 * session gate, the decoder, the permission, the handler (in a read snapshot
 * for reads, aborted when it overruns), the wiring reload after a change, and
 * the call's `WSAPICall` audit row. Everything it does is read from the
 * endpoint's declaration.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { AppError, PermissionDeniedError, STATUS } from "../errors.ts";
import { logger } from "../log.ts";
import type { Store } from "../store/store.ts";
import type { ControllerPort } from "../controller/port.ts";
import type { AuditWriter } from "./audit_writer.ts";
import { junkKind } from "./junk_tally.ts";
import { CallContext, type SiteCaptureSink } from "./call_context.ts";
import type { SitePolicyPort } from "../site/service.ts";
import type { AnyEndpoint, Services, SessionPort } from "./endpoint.ts";
import { type Relations, requirePermission } from "./permissions.ts";
import {
  type ClientMessage,
  errorReply,
  replyForError,
  type ServerMessage,
  successReply,
} from "./protocol.ts";
import { inReadSnapshot } from "./read_only.ts";
import { ENDPOINTS } from "./router.ts";
import type { SessionAuth } from "./session_auth.ts";

const log = logger("ws");

/** What the dispatcher needs (built once by the app). */
export interface DispatchDeps {
  store: Store;
  clock: Clock;
  audit: AuditWriter;
  relations: Relations;
  controller: ControllerPort | null;
  services: Services;
}

/** The calling session, as the dispatcher sees it. */
export interface DispatchSession extends SessionPort {
  readonly auth: SessionAuth;
}

/** A handler that ran longer than its limit (status 6). */
export class TimeoutError extends AppError {
  constructor() {
    super(STATUS.TIMEOUT, "Timeout", "Request timed out.");
    this.name = "TimeoutError";
  }
}

/** Answers requests from the declared endpoints. */
export class Dispatcher {
  readonly #deps: DispatchDeps;
  readonly #timeoutMs: number;
  readonly #endpoints: Readonly<Record<string, AnyEndpoint>>;
  readonly #aborts = new WeakMap<DispatchSession, AbortController>();
  /** Requests whose content the endpoint's decoder refused. */
  readonly #undecoded = new WeakSet<ClientMessage>();
  /** The context of each running request (its handler may ask to be counted only). */
  readonly #contexts = new WeakMap<ClientMessage, CallContext>();

  /** `endpoints` defaults to every declared endpoint (tests pass their own). */
  constructor(
    deps: DispatchDeps,
    handlerTimeoutMs: number,
    endpoints: Readonly<Record<string, AnyEndpoint>> = ENDPOINTS,
  ) {
    this.#deps = deps;
    this.#timeoutMs = handlerTimeoutMs;
    this.#endpoints = endpoints;
  }

  /** The reply to `request`; synchronous endpoints answer without an await. */
  dispatch(
    request: ClientMessage,
    session: DispatchSession,
  ): ServerMessage | Promise<ServerMessage> {
    const started = this.#deps.clock.monotonic();
    const now = this.#deps.clock.now();
    const author = { id: session.actor?.userId ?? null, name: session.auth.username };
    const endpoints = this.#endpoints;
    const ep = Object.hasOwn(endpoints, request.type) ? endpoints[request.type] : undefined;
    if (ep === undefined) {
      const reply = errorReply(
        request,
        STATUS.INVALID_CALL,
        "Leosac::Module::WebSockAPI::InvalidCall",
        "Unknown message type.",
      );
      return this.#audited(request, reply, session, { started, now, author, ep: null });
    }
    const reply = this.#run(request, ep, session, now);
    const options = { started, now, author, ep };
    return reply instanceof Promise
      ? reply.then((r) => this.#audited(request, r, session, options))
      : this.#audited(request, reply, session, options);
  }

  #run(
    request: ClientMessage,
    ep: AnyEndpoint,
    session: DispatchSession,
    now: number,
  ): ServerMessage | Promise<ServerMessage> {
    try {
      const auth = session.auth.check(now);
      if (!auth.ok) {
        return errorReply(
          request,
          STATUS.SESSION_ABORTED,
          "Leosac::Module::WebSockAPI::SessionAborted",
          auth.reason,
        );
      }
      const loggedIn = session.actor !== null;
      if (ep.session === "required" && !loggedIn) throw new PermissionDeniedError();
      if (ep.session === "forbidden" && loggedIn) throw new PermissionDeniedError();
      const deps = this.#deps;
      if (ep.permission !== null && ep.permission.byHandler !== true) {
        requirePermission(session.actor, ep.permission.action, {}, deps.relations);
      }
      let content;
      try {
        content = ep.decode(request.content, "");
      } catch (error) {
        this.#undecoded.add(request);
        throw error;
      }
      const site = deps.services.site;
      if (ep.access === "write" && ep.scope === "site" && site !== null) {
        return this.#siteWrite(request, ep, session, now, content, site.policy);
      }
      const abort = this.#abortFor(session);
      const ctx = new CallContext(
        now,
        request.uuid,
        request.type,
        deps.store,
        deps.controller,
        session,
        deps.services,
        abort.signal,
        deps.relations,
      );
      this.#contexts.set(request, ctx);
      const result = ep.access === "read"
        ? inReadSnapshot(deps.store.db, () => ep.handle(ctx, content, abort.signal))
        : ep.handle(ctx, content, abort.signal);
      const unchecked = () => ep.permission?.byHandler === true && !ctx.checked;
      if (result instanceof Promise || ep.wiring) {
        return this.#finish(request, ep, result, abort, unchecked);
      }
      if (unchecked()) return this.#unchecked(request, ep);
      return successReply(request, result);
    } catch (error) {
      return this.#failure(request, error);
    }
  }

  /**
   * A site-wide write in a site: the handler runs against a copy caught up
   * with the site's policy log, its rows are captured (not written), and the
   * policy log publishes them and applies them here before the reply. The
   * handler's time limit covers the handler; the policy log bounds its own
   * waits, and never answers an error for a change it may yet apply.
   */
  async #siteWrite(
    request: ClientMessage,
    ep: AnyEndpoint,
    session: DispatchSession,
    now: number,
    content: unknown,
    policy: SitePolicyPort,
  ): Promise<ServerMessage> {
    const deps = this.#deps;
    try {
      const value = await policy.write(async () => {
        const abort = this.#abortFor(session);
        const sink: SiteCaptureSink = { capture: policy.capture, changes: [], audits: [] };
        const ctx = new CallContext(
          now,
          request.uuid,
          request.type,
          deps.store,
          deps.controller,
          session,
          deps.services,
          abort.signal,
          deps.relations,
          sink,
        );
        this.#contexts.set(request, ctx);
        const result = ep.handle(ctx, content, abort.signal);
        const value = result instanceof Promise ? await this.#withTimeout(result, abort) : result;
        if (ep.permission?.byHandler === true && !ctx.checked) {
          throw new Error(`Endpoint ${ep.names[0]} answered without checking its permission`);
        }
        return {
          result: value,
          changes: sink.changes,
          audits: sink.audits,
          keepToken: session.tokenHash,
          now,
        };
      });
      if (ep.wiring) await this.#reload(request.type);
      return successReply(request, value);
    } catch (error) {
      return this.#failure(request, error);
    }
  }

  /**
   * The session's abort controller: one per session, replaced once it has
   * fired. A session runs one call at a time, so an unfired controller is
   * free for its next call; a call that timed out keeps its fired one.
   */
  #abortFor(session: DispatchSession): AbortController {
    let abort = this.#aborts.get(session);
    if (abort === undefined || abort.signal.aborted) {
      abort = new AbortController();
      this.#aborts.set(session, abort);
    }
    return abort;
  }

  /** The asynchronous end of a call: its handler's promise (with the time limit), the reload. */
  async #finish(
    request: ClientMessage,
    ep: AnyEndpoint,
    result: unknown,
    abort: AbortController,
    unchecked: () => boolean,
  ): Promise<ServerMessage> {
    try {
      const value = result instanceof Promise ? await this.#withTimeout(result, abort) : result;
      if (unchecked()) return this.#unchecked(request, ep);
      if (ep.wiring) await this.#reload(request.type);
      return successReply(request, value);
    } catch (error) {
      return this.#failure(request, error);
    }
  }

  /** Waits for `promise`, aborting the handler's signal when the time limit passes. */
  #withTimeout<T>(promise: Promise<T>, abort: AbortController): Promise<T> {
    const { clock } = this.#deps;
    let timer: unknown;
    const timeout = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => {
        const error = new TimeoutError();
        abort.abort(error);
        reject(error);
      }, this.#timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clock.clearTimeout(timer));
  }

  /** Makes the controller re-read its wiring; a failure is logged (it also reloads on restart). */
  async #reload(type: string): Promise<void> {
    if (this.#deps.controller === null) return;
    try {
      await this.#deps.controller.request({ type: "reload" });
    } catch (error) {
      log.warn("Controller reload after {type} failed: {error}", { type, error: String(error) });
    }
  }

  /** A handler that returned without checking its declared permission: a bug, never a success. */
  #unchecked(request: ClientMessage, ep: AnyEndpoint): ServerMessage {
    log.error("Endpoint {name} answered without checking its permission", { name: ep.names[0] });
    return errorReply(request, STATUS.GENERAL_FAILURE, "LEOSACException", "Internal error.");
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

  /** Records the call's audit row as its endpoint declares, and returns the reply. */
  #audited(
    request: ClientMessage,
    reply: ServerMessage,
    session: DispatchSession,
    options: {
      started: number;
      now: number;
      author: { id: number | null; name: string | null };
      ep: AnyEndpoint | null;
    },
  ): ServerMessage {
    const audit = options.ep?.audit ?? "always";
    if (reply.status_code === STATUS.SUCCESS && audit === "failures") return reply;
    // Refused calls of a connection that is not logged in are only counted.
    const junk = junkKind({
      anonymous: options.author.id === null && session.actor === null,
      known: options.ep !== null,
      undecoded: this.#undecoded.has(request),
      authentication: audit === "immediately",
      countedOnly: this.#contexts.get(request)?.countedOnly === true,
      statusCode: reply.status_code,
    });
    this.#deps.audit.record({
      method: request.type.slice(0, 128),
      uuid: request.uuid,
      statusCode: reply.status_code,
      statusString: reply.status_string.slice(0, 1024),
      authorId: options.author.id ?? session.actor?.userId ?? null,
      authorName: options.author.name ?? session.auth.username,
      sourceEndpoint: session.remote,
      durationMs: Math.round(this.#deps.clock.monotonic() - options.started),
      timestamp: options.now,
      junk,
      remoteAddress: session.remoteAddress,
    }, audit === "immediately");
    return reply;
  }
}
