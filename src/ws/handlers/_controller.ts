/**
 * Helpers for the endpoints that talk to the controller worker: typed calls
 * and the mapping of controller errors to wire statuses.
 *
 * @module
 */
import { AppError, STATUS } from "../../errors.ts";
import {
  CONTROLLER_ERROR,
  ControllerError,
  type ControllerRequest,
  type ReplyValues,
} from "../../controller/protocol.ts";
import type { ControllerPort } from "../../controller/port.ts";

/** The controller, or GENERAL_FAILURE when the process runs without one. */
export function requireController(ctx: { controller: ControllerPort | null }): ControllerPort {
  const controller = ctx.controller;
  if (controller === null) {
    throw new AppError(
      STATUS.GENERAL_FAILURE,
      "LEOSACException",
      "The door controller is not running.",
    );
  }
  return controller;
}

/**
 * Sends a typed request; controller errors become wire errors. When `signal`
 * aborts first (the call overran its time limit), it rejects with the
 * signal's reason.
 */
export async function callController<R extends ControllerRequest>(
  controller: ControllerPort,
  request: R,
  signal: AbortSignal,
): Promise<ReplyValues[R["type"]]> {
  try {
    return await controller.request(request, signal) as ReplyValues[R["type"]];
  } catch (error) {
    throw wireError(error);
  }
}

/** The wire error for a controller failure. */
export function wireError(error: unknown): unknown {
  if (!(error instanceof ControllerError)) return error;
  switch (error.code) {
    case CONTROLLER_ERROR.NOT_FOUND:
      return new AppError(STATUS.ENTITY_NOT_FOUND, "Leosac::EntityNotFound", `${error.message}.`);
    case CONTROLLER_ERROR.BAD_REQUEST:
    case CONTROLLER_ERROR.NOT_SIMULATED:
      return new AppError(STATUS.GENERAL_FAILURE, "LEOSACException", `${error.message}.`);
    default:
      return new AppError(
        STATUS.GENERAL_FAILURE,
        "LEOSACException",
        `The door controller is unavailable: ${error.message}.`,
      );
  }
}
