/**
 * What happens after a successful API call, centrally: a change to doors,
 * access points, zones or devices makes the controller worker re-read its
 * wiring (`reload`) before the reply is sent, so the next card read already
 * uses it. The session calls {@linkcode afterSuccessfulCall}.
 *
 * @module
 */
import { logger } from "../log.ts";
import type { AppDeps } from "./context.ts";

const log = logger("ws");

/** Endpoint families whose writes change the wiring. */
const WIRING_FAMILIES = [
  "door.",
  "access_point.",
  "zone.",
  "wiegand-reader.",
  "gpio.",
  "libgpiod.gpio.",
  "led.",
  "buzzer.",
] as const;

/** Calls of those families that do not change anything (or tell the worker themselves). */
const NOT_WRITES: ReadonlySet<string> = new Set([
  "door.status",
  "door.open",
  "door.set_mode",
]);

/**
 * True when a successful call of `type` changes what the controller wires.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reloadsController } from "./after_write.ts";
 * assert.ok(reloadsController("door.update") && !reloadsController("door.read"));
 * ```
 */
export function reloadsController(type: string): boolean {
  if (type.endsWith(".read") || NOT_WRITES.has(type)) return false;
  return WIRING_FAMILIES.some((family) => type.startsWith(family));
}

/**
 * Runs the after-call hooks of a successful `type` call. Never throws: a
 * failed reload is logged (the worker also reloads when it restarts).
 */
export async function afterSuccessfulCall(deps: AppDeps, type: string): Promise<void> {
  if (deps.controller === null || !reloadsController(type)) return;
  try {
    await deps.controller.request({ type: "reload" });
  } catch (error) {
    log.warn("Controller reload after {type} failed: {error}", { type, error: String(error) });
  }
}
