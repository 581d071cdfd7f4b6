/**
 * The controller's metrics (`GET /metrics`, listed in `docs/architecture.md`):
 * every family is `leosac_`-prefixed, in base units (seconds, bytes), and
 * counters end in `_total`.
 *
 * Where the values come from:
 * - the controller worker's observations (`Observation` in
 *   `src/controller/protocol.ts`), counted as they arrive: access decisions
 *   when they are made (even while the database refuses their rows), door
 *   alarms, and the commit time of each event row;
 * - read at each scrape: the doors' live state (one `door.status` request for
 *   every door; the `leosac_controller_up` gauge says whether it answered),
 *   worker restarts, open and anonymous connections, login failures, audit
 *   rows, database size, disk space, and the build.
 *
 * Labels carry door ids, door aliases (in `leosac_door_info` only) and fixed
 * words (results, reasons, alarm names, modes): never a user, a card or a PIN.
 * Scrapes that arrive while one is being gathered share its result.
 *
 * @module
 */
import { statSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import type { Clock } from "../clock.ts";
import type { ControllerPort } from "../controller/port.ts";
import type { DoorStatus, Observation } from "../controller/protocol.ts";
import { logger } from "../log.ts";
import type { DiskState } from "../store/store.ts";
import { LEOSAC_VERSION, VERSION } from "../version.ts";
import { Registry } from "./registry.ts";

const log = logger("metrics");

/** Upper bounds (seconds) of the event write histogram's buckets. */
export const EVENT_WRITE_BUCKETS_S: readonly number[] = [
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
];

/** Longest a scrape waits for the doors' state before reporting the controller down. */
export const DOOR_STATUS_TIMEOUT_MS = 2000;

/** Guess counts by kind, as `LoginLimiter.counts` keeps them. */
export type LoginCounts = Readonly<Record<string, { failed: number; refused: number }>>;

/** Where the scrape-time values are read. */
export interface MetricSources {
  /** Timers (the door status deadline). */
  clock: Clock;
  /** When the app started (Unix ms). */
  startedAt: number;
  /** The main connection (audit row count). */
  db: DatabaseSync;
  /** The SQLite file (its size and its WAL's). */
  databasePath: string;
  /** `"ok"` while the database file is in place. */
  fileState(): string;
  /** Free space of the data directory's filesystem. */
  diskState(): DiskState;
  /** Open WebSocket connections, and those not logged in. */
  connections: { readonly open: number; readonly anonymous: number };
  /** Failed and refused password guesses. */
  logins: { readonly counts: LoginCounts };
  /** The door controller, when one runs. */
  controller: ControllerPort | null;
  /** @default DOOR_STATUS_TIMEOUT_MS */
  doorStatusTimeoutMs?: number;
}

/** The metrics of one app. */
export interface LeosacMetrics {
  /** The registry (tests read single series from it). */
  readonly registry: Registry;
  /** Counts one observation of the controller worker. */
  observe(observation: Observation): void;
  /** Gathers the scrape-time values and renders the exposition text. */
  render(): Promise<string>;
  /** Stops listening to the controller. */
  close(): void;
}

/** Bytes of a file, 0 when it does not exist. */
function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Declares the families and subscribes to the controller's observations. */
export function createLeosacMetrics(sources: MetricSources): LeosacMetrics {
  const registry = new Registry();
  const controller = sources.controller;
  /** The doors' state of the scrape being gathered; null when the controller did not answer. */
  let doors: DoorStatus[] | null = null;

  registry.gauge({
    name: "leosac_build_info",
    help: "The running build: product version, Leosac protocol version and Deno version.",
    labelNames: ["version", "leosac_version", "deno_version"],
  }).set({ version: VERSION, leosac_version: LEOSAC_VERSION, deno_version: Deno.version.deno }, 1);
  registry.gauge({
    name: "leosac_start_time_seconds",
    help: "When the server started, in seconds since the Unix epoch.",
  }).set(undefined, sources.startedAt / 1000);
  const decisions = registry.counter({
    name: "leosac_access_decisions_total",
    help: "Access decisions by door, result (granted, denied) and reason (GRANTED, " +
      "UNKNOWN_CREDENTIAL, BAD_READ …), counted when made.",
    labelNames: ["door", "result", "reason"],
  });
  const alarms = registry.counter({
    name: "leosac_door_alarms_total",
    help: "Door alarms raised, by door and alarm (forced, held_open).",
    labelNames: ["door", "alarm"],
  });
  const writes = registry.histogram({
    name: "leosac_event_write_duration_seconds",
    help: "Time to commit one event row (access, door, alarm) in the controller worker.",
    buckets: EVENT_WRITE_BUCKETS_S,
  });
  registry.gauge({
    name: "leosac_controller_up",
    help: "1 when the controller worker answered this scrape's door status request, else 0.",
    collect: (report) => report(doors === null ? 0 : 1),
  });
  registry.counter({
    name: "leosac_controller_worker_restarts_total",
    help: "Times the controller worker died and was restarted.",
    collect: (report) => report(controller?.restarts ?? 0),
  });
  const eachDoor = (
    name: string,
    help: string,
    labelNames: string[],
    samples: (door: DoorStatus) => Array<[number, Record<string, string>]>,
  ): void => {
    registry.gauge({
      name,
      help,
      labelNames: ["door", ...labelNames],
      collect: (report) => {
        for (const door of doors ?? []) {
          for (const [value, labels] of samples(door)) {
            report(value, { door: String(door.id), ...labels });
          }
        }
      },
    });
  };
  eachDoor("leosac_door_info", "Each running door, with its alias.", ["alias"], (door) => [
    [1, { alias: door.alias }],
  ]);
  eachDoor("leosac_door_locked", "1 when the door's strike is locked.", [], (door) => [
    [door.locked ? 1 : 0, {}],
  ]);
  eachDoor("leosac_door_open", "1 when the door's contact reports it open.", [], (door) => [
    [door.open ? 1 : 0, {}],
  ]);
  eachDoor(
    "leosac_door_alarm_active",
    "1 while the door's alarm (forced, held_open) is raised.",
    ["alarm"],
    (door) =>
      (["forced", "held_open"] as const).map((alarm) => [
        door.alarms.includes(alarm) ? 1 : 0,
        { alarm },
      ]),
  );
  eachDoor(
    "leosac_door_mode",
    "1 for the door's current mode (normal, unlocked, locked, lockdown).",
    ["mode"],
    (door) =>
      (["normal", "unlocked", "locked", "lockdown"] as const).map((mode) => [
        door.mode === mode ? 1 : 0,
        { mode },
      ]),
  );
  registry.gauge({
    name: "leosac_sessions_open",
    help: "Open WebSocket connections, logged in or not.",
    collect: (report) => report(sources.connections.open),
  });
  registry.gauge({
    name: "leosac_sessions_anonymous",
    help: "Open WebSocket connections that have not logged in.",
    collect: (report) => report(sources.connections.anonymous),
  });
  registry.counter({
    name: "leosac_login_failures_total",
    help: "Password guesses by kind (login, password_change) that failed (reason invalid) " +
      "or were refused by the login limits before the check (reason limited).",
    labelNames: ["kind", "reason"],
    collect: (report) => {
      for (const [kind, counts] of Object.entries(sources.logins.counts)) {
        report(counts.failed, { kind, reason: "invalid" });
        report(counts.refused, { kind, reason: "limited" });
      }
    },
  });
  registry.gauge({
    name: "leosac_audit_rows",
    help: "Rows in the audit log.",
    collect: (report) => {
      try {
        const row = sources.db.prepare("SELECT count(*) AS n FROM audit_events").get();
        report(Number(row?.n ?? 0));
      } catch (error) {
        log.debug("Cannot count audit rows: {error}", { error: String(error) });
      }
    },
  });
  registry.gauge({
    name: "leosac_database_size_bytes",
    help: "Size of the SQLite database file and its write-ahead log.",
    collect: (report) =>
      report(fileBytes(sources.databasePath) + fileBytes(`${sources.databasePath}-wal`)),
  });
  registry.gauge({
    name: "leosac_database_ok",
    help: "1 while the database file is the one the server opened, else 0.",
    collect: (report) => report(sources.fileState() === "ok" ? 1 : 0),
  });
  let disk: DiskState = { freeBytes: null, disk: "unknown" };
  registry.gauge({
    name: "leosac_disk_free_bytes",
    help: "Free bytes of the data directory's filesystem (for an unprivileged writer).",
    collect: (report) => {
      disk = sources.diskState();
      if (disk.freeBytes !== null) report(disk.freeBytes);
    },
  });
  registry.gauge({
    name: "leosac_disk_full",
    help: "1 when the data directory's filesystem is full (events wait in memory), else 0.",
    collect: (report) => {
      if (disk.disk !== "unknown") report(disk.disk === "full" ? 1 : 0);
    },
  });

  function observe(observation: Observation): void {
    switch (observation.kind) {
      case "decision":
        decisions.inc({
          door: String(observation.door),
          result: observation.result,
          reason: observation.reason,
        });
        return;
      case "door_alarm":
        alarms.inc({ door: String(observation.door), alarm: observation.alarm });
        return;
      case "event_write":
        writes.observe(observation.seconds);
        return;
    }
  }

  /** Every door's state, or null when the controller does not answer in time. */
  async function doorStates(): Promise<DoorStatus[] | null> {
    if (controller === null) return null;
    const abort = new AbortController();
    const timer = sources.clock.setTimeout(
      () => abort.abort(new Error("No door status in time")),
      sources.doorStatusTimeoutMs ?? DOOR_STATUS_TIMEOUT_MS,
    );
    try {
      return await controller.request({ type: "door.status", doorId: 0 }, abort.signal) as
        | DoorStatus[]
        | null;
    } catch (error) {
      log.debug("No door status for /metrics: {error}", { error: String(error) });
      return null;
    } finally {
      sources.clock.clearTimeout(timer);
    }
  }

  const unsubscribe = controller?.observe?.(observe) ?? (() => {});
  let inflight: Promise<string> | null = null;
  return {
    registry,
    observe,
    render() {
      inflight ??= (async () => {
        try {
          doors = await doorStates();
          return await registry.render();
        } finally {
          inflight = null;
        }
      })();
      return inflight;
    },
    close: unsubscribe,
  };
}
