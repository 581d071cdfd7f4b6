/**
 * The controller: every door and reader at run time, kept in step with the
 * wiring; card reads go down the access path (`access_path.ts`: facts →
 * `decideAccess` → audit row → strike → events); the door requests of the
 * worker protocol (`requests.ts` routes them). It runs inside the worker
 * (`worker.ts`), but takes all its edges as options (time is one injected
 * {@linkcode Clock}), so tests and the benchmark run it in-process with a
 * fake clock.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock } from "../clock.ts";
import {
  type DoorEvent,
  type DoorMode,
  localTimeOf,
  systemOffsetProvider,
  type TimeZoneOffsetProvider,
} from "../engine/mod.ts";
import { logger } from "../log.ts";
import { type AccessPath, createAccessPath } from "./access_path.ts";
import type { Collected } from "./collector.ts";
import { doorHardwareKey, DoorRuntime } from "./door_runtime.ts";
import { createAntipassbackWriter, createFactsReader, type FactsReader } from "./facts.ts";
import type { Hardware } from "./hardware.ts";
import {
  type ChipSummary,
  CONTROLLER_ERROR,
  ControllerError,
  type ControllerEvent,
  type DoorOpenResult,
  type DoorStatus,
  type Observation,
  type ReloadResult,
  type SafeOutput,
} from "./protocol.ts";
import { readerHardwareKey, ReaderRuntime } from "./reader_runtime.ts";
import { createRecorder, type Recorder } from "./recorder.ts";
import { createTelemetry } from "./telemetry.ts";
import { activeUnlockSchedules } from "./unlock_schedules.ts";
import { loadWiring } from "./wiring.ts";
import { OsdpRuntime } from "./osdp_runtime.ts";
import type { ByteLink } from "../hardware/osdp/serial_port.ts";
import type { CpTiming } from "../hardware/osdp/control_panel.ts";

const log = logger("controller");

/** How often unlock schedules are re-evaluated. */
export const SCHEDULE_TICK_MS = 15_000;

/** Options of {@linkcode Controller}. */
export interface ControllerOptions {
  /** Read-only connection for policy lookups. */
  policyDb: DatabaseSync;
  /** Write connection for audit rows and anti-passback state. */
  eventsDb: DatabaseSync;
  secret: Uint8Array;
  hardware: Hardware;
  /** Receives every event once its audit row is committed. */
  emit: (event: ControllerEvent) => void;
  /** Receives the alarms of a database that refuses event rows (see `recorder.ts`). */
  alarms?: (event: ControllerEvent) => void;
  /** Receives the measurements for `/metrics` (see `telemetry.ts`). */
  observe?: (observation: Observation) => void;
  /** Receives the safe-state plan after every reload. */
  onWiring?: (safeOutputs: SafeOutput[]) => void;
  /** Wall time and timers. @default systemClock */
  clock?: Clock;
  /** Time zone for schedules and holidays. @default systemOffsetProvider */
  offset?: number | TimeZoneOffsetProvider;
  /** Opens an OSDP bus's port. @default the serial port through libc */
  osdpLink?: (port: string, baud: number) => ByteLink;
  /** OSDP bus timing overrides (tests). */
  osdpTiming?: Partial<CpTiming>;
  /** Set by the supervisor once this worker is gone (`InitRequest.lifeline`): bus threads end then. */
  lifeline?: SharedArrayBuffer;
  /**
   * In a site, this controller's name: only doors, access points and devices
   * whose `controller` is NULL or this name are wired (`loadWiring`).
   * @default null (outside a site: every row)
   */
  controllerName?: string | null;
}

/** Every door and reader, and the decision path. */
export class Controller {
  readonly #options: ControllerOptions;
  readonly #facts: FactsReader;
  readonly #recorder: Recorder;
  readonly #present: AccessPath;
  readonly #clock: Clock;
  readonly #offset: number | TimeZoneOffsetProvider;
  #doors = new Map<number, { runtime: DoorRuntime; key: string }>();
  #readers = new Map<string, { runtime: ReaderRuntime; key: string; doorId: number }>();
  #tick: unknown = null;
  #closed = false;
  readonly #osdp: OsdpRuntime;

  constructor(options: ControllerOptions) {
    this.#options = options;
    this.#facts = createFactsReader(options.policyDb, options.secret);
    this.#clock = options.clock ?? systemClock;
    this.#recorder = createRecorder({
      db: options.eventsDb,
      emit: options.emit,
      clock: this.#clock,
      ...(options.alarms === undefined ? {} : { alarms: options.alarms }),
      telemetry: createTelemetry(options.observe),
    });
    this.#offset = options.offset ?? systemOffsetProvider;
    this.#present = createAccessPath({
      facts: this.#facts,
      recorder: this.#recorder,
      writeAntipassback: createAntipassbackWriter(options.eventsDb),
      clock: this.#clock,
      offset: this.#offset,
    });
    this.#osdp = new OsdpRuntime({
      policyDb: options.policyDb,
      eventsDb: options.eventsDb,
      secret: options.secret,
      clock: this.#clock,
      needsPin: (card) => this.#facts.cardNeedsPin(card.cardId),
      present: (doorId, apId, collected) => this.#presentAt(doorId, apId, collected),
      badRead: (doorId, apId, reason, nbBits) => {
        const door = this.door(doorId);
        if (door === undefined) return;
        door.step({ type: "deny" });
        this.#recorder.badRead(door.wiring, apId, reason, nbBits, this.#clock.now());
      },
      row: (row) => this.#recorder.row(row),
      ...(options.osdpLink === undefined ? {} : { openLink: options.osdpLink }),
      ...(options.osdpTiming === undefined ? {} : { timing: options.osdpTiming }),
      simulated: options.hardware.sim !== null,
      ...(options.lifeline === undefined ? {} : { lifeline: options.lifeline }),
    });
  }

  /** The OSDP buses and readers (install mode, status). */
  get osdp(): OsdpRuntime {
    return this.#osdp;
  }

  /** The clock (the simulator paces key presses with it). */
  get clock(): Clock {
    return this.#clock;
  }

  /** The hardware (the simulator uses its sim chip). */
  get hardware(): Hardware {
    return this.#options.hardware;
  }

  /** A running door, or undefined. */
  door(id: number): DoorRuntime | undefined {
    return this.#doors.get(id)?.runtime;
  }

  /** The running readers. */
  readers(): ReaderRuntime[] {
    return [...this.#readers.values()].map((r) => r.runtime);
  }

  /** The last reload's warnings. */
  #warnings: string[] = [];

  /**
   * Re-reads the wiring: doors and readers whose lines or timings changed are
   * reopened, the others keep their state (mode changes are applied as steps).
   */
  async reload(): Promise<ReloadResult> {
    const wiring = loadWiring(this.#options.policyDb, this.#options.controllerName ?? null);
    const warnings = [...wiring.warnings];
    const seenDoors = new Set<number>();
    const seenReaders = new Set<string>();
    for (const door of wiring.doors) {
      seenDoors.add(door.id);
      const key = doorHardwareKey(door);
      const existing = this.#doors.get(door.id);
      if (existing !== undefined && existing.key === key) {
        existing.runtime.wiring = door;
        if (existing.runtime.state.mode !== door.mode) {
          this.#record(
            existing.runtime,
            existing.runtime.step({ type: "set_mode", mode: door.mode }).events,
            null,
          );
        }
      } else {
        await existing?.runtime.close();
        const runtime = new DoorRuntime({
          wiring: door,
          hardware: this.#options.hardware,
          clock: this.#clock,
          onEvents: (d, events) => this.#record(d, events, null),
          onFeedback: (d, signal) => this.#feedback(d.id, signal === "granted"),
          warnings,
        });
        this.#doors.set(door.id, { runtime, key });
      }
      const ap = door.accessPoint;
      if (ap === null || ap.reader === null) continue;
      if (seenReaders.has(ap.reader.id)) {
        warnings.push(
          `reader "${ap.reader.name}" serves several doors: door ${door.id} ignores it`,
        );
        continue;
      }
      seenReaders.add(ap.reader.id);
      const readerKey = readerHardwareKey(ap.reader, ap);
      const current = this.#readers.get(ap.reader.id);
      if (current !== undefined && current.key === readerKey) {
        current.runtime.accessPoint = ap;
        current.doorId = door.id;
        continue;
      }
      await current?.runtime.close();
      const runtime = new ReaderRuntime({
        reader: ap.reader,
        accessPoint: ap,
        hardware: this.#options.hardware,
        clock: this.#clock,
        needsPin: (card) => this.#facts.cardNeedsPin(card.cardId),
        onCredential: (r, collected) => this.#onCredential(r, collected),
        onBadRead: (r, reason, nbBits) => this.#onBadRead(r, reason, nbBits),
        warnings,
      });
      this.#readers.set(ap.reader.id, { runtime, key: readerKey, doorId: door.id });
    }
    for (const [id, entry] of this.#doors) {
      if (!seenDoors.has(id)) {
        await entry.runtime.close();
        this.#doors.delete(id);
      }
    }
    for (const [id, entry] of this.#readers) {
      if (!seenReaders.has(id)) {
        await entry.runtime.close();
        this.#readers.delete(id);
      }
    }
    await this.#osdp.reload(wiring.doors, warnings);
    this.#tickSchedules();
    this.#options.onWiring?.(this.safeOutputs());
    for (const warning of warnings) log.warn("Wiring: {warning}", { warning });
    this.#warnings = warnings;
    return { doors: this.#doors.size, readers: this.#readers.size, warnings };
  }

  /** The problems the last {@linkcode reload} found (the UI shows them on device and door pages). */
  warnings(): string[] {
    return [...this.#warnings];
  }

  /** The chips device configurations may name ({@linkcode Hardware.chips}). */
  chips(): ChipSummary[] {
    return this.#options.hardware.chips?.() ?? [];
  }

  /** Every output and its safe level. */
  safeOutputs(): SafeOutput[] {
    return [
      ...[...this.#doors.values()].flatMap((d) => d.runtime.safeOutputs()),
      ...[...this.#readers.values()].flatMap((r) => r.runtime.safeOutputs()),
    ];
  }

  /** Decides on what was presented at a door's access point (see `access_path.ts`). */
  present(doorId: number, accessPointId: number, collected: Collected): void {
    const door = this.door(doorId);
    if (door !== undefined) this.#present(door, accessPointId, collected);
  }

  /** `door.status`: one door, or every door (sorted by id) for id 0. */
  status(doorId: number): DoorStatus[] {
    if (doorId !== 0) return [this.#requireDoor(doorId).status()];
    return [...this.#doors.values()].map((d) => d.runtime.status()).sort((a, b) => a.id - b.id);
  }

  /** `door.set_mode`: steps the door's machine and records its events. */
  setMode(doorId: number, mode: DoorMode, authorId: number | null): DoorStatus {
    const door = this.#requireDoor(doorId);
    this.#record(door, door.step({ type: "set_mode", mode }).events, authorId);
    return door.status();
  }

  /** `door.open`: a remote opening, unless the door's mode refuses it. */
  open(doorId: number, authorId: number | null, durationMs?: number): DoorOpenResult {
    const door = this.#requireDoor(doorId);
    return this.#recorder.hold(() => {
      const step = door.step(
        durationMs === undefined
          ? { type: "remote_open" }
          : { type: "remote_open", unlockMs: durationMs },
      );
      if (step.refused !== undefined) return { opened: false, refused: step.refused };
      this.#recorder.openedManually(door.wiring, authorId, this.#clock.now());
      this.#record(door, step.events, authorId);
      return { opened: true };
    });
  }

  /** Stops the timers and releases every line. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#tick !== null) this.#clock.clearTimeout(this.#tick);
    await Promise.all([
      ...[...this.#doors.values()].map((d) => d.runtime.close()),
      ...[...this.#readers.values()].map((r) => r.runtime.close()),
      this.#osdp.close(),
    ]);
    this.#doors.clear();
    this.#readers.clear();
    this.#recorder.close();
  }

  #requireDoor(id: number): DoorRuntime {
    const door = this.door(id);
    if (door === undefined) throw new ControllerError(CONTROLLER_ERROR.NOT_FOUND, `door ${id}`);
    return door;
  }

  #record(door: DoorRuntime, events: readonly DoorEvent[], authorId: number | null): void {
    for (const event of events) this.#recorder.door(door.wiring, event, authorId);
  }

  #feedback(doorId: number, granted: boolean): void {
    for (const entry of this.#readers.values()) {
      if (entry.doorId === doorId) entry.runtime.feedback(granted);
    }
    this.#osdp.feedback(doorId, granted);
  }

  #onCredential(reader: ReaderRuntime, collected: Collected): void {
    const entry = this.#readers.get(reader.id);
    if (entry === undefined) return;
    this.#presentAt(entry.doorId, reader.accessPoint.id, collected);
  }

  /** {@linkcode present}, a failure logged and denied. */
  #presentAt(doorId: number, accessPointId: number, collected: Collected): void {
    try {
      this.present(doorId, accessPointId, collected);
    } catch (error) {
      log.error("Access decision failed at door {door}: {error}", {
        door: doorId,
        error: error instanceof Error ? error.stack ?? error.message : String(error),
      });
      this.door(doorId)?.step({ type: "deny" });
    }
  }

  #onBadRead(reader: ReaderRuntime, reason: string, nbBits: number): void {
    const entry = this.#readers.get(reader.id);
    const door = entry === undefined ? undefined : this.door(entry.doorId);
    if (door === undefined) return;
    door.step({ type: "deny" });
    this.#recorder.badRead(door.wiring, reader.accessPoint.id, reason, nbBits, this.#clock.now());
  }

  /** Feeds each door's unlock-schedule status, then re-arms itself. */
  #tickSchedules(): void {
    if (this.#tick !== null) this.#clock.clearTimeout(this.#tick);
    this.#tick = null;
    if (this.#closed) return;
    const runtimes = [...this.#doors.values()].map((d) => d.runtime);
    const local = localTimeOf(this.#clock.now(), this.#offset);
    const active = activeUnlockSchedules(runtimes.map((d) => d.wiring), this.#facts, local);
    for (const runtime of runtimes) {
      const on = active.get(runtime.id) ?? false;
      if (on !== runtime.state.scheduleActive) {
        this.#record(runtime, runtime.step({ type: "schedule", active: on }).events, null);
      }
    }
    this.#tick = this.#clock.setTimeout(() => this.#tickSchedules(), SCHEDULE_TICK_MS);
  }
}
