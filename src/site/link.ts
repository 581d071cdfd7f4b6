/**
 * The controller's connection to its site's NATS servers: authentication
 * (credentials file, or user and password), TLS with a given CA, reconnection
 * for ever, and a short ping so that a silent partition (a cut cable, no FIN)
 * is noticed within about {@linkcode DISCONNECT_NOTICE_MS} instead of the
 * client's default two minutes.
 *
 * The link never blocks the controller: doors decide from the local SQLite
 * copy whether or not it is connected. Code that needs NATS asks for
 * {@linkcode SiteLink.connection} (null while disconnected) and listens with
 * {@linkcode SiteLink.onChange}.
 *
 * @module
 */
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { logger } from "../log.ts";
import { siteNames } from "./names.ts";
import type { SiteSetting } from "../cli/site_flags.ts";

const log = logger("site");

/** Ping period: a controller pings its server this often. */
export const PING_INTERVAL_MS = 3_000;
/** Unanswered pings before the connection is declared lost. */
export const MAX_PINGS_OUT = 4;
/** About how long a silent partition goes unnoticed. */
export const DISCONNECT_NOTICE_MS = PING_INTERVAL_MS * (MAX_PINGS_OUT + 1);

/** Connection state changes. */
export type LinkListener = (connected: boolean) => void;

/** What {@linkcode SiteLink} needs from the command line. */
export type LinkSetting = Pick<
  SiteSetting,
  "servers" | "controller" | "siteName" | "credsFile" | "user" | "tlsCaFile"
>;

/** The NATS connection of one controller. */
export class SiteLink {
  readonly #setting: LinkSetting;
  #nc: NatsConnection | null = null;
  #connected = false;
  #closed = false;
  #connecting: Promise<void> | null = null;
  readonly #listeners = new Set<LinkListener>();
  /** When the link was last connected (ms), or null if never. */
  lastConnectedAt: number | null = null;
  /** When the link was lost (ms), or null while connected. */
  disconnectedAt: number | null = null;

  constructor(setting: LinkSetting) {
    this.#setting = setting;
    this.disconnectedAt = Date.now();
  }

  /** True while a server answers. */
  get connected(): boolean {
    return this.#connected;
  }

  /** The open connection, or null while disconnected. */
  get connection(): NatsConnection | null {
    return this.#connected ? this.#nc : null;
  }

  /** Calls `listener` on every change of {@linkcode SiteLink.connected}; returns the unsubscribe. */
  onChange(listener: LinkListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Starts connecting in the background (retrying for ever); resolves once
   * the first connection is up, or never if the servers stay away: callers
   * that must not wait should not await it.
   */
  start(): Promise<void> {
    this.#connecting ??= this.#connect();
    return this.#connecting;
  }

  /** Resolves once connected (at once if connected now). */
  whenConnected(signal?: AbortSignal): Promise<void> {
    if (this.#connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const stop = this.onChange((up) => {
        if (!up) return;
        stop();
        resolve();
      });
      signal?.addEventListener("abort", () => {
        stop();
        reject(signal.reason);
      }, { once: true });
    });
  }

  async #connect(): Promise<void> {
    survivePeerResets();
    const setting = this.#setting;
    const options: Parameters<typeof connect>[0] = {
      servers: setting.servers.map((url) => url.replace(/^(nats|tls):\/\//, "")),
      name: `leosac ${setting.siteName}/${setting.controller}`,
      pingInterval: PING_INTERVAL_MS,
      maxPingOut: MAX_PINGS_OUT,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
      reconnectJitter: 250,
      waitOnFirstConnect: true,
      timeout: 5_000,
      // Only the servers given: a controller behind a firewall reaches no others.
      ignoreClusterUpdates: true,
      // Its replies under its own prefix: its permissions let it read no one else's.
      inboxPrefix: siteNames(setting.siteName).inboxPrefix(setting.controller),
    };
    if (setting.credsFile !== null) {
      options.authenticator = credsAuthenticator(await Deno.readFile(setting.credsFile));
    }
    if (setting.user !== null) {
      options.user = setting.user.name;
      options.pass = setting.user.password;
    }
    if (setting.tlsCaFile !== null) options.tls = { caFile: setting.tlsCaFile };
    else if (setting.servers.some((url) => url.startsWith("tls://"))) options.tls = {};
    while (!this.#closed) {
      try {
        const nc = await connect(options);
        if (this.#closed) {
          await nc.close();
          return;
        }
        this.#nc = nc;
        this.#watch(nc);
        this.#set(true);
        return;
      } catch (error) {
        // Bad credentials or TLS: say so, and keep trying (the servers may be fixed).
        log.warn("Cannot connect to the site's NATS servers: {error}", { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    }
  }

  async #watch(nc: NatsConnection): Promise<void> {
    void nc.closed().then((error) => {
      if (error) log.warn("NATS connection closed: {error}", { error: String(error) });
      this.#set(false);
    });
    for await (const status of nc.status()) {
      if (status.type === "disconnect" || status.type === "staleConnection") this.#set(false);
      else if (status.type === "reconnect") this.#set(true);
    }
  }

  #set(connected: boolean): void {
    if (connected === this.#connected) return;
    this.#connected = connected;
    if (connected) {
      this.lastConnectedAt = Date.now();
      this.disconnectedAt = null;
      log.info("Connected to the site's NATS servers");
    } else {
      this.disconnectedAt = Date.now();
      if (!this.#closed) log.warn("Lost the site's NATS servers; doors decide from the local copy");
    }
    for (const listener of [...this.#listeners]) {
      try {
        listener(connected);
      } catch (error) {
        log.error("Site link listener failed: {error}", { error: String(error) });
      }
    }
  }

  /** Closes the connection (draining what is in flight). */
  async close(): Promise<void> {
    this.#closed = true;
    const nc = this.#nc;
    this.#nc = null;
    this.#set(false);
    if (nc !== null && !nc.isClosed()) {
      try {
        await nc.drain();
      } catch {
        await nc.close();
      }
    }
  }
}

let peerResetsSurvived = false;

/**
 * Keeps the process alive when a NATS server resets a connection the client
 * has already given up: after a refused login (`Authorization Violation`)
 * the Node transport drops its socket's listeners, and the reset that
 * follows would be an uncaught `ECONNRESET` ending the controller, instead
 * of the refusal being logged and the login retried. Only resets and broken
 * pipes of sockets are taken (the site link's are the process's only Node
 * sockets); anything else still ends the process.
 */
function survivePeerResets(): void {
  if (peerResetsSurvived) return;
  peerResetsSurvived = true;
  globalThis.addEventListener("error", (event) => {
    const error = event.error as { code?: unknown; syscall?: unknown } | null;
    if (
      (error?.code === "ECONNRESET" || error?.code === "EPIPE") &&
      (error.syscall === "read" || error.syscall === "write")
    ) {
      event.preventDefault();
      log.debug("A NATS connection already closed was reset: {error}", { error: String(error) });
    }
  });
}
