/**
 * The controller Worker entry. It owns the hardware, every door state
 * machine and timer, a read-only SQLite connection for policy and a write
 * connection for its events. It speaks the protocol of `protocol.ts`; the
 * main thread starts it with
 * `new Worker(new URL(import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js", import.meta.url), { type: "module" })`
 * (see `supervisor.ts`).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { systemClock } from "../clock.ts";
import { systemOffsetProvider } from "../engine/mod.ts";
import { logger, setupLogging } from "../log.ts";
import { openDatabase } from "../store/db.ts";
import { Controller } from "./controller.ts";
import { handleRequest, LaterReply } from "./requests.ts";
import { createHardware, DEFAULT_SIM_LINES, type Hardware } from "./hardware.ts";
import {
  CONTROLLER_ERROR,
  ControllerError,
  type InitRequest,
  type ReloadResult,
  type WorkerMessage,
  type WorkerRequest,
} from "./protocol.ts";

const log = logger("controller");

/** Longest an event write waits for a lock held by another connection. */
export const EVENTS_BUSY_TIMEOUT_MS = 200;

/** The parts of the worker global scope used here. */
interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  addEventListener(type: "error", listener: (event: ErrorEvent) => void): void;
  addEventListener(
    type: "unhandledrejection",
    listener: (event: PromiseRejectionEvent) => void,
  ): void;
}

interface Running {
  controller: Controller;
  hardware: Hardware;
  policyDb: DatabaseSync;
  eventsDb: DatabaseSync;
}

let running: Running | null = null;

async function init(request: InitRequest, post: WorkerScope["postMessage"]): Promise<ReloadResult> {
  if (running !== null) throw new ControllerError(CONTROLLER_ERROR.BAD_REQUEST, "Already started");
  if (request.logging !== undefined) await setupLogging(request.logging);
  const policyDb = openDatabase(request.databasePath, { readOnly: true });
  // A short busy timeout: a write blocks this thread, and with it every door.
  // A row the database refuses waits in the recorder and is retried.
  const eventsDb = openDatabase(request.databasePath, {
    migrate: false,
    busyTimeoutMs: EVENTS_BUSY_TIMEOUT_MS,
  });
  let hardware: Hardware;
  try {
    hardware = createHardware(request.hardware, {
      simLines: request.simLines ?? DEFAULT_SIM_LINES,
      mirror: request.mirror,
      lineRegistry: request.lineRegistry ?? null,
    });
  } catch (error) {
    policyDb.close();
    eventsDb.close();
    throw error;
  }
  const controller = new Controller({
    policyDb,
    eventsDb,
    secret: request.secret,
    hardware,
    emit: (event) => post({ type: "event", event }),
    alarms: (event) => post({ type: "event", event }),
    observe: (observation) => post({ type: "observe", observation }),
    onWiring: (safeOutputs) => post({ type: "wiring", safeOutputs }),
    offset: request.utcOffsetMinutes ?? systemOffsetProvider,
    controllerName: request.controllerName ?? null,
    ...(request.lifeline === undefined ? {} : { lifeline: request.lifeline }),
  });
  running = { controller, hardware, policyDb, eventsDb };
  return await controller.reload();
}

async function stop(): Promise<null> {
  const current = running;
  running = null;
  if (current === null) return null;
  await current.controller.close();
  await current.hardware.close();
  current.policyDb.close();
  current.eventsDb.close();
  return null;
}

async function handle(request: WorkerRequest, post: WorkerScope["postMessage"]): Promise<unknown> {
  switch (request.type) {
    case "init":
      return await init(request, post);
    case "stop":
      return await stop();
    case "debug.crash":
      // An uncaught error on purpose: the supervisor's death path (see reportFatal).
      systemClock.setTimeout(() => {
        throw new Error("Simulated controller crash (debug.crash test hook)");
      }, 0);
      return null;
    case "debug.hang": {
      const until = systemClock.monotonic() + request.ms;
      while (systemClock.monotonic() < until) {
        // Deliberately blocks the event loop (heartbeat test).
      }
      return null;
    }
    default:
      if (running === null) {
        throw new ControllerError(CONTROLLER_ERROR.UNAVAILABLE, "The controller is not started");
      }
      return await handleRequest(running.controller, request);
  }
}

/**
 * Reports uncaught errors and unhandled rejections to the supervisor as a
 * `fatal` message (which terminates this worker and starts a new one) and
 * stops serving. Handling them here keeps the runtime from printing them as
 * uncaught: the supervisor logs them through the process logger.
 */
function reportFatal(scope: WorkerScope): void {
  let reported = false;
  const fatal = (error: unknown): void => {
    scope.onmessage = null;
    if (reported) return;
    reported = true;
    const text = error instanceof Error ? error.stack ?? String(error) : String(error);
    scope.postMessage({ type: "fatal", error: text });
  };
  scope.addEventListener("error", (event) => {
    event.preventDefault();
    fatal(event.error ?? event.message);
  });
  scope.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    fatal(event.reason);
  });
}

/** Installs the message handler on the worker scope. */
function serve(scope: WorkerScope): void {
  reportFatal(scope);
  const post = (message: WorkerMessage): void => scope.postMessage(message);
  // Requests run one at a time, in order (a reload finishes before the next
  // request sees the wiring); pings and test hooks bypass the queue.
  let queue: Promise<unknown> = Promise.resolve();
  scope.onmessage = (event) => {
    const request = event.data;
    const bypass = request.type === "ping" || request.type.startsWith("debug.");
    const turn = bypass ? handle(request, post) : queue.then(() => handle(request, post));
    if (!bypass) queue = turn.catch(() => {});
    // A simulation holds the queue only until it is queued on its reader.
    const result = turn.then((value) => value instanceof LaterReply ? value.settled : value);
    result.then(
      (value) => post({ type: "reply", id: request.id, ok: true, value: value ?? null }),
      (error: unknown) => {
        const code = error instanceof ControllerError ? error.code : CONTROLLER_ERROR.INTERNAL;
        const message = error instanceof Error ? error.message : String(error);
        if (code === CONTROLLER_ERROR.INTERNAL) {
          log.error("Request {type} failed: {error}", {
            type: request.type,
            error: error instanceof Error ? error.stack ?? message : message,
          });
        }
        post({ type: "reply", id: request.id, ok: false, code, message });
      },
    );
  };
}

if ("WorkerGlobalScope" in globalThis) serve(self as unknown as WorkerScope);
