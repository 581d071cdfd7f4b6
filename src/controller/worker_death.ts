/**
 * What the supervisor does when the controller worker dies, besides
 * restarting it: force the outputs to their safe state, and record the alarm.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { logger } from "../log.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../store/audit.ts";
import { forceMirror } from "./hardware.ts";
import type { ControllerEvent, SafeOutput } from "./protocol.ts";

const log = logger("controller");

/** Drives outputs to their safe levels from the main thread. */
export type SafeStateDriver = (outputs: readonly SafeOutput[]) => void;

/**
 * The default safe-state routine: with simulated hardware it writes the safe
 * levels into the shared output mirror; with the GPIO character device it can
 * only log (see docs/worker_protocol.md, "Supervision").
 */
export function defaultSafeState(mirror: SharedArrayBuffer | null): SafeStateDriver {
  if (mirror !== null) {
    return (outputs) => {
      for (const output of outputs) forceMirror(mirror, output.offset, output.level);
    };
  }
  return (outputs) => {
    if (outputs.length === 0) return;
    log.error(
      "Cannot force {count} GPIO outputs to their safe state from the main thread: the chardev driver does not provide that routine yet",
      { count: outputs.length },
    );
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
