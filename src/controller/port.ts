/**
 * The controller as the API layer sees it: requests to the controller worker
 * and whether the hardware is simulated. The API imports this; the
 * controller imports nothing from the API.
 *
 * @module
 */

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
}
