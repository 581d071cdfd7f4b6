/**
 * `hardware.simulate` (manager, simulated hardware only): present a card,
 * type a PIN, open a door or press its request-to-exit button. The worker's
 * simulator plays real Wiegand pulse trains on the sim chip, so the whole
 * path (edges → frame → decode → decide → strike) runs as on hardware. The
 * reply comes once the pulses are played; the decision arrives as an
 * `event.access` push.
 *
 * Content: `{action: "card", reader, format?, facility?, number?}` or
 * `{action: "card", reader, card_id, nb_bits}`, `{action: "pin", reader, pin}`,
 * `{action: "input", door, input: "contact" | "rex", value}`. `reader` is the
 * reader device's id or name. `instant: true` plays the same edges at once,
 * stamped as if they had been played in real time (for load tests).
 *
 * @module
 */
import { BadRequestError } from "../../errors.ts";
import type { SimulateAction } from "../../controller/protocol.ts";
import { type Endpoint, endpoint } from "../context.ts";
import { bool, id, int, object, oneOf, optional, str } from "../validate.ts";
import { callController, requireController } from "./_controller.ts";

const decodeSimulate = object({
  action: oneOf(["card", "pin", "input"] as const),
  reader: optional(str(128)),
  format: optional(str(64)),
  facility: optional(int(0, 2 ** 32)),
  number: optional(int(0)),
  card_id: optional(str(128)),
  nb_bits: optional(int(1, 128)),
  pin: optional(str(32)),
  door: optional(id),
  input: optional(oneOf(["contact", "rex"] as const)),
  value: optional(bool),
  instant: optional(bool),
});

function required<T>(value: T | undefined, key: string): T {
  if (value === undefined) throw new BadRequestError(`key '${key}' not found`);
  return value;
}

/** The simulation endpoint, by wire name. */
export const SIMULATE_ENDPOINTS: Record<string, Endpoint> = {
  "hardware.simulate": endpoint(decodeSimulate, {
    auth: "logged_in",
    async handle(ctx, request) {
      ctx.require("HARDWARE_SIMULATE");
      const controller = requireController(ctx);
      if (!controller.simulated) {
        throw new BadRequestError(
          "Hardware simulation needs the simulated hardware (--hardware sim).",
        );
      }
      let simulate: SimulateAction;
      switch (request.action) {
        case "card":
          simulate = {
            action: "card",
            reader: required(request.reader, "reader"),
            ...(request.format === undefined ? {} : { format: request.format }),
            ...(request.facility === undefined ? {} : { facility: request.facility }),
            ...(request.number === undefined ? {} : { number: request.number }),
            ...(request.card_id === undefined ? {} : { cardId: request.card_id }),
            ...(request.nb_bits === undefined ? {} : { nbBits: request.nb_bits }),
            ...(request.instant === undefined ? {} : { instant: request.instant }),
          };
          break;
        case "pin":
          simulate = {
            action: "pin",
            reader: required(request.reader, "reader"),
            pin: required(request.pin, "pin"),
            ...(request.instant === undefined ? {} : { instant: request.instant }),
          };
          break;
        case "input":
          simulate = {
            action: "input",
            door: required(request.door, "door"),
            input: required(request.input, "input"),
            value: required(request.value, "value"),
          };
          break;
      }
      const result = await callController(controller, { type: "simulate", simulate });
      return { action: request.action, frames: result.frames, bits: result.bits };
    },
  }),
};
