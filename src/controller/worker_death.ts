/**
 * What the supervisor does when the controller worker dies, besides
 * restarting it: force the outputs to their safe state, and record the alarm.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { createLineRegistryBuffer } from "../hardware/chardev/line_registry.ts";
import { reclaimLines } from "../hardware/chardev/reclaim.ts";
import { logger } from "../log.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../store/audit.ts";
import { forceMirror } from "./hardware.ts";
import type { ControllerEvent, SafeOutput } from "./protocol.ts";

const log = logger("controller");

/**
 * Drives outputs to their safe levels from the main thread, after the worker
 * was terminated. `lines` is the dead worker's line registry (GPIO mode). The
 * supervisor waits for a returned promise before it starts the next worker.
 */
export type SafeStateDriver = (
  outputs: readonly SafeOutput[],
  lines: SharedArrayBuffer | null,
) => void | Promise<void>;

/**
 * What the supervisor needs to force the outputs safe: the latest safe-state
 * plan the worker sent, and (GPIO mode) the line registry of the current
 * worker. Old registries stay referenced for a while: a dead worker's `poll`
 * may still write into one.
 */
export class SafeStateGuard {
  /** The outputs and their safe levels (from the worker's last `wiring` notice). */
  outputs: SafeOutput[] = [];
  readonly #simulated: boolean;
  readonly #driver: SafeStateDriver;
  #lines: SharedArrayBuffer | null = null;
  readonly #retired: SharedArrayBuffer[] = [];

  constructor(simulated: boolean, driver: SafeStateDriver) {
    this.#simulated = simulated;
    this.#driver = driver;
  }

  /** GPIO mode: a fresh line registry for the next worker (null in sim mode). */
  nextLineRegistry(): SharedArrayBuffer | null {
    if (this.#simulated) return null;
    if (this.#lines !== null) this.#retired.push(this.#lines);
    if (this.#retired.length > 8) this.#retired.shift();
    this.#lines = createLineRegistryBuffer();
    return this.#lines;
  }

  /** GPIO mode: whether a worker was given a line registry (whose lines may still be held). */
  get holdsLines(): boolean {
    return this.#lines !== null;
  }

  /** Runs the driver on the current plan and registry; never rejects (failures are logged). */
  async force(): Promise<void> {
    try {
      await this.#driver(this.outputs, this.#lines);
    } catch (error) {
      log.error("Cannot force the safe state: {error}", { error: String(error) });
    }
  }
}

/**
 * The default safe-state routine: with simulated hardware it writes the safe
 * levels into the shared output mirror; with the GPIO character device it
 * runs `reclaimLines()` on the dead worker's line registry: every output
 * the worker held is set to its safe value, then every fd it held is closed,
 * so the kernel releases the lines for the next worker (docs/worker_protocol.md,
 * "Supervision").
 */
export function defaultSafeState(mirror: SharedArrayBuffer | null): SafeStateDriver {
  if (mirror !== null) {
    return (outputs) => {
      for (const output of outputs) forceMirror(mirror, output.offset, output.level);
    };
  }
  return async (outputs, lines) => {
    if (lines === null) {
      if (outputs.length > 0) log.error("No line registry: GPIO outputs left as they were");
      return;
    }
    const report = await reclaimLines(lines);
    for (const { chip, offset, errno } of report.failed) {
      log.error("Cannot set line {offset} of {chip} to its safe value (errno {errno})", {
        chip,
        offset,
        errno,
      });
    }
    for (const { fd, reason } of report.skipped) {
      log.warning("Left fd {fd} of the dead worker alone: {reason}", { fd, reason });
    }
    log.info("Dead worker's lines: {driven} outputs set safe, {closed} fds closed", {
      driven: report.driven.length,
      closed: report.closed.length,
    });
  };
}

/**
 * Appends the ALARM audit row of a worker death (on the main thread's
 * connection, stamped `timestamp` in Unix ms) and returns the matching live event.
 */
export function recordWorkerDeath(
  db: DatabaseSync,
  reason: string,
  safeOutputs: readonly SafeOutput[],
  timestamp: number,
): ControllerEvent {
  const data = {
    alarm: "worker_died",
    reason,
    safe_outputs: safeOutputs.map((o) => ({ role: o.role, level: o.level })),
  };
  let auditId = -1;
  try {
    auditId = appendAudit(db, {
      kind: AUDIT_KIND.ALARM,
      mask: auditMask(AUDIT_EVENT.ALARM),
      authorId: null,
      description: `Controller worker died (${reason}); outputs forced to their safe state`,
      timestamp,
      data,
    });
  } catch (error) {
    log.error("Cannot record the worker alarm: {error}", { error: String(error) });
  }
  return {
    category: "alarm",
    auditId,
    timestamp,
    content: { audit_id: auditId, timestamp, ...data },
  };
}
