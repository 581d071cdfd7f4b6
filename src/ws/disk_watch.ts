/**
 * Watches the disk for the app (issue 14): checks the free space every
 * {@linkcode DISK_CHECK_INTERVAL_MS} on the app's clock (the store's disk
 * reserve is released when the disk is full and written again when room is
 * back), releases the reserve at once when the controller says the database
 * refuses its event rows for a full disk, and turns each release and
 * re-creation into an alarm: an `ALARM` audit row (the reserve's space holds
 * it; `audit_id` -1 when even that fails) and an `event.alarm` push,
 * `disk_reserve_released` or `disk_reserve_restored`.
 *
 * Nothing runs when the store has no reserve.
 *
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";
import { logger } from "../log.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../store/audit.ts";
import { DISK_CHECK_INTERVAL_MS, MIB, type ReserveChange } from "../store/disk_reserve.ts";
import type { Store } from "../store/store.ts";
import type { EventHub, LiveEvent } from "./event_hub.ts";

export { DISK_CHECK_INTERVAL_MS };

const log = logger("store");

/** What {@linkcode DiskWatch} needs. */
export interface DiskWatchDeps {
  store: Store;
  events: EventHub;
  clock: Clock;
  /** @default DISK_CHECK_INTERVAL_MS */
  intervalMs?: number;
}

/** The app's watch over the data directory's free space. */
export class DiskWatch {
  readonly #deps: DiskWatchDeps;
  readonly #intervalMs: number;
  #timer: TimerHandle | undefined;
  readonly #stops: Array<() => void> = [];

  constructor(deps: DiskWatchDeps) {
    this.#deps = deps;
    this.#intervalMs = deps.intervalMs ?? DISK_CHECK_INTERVAL_MS;
    const { store, events } = deps;
    if (store.reserve.state === "off") return;
    this.#stops.push(store.reserve.subscribe((change) => this.#alarm(change)));
    this.#stops.push(events.subscribe((event) => {
      // After the refusal's own alarm has reached every listener.
      if (isDiskFullRefusal(event)) {
        queueMicrotask(() => store.reserve.release("the controller could not store event rows"));
      }
    }));
    this.#schedule();
  }

  /** Checks the free space now (the timer does it every interval). */
  check(): ReserveChange | null {
    return this.#deps.store.reserve.check();
  }

  /** Stops the timer and the listeners. */
  close(): void {
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const stop of this.#stops.splice(0)) stop();
  }

  #schedule(): void {
    this.#timer = this.#deps.clock.setTimeout(() => {
      try {
        this.check();
      } catch (error) {
        log.error("Disk check failed: {error}", { error: String(error) });
      }
      this.#schedule();
    }, this.#intervalMs);
  }

  /** One stored ALARM row (when it fits) and one pushed alarm per change. */
  #alarm(change: ReserveChange): void {
    const { store, events, clock } = this.#deps;
    const now = clock.now();
    const alarm = change.kind === "released" ? "disk_reserve_released" : "disk_reserve_restored";
    const data = {
      alarm,
      reason: change.reason,
      free_bytes: change.freeBytes,
      reserve_bytes: change.reserveBytes,
    };
    const mb = change.reserveBytes / MIB;
    let auditId = -1;
    try {
      auditId = appendAudit(store.db, {
        kind: AUDIT_KIND.ALARM,
        mask: auditMask(AUDIT_EVENT.ALARM),
        authorId: null,
        timestamp: now,
        description: change.kind === "released"
          ? `The disk is full (${change.reason}): the ${mb} MiB disk reserve was released; free space`
          : `Room is back on the disk: the ${mb} MiB disk reserve is held again`,
        data,
      });
    } catch (error) {
      log.error("Cannot store the {alarm} alarm row: {error}", { alarm, error: String(error) });
    }
    events.publish({ category: "alarm", audit_id: auditId, timestamp: now, ...data });
  }
}

/** The worker's alarm that the database refuses event rows because the disk is full. */
function isDiskFullRefusal(event: LiveEvent): boolean {
  return event.category === "alarm" && event.alarm === "database_refused" &&
    event.reason === "disk_full";
}
