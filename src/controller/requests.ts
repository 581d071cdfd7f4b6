/**
 * Routes the worker protocol's requests (everything but `init`, `stop` and
 * the `debug.*` hooks, which the worker handles) to the controller.
 *
 * @module
 */
import type { Controller } from "./controller.ts";
import { CONTROLLER_ERROR, ControllerError, type ControllerRequest } from "./protocol.ts";
import { simulate } from "./simulate.ts";

/**
 * A reply that comes later: the worker's serial request queue moves on as
 * soon as the request has been accepted, and replies once `settled` settles.
 */
export class LaterReply {
  /** The reply value (or the error to reply with). */
  readonly settled: Promise<unknown>;

  constructor(settled: Promise<unknown>) {
    this.settled = settled;
    // Handled when the worker replies; until then it must not count as unhandled.
    settled.catch(() => {});
  }
}

/** A controller refusal carrying the error's sentence. */
function badRequest(error: unknown): ControllerError {
  return new ControllerError(
    CONTROLLER_ERROR.BAD_REQUEST,
    error instanceof Error ? error.message : String(error),
  );
}

/**
 * Handles one request; the reply value is the resolved value, or what a
 * {@linkcode LaterReply} settles with.
 */
export async function handleRequest(
  controller: Controller,
  request: ControllerRequest,
): Promise<unknown> {
  switch (request.type) {
    case "ping":
      return { pong: true };
    case "reload":
      return await controller.reload();
    case "chips":
      return controller.chips();
    case "wiring.warnings":
      return controller.warnings();
    case "osdp.status":
      return controller.osdp.status();
    case "osdp.install":
      try {
        controller.osdp.installMode(request.readerId, request.timeoutMs);
      } catch (error) {
        throw new ControllerError(
          CONTROLLER_ERROR.BAD_REQUEST,
          error instanceof Error ? error.message : String(error),
        );
      }
      return null;
    case "osdp.rekey":
      try {
        // Refused at once (offline, not secure…), else replied once the reader answers.
        return new LaterReply(
          controller.osdp.rekey(request.readerId).then(() => null, (error) => {
            throw badRequest(error);
          }),
        );
      } catch (error) {
        throw badRequest(error);
      }
    case "door.status":
      return controller.status(request.doorId);
    case "door.open":
      return controller.open(request.doorId, request.authorId, request.durationMs);
    case "door.set_mode":
      return controller.setMode(request.doorId, request.mode, request.authorId);
    case "simulate":
      // Checked and queued on its reader at once (in order with reloads); the
      // pulses are played on the reader's own queue, so other requests and
      // other readers do not wait for them.
      return new LaterReply(simulate(controller, request.simulate));
    case "debug.crash":
    case "debug.hang":
    case "stop":
      throw new ControllerError(
        CONTROLLER_ERROR.BAD_REQUEST,
        `${request.type} is handled by the worker`,
      );
  }
}
