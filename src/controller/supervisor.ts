/**
 * The main thread's side of the controller: starts the worker, matches
 * replies to requests (with timeouts), forwards events, and supervises.
 *
 * When the worker dies (an uncaught error, or no heartbeat answer within
 * `heartbeatTimeoutMs`), the supervisor:
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
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { logger } from "../log.ts";
import type { ControllerApi } from "../ws/context.ts";
import { createLineRegistryBuffer } from "../hardware/chardev/line_registry.ts";
import { createMirror, DEFAULT_SIM_LINES, mirrorLevel } from "./hardware.ts";
import { defaultSafeState, recordWorkerDeath, type SafeStateDriver } from "./worker_death.ts";

export type { SafeStateDriver };
import {
  CONTROLLER_ERROR,
  ControllerError,
  type ControllerEvent,
  type ControllerRequest,
  type ControllerRequestType,
  type HardwareKind,
  type ReloadResult,
  type ReplyValues,
  type SafeOutput,
  type WorkerLogging,
  type WorkerMessage,
} from "./protocol.ts";

const log = logger("controller");

/** Options of {@linkcode ControllerClient}. */
export interface ControllerClientOptions {
  databasePath: string;
  secret: Uint8Array;
  hardware: HardwareKind;
  /** The main thread's write connection (for the worker-death alarm row). */
  db: DatabaseSync;
  /** @default DEFAULT_SIM_LINES */
  simLines?: number;
  logging?: WorkerLogging;
  /** Fixed UTC offset for schedules; absent = the system time zone. */
  utcOffsetMinutes?: number;
  /** @default 500 */
  heartbeatIntervalMs?: number;
  /** @default 2000 */
  heartbeatTimeoutMs?: number;
  /** Default request timeout. @default 5000 */
  requestTimeoutMs?: number;
  /** How long a worker may take to start. @default 10000 */
  startTimeoutMs?: number;
  /** Overrides the safe-state routine (see the module documentation). */
  safeState?: SafeStateDriver;
}

const KNOWN_REQUESTS: ReadonlySet<string> = new Set<ControllerRequestType>([
  "ping",
  "reload",
  "door.status",
  "door.open",
  "door.set_mode",
  "simulate",
  "debug.crash",
  "debug.hang",
]);

interface Pending {
  generation: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The controller worker, supervised. */
export class ControllerClient implements ControllerApi {
  readonly simulated: boolean;
  /** Sim mode: the shared output levels. */
  readonly mirror: SharedArrayBuffer | null;
  /** How many times the worker was restarted. */
  restarts = 0;
  /** Milliseconds from the last death to the new worker being ready. */
  lastRestartMs: number | null = null;

  readonly #o: Required<
    Omit<ControllerClientOptions, "logging" | "utcOffsetMinutes" | "safeState">
  >;
  readonly #options: ControllerClientOptions;
  readonly #safeState: SafeStateDriver;
  readonly #listeners = new Set<(event: ControllerEvent) => void>();
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | null = null;
  #generation = 0;
  #nextId = 1;
  #ready: Promise<ReloadResult> | null = null;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #pingInFlight = false;
  #safeOutputs: SafeOutput[] = [];
  /** GPIO mode: the current worker's line registry, and a few retired ones. */
  #lines: SharedArrayBuffer | null = null;
  readonly #retiredLines: SharedArrayBuffer[] = [];
  #stopping = false;

  constructor(options: ControllerClientOptions) {
    this.#options = options;
    this.#o = {
      simLines: DEFAULT_SIM_LINES,
      heartbeatIntervalMs: 500,
      heartbeatTimeoutMs: 2000,
      requestTimeoutMs: 5000,
      startTimeoutMs: 10_000,
      ...options,
    };
    this.simulated = options.hardware === "sim";
    this.mirror = this.simulated ? createMirror(this.#o.simLines) : null;
    this.#safeState = options.safeState ?? defaultSafeState(this.mirror);
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

  /** Sends a request (the loose form of {@linkcode ControllerApi}). */
  request(message: { type: string; [key: string]: unknown }): Promise<unknown> {
    if (!KNOWN_REQUESTS.has(message.type)) {
      return Promise.reject(
        new ControllerError(CONTROLLER_ERROR.BAD_REQUEST, `Unknown request "${message.type}"`),
      );
    }
    return this.call(message as ControllerRequest);
  }

  /** Sends a typed request and waits for its reply (waits for a restarting worker). */
  async call<R extends ControllerRequest>(
    request: R,
    timeoutMs: number = request.type === "simulate" ? 30_000 : this.#o.requestTimeoutMs,
  ): Promise<ReplyValues[R["type"]]> {
    if (this.#stopping || this.#ready === null) {
      throw new ControllerError(CONTROLLER_ERROR.UNAVAILABLE, "The controller is not running");
    }
    await this.#ready;
    return await this.#post(request, timeoutMs) as ReplyValues[R["type"]];
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
    const worker = this.#worker;
    if (worker !== null && this.#ready !== null) {
      try {
        await this.#ready;
        await this.#post({ type: "stop" }, 2000);
      } catch {
        // stopping anyway
      }
    }
    this.#stopping = true;
    this.#stopHeartbeat();
    this.#worker?.terminate();
    this.#worker = null;
    this.#failPending("The controller stopped");
    // Lines a worker that did not stop cleanly still holds.
    if (this.#lines !== null) await this.#safeState(this.#safeOutputs, this.#lines);
  }

  async #spawn(): Promise<ReloadResult> {
    const generation = ++this.#generation;
    const lines = this.#newLineRegistry();
    const worker = new Worker(
      new URL(import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js", import.meta.url),
      { type: "module" },
    );
    this.#worker = worker;
    worker.onmessage = (event: MessageEvent<WorkerMessage>) =>
      this.#onMessage(generation, event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      if (generation === this.#generation) this.#onDeath(`error: ${event.message}`);
    };
    const o = this.#options;
    const result = await this.#post({
      type: "init",
      databasePath: o.databasePath,
      secret: o.secret,
      hardware: o.hardware,
      simLines: this.#o.simLines,
      mirror: this.mirror,
      ...(lines === null ? {} : { lineRegistry: lines }),
      ...(o.logging === undefined ? {} : { logging: o.logging }),
      ...(o.utcOffsetMinutes === undefined ? {} : { utcOffsetMinutes: o.utcOffsetMinutes }),
    }, this.#o.startTimeoutMs) as ReloadResult;
    this.#startHeartbeat();
    return result;
  }

  #post(
    request: Omit<ControllerRequest, "id"> | { type: "init"; [k: string]: unknown },
    timeoutMs: number,
  ): Promise<unknown> {
    const worker = this.#worker;
    if (worker === null) {
      return Promise.reject(
        new ControllerError(CONTROLLER_ERROR.UNAVAILABLE, "The controller is restarting"),
      );
    }
    const id = this.#nextId++;
    const generation = this.#generation;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new ControllerError(
            CONTROLLER_ERROR.TIMEOUT,
            `No reply to ${request.type} in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(id, { generation, resolve, reject, timer });
      worker.postMessage({ ...request, id });
    });
  }

  #onMessage(generation: number, message: WorkerMessage): void {
    if (generation !== this.#generation) return;
    switch (message.type) {
      case "reply": {
        const pending = this.#pending.get(message.id);
        if (pending === undefined) return;
        this.#pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(new ControllerError(message.code, message.message));
        return;
      }
      case "event":
        this.#emit(message.event);
        return;
      case "wiring":
        this.#safeOutputs = message.safeOutputs;
        return;
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

  #startHeartbeat(): void {
    this.#stopHeartbeat();
    const generation = this.#generation;
    this.#heartbeat = setInterval(() => {
      if (this.#pingInFlight || generation !== this.#generation) return;
      this.#pingInFlight = true;
      this.#post({ type: "ping" }, this.#o.heartbeatTimeoutMs).then(
        () => (this.#pingInFlight = false),
        (error: unknown) => {
          this.#pingInFlight = false;
          if (generation !== this.#generation) return;
          if (error instanceof ControllerError && error.code === CONTROLLER_ERROR.TIMEOUT) {
            this.#onDeath(`no heartbeat answer within ${this.#o.heartbeatTimeoutMs} ms`);
          }
        },
      );
    }, this.#o.heartbeatIntervalMs);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    this.#pingInFlight = false;
  }

  #failPending(message: string): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new ControllerError(CONTROLLER_ERROR.UNAVAILABLE, message));
      this.#pending.delete(id);
    }
  }

  #onDeath(reason: string): void {
    if (this.#stopping || this.#worker === null) return;
    const diedAt = performance.now();
    this.#stopHeartbeat();
    this.#worker.terminate();
    this.#worker = null;
    this.#generation++;
    this.#failPending(`The controller worker died (${reason})`);
    log.error("Controller worker died ({reason}); forcing outputs to their safe state", { reason });
    let safe: Promise<void>;
    try {
      safe = Promise.resolve(this.#safeState(this.#safeOutputs, this.#lines));
    } catch (error) {
      safe = Promise.reject(error);
    }
    safe = safe.catch((error: unknown) => {
      log.error("Cannot force the safe state: {error}", { error: String(error) });
    });
    this.#emit(recordWorkerDeath(this.#options.db, reason, this.#safeOutputs));
    this.restarts++;
    this.#ready = this.#restart(diedAt, safe);
    this.#ready.catch(() => {});
  }

  /**
   * GPIO mode: a fresh line registry for the next worker. Old ones stay
   * referenced for a while: a dead worker's `poll` may still write into one.
   */
  #newLineRegistry(): SharedArrayBuffer | null {
    if (this.simulated) return null;
    if (this.#lines !== null) this.#retiredLines.push(this.#lines);
    if (this.#retiredLines.length > 8) this.#retiredLines.shift();
    this.#lines = createLineRegistryBuffer();
    return this.#lines;
  }

  async #restart(diedAt: number, safe: Promise<void>): Promise<ReloadResult> {
    await safe; // the lines must be released before the next worker requests them
    for (;;) {
      if (this.#stopping) throw new ControllerError(CONTROLLER_ERROR.UNAVAILABLE, "Stopped");
      try {
        const result = await this.#spawn();
        this.lastRestartMs = performance.now() - diedAt;
        log.info("Controller worker restarted in {ms} ms", { ms: Math.round(this.lastRestartMs) });
        return result;
      } catch (error) {
        log.error("Controller worker failed to start: {error}", { error: String(error) });
        this.#worker?.terminate();
        this.#worker = null;
        await Promise.resolve(this.#safeState(this.#safeOutputs, this.#lines)).catch(() => {});
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}
