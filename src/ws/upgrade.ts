/**
 * HTTP → WebSocket upgrade: the cross-site (Origin) check, the connection
 * limits ({@linkcode Admission}), and a plain 400 for a request that is not a
 * valid upgrade. Refusals an attacker can repeat at will are logged through
 * {@linkcode RateLimitedLog}.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { logger } from "../log.ts";
import type { AppDeps } from "./context.ts";
import { Admission, type AdmissionLimits, type Refusal } from "./admission.ts";
import { DEFAULT_LOG_INTERVAL_MS, RateLimitedLog } from "./rate_limited_log.ts";
import { Session, type SessionLimits } from "./session.ts";

const log = logger("ws");

/** Default bound on open WebSocket sessions (each costs about 50 KB). */
export const DEFAULT_MAX_SESSIONS = 1024;

/** Close code and reason of a connection that did not log in within the deadline. */
export const LOGIN_DEADLINE_CLOSE = { code: 1008, reason: "Not logged in in time" } as const;

/** Options of the upgrade. */
export interface UpgradeOptions {
  /** Extra origins (scheme://host:port) browsers may connect from. */
  allowedOrigins: readonly string[];
  /** Ping interval / dead-peer timeout in seconds (Deno's `idleTimeout`). @default 60 */
  idleTimeoutS?: number;
  limits?: Partial<SessionLimits>;
  /** Connection limits (see {@linkcode AdmissionLimits}). */
  connections?: Partial<AdmissionLimits>;
  /** Interval between two log lines of one kind of refusal. @default 60 s */
  logIntervalMs?: number;
  /** Whether an account logged in from the address recently (it may pass the shared anonymous bound). */
  knownAddress?: (address: string) => boolean;
}

/**
 * True when the request may open a WebSocket: no `Origin` (not a browser),
 * the same host as the page, or an allowed origin. The page's scheme follows
 * the server's: over TLS only an `https:` page of the same host; over plain
 * HTTP an `http:` or `https:` one (a TLS-terminating proxy in front).
 */
export function isOriginAllowed(req: Request, allowed: readonly string[]): boolean {
  const origin = req.headers.get("origin");
  if (origin === null) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (allowed.includes(parsed.origin)) return true;
  const host = req.headers.get("host");
  const overTls = req.url.startsWith("https:") || req.url.startsWith("wss:");
  return host !== null && parsed.host === host &&
    (parsed.protocol === "https:" || (parsed.protocol === "http:" && !overTls));
}

const REFUSAL_TEXT: Record<Refusal, string> = {
  sessions: "Too many open sessions\n",
  address: "Too many connections from this address\n",
  anonymous: "Too many connections waiting to log in\n",
};

/** Upgrades requests and starts a Session actor on each socket. */
export class Upgrader {
  /** The connection counts. */
  readonly admission: Admission;
  readonly #deps: AppDeps;
  readonly #options: UpgradeOptions;
  readonly #refusedOrigins: RateLimitedLog;
  readonly #refusedFull: RateLimitedLog;

  constructor(deps: AppDeps, options: UpgradeOptions, clock: Clock = deps.clock) {
    this.#deps = deps;
    this.#options = options;
    this.admission = new Admission(clock, options.connections, options.knownAddress);
    const interval = options.logIntervalMs ?? DEFAULT_LOG_INTERVAL_MS;
    this.#refusedOrigins = new RateLimitedLog(
      clock,
      interval,
      (count, ms) =>
        log.warn("Refused {count} more WebSockets from foreign origins in the last {seconds} s", {
          count,
          seconds: ms / 1000,
        }),
    );
    this.#refusedFull = new RateLimitedLog(
      clock,
      interval,
      (count, ms) =>
        log.warn("Refused {count} more WebSockets (connection limits) in the last {seconds} s", {
          count,
          seconds: ms / 1000,
        }),
    );
  }

  /** Answers an upgrade request: 101 and a session, or 400, 403 or 503. */
  upgrade(req: Request, remote: { address: string; port: number }): Response {
    if (!isOriginAllowed(req, this.#options.allowedOrigins)) {
      this.#refusedOrigins.hit(() =>
        log.warn("Refused WebSocket from origin {origin}", { origin: req.headers.get("origin") })
      );
      return new Response("Cross-origin WebSocket refused\n", { status: 403 });
    }
    let session: Session | null = null;
    const slot = this.admission.admit(remote.address, () => {
      log.debug("Closing the connection from {remote}: not logged in in time", {
        remote: remote.address,
      });
      session?.close(LOGIN_DEADLINE_CLOSE.code, LOGIN_DEADLINE_CLOSE.reason);
    });
    if (typeof slot === "string") {
      this.#refusedFull.hit(() =>
        log.warn("Refused WebSocket from {remote}: {why}", {
          remote: remote.address,
          why: REFUSAL_TEXT[slot].trim(),
          open: this.admission.open,
          anonymous: this.admission.anonymous,
        })
      );
      return new Response(REFUSAL_TEXT[slot], { status: 503, headers: { "retry-after": "5" } });
    }
    let upgraded: Deno.WebSocketUpgrade;
    try {
      upgraded = Deno.upgradeWebSocket(req, { idleTimeout: this.#options.idleTimeoutS ?? 60 });
    } catch (error) {
      // Not a valid upgrade (no Sec-WebSocket-Key, no `Connection: Upgrade`): the client's fault.
      slot.release();
      log.debug("Bad WebSocket upgrade from {remote}: {error}", {
        remote: remote.address,
        error: error instanceof Error ? error.message : String(error),
      });
      return new Response("Bad WebSocket upgrade request\n", { status: 400 });
    }
    session = new Session(
      upgraded.socket,
      this.#deps,
      remote,
      this.#options.limits ?? {},
      slot,
    );
    return upgraded.response;
  }

  /** Stops the log timers (shutdown). */
  close(): void {
    this.#refusedOrigins.close();
    this.#refusedFull.close();
  }
}
