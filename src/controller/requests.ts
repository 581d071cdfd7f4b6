/**
 * Routes the worker protocol's requests (everything but `init`, `stop` and
 * the `debug.*` hooks, which the worker handles) to the controller.
 *
 * @module
 */
import type { Controller } from "./controller.ts";
import { CONTROLLER_ERROR, ControllerError, type ControllerRequest } from "./protocol.ts";
import { simulate } from "./simulate.ts";

/** Handles one request; the reply value is the resolved value. */
export async function handleRequest(
  controller: Controller,
  request: ControllerRequest,
): Promise<unknown> {
  switch (request.type) {
    case "ping":
      return { pong: true };
    case "reload":
      return await controller.reload();
    case "door.status":
      return controller.status(request.doorId);
    case "door.open":
      return controller.open(request.doorId, request.authorId, request.durationMs);
    case "door.set_mode":
      return controller.setMode(request.doorId, request.mode, request.authorId);
    case "simulate":
      return await simulate(controller, request.simulate);
    case "debug.crash":
    case "debug.hang":
    case "stop":
      throw new ControllerError(
        CONTROLLER_ERROR.BAD_REQUEST,
        `${request.type} is handled by the worker`,
      );
  }
}
