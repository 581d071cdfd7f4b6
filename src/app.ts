/**
 * Composition root: wires the store, the API, the controller and the web
 * routes into one HTTP handler.
 *
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";
import type { Store } from "./store/store.ts";
import { AuditWriter } from "./ws/audit_writer.ts";
import type { ControllerPort } from "./controller/port.ts";
import type { AppDeps } from "./ws/context.ts";
import { Dispatcher } from "./ws/dispatcher.ts";
import { EventHub } from "./ws/event_hub.ts";
import { LoginLimiter, type LoginLimiterOptions } from "./ws/login_limiter.ts";
import { sqlRelations } from "./ws/permissions.ts";
import { SessionRegistry } from "./ws/registry.ts";
import type { SessionLimits } from "./ws/session.ts";
import { Upgrader } from "./ws/upgrade.ts";
import { DiskWatch } from "./ws/disk_watch.ts";
import type { AdmissionLimits } from "./ws/admission.ts";
import { schemaVersion } from "./store/db.ts";
import { VERSION_STRING } from "./version.ts";
import { serveStatic } from "./web/static.ts";
import type { Cidr } from "./metrics/cidr.ts";
import { createLeosacMetrics } from "./metrics/leosac_metrics.ts";
import { createMetricsRoute } from "./metrics/route.ts";
import type { SiteService } from "./site/service.ts";

/** Options of {@linkcode createApp}. */
export interface AppOptions {
  store: Store;
  clock?: Clock;
  allowedOrigins?: readonly string[];
  controller?: ControllerPort | null;
  sessionLimits?: Partial<SessionLimits>;
  /** Longest a handler may run before the request gets TIMEOUT (and is aborted). @default 30 s */
  handlerTimeoutMs?: number;
  /** Open WebSocket sessions beyond which upgrades are refused (503). @default 1024 */
  maxSessions?: number;
  /** Per-address and not-logged-in connection limits, login deadline (`src/ws/admission.ts`). */
  connectionLimits?: Partial<AdmissionLimits>;
  loginLimits?: LoginLimiterOptions;
  instanceName?: string;
  /** Called by the `restart` endpoint. */
  onRestart?: () => void;
  /** Flush interval of API-call audit rows. @default 200 */
  auditFlushMs?: number;
  /** Ranges besides loopback that may read `/metrics` (`--metrics-allow`). @default [] */
  metricsAllow?: readonly Cidr[];
  /** The site this controller belongs to (`docs/site.md`). @default null */
  site?: SiteService | null;
}

/** The assembled application. */
export interface App {
  handler(req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Response | Promise<Response>;
  deps: AppDeps;
  /** Closes every session, flushes the audit buffer. Does not close the store. */
  close(): Promise<void>;
}

/** Builds the app around an open store. */
export function createApp(options: AppOptions): App {
  const clock = options.clock ?? systemClock;
  const audit = new AuditWriter(options.store.db, {
    flushIntervalMs: options.auditFlushMs ?? 200,
    clock,
  });
  const sessions = new SessionRegistry();
  const events = new EventHub();
  const startedAt = clock.now();
  const logins = new LoginLimiter(options.loginLimits, clock);
  const dispatcher = new Dispatcher({
    store: options.store,
    clock,
    audit,
    relations: sqlRelations(options.store.db),
    controller: options.controller ?? null,
    services: {
      logins,
      sessions,
      events,
      system: {
        instanceName: options.instanceName ?? "leosac",
        startedAt,
        requestRestart: options.onRestart ?? (() => {}),
      },
      site: options.site ?? null,
    },
  }, options.handlerTimeoutMs ?? 30_000);
  const deps: AppDeps = {
    store: options.store,
    clock,
    audit,
    sessions,
    events,
    dispatcher,
    startedAt,
  };
  // Releases the disk reserve on a full disk, re-creates it, raises the alarms.
  const diskWatch = new DiskWatch({ store: options.store, events, clock });
  const upgrader = new Upgrader(deps, {
    allowedOrigins: options.allowedOrigins ?? [],
    limits: options.sessionLimits ?? {},
    connections: {
      ...options.connectionLimits,
      ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions }),
    },
    knownAddress: (address) => logins.isKnownAddress(address),
  });
  const metrics = createLeosacMetrics({
    clock,
    startedAt,
    db: options.store.db,
    databasePath: options.store.databasePath,
    fileState: () => options.store.fileState(),
    diskState: () => options.store.diskState(),
    connections: upgrader.admission,
    logins,
    controller: options.controller ?? null,
  });
  const serveMetrics = createMetricsRoute(metrics, options.metricsAllow ?? []);

  function health(): Response {
    let database: string = deps.store.fileState();
    if (database === "ok") {
      try {
        schemaVersion(deps.store.db);
      } catch {
        database = "error";
      }
    }
    // A full disk is degraded too: doors open, but their events wait in memory.
    const { disk, freeBytes, reserve, reserveBytes } = deps.store.diskState();
    const healthy = database === "ok" && disk !== "full";
    return Response.json({
      status: healthy ? "ok" : "degraded",
      version: VERSION_STRING,
      uptime_s: Math.floor((clock.now() - deps.startedAt) / 1000),
      database,
      disk,
      disk_free_bytes: freeBytes,
      reserve: reserve ?? "off",
      reserve_bytes: reserveBytes ?? 0,
      sessions: deps.sessions.size,
      // The site (docs/site.md): a controller cut off from it still decides, so it stays healthy.
      site: options.site?.status() ?? null,
    }, { status: healthy ? 200 : 503 });
  }

  return {
    deps,
    handler(req, info) {
      const url = new URL(req.url);
      if (req.headers.get("upgrade")?.toLowerCase() === "websocket") {
        if (url.pathname !== "/" && url.pathname !== "/websocket") {
          return new Response("Not found\n", { status: 404 });
        }
        return upgrader.upgrade(req, {
          address: info.remoteAddr.hostname,
          port: info.remoteAddr.port,
        });
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        return new Response("Method not allowed\n", {
          status: 405,
          headers: { allow: "GET, HEAD" },
        });
      }
      if (url.pathname === "/healthz") return health();
      if (url.pathname === "/metrics") return serveMetrics(info.remoteAddr.hostname);
      return serveStatic(url.pathname);
    },
    async close() {
      deps.sessions.closeAll(1001, "Server shutting down");
      upgrader.close();
      metrics.close();
      diskWatch.close();
      deps.audit.close();
      await Promise.resolve();
    },
  };
}
