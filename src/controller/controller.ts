/**
 * The controller: every door and reader at run time, the access decision
 * path (collect → SQL facts → `decideAccess` → strike → audit → event) and
 * the request handlers of the worker protocol. It runs inside the worker
 * (`worker.ts`), but takes all its edges as options, so tests and the
 * benchmark run it in-process with a fake clock.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import {
  decideAccess,
  type DoorEvent,
  isScheduleActive,
  localTimeOf,
  systemOffsetProvider,
  type TimeZoneOffsetProvider,
} from "../engine/mod.ts";
import { logger } from "../log.ts";
import { systemScheduler } from "../hardware/scheduler.ts";
import type { Scheduler } from "../hardware/types.ts";
import type { Collected } from "./collector.ts";
import { doorHardwareKey, DoorRuntime } from "./door_runtime.ts";
import { createAntipassbackWriter, createFactsReader, type FactsReader } from "./facts.ts";
import type { Hardware } from "./hardware.ts";
import {
  CONTROLLER_ERROR,
  ControllerError,
  type ControllerEvent,
  type ControllerRequest,
  type DoorOpenResult,
  type DoorStatus,
  type ReloadResult,
  type SafeOutput,
} from "./protocol.ts";
import { readerHardwareKey, ReaderRuntime } from "./reader_runtime.ts";
import { createRecorder, type Recorder } from "./recorder.ts";
import { simulate } from "./simulate.ts";
import { loadWiring } from "./wiring.ts";

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
  /** Receives the safe-state plan after every reload. */
  onWiring?: (safeOutputs: SafeOutput[]) => void;
  /** @default systemScheduler */
  scheduler?: Scheduler;
  /** Wall clock in Unix ms. @default Date.now */
  nowMs?: () => number;
  /** Time zone for schedules and holidays. @default systemOffsetProvider */
  offset?: number | TimeZoneOffsetProvider;
}

/** Every door and reader, and the decision path. */
export class Controller {
  readonly #options: ControllerOptions;
  readonly #facts: FactsReader;
  readonly #recorder: Recorder;
  readonly #writeAntipassback: ReturnType<typeof createAntipassbackWriter>;
  readonly #scheduler: Scheduler;
  readonly #now: () => number;
  readonly #offset: number | TimeZoneOffsetProvider;
  #doors = new Map<number, { runtime: DoorRuntime; key: string }>();
  #readers = new Map<string, { runtime: ReaderRuntime; key: string; doorId: number }>();
  #tick: unknown = null;
  #closed = false;

  constructor(options: ControllerOptions) {
    this.#options = options;
    this.#facts = createFactsReader(options.policyDb, options.secret);
    this.#recorder = createRecorder(options.eventsDb, options.emit);
    this.#writeAntipassback = createAntipassbackWriter(options.eventsDb);
    this.#scheduler = options.scheduler ?? systemScheduler;
    this.#now = options.nowMs ?? Date.now;
    this.#offset = options.offset ?? systemOffsetProvider;
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

  /**
   * Re-reads the wiring: doors and readers whose lines or timings changed are
   * reopened, the others keep their state (mode changes are applied as steps).
   */
  async reload(): Promise<ReloadResult> {
    const wiring = loadWiring(this.#options.policyDb);
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
          scheduler: this.#scheduler,
          nowMs: this.#now,
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
        scheduler: this.#scheduler,
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
    this.#tickSchedules();
    this.#options.onWiring?.(this.safeOutputs());
    for (const warning of warnings) log.warn("Wiring: {warning}", { warning });
    return { doors: this.#doors.size, readers: this.#readers.size, warnings };
  }

  /** Every output and its safe level. */
  safeOutputs(): SafeOutput[] {
    return [
      ...[...this.#doors.values()].flatMap((d) => d.runtime.safeOutputs()),
      ...[...this.#readers.values()].flatMap((r) => r.runtime.safeOutputs()),
    ];
  }

  /**
   * Decides on what was presented at a door's access point, drives the door,
   * then records the decision and the door's events (in that order).
   */
  present(doorId: number, accessPointId: number, collected: Collected): void {
    const door = this.door(doorId);
    if (door === undefined) return;
    const nowMs = this.#now();
    const local = localTimeOf(nowMs, this.#offset);
    const request = { doorId, accessPointId, presented: collected };
    const facts = this.#facts.gather(request, { ms: nowMs, date: local.date });
    if (facts === null) return;
    const decision = decideAccess(request, facts, { ms: nowMs, local });
    const step = door.step(decision.granted ? { type: "grant" } : { type: "deny" });
    if (decision.antipassbackUpdates.length > 0) {
      try {
        this.#writeAntipassback(decision.antipassbackUpdates);
      } catch (error) {
        log.error("Cannot record anti-passback state: {error}", { error: String(error) });
      }
    }
    this.#recorder.access({
      door: door.wiring,
      accessPointId,
      request,
      decision,
      atMs: nowMs,
    });
    this.#record(door, step.events, null);
  }

  /** Handles one protocol request (everything but `init`). */
  async handle(request: ControllerRequest): Promise<unknown> {
    switch (request.type) {
      case "ping":
        return { pong: true };
      case "reload":
        return await this.reload();
      case "door.status":
        return this.#status(request.doorId);
      case "door.open":
        return this.#open(request.doorId, request.authorId, request.durationMs);
      case "door.set_mode": {
        const door = this.#requireDoor(request.doorId);
        this.#record(
          door,
          door.step({ type: "set_mode", mode: request.mode }).events,
          request.authorId,
        );
        return door.status();
      }
      case "simulate":
        return await simulate(this, request.simulate);
      case "debug.crash":
      case "debug.hang":
      case "stop":
        throw new ControllerError(
          CONTROLLER_ERROR.BAD_REQUEST,
          `${request.type} is handled by the worker`,
        );
    }
  }

  /** Stops the timers and releases every line. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#tick !== null) this.#scheduler.clearTimeout(this.#tick);
    await Promise.all([
      ...[...this.#doors.values()].map((d) => d.runtime.close()),
      ...[...this.#readers.values()].map((r) => r.runtime.close()),
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

  #status(doorId: number): DoorStatus[] {
    if (doorId !== 0) return [this.#requireDoor(doorId).status()];
    return [...this.#doors.values()].map((d) => d.runtime.status()).sort((a, b) => a.id - b.id);
  }

  #open(doorId: number, authorId: number | null, durationMs?: number): DoorOpenResult {
    const door = this.#requireDoor(doorId);
    const step = door.step(
      durationMs === undefined
        ? { type: "remote_open" }
        : { type: "remote_open", unlockMs: durationMs },
    );
    if (step.refused !== undefined) return { opened: false, refused: step.refused };
    this.#recorder.openedManually(door.wiring, authorId, this.#now());
    this.#record(door, step.events, authorId);
    return { opened: true };
  }

  #record(door: DoorRuntime, events: readonly DoorEvent[], authorId: number | null): void {
    for (const event of events) this.#recorder.door(door.wiring, event, authorId);
  }

  #feedback(doorId: number, granted: boolean): void {
    for (const entry of this.#readers.values()) {
      if (entry.doorId === doorId) entry.runtime.feedback(granted);
    }
  }

  #onCredential(reader: ReaderRuntime, collected: Collected): void {
    const entry = this.#readers.get(reader.id);
    if (entry === undefined) return;
    try {
      this.present(entry.doorId, reader.accessPoint.id, collected);
    } catch (error) {
      log.error("Access decision failed at door {door}: {error}", {
        door: entry.doorId,
        error: error instanceof Error ? error.stack ?? error.message : String(error),
      });
      this.door(entry.doorId)?.step({ type: "deny" });
    }
  }

  #onBadRead(reader: ReaderRuntime, reason: string, nbBits: number): void {
    const entry = this.#readers.get(reader.id);
    const door = entry === undefined ? undefined : this.door(entry.doorId);
    if (door === undefined) return;
    door.step({ type: "deny" });
    this.#recorder.badRead(door.wiring, reader.accessPoint.id, reason, nbBits, this.#now());
  }

  /** Feeds each door's unlock-schedule status, then re-arms itself. */
  #tickSchedules(): void {
    if (this.#tick !== null) this.#scheduler.clearTimeout(this.#tick);
    this.#tick = null;
    if (this.#closed) return;
    const nowMs = this.#now();
    const local = localTimeOf(nowMs, this.#offset);
    let holiday: boolean | null = null;
    for (const { runtime } of this.#doors.values()) {
      const id = runtime.wiring.unlockScheduleId;
      let active = false;
      if (id !== null) {
        const schedule = this.#facts.schedule(id);
        holiday ??= this.#facts.isHoliday(local.date);
        active = schedule !== null && isScheduleActive(schedule, local, holiday);
      }
      if (active !== runtime.state.scheduleActive) {
        this.#record(runtime, runtime.step({ type: "schedule", active }).events, null);
      }
    }
    this.#tick = this.#scheduler.setTimeout(() => this.#tickSchedules(), SCHEDULE_TICK_MS);
  }
}
