/**
 * `leosac serve`: opens the data directory, creates the first administrator
 * if needed, starts the controller and the HTTP server, and shuts all of it
 * down in reverse order.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { createApp } from "./app.ts";
import { ControllerClient } from "./controller/supervisor.ts";
import type { ServeCommand } from "./cli/flags.ts";
import { logger } from "./log.ts";
import { ensureAdministrator } from "./store/bootstrap.ts";
import { groupNameClashes } from "./store/groups.ts";
import { join } from "node:path";
import { openStore } from "./store/store.ts";
import { Site } from "./site/site.ts";
import { siteEventsCopy } from "./site/event_retention.ts";
import { MIB } from "./store/disk_reserve.ts";
import { purgeExpiredTokens } from "./store/tokens.ts";
import { startBackupSchedule } from "./store/backup_schedule.ts";
import { AuditRetention, auditRetentionPolicy } from "./store/audit_retention.ts";
import { bumpAuthEpoch } from "./store/auth_epoch.ts";
import { VERSION_STRING } from "./version.ts";
import { resolveServerTls, type TlsResolution } from "./tls/server_tls.ts";

const log = logger("server");

/**
 * Group names are unique regardless of case since issue 16; a database from
 * before may hold names that differ only by case. They keep working: one
 * warning names them, and renaming one of each is the way out.
 */
function warnGroupNameClashes(db: DatabaseSync): void {
  const clashes = groupNameClashes(db);
  if (clashes.length === 0) return;
  log.warn(
    "Group names that differ only by case: {groups}. Rename all but one of each so that names are unique regardless of case",
    { groups: clashes.map((names) => names.join(" / ")).join(", ") },
  );
}

/** Logs what the TLS setup did: a self-signed certificate made or replaced, or an insecure start. */
function logTls(tls: TlsResolution): void {
  if (tls.created === "first start") {
    log.info("Created a self-signed TLS certificate for {names}, valid until {until}", {
      names: tls.names.join(", "),
      until: tls.material?.notAfter.toISOString(),
    });
  } else if (tls.created !== null) {
    log.warn(
      "Replaced the self-signed TLS certificate ({why}): its fingerprint changed; it covers {names}, valid until {until}",
      {
        why: tls.created,
        names: tls.names.join(", "),
        until: tls.material?.notAfter.toISOString(),
      },
    );
  }
}

/** A running controller. */
export interface RunningServer {
  /** The URL it listens on, with the real port. */
  url: string;
  /** Stops everything; resolves when the database is closed. */
  shutdown(): Promise<void>;
  /** Resolves when the HTTP server has stopped. */
  finished: Promise<void>;
  /**
   * Checks every open session against the database now (a password reset
   * from the command line deleted tokens); returns how many were closed.
   */
  recheckSessions(): number;
}

/** Output the serve command writes on stdout (injected for tests). */
export interface ServeIo {
  print(line: string): void;
  /** Called by the `restart` endpoint (main.ts restarts the controller in-process). */
  onRestart?: () => void;
  /** Restarting: log the listening address instead of printing it again. */
  restarting?: boolean;
  /**
   * Stdout goes to a kept log (systemd's journal): a generated first password
   * is written to {@linkcode INITIAL_PASSWORD_FILE} in the data directory
   * (0600) instead of being printed.
   */
  toJournal?: boolean;
}

/** The file that holds a generated first password when stdout is a kept log. */
export const INITIAL_PASSWORD_FILE = "initial-admin-password";

/** Longest a shutdown waits for sessions and the HTTP server. */
export const SHUTDOWN_TIMEOUT_MS = 4000;

/** Reads `--admin-password-file`: its content without one trailing newline, at least 8 characters. */
async function readPasswordFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new Error(
      `cannot read --admin-password-file ${path}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
  const password = text.replace(/\r?\n$/, "");
  if (password.length < 8) {
    throw new Error(`the password in ${path} must have at least 8 characters`);
  }
  return password;
}

/** Starts the controller described by `command`. */
export async function startServer(command: ServeCommand, io: ServeIo): Promise<RunningServer> {
  const store = openStore(command.dataDir, {
    durableSync: command.durableSync,
    allowNewDatabase: command.allowNewDatabase,
    reserveBytes: command.diskReserveMb * MIB,
  });
  // A controller of a site joins it first (the first time, from the site's snapshot).
  let site: Site | null = null;
  let founding = false;
  try {
    if (command.site !== null) {
      site = new Site(command.site, store, command.dataDir);
      founding = await site.prepare(io.print);
    }
  } catch (error) {
    await site?.close();
    store.close();
    throw error;
  }
  try {
    // Expired tokens can never log anyone in again: drop them at each start.
    purgeExpiredTokens(store.db, Date.now());
    warnGroupNameClashes(store.db);
    const result = await ensureAdministrator(
      store.db,
      command.adminPasswordFile === undefined
        ? command.adminPassword
        : await readPasswordFile(command.adminPasswordFile),
    );
    if (result.created) {
      if (result.generatedPassword !== null && io.toJournal === true) {
        // The journal keeps what it is given: the password goes to a file only root reads.
        const file = join(command.dataDir, INITIAL_PASSWORD_FILE);
        await Deno.writeTextFile(file, result.generatedPassword + "\n", { mode: 0o600 });
        await Deno.chmod(file, 0o600);
        io.print(
          `First start: created administrator "${result.username}"; its password is in ${file} ` +
            "(mode 0600). Log in, change it, then delete the file.",
        );
      } else if (result.generatedPassword !== null) {
        io.print(
          `First start: created administrator "${result.username}" with password: ${result.generatedPassword}`,
        );
        io.print(
          "Write it down now: it is not stored anywhere in clear and will not be shown again.",
        );
      } else {
        log.info("Created administrator {username} with the given password", {
          username: result.username,
        });
      }
    }
    if (founding) await site!.found();
  } catch (error) {
    await site?.close();
    store.close();
    throw error;
  }
  let tls: TlsResolution;
  try {
    tls = await resolveServerTls(command.tls, {
      dataDir: command.dataDir,
      listenHost: command.hostname,
      now: new Date(),
    });
    logTls(tls);
    if (command.insecureHttp) {
      log.warn(
        "Serving plain HTTP on {host} (--insecure-http): passwords cross the network in clear",
        {
          host: command.hostname,
        },
      );
    }
  } catch (error) {
    store.close();
    throw error;
  }
  // The controller worker starts before the API is served, and stops after it.
  const controller = new ControllerClient({
    databasePath: store.databasePath,
    secret: store.secret,
    hardware: command.hardware,
    controllerName: command.site?.controller ?? null,
    db: store.db,
    logging: { level: command.logLevel, format: command.logFormat },
  });
  try {
    const wiring = await controller.start();
    log.info("Controller started: {doors} doors, {readers} readers", {
      doors: wiring.doors,
      readers: wiring.readers,
    });
  } catch (error) {
    await controller.stop();
    store.close();
    throw error;
  }
  const app = createApp({
    store,
    allowedOrigins: command.allowedOrigins,
    metricsAllow: command.metricsAllow,
    controller,
    site,
    ...(io.onRestart ? { onRestart: io.onRestart } : {}),
  });
  site?.start({
    events: app.deps.events,
    controller,
    retention: {
      keepAccessDays: command.auditRetention.keepAccessDays,
      keepOtherDays: command.auditRetention.keepOtherDays,
    },
    reload: async () => {
      await controller.request({ type: "reload" });
    },
    recheckSessions: () => void app.deps.sessions.recheckAll(Date.now()),
  });
  // In a site, this controller's live events name it, as other controllers' do.
  const origin = site === null ? {} : { controller: site.controller };
  controller.subscribe((event) =>
    app.deps.events.publish({ category: event.category, ...event.content, ...origin })
  );
  let resolveListening: (url: string) => void;
  const listening = new Promise<string>((resolve) => (resolveListening = resolve));
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: command.hostname,
      port: command.port,
      ...(tls.material ? { cert: tls.material.cert, key: tls.material.key } : {}),
      onListen: (addr) => {
        const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
        resolveListening(`${tls.material ? "https" : "http"}://${host}:${addr.port}/`);
      },
      onError: (error) => {
        log.error("HTTP handler failed: {error}", { error: String(error) });
        return new Response("Internal error\n", { status: 500 });
      },
    }, app.handler);
  } catch (error) {
    await app.close();
    await controller.stop();
    store.close();
    throw error;
  }
  const url = await listening;
  log.info("Leosac {version} serving {url} with {hardware} hardware, data in {data}", {
    version: VERSION_STRING,
    url,
    hardware: command.hardware,
    data: command.dataDir,
  });
  const fingerprint = tls.material &&
    `TLS certificate SHA-256 fingerprint: ${tls.material.fingerprint}`;
  if (io.restarting) log.info("Restarted; listening on {url}", { url });
  else {
    if (fingerprint) io.print(fingerprint);
    io.print(`Listening on ${url}`);
  }
  const backups = command.backupDir === null
    ? null
    : startBackupSchedule(store, { dir: command.backupDir, keep: command.backupKeep });
  // Old audit rows are exported and removed by the main thread, a minute after start and then every minute;
  // in a site, the copy of the site's events is bounded by the same run, and goes first for size.
  const auditRetention = new AuditRetention(
    store.db,
    auditRetentionPolicy(command.dataDir, command.auditRetention),
    site === null ? {} : { copy: siteEventsCopy(store.db, site.controller) },
  );
  auditRetention.start();
  let stopping: Promise<void> | null = null;
  return {
    url,
    finished: server.finished,
    recheckSessions() {
      bumpAuthEpoch();
      const closed = app.deps.sessions.recheckAll(Date.now());
      log.info("Sessions re-checked on request: {closed} closed", { closed });
      return closed;
    },
    shutdown() {
      stopping ??= (async () => {
        log.info("Shutting down");
        backups?.stop();
        const timeout = new Promise<void>((r) => setTimeout(r, SHUTDOWN_TIMEOUT_MS));
        await app.close();
        await auditRetention.stop();
        await Promise.race([server.shutdown(), timeout]);
        await site?.close();
        await controller.stop();
        store.close();
        log.info("Stopped");
      })();
      return stopping;
    },
  };
}
