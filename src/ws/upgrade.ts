/**
 * HTTP → WebSocket upgrade, with the cross-site (Origin) check.
 *
 * @module
 */
import { logger } from "../log.ts";
import type { AppDeps } from "./context.ts";
import { Session, type SessionLimits } from "./session.ts";

const log = logger("ws");

/** Default bound on open WebSocket sessions (each costs about 50 KB). */
export const DEFAULT_MAX_SESSIONS = 1024;

/** Options of the upgrade. */
export interface UpgradeOptions {
  /** Extra origins (scheme://host:port) browsers may connect from. */
  allowedOrigins: readonly string[];
  /** Ping interval / dead-peer timeout in seconds (Deno's `idleTimeout`). @default 60 */
  idleTimeoutS?: number;
  limits?: Partial<SessionLimits>;
  /** Open WebSocket sessions beyond which new upgrades get HTTP 503. @default 1024 */
  maxSessions?: number;
}

/**
 * True when the request may open a WebSocket: no `Origin` (not a browser),
 * the same host as the page, or an allowed origin.
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
  return host !== null && parsed.host === host &&
    (parsed.protocol === "http:" || parsed.protocol === "https:");
}

/** Upgrades the request and starts a Session actor on the socket. */
export function upgradeToSession(
  req: Request,
  remote: { address: string; port: number },
  deps: AppDeps,
  options: UpgradeOptions,
): Response {
  if (!isOriginAllowed(req, options.allowedOrigins)) {
    log.warn("Refused WebSocket from origin {origin}", { origin: req.headers.get("origin") });
    return new Response("Cross-origin WebSocket refused\n", { status: 403 });
  }
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  if (deps.sessions.size >= maxSessions) {
    log.warn("Refused WebSocket from {remote}: {count} sessions already open", {
      remote: remote.address,
      count: deps.sessions.size,
    });
    return new Response("Too many open sessions\n", {
      status: 503,
      headers: { "retry-after": "5" },
    });
  }
  const { socket, response } = Deno.upgradeWebSocket(req, {
    idleTimeout: options.idleTimeoutS ?? 60,
  });
  new Session(socket, deps, remote, options.limits ?? {});
  return response;
}
