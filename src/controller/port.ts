/**
 * The controller as the API layer sees it: requests to the controller worker
 * and whether the hardware is simulated. The API imports this; the
 * controller imports nothing from the API.
 *
 * @module
 */
import type { Observation } from "./protocol.ts";

export type { Observation };

/** A port to the door controller. */
export interface ControllerPort {
  /**
   * Sends a request to the controller worker and waits for its answer. When
   * `signal` aborts first, the promise rejects with the signal's reason.
   */
  request(
    message: { type: string; [key: string]: unknown },
    signal?: AbortSignal,
  ): Promise<unknown>;
  /** True when the process runs with simulated hardware. */
  readonly simulated: boolean;
  /** Times the worker died and was restarted since the process started (`/metrics`). */
  readonly restarts?: number;
  /**
   * Adds a listener of the worker's measurements (`/metrics`): decisions,
   * door alarms and event write times. Returns a function that removes it.
   */
  observe?(listener: (observation: Observation) => void): () => void;
}
