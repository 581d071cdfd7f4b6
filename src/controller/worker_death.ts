/**
 * What the supervisor does when the controller worker dies, besides
 * restarting it: force the outputs to their safe state, and record the alarm.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
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
 * connection) and returns the matching live event.
 */
export function recordWorkerDeath(
  db: DatabaseSync,
  reason: string,
  safeOutputs: readonly SafeOutput[],
): ControllerEvent {
  const timestamp = Date.now();
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
