/**
 * The site's doors (issue 12, `docs/site.md`): every controller publishes
 * the live state of its own doors, serves door commands for them, and sends
 * commands to the owners of the others.
 *
 * 1. **Live state.** Each own door's `door.status` (mode, locked, open,
 *    alarms, wired) goes to the KV bucket `LEOSAC_<SITE>_DOORS` (history 1)
 *    under `<controller>.<door id>` with `updated_at`: at start, after every
 *    door or alarm event of this controller (coalesced), after a command,
 *    and every {@linkcode HEARTBEAT_MS} as a heartbeat. An entry older than
 *    {@linkcode STALE_MS} is shown offline: its controller is gone or cut
 *    off. A door deleted here loses its key at the next publication.
 * 2. **Commands served.** On `leosac.<site>.cmd.<controller>`:
 *    `{op: "open"|"set_mode", door_id, mode?, duration_ms?, actor: {user_id,
 *    username}, deadline, request_id}`. A command arriving after its
 *    `deadline` is dropped (TIMEOUT, nothing done), so a command that failed
 *    during a partition never acts after it heals. The actor is loaded by id
 *    from this controller's copy of the site-wide accounts and checked with
 *    the endpoints' permission table; the command runs through this
 *    controller's door controller exactly as the local endpoint runs it
 *    (`door/_commands.ts`), which records it with its author. The reply is
 *    `{status_code, status_string, content}` as on the WebSocket.
 * 3. **Commands sent.** {@linkcode SiteDoors.command} sends one to the owner
 *    with a deadline of now + the timeout, and turns "not connected", "no
 *    responder" and "no answer in time" into GENERAL_FAILURE errors that say
 *    which controller could not be reached.
 *
 * The clocks of the controllers are compared (deadlines, staleness): keep
 * them synchronised (NTP), as the event timestamps already require.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import {
  type Msg,
  type NatsConnection,
  type QueuedIterator,
  RequestError,
  type Subscription,
} from "@nats-io/transport-node";
import { type KV, Kvm, type KvWatchEntry } from "@nats-io/kv";
import { type Clock, systemClock } from "../clock.ts";
import type { ControllerPort } from "../controller/port.ts";
import type { ControllerEvent, DoorStatus } from "../controller/protocol.ts";
import { AppError, NotFoundError, PermissionDeniedError, STATUS } from "../errors.ts";
import { logger } from "../log.ts";
import { isValidAt } from "../policy/validity.ts";
import { appendAudit } from "../store/audit.ts";
import { transaction } from "../store/db.ts";
import { getDoor, listDoors } from "../store/doors.ts";
import { isOwnRow } from "../store/owner.ts";
import { getUser } from "../store/users.ts";
import { changeDoorMode, openDoor } from "../ws/handlers/door/_commands.ts";
import { isAllowed, sqlRelations } from "../ws/permissions.ts";
import {
  type DoorCommand,
  type DoorCommandReply,
  type DoorCommandRequest,
  doorKey,
  type DoorStateEntry,
  errorReply,
  parseDoorCommand,
  parseDoorReply,
  parseDoorState,
  type SiteDoorsPort,
  type SiteDoorState,
  successReply,
} from "./door_command.ts";
import type { SiteNames } from "./names.ts";

export type { DoorCommandReply, DoorCommandRequest, SiteDoorsPort, SiteDoorState };

const log = logger("site");

/** How often the own doors' states are written again, as a heartbeat. */
export const HEARTBEAT_MS = 10_000;
/** An entry not refreshed for this long is shown offline. */
export const STALE_MS = 30_000;
/** The timeout (and deadline) of a door command sent to another controller. */
export const COMMAND_TIMEOUT_MS = 5_000;
/** Commands served at once; more get RATE_LIMITED. */
export const MAX_COMMANDS_IN_FLIGHT = 32;
/** Most door states kept from the bucket. */
export const MAX_SITE_DOORS = 10_000;

/** What {@linkcode SiteDoors} needs of the NATS link (`link.ts`). */
export interface SiteConnection {
  /** The open connection, or null while disconnected. */
  readonly connection: NatsConnection | null;
  /** Calls `listener` on every connection change; returns the unsubscribe. */
  onChange(listener: (connected: boolean) => void): () => void;
}

/** The controller's event stream (`ControllerClient.subscribe`). */
export interface DoorEventSource {
  subscribe(listener: (event: ControllerEvent) => void): () => void;
}

/** Options of {@linkcode SiteDoors}. */
export interface SiteDoorsOptions {
  /** The site's NATS link. */
  link: SiteConnection;
  /** The site's names. */
  names: SiteNames;
  /** This controller's name. */
  controller: string;
  /** The main thread's read-write connection (commands' rows, the accounts). */
  db: DatabaseSync;
  /** This controller's door controller, or null (states then come from the database). */
  port: ControllerPort | null;
  /** Its events (a door or alarm event republishes the states), or null. */
  events: DoorEventSource | null;
  /** @default systemClock */
  clock?: Clock;
  /** Replicas of the door bucket when this controller creates it. @default 1 */
  replicas?: number | ((nc: NatsConnection) => number);
  /** @default HEARTBEAT_MS */
  heartbeatMs?: number;
  /** @default STALE_MS */
  staleMs?: number;
}

/**
 * Opens the door bucket, creating it (history 1) if it does not exist. One
 * another controller made (perhaps with other replicas) is opened as it is.
 *
 * @param replicas JetStream replicas of a new bucket (at most the cluster's size)
 */
export async function ensureDoorBucket(
  nc: NatsConnection,
  names: SiteNames,
  replicas: number,
): Promise<KV> {
  const kvm = new Kvm(nc);
  try {
    return await kvm.create(names.doorsBucket, { history: 1, replicas });
  } catch (error) {
    // It exists with another configuration: open it as it is.
    return await kvm.open(names.doorsBucket).catch(() => Promise.reject(error));
  }
}

/** The site's doors, for one controller (see the module documentation). */
export class SiteDoors implements SiteDoorsPort {
  readonly #o: SiteDoorsOptions & { clock: Clock; heartbeatMs: number; staleMs: number };
  #nc: NatsConnection | null = null;
  #kv: KV | null = null;
  #sub: Subscription | null = null;
  #watcher: QueuedIterator<KvWatchEntry> | null = null;
  #watching: Promise<void> | null = null;
  /** Every door state in the bucket, by key, as the watcher last saw it. */
  readonly #cache = new Map<string, DoorStateEntry>();
  #binding: Promise<void> | null = null;
  #published = new Set<string>();
  #publishing: Promise<void> | null = null;
  #again = false;
  #heartbeat: unknown = null;
  #inFlight = 0;
  #started = false;
  #closed = false;
  readonly #stops: (() => void)[] = [];
  readonly #serving = new Set<Promise<void>>();

  constructor(options: SiteDoorsOptions) {
    this.#o = {
      clock: systemClock,
      heartbeatMs: HEARTBEAT_MS,
      staleMs: STALE_MS,
      ...options,
    };
  }

  /** This controller's name. */
  get controller(): string {
    return this.#o.controller;
  }

  /**
   * Starts: serves commands and publishes the own doors now if connected,
   * else as soon as the link comes up; never waits for the site.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#stops.push(this.#o.link.onChange((up) => {
      if (up) void this.#bindAndPublish();
    }));
    const events = this.#o.events;
    if (events !== null) {
      this.#stops.push(events.subscribe((event) => {
        if (event.category === "door" || event.category === "alarm") this.refresh();
      }));
    }
    this.#scheduleHeartbeat();
    await this.#bindAndPublish();
  }

  /** Publishes the own doors' states again soon (after a wiring change, for example). */
  refresh(): void {
    if (this.#closed) return;
    void this.#publish();
  }

  /** Stops serving and publishing (the entries stay until they go stale). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stop of this.#stops.splice(0)) stop();
    if (this.#heartbeat !== null) this.#o.clock.clearTimeout(this.#heartbeat);
    this.#heartbeat = null;
    const sub = this.#sub;
    this.#sub = null;
    try {
      if (sub !== null && !sub.isClosed()) await sub.drain();
    } catch { /* the connection is gone */ }
    this.#watcher?.stop();
    this.#watcher = null;
    await Promise.allSettled([
      this.#binding,
      this.#publishing,
      this.#watching,
      ...this.#serving,
    ]);
  }

  // ── Commands sent ────────────────────────────────────────────────────

  /**
   * Sends `request` to controller `owner` and waits at most `timeoutMs` for
   * its reply (an error reply included: see `unwrapReply`).
   *
   * @throws {AppError} GENERAL_FAILURE when this controller is disconnected,
   * `owner` is not connected, or it did not answer in time.
   */
  async command(
    owner: string,
    request: DoorCommandRequest,
    timeoutMs: number = COMMAND_TIMEOUT_MS,
  ): Promise<DoorCommandReply> {
    const nc = this.#o.link.connection;
    const subject = this.#o.names.commandSubject(owner);
    if (nc === null) {
      throw unreachable(owner, "this controller is disconnected from the site");
    }
    const command: DoorCommand = {
      ...request,
      deadline: this.#o.clock.now() + timeoutMs,
      request_id: crypto.randomUUID(),
    };
    try {
      const reply = await nc.request(subject, JSON.stringify(command), { timeout: timeoutMs });
      return parseDoorReply(reply.data, owner);
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof RequestError && error.isNoResponders()) {
        throw unreachable(owner, "it is not connected to the site; nothing was done");
      }
      if (isTimeout(error)) {
        throw unreachable(
          owner,
          `it did not answer within ${timeoutMs} ms (it drops the command once its deadline has passed)`,
        );
      }
      throw unreachable(owner, error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * Every door state in the bucket (as a watcher keeps it here), each with
   * `online` (refreshed within the stale limit); null before the bucket was
   * ever read. While the site is unreachable the last states stay, and go
   * offline as they age.
   */
  states(): Promise<SiteDoorState[] | null> {
    if (this.#kv === null) return Promise.resolve(null);
    const now = this.#o.clock.now();
    const states = [...this.#cache.values()].map((state) => ({
      ...state,
      online: now - state.updated_at <= this.#o.staleMs,
    }));
    return Promise.resolve(states.sort((a, b) => a.door_id - b.door_id));
  }

  // ── Binding to the connection ────────────────────────────────────────

  /** The bucket on the current connection (bound on first use), or null. */
  async #bucket(): Promise<KV | null> {
    const nc = this.#o.link.connection;
    if (nc === null || this.#closed) return null;
    if (this.#nc !== nc || this.#kv === null) {
      this.#binding ??= this.#bind(nc).finally(() => (this.#binding = null));
      await this.#binding;
    }
    return this.#nc === nc ? this.#kv : null;
  }

  async #bind(nc: NatsConnection): Promise<void> {
    const o = this.#o;
    try {
      const replicas = typeof o.replicas === "function" ? o.replicas(nc) : o.replicas ?? 1;
      const kv = await ensureDoorBucket(nc, o.names, replicas);
      if (this.#closed) return;
      if (this.#sub !== null && !this.#sub.isClosed()) this.#sub.unsubscribe();
      this.#sub = nc.subscribe(o.names.commandSubject(o.controller), {
        callback: (error, msg) => {
          if (error !== null) {
            log.warn("Door command subscription failed: {error}", { error: String(error) });
            return;
          }
          this.#serve(msg);
        },
      });
      this.#watcher?.stop();
      const watcher = await kv.watch();
      if (this.#closed) {
        watcher.stop();
        return;
      }
      this.#watcher = watcher;
      this.#watching = this.#follow(watcher);
      this.#nc = nc;
      this.#kv = kv;
    } catch (error) {
      log.warn("Cannot set up the site's doors: {error}", { error: String(error) });
    }
  }

  /**
   * Keeps {@linkcode SiteDoors.states}' cache: every key's last value, then
   * each change. (Listing the keys on demand can hang while a key changes
   * under the listing; a watcher cannot.)
   */
  async #follow(watcher: QueuedIterator<KvWatchEntry>): Promise<void> {
    try {
      for await (const entry of watcher) {
        if (entry.operation !== "PUT") {
          this.#cache.delete(entry.key);
          continue;
        }
        let state: DoorStateEntry | null = null;
        try {
          state = parseDoorState(entry.json());
        } catch {
          state = null;
        }
        // A foreign or corrupt entry is skipped, never trusted.
        if (state === null || doorKey(state.controller, state.door_id) !== entry.key) continue;
        if (!this.#cache.has(entry.key) && this.#cache.size >= MAX_SITE_DOORS) continue;
        this.#cache.set(entry.key, state);
      }
    } catch (error) {
      log.warn("The site's door states stopped updating: {error}", { error: String(error) });
    }
  }

  async #bindAndPublish(): Promise<void> {
    await this.#bucket();
    await this.#publish();
  }

  // ── Live state ───────────────────────────────────────────────────────

  #scheduleHeartbeat(): void {
    if (this.#closed) return;
    this.#heartbeat = this.#o.clock.setTimeout(() => {
      this.#heartbeat = null;
      void this.#publish().finally(() => this.#scheduleHeartbeat());
    }, this.#o.heartbeatMs);
  }

  /** Publishes every own door's state (one run at a time; a request meanwhile runs once more). */
  #publish(): Promise<void> {
    if (this.#publishing !== null) {
      this.#again = true;
      return this.#publishing;
    }
    this.#publishing = (async () => {
      do {
        this.#again = false;
        await this.#publishOnce();
      } while (this.#again && !this.#closed);
    })().finally(() => (this.#publishing = null));
    return this.#publishing;
  }

  async #publishOnce(): Promise<void> {
    const kv = await this.#bucket();
    if (kv === null) return;
    try {
      const now = this.#o.clock.now();
      const statuses = await this.#localStatuses();
      const current = new Set<string>();
      await Promise.all(statuses.map((status) => {
        const key = doorKey(this.#o.controller, status.id);
        current.add(key);
        const entry: DoorStateEntry = {
          controller: this.#o.controller,
          door_id: status.id,
          alias: status.alias,
          mode: status.mode,
          locked: status.locked,
          open: status.open,
          alarms: status.alarms,
          wired: status.wired,
          updated_at: now,
        };
        return kv.put(key, JSON.stringify(entry));
      }));
      // Keys this controller wrote before (in this run, or an earlier one) for doors it no longer has.
      const own = `${this.#o.controller}.`;
      const earlier = [...this.#cache.keys()].filter((key) => key.startsWith(own));
      const gone = [...new Set([...this.#published, ...earlier])].filter((key) =>
        !current.has(key)
      );
      await Promise.all(gone.map((key) => kv.delete(key)));
      this.#published = current;
    } catch (error) {
      log.warn("Cannot publish the doors' states: {error}", { error: String(error) });
    }
  }

  /** The own doors' statuses: from the controller, else what the database knows. */
  async #localStatuses(): Promise<DoorStatus[]> {
    const port = this.#o.port;
    if (port !== null) {
      try {
        return await port.request({ type: "door.status", doorId: 0 }) as DoorStatus[];
      } catch (error) {
        log.debug("Door states unavailable from the controller: {error}", {
          error: String(error),
        });
        return [];
      }
    }
    return listDoors(this.#o.db).filter((d) => isOwnRow(d.controller, this.#o.controller)).map(
      (d) => ({
        id: d.id,
        alias: d.alias,
        mode: d.mode,
        locked: d.mode !== "unlocked",
        open: false,
        alarms: [],
        wired: false,
      }),
    );
  }

  // ── Commands served ──────────────────────────────────────────────────

  #serve(msg: Msg): void {
    if (this.#inFlight >= MAX_COMMANDS_IN_FLIGHT) {
      respond(
        msg,
        errorReply(
          new AppError(STATUS.RATE_LIMITED, "RateLimited", "Too many door commands at once."),
        ),
      );
      return;
    }
    this.#inFlight++;
    const run = this.#execute(msg.data).then(successReply, (error: unknown) => {
      if (error instanceof AppError) return errorReply(error);
      log.error("Door command failed: {error}", {
        error: error instanceof Error ? error.stack ?? error.message : String(error),
      });
      return errorReply(
        new AppError(
          STATUS.GENERAL_FAILURE,
          "LEOSACException",
          `The door command failed on controller ${this.#o.controller}.`,
        ),
      );
    }).then((reply) => respond(msg, reply)).finally(() => {
      this.#inFlight--;
      this.#serving.delete(run);
    });
    this.#serving.add(run);
  }

  async #execute(data: Uint8Array): Promise<unknown> {
    const o = this.#o;
    const command = parseDoorCommand(data);
    const now = o.clock.now();
    if (now > command.deadline) {
      log.warn("Dropped door command {id} for door {door}: {late} ms past its deadline", {
        id: command.request_id,
        door: command.door_id,
        late: now - command.deadline,
      });
      throw new AppError(
        STATUS.TIMEOUT,
        "Timeout",
        `The command reached controller ${o.controller} ${
          now - command.deadline
        } ms after its deadline and was dropped: nothing was done.`,
      );
    }
    const door = getDoor(o.db, command.door_id);
    if (door === undefined || !isOwnRow(door.controller, o.controller)) {
      throw new NotFoundError("door", command.door_id);
    }
    const user = getUser(o.db, command.actor.user_id);
    if (user === undefined || !isValidAt(user.validity, now)) {
      throw new PermissionDeniedError(
        `user ${command.actor.user_id} is unknown or disabled on controller ${o.controller}`,
      );
    }
    const actor = { userId: user.id, rank: user.rank };
    const action = command.op === "open" ? "DOOR_OPEN" : "DOOR_SET_MODE";
    if (!isAllowed(actor, action, { doorId: door.id }, sqlRelations(o.db))) {
      throw new PermissionDeniedError();
    }
    log.info("Door command {op} on door {door} from {user} ({id})", {
      op: command.op,
      door: door.id,
      user: user.username,
      id: command.request_id,
    });
    // The controller call gets what is left before the deadline, and at least a second.
    const abort = new AbortController();
    const timer = o.clock.setTimeout(
      () => abort.abort(new Error("door command deadline")),
      Math.max(command.deadline - now, 1_000),
    );
    try {
      if (command.op === "open") {
        return await openDoor(
          o.port,
          { door, authorId: user.id, durationMs: command.duration_ms },
          abort.signal,
        );
      }
      const content = await changeDoorMode(o.db, o.port, {
        door,
        mode: command.mode!,
        authorId: user.id,
      }, {
        transaction: (fn) => transaction(o.db, fn),
        audit: (entry) => appendAudit(o.db, { ...entry, timestamp: now }),
      }, abort.signal);
      this.refresh();
      return content;
    } finally {
      o.clock.clearTimeout(timer);
    }
  }
}

function respond(msg: Msg, reply: DoorCommandReply): void {
  if (msg.reply === undefined || msg.reply === "") return;
  try {
    msg.respond(JSON.stringify(reply));
  } catch (error) {
    log.debug("Cannot answer a door command: {error}", { error: String(error) });
  }
}

function isTimeout(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.name === "TimeoutError") return true;
  }
  return false;
}

/** GENERAL_FAILURE naming the controller that could not be reached. */
function unreachable(owner: string, why: string): AppError {
  return new AppError(
    STATUS.GENERAL_FAILURE,
    "LEOSACException",
    `The door is wired on controller ${owner}, which cannot be reached: ${why}.`,
  );
}
