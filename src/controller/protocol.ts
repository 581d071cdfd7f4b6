/**
 * The main thread ⇄ controller worker message protocol (one of the two wire
 * contracts; docs/worker_protocol.md describes it). Every message is a tagged
 * union on `type`. Requests carry a numeric `id` and get exactly one
 * {@linkcode WorkerReply}; the worker also sends unsolicited
 * {@linkcode WorkerEvent}s and {@linkcode WorkerWiring} notices.
 *
 * Everything here is structured-clone friendly (no classes, no functions).
 *
 * @module
 */
import type { DoorMode } from "../engine/mod.ts";
import type { OsdpReaderStatus } from "./osdp_runtime.ts";

/** Simulated hardware, or the Linux GPIO character device. */
export type HardwareKind = "sim" | "gpio";

/** Logging settings the worker applies to its own LogTape instance. */
export interface WorkerLogging {
  level: "trace" | "debug" | "info" | "warning" | "error" | "fatal";
  format: "pretty" | "json";
}

/** The first message: what the worker needs to run. Reply value: {@linkcode ReloadResult}. */
export interface InitRequest {
  type: "init";
  id: number;
  /** The SQLite file (the worker opens its own connections). */
  databasePath: string;
  /** The installation secret (keys PIN hashes). */
  secret: Uint8Array;
  hardware: HardwareKind;
  /** Lines of the simulated chip. @default 64 */
  simLines?: number;
  /**
   * Sim mode: the shared output mirror (see `sim_mirror.ts`), so the main
   * thread can see and force output levels even when the worker is dead.
   */
  mirror: SharedArrayBuffer | null;
  /**
   * GPIO mode: the shared registry where the driver records every fd it
   * opens (`src/hardware/chardev/line_registry.ts`), so the main thread can
   * drive the outputs safe and release the lines if the worker dies.
   */
  lineRegistry?: SharedArrayBuffer;
  /**
   * One Int32 the supervisor sets to 1 once it has terminated this worker.
   * Threads the worker started and that outlive it (an OSDP bus thread
   * asleep in `poll` is not stopped with its parent) watch it, close the
   * fds they were handed and end.
   */
  lifeline?: SharedArrayBuffer;
  /** Configure logging inside the worker; absent = leave LogTape unconfigured. */
  logging?: WorkerLogging;
  /** Fixed UTC offset in minutes for schedules; absent = the system time zone. */
  utcOffsetMinutes?: number;
  /**
   * In a site, this controller's name: the worker wires only the doors,
   * access points and devices whose `controller` is NULL or this name.
   * Absent or null outside a site (every row).
   */
  controllerName?: string | null;
}

/** A simulated reader or door action (`hardware.simulate`). */
export type SimulateAction =
  | {
    action: "card";
    /** Reader device id (UUID) or name. */
    reader: string;
    /** Catalogue format name. @default "H10301" (or raw when `cardId` is given) */
    format?: string;
    facility?: number;
    number?: number;
    /** Alternatively the raw card id (`aa:bb:cc:dd`) and its bit count. */
    cardId?: string;
    nbBits?: number;
    /** Play the edges at once with synthesized real-time timestamps (benchmarks). */
    instant?: boolean;
  }
  | { action: "pin"; reader: string; pin: string; instant?: boolean }
  | { action: "input"; door: number; input: "contact" | "rex"; value: boolean };

/** Requests after `init`. */
export type ControllerRequest =
  | { type: "ping" }
  | { type: "reload" }
  | { type: "door.status"; doorId: number }
  | { type: "door.open"; doorId: number; authorId: number | null; durationMs?: number }
  | { type: "door.set_mode"; doorId: number; mode: DoorMode; authorId: number | null }
  | { type: "simulate"; simulate: SimulateAction }
  /** The GPIO chips the controller has (to check wiring against). */
  | { type: "chips" }
  /** The problems the last wiring reload found (what the server log says). */
  | { type: "wiring.warnings" }
  /** Every running OSDP reader's status (never a key). */
  | { type: "osdp.status" }
  /** Install mode on one OSDP reader (SCBK-D, then a fresh key) for `timeoutMs`. */
  | { type: "osdp.install"; readerId: string; timeoutMs: number }
  /** A fresh Secure Channel key for one OSDP reader online in Secure Channel (osdp_KEYSET); replies once it took it. */
  | { type: "osdp.rekey"; readerId: string }
  /** Test hook: throws inside the worker's event loop (uncaught, reported as `fatal`). */
  | { type: "debug.crash" }
  /** Test hook: blocks the worker's event loop for `ms`. */
  | { type: "debug.hang"; ms: number }
  /** Releases the hardware and closes the connections; the main thread then terminates the worker. */
  | { type: "stop" };

/** A request type name. */
export type ControllerRequestType = ControllerRequest["type"];

/** A request the controller port's callers may send (`stop` belongs to the supervisor). */
export type PortRequest = Exclude<ControllerRequest, { type: "stop" }>;

const PORT_REQUEST_TYPES: ReadonlySet<string> = new Set<PortRequest["type"]>([
  "ping",
  "reload",
  "chips",
  "wiring.warnings",
  "osdp.status",
  "osdp.install",
  "osdp.rekey",
  "door.status",
  "door.open",
  "door.set_mode",
  "simulate",
  "debug.crash",
  "debug.hang",
]);

/** True when `type` names a {@linkcode PortRequest}. */
export function isPortRequestType(type: string): type is PortRequest["type"] {
  return PORT_REQUEST_TYPES.has(type);
}

/** A request as posted to the worker. */
export type WorkerRequest = InitRequest | (ControllerRequest & { id: number });

/** The status of one door, as `door.status` reports it. */
export interface DoorStatus {
  id: number;
  alias: string;
  mode: DoorMode;
  /** Strike off. */
  locked: boolean;
  /** Contact reports open (false when the door has no contact). */
  open: boolean;
  /** Raised alarms: `forced`, `held_open`. */
  alarms: string[];
  /** Whether a strike line is wired. */
  wired: boolean;
}

/** The reply value of `init` and `reload`. */
export interface ReloadResult {
  doors: number;
  readers: number;
  /** Configuration problems (a device that could not be opened, a missing line …). */
  warnings: string[];
}

/** A GPIO chip the controller has: its kernel name (`gpiochip0`) and line count. */
export interface ChipSummary {
  name: string;
  lines: number;
}

/** The reply value of `door.open`. */
export interface DoorOpenResult {
  opened: boolean;
  /** Set when the door's mode refused the opening. */
  refused?: "locked" | "lockdown";
}

/** The reply value of `simulate`. */
export interface SimulateResult {
  /** Wiegand frames played (0 for inputs). */
  frames: number;
  /** Total bits played. */
  bits: number;
  /** OSDP: the colour the reader's LED was told to show next ("green", "red", "amber"…), or null. */
  led?: string | null;
}

/** Reply values by request type. */
export interface ReplyValues {
  init: ReloadResult;
  ping: { pong: true };
  reload: ReloadResult;
  chips: ChipSummary[];
  "wiring.warnings": string[];
  "osdp.status": OsdpReaderStatus[];
  "osdp.install": null;
  "osdp.rekey": null;
  "door.status": DoorStatus[];
  "door.open": DoorOpenResult;
  "door.set_mode": DoorStatus;
  simulate: SimulateResult;
  "debug.crash": null;
  "debug.hang": null;
  stop: null;
}

/** Stable error codes of failed requests. */
export const CONTROLLER_ERROR = {
  /** The door, reader or device does not exist. */
  NOT_FOUND: "NOT_FOUND",
  /** The request is malformed or not possible in this state. */
  BAD_REQUEST: "BAD_REQUEST",
  /** `hardware.simulate` without simulated hardware. */
  NOT_SIMULATED: "NOT_SIMULATED",
  /** The worker is not running (restarting, stopped). */
  UNAVAILABLE: "UNAVAILABLE",
  /** No reply in time. */
  TIMEOUT: "TIMEOUT",
  /** Anything else. */
  INTERNAL: "INTERNAL",
} as const;

/** A controller error code. */
export type ControllerErrorCode = typeof CONTROLLER_ERROR[keyof typeof CONTROLLER_ERROR];

/** The answer to one request. */
export type WorkerReply =
  | { type: "reply"; id: number; ok: true; value: unknown }
  | { type: "reply"; id: number; ok: false; code: ControllerErrorCode; message: string };

/** Live event categories (the `event.<category>` push types). */
export type EventCategory = "access" | "door" | "alarm";

/**
 * Something that happened, already appended to `audit_events` (row
 * `auditId`) when it is posted.
 */
export interface ControllerEvent {
  category: EventCategory;
  /** `audit_events.id` of the row written for it. */
  auditId: number;
  /** Unix ms. */
  timestamp: number;
  /** The pushed `content` (snake_case keys, as on the wire). */
  content: Record<string, unknown>;
}

/** An event notice. */
export interface WorkerEvent {
  type: "event";
  event: ControllerEvent;
}

/** One output and the physical level it must take when control is lost. */
export interface SafeOutput {
  /** Chip name from the gpio device (`gpiochip0` …). */
  chip: string;
  offset: number;
  /** Physical level (after active-low) in the safe state. */
  level: boolean;
  /** What it is, for logs: `strike door 3`, `led reader-1` … */
  role: string;
}

/** Sent after every (re)load: what the supervisor drives if the worker dies. */
export interface WorkerWiring {
  type: "wiring";
  safeOutputs: SafeOutput[];
}

/**
 * An uncaught error or unhandled rejection inside the worker. The worker
 * catches it (so the runtime does not print it as an uncaught error), posts
 * this and stops serving; the supervisor logs it and treats the worker as
 * dead (terminate, safe state, alarm, restart).
 */
export interface WorkerFatal {
  type: "fatal";
  /** The error's stack, or its text. */
  error: string;
}

/**
 * A measurement for `/metrics` (`src/metrics/leosac_metrics.ts`). It names
 * doors by id and outcomes by fixed words only: never a user, a card or a PIN.
 */
export type Observation =
  /** An access decision (a bad read is `denied`, reason `BAD_READ`), when it is made. */
  | { kind: "decision"; door: number; result: "granted" | "denied"; reason: string }
  /** A door alarm raised (not its end). */
  | { kind: "door_alarm"; door: number; alarm: "forced" | "held_open" }
  /** An event row committed: how long its transaction took, in seconds. */
  | { kind: "event_write"; seconds: number };

/** An {@linkcode Observation} notice. */
export interface WorkerObservation {
  type: "observe";
  observation: Observation;
}

/** Everything the worker posts. */
export type WorkerMessage =
  | WorkerReply
  | WorkerEvent
  | WorkerWiring
  | WorkerFatal
  | WorkerObservation;

/** An error a request handler throws to produce a failed reply with `code`. */
export class ControllerError extends Error {
  /** The stable code sent in the reply. */
  readonly code: ControllerErrorCode;
  constructor(code: ControllerErrorCode, message: string) {
    super(message);
    this.name = "ControllerError";
    this.code = code;
  }
}
