/**
 * The main thread's side of the controller: starts the worker, talks to it
 * through a {@linkcode WorkerChannel} (one per worker instance), forwards its
 * events, and supervises it.
 *
 * When the worker dies (it reports an uncaught error, the runtime reports
 * one, or no heartbeat answer comes within `heartbeatTimeoutMs`), the
 * supervisor:
 * 1. terminates it and fails its pending requests (`UNAVAILABLE`);
 * 2. drives every output to its safe state (strikes: locked, or unlocked
 *    for fail-safe doors; LEDs and buzzers off). With simulated hardware the
 *    output levels live in a `SharedArrayBuffer` shared with the worker, so
 *    the main thread writes them directly. With the GPIO character device the
 *    lines belong to file descriptors the dead worker opened, which the driver
 *    records in a shared line registry; `reclaimLines()` sets the outputs to
 *    their safe values and closes every fd, so the kernel releases the lines;
 * 3. appends an ALARM audit row and publishes it as an `alarm` event;
 * 4. starts a new worker at once (retrying every second if that fails).
 *
 * Every timer (request timeouts, heartbeat, restart back-off) runs on the
 * injected {@linkcode Clock}.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock } from "../clock.ts";
import { logger } from "../log.ts";
import { abortable, type Unsolicited, WorkerChannel } from "./channel.ts";
import { createMirror, DEFAULT_SIM_LINES, mirrorLevel } from "./hardware.ts";
import { startHeartbeat } from "./heartbeat.ts";
import type { ControllerPort } from "./port.ts";
import {
  CONTROLLER_ERROR,
  ControllerError,
  type ControllerEvent,
  type HardwareKind,
  isPortRequestType,
  type Observation,
  type PortRequest,
  type ReloadResult,
  type ReplyValues,
  type WorkerLogging,
} from "./protocol.ts";
import {
  defaultSafeState,
  recordWorkerDeath,
  type SafeStateDriver,
  SafeStateGuard,
} from "./worker_death.ts";

export type { SafeStateDriver };

const log = logger("controller");

/** Options of {@linkcode ControllerClient}. */
export interface ControllerClientOptions {
  databasePath: string;
  secret: Uint8Array;
  hardware: HardwareKind;
  /** The main thread's write connection (for the worker-death alarm row). */
  db: DatabaseSync;
  /** @default systemClock */
  clock?: Clock;
  /** @default DEFAULT_SIM_LINES */
  simLines?: number;
  logging?: WorkerLogging;
  /** Fixed UTC offset for schedules; absent = the system time zone. */
  utcOffsetMinutes?: number;
  /** @default 500 */
  heartbeatIntervalMs?: number;
  /** @default 2000 */
  heartbeatTimeoutMs?: number;
  /** Default request timeout (`simulate` gets 30 s). @default 5000 */
  requestTimeoutMs?: number;
  /** How long a worker may take to start. @default 10000 */
  startTimeoutMs?: number;
  /** Overrides the safe-state routine (see the module documentation). */
  safeState?: SafeStateDriver;
  /**
   * In a site, this controller's name: the worker wires only its own doors,
   * access points and devices (`controller` NULL or this name).
   * @default null (outside a site: every row)
   */
  controllerName?: string | null;
}

/** How long `simulate` may take (it plays pulse trains in real time). */
const SIMULATE_TIMEOUT_MS = 30_000;
/** Requests that may take that long: a simulation, and a key rotation waiting for its reader. */
const LONG_REQUESTS: ReadonlySet<string> = new Set(["simulate", "osdp.rekey"]);
/** Delay between two attempts at starting a worker that failed to start. */
const RESTART_RETRY_MS = 1000;

/** The controller worker, supervised. */
export class ControllerClient implements ControllerPort {
  readonly simulated: boolean;
  /** Sim mode: the shared output levels. */
  readonly mirror: SharedArrayBuffer | null;
  /** How many times the worker was restarted. */
  restarts = 0;
  /** Milliseconds from the last death to the new worker being ready. */
  lastRestartMs: number | null = null;

  readonly #o: Required<
    Omit<ControllerClientOptions, "logging" | "utcOffsetMinutes" | "safeState" | "controllerName">
  >;
  readonly #options: ControllerClientOptions;
  readonly #clock: Clock;
  readonly #guard: SafeStateGuard;
  readonly #listeners = new Set<(event: ControllerEvent) => void>();
  readonly #observers = new Set<(observation: Observation) => void>();
  #worker: Worker | null = null;
  /** The current worker's lifeline (see `InitRequest.lifeline`), or null. */
  #lifeline: Int32Array | null = null;
  #channel: WorkerChannel | null = null;
  #ready: Promise<ReloadResult> | null = null;
  /** Stops the current worker's heartbeat. */
  #stopHeartbeat: () => void = () => {};
  #stopping = false;

  constructor(options: ControllerClientOptions) {
    this.#options = options;
    this.#o = {
      clock: systemClock,
      simLines: DEFAULT_SIM_LINES,
      heartbeatIntervalMs: 500,
      heartbeatTimeoutMs: 2000,
      requestTimeoutMs: 5000,
      startTimeoutMs: 10_000,
      ...options,
    };
    this.#clock = this.#o.clock;
    this.simulated = options.hardware === "sim";
    this.mirror = this.simulated ? createMirror(this.#o.simLines) : null;
    this.#guard = new SafeStateGuard(
      this.simulated,
      options.safeState ?? defaultSafeState(this.mirror),
    );
  }

  /** Starts the worker; resolves with its first wiring load. */
  start(): Promise<ReloadResult> {
    this.#ready ??= this.#spawn();
    return this.#ready;
  }

  /** Adds an event listener; returns a function that removes it. */
  subscribe(listener: (event: ControllerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Adds a listener of the worker's measurements (`/metrics`); returns a
   * function that removes it.
   */
  observe(listener: (observation: Observation) => void): () => void {
    this.#observers.add(listener);
    return () => this.#observers.delete(listener);
  }

  /**
   * Sends a request and waits for its reply (waiting first for a restarting
   * worker). Typed by `protocol.ts` when the request is; a loose message is
   * checked against the known request types (`BAD_REQUEST` otherwise).
   * `signal` abandons the wait: the promise rejects with its reason.
   */
  request<R extends PortRequest>(request: R, signal?: AbortSignal): Promise<ReplyValues[R["type"]]>;
  request(
    message: { type: string; [key: string]: unknown },
    signal?: AbortSignal,
  ): Promise<unknown>;
  async request(
    message: { type: string; [key: string]: unknown },
    signal?: AbortSignal,
  ): Promise<unknown> {
    if (!isPortRequestType(message.type)) {
      throw new ControllerError(CONTROLLER_ERROR.BAD_REQUEST, `Unknown request "${message.type}"`);
    }
    if (this.#stopping || this.#ready === null) {
      throw new ControllerError(CONTROLLER_ERROR.UNAVAILABLE, "The controller is not running");
    }
    await abortable(this.#ready, signal);
    const channel = this.#channel;
    if (channel === null) {
      throw new ControllerError(CONTROLLER_ERROR.UNAVAILABLE, "The controller is not running");
    }
    const timeoutMs = LONG_REQUESTS.has(message.type)
      ? SIMULATE_TIMEOUT_MS
      : this.#o.requestTimeoutMs;
    return await channel.send(message as PortRequest, timeoutMs, signal);
  }

  /** Sim mode: the physical level an output drives on `offset` (null when undriven). */
  simLevel(offset: number): boolean | null {
    return this.mirror === null ? null : mirrorLevel(this.mirror, offset);
  }

  /** Test hook: kills the worker as a crash would (no clean shutdown). */
  kill(): void {
    this.#onDeath("killed");
  }

  /** Resolves when a worker is ready (after a restart too). */
  async ready(): Promise<void> {
    if (this.#ready !== null) await this.#ready;
  }

  /** Stops the worker cleanly (releases its lines) and stops supervising. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    if (this.#worker !== null && this.#ready !== null) {
      try {
        await this.#ready;
        await this.#channel?.send({ type: "stop" }, 2000);
      } catch {
        // stopping anyway
      }
    }
    this.#stopping = true;
    this.#stopHeartbeat();
    this.#terminate();
    this.#channel?.close("The controller stopped");
    // Lines a worker that did not stop cleanly still holds.
    if (this.#guard.holdsLines) await this.#guard.force();
  }

  /** Terminates the worker, and tells the threads it started that it is gone (`lifeline`). */
  #terminate(): void {
    this.#worker?.terminate();
    this.#worker = null;
    if (this.#lifeline !== null) Atomics.store(this.#lifeline, 0, 1);
    this.#lifeline = null;
  }

  async #spawn(): Promise<ReloadResult> {
    const lines = this.#guard.nextLineRegistry();
    const lifeline = new SharedArrayBuffer(4);
    this.#lifeline = new Int32Array(lifeline);
    const worker = new Worker(
      new URL(import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js", import.meta.url),
      { type: "module" },
    );
    const channel = new WorkerChannel(worker, this.#clock, (m) => this.#onUnsolicited(worker, m));
    this.#worker = worker;
    this.#channel = channel;
    worker.onerror = (event: ErrorEvent) => {
      // The worker reports its own uncaught errors (`fatal`); this is the fallback.
      event.preventDefault();
      if (this.#worker === worker) this.#onDeath(`error: ${event.message}`);
    };
    const o = this.#options;
    const result = await channel.send({
      type: "init",
      databasePath: o.databasePath,
      secret: o.secret,
      hardware: o.hardware,
      simLines: this.#o.simLines,
      mirror: this.mirror,
      ...(lines === null ? {} : { lineRegistry: lines }),
      lifeline,
      ...(o.logging === undefined ? {} : { logging: o.logging }),
      ...(o.utcOffsetMinutes === undefined ? {} : { utcOffsetMinutes: o.utcOffsetMinutes }),
      controllerName: o.controllerName ?? null,
    }, this.#o.startTimeoutMs);
    this.#startHeartbeat(channel);
    return result;
  }

  #onUnsolicited(worker: Worker, message: Unsolicited): void {
    switch (message.type) {
      case "event":
        this.#emit(message.event);
        return;
      case "wiring":
        this.#guard.outputs = message.safeOutputs;
        return;
      case "observe":
        for (const observer of this.#observers) observer(message.observation);
        return;
      case "fatal": {
        log.error("Controller worker failed: {error}", { error: message.error });
        const first = message.error.split("\n", 1)[0];
        if (this.#worker === worker) this.#onDeath(`uncaught ${first}`);
        return;
      }
    }
  }

  #emit(event: ControllerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        log.error("Event listener failed: {error}", { error: String(error) });
      }
    }
  }

  #startHeartbeat(channel: WorkerChannel): void {
    this.#stopHeartbeat();
    const timeoutMs = this.#o.heartbeatTimeoutMs;
    this.#stopHeartbeat = startHeartbeat(
      channel,
      this.#clock,
      { intervalMs: this.#o.heartbeatIntervalMs, timeoutMs },
      () => this.#onDeath(`no heartbeat answer within ${timeoutMs} ms`),
    );
  }

  #onDeath(reason: string): void {
    if (this.#stopping || this.#worker === null) return;
    const diedAt = this.#clock.monotonic();
    this.#stopHeartbeat();
    this.#terminate();
    this.#channel?.close(`The controller worker died (${reason})`);
    log.error("Controller worker died ({reason}); forcing outputs to their safe state", { reason });
    const safe = this.#guard.force();
    this.#emit(recordWorkerDeath(this.#options.db, reason, this.#guard.outputs, this.#clock.now()));
    this.restarts++;
    this.#ready = this.#restart(diedAt, safe);
    this.#ready.catch(() => {});
  }

  async #restart(diedAt: number, safe: Promise<void>): Promise<ReloadResult> {
    await safe; // the lines must be released before the next worker requests them
    for (;;) {
      if (this.#stopping) throw new ControllerError(CONTROLLER_ERROR.UNAVAILABLE, "Stopped");
      try {
        const result = await this.#spawn();
        this.lastRestartMs = this.#clock.monotonic() - diedAt;
        log.info("Controller worker restarted in {ms} ms ({restarts} restarts since start)", {
          ms: Math.round(this.lastRestartMs),
          restarts: this.restarts,
        });
        return result;
      } catch (error) {
        log.error("Controller worker failed to start: {error}", { error: String(error) });
        this.#terminate();
        this.#channel?.close("The controller worker failed to start");
        await this.#guard.force();
        await new Promise((r) => this.#clock.setTimeout(() => r(undefined), RESTART_RETRY_MS));
      }
    }
  }
}
