/**
 * HTTP → WebSocket upgrade, with the cross-site (Origin) check.
 *
 * @module
 */
import { logger } from "../log.ts";
import type { AppDeps } from "./context.ts";
import { Session, type SessionLimits } from "./session.ts";

const log = logger("ws");

/** Options of the upgrade. */
export interface UpgradeOptions {
  /** Extra origins (scheme://host:port) browsers may connect from. */
  allowedOrigins: readonly string[];
  /** Ping interval / dead-peer timeout in seconds (Deno's `idleTimeout`). @default 60 */
  idleTimeoutS?: number;
  limits?: Partial<SessionLimits>;
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
  const { socket, response } = Deno.upgradeWebSocket(req, {
    idleTimeout: options.idleTimeoutS ?? 60,
  });
  new Session(socket, deps, remote, options.limits ?? {});
  return response;
}
