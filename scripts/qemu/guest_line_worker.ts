/**
 * Worker of the "worker death" QEMU case (guest_worker_death.ts): opens the
 * chip with a line registry, requests two outputs and one input with edge
 * detection (so an event pump blocks in poll), reports, then waits to be
 * terminated. Bundled to /guest_line_worker.js by scripts/qemu/run.sh.
 *
 * @module
 */
import { openChardevChip } from "../../src/hardware/chardev/chardev_chip.ts";
import { LineRegistry } from "../../src/hardware/chardev/line_registry.ts";

/** What the case sends. */
export interface LineWorkerInit {
  chipPath: string;
  registry: SharedArrayBuffer;
  /** Requested at 1, safe level 0. */
  strike: number;
  /** Requested at 0, safe level 1 (a fail-safe strike). */
  failSafe: number;
  /** Input with edges on both sides. */
  input: number;
}

interface Scope {
  onmessage: ((event: MessageEvent<LineWorkerInit>) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as Scope;
scope.onmessage = (event) => {
  const init = event.data;
  try {
    const chip = openChardevChip(init.chipPath, { registry: new LineRegistry(init.registry) });
    chip.requestOutput(init.strike, { consumer: "w-strike", initial: true, safeLevel: false });
    chip.requestOutput(init.failSafe, { consumer: "w-failsafe", initial: false, safeLevel: true });
    chip.requestInput(init.input, { consumer: "w-contact", edges: "both" });
    scope.postMessage({ ok: true });
  } catch (error) {
    scope.postMessage({ ok: false, error: String(error) });
  }
};
