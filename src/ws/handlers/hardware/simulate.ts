/**
 * `hardware.simulate` (manager, simulated hardware only): present a card,
 * type a PIN, open a door or press its request-to-exit button. The worker's
 * simulator plays real Wiegand pulse trains on the sim chip, so the whole
 * path (edges → frame → decode → decide → strike) runs as on hardware. Calls
 * on one reader, from any session, are queued in the worker and played one
 * after the other with the reader's inter-frame gap (at most 32 waiting;
 * beyond: status 1), so a burst gives one read per call. The reply comes once
 * its pulses are played; the decision arrives as an `event.access` push.
 * A reader on a simulated OSDP bus (`sim:NAME`) reports the card or PIN at its
 * next poll; the reply then also has `led`: the colour the controller next
 * told the reader's LED to show (`green`, `red`, `amber`), or null.
 *
 * Content: `{action: "card", reader, format?, facility?, number?}` or
 * `{action: "card", reader, card_id, nb_bits}`, `{action: "pin", reader, pin}`,
 * `{action: "input", door, input: "contact" | "rex", value}`. `reader` is the
 * reader device's id or name. `instant: true` plays the same edges at once,
 * stamped as if they had been played in real time (for load tests).
 *
 * @module
 */
import { BadRequestError } from "../../../errors.ts";
import type { SimulateAction } from "../../../controller/protocol.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { bool, id, int, object, oneOf, optional, str } from "../../validate.ts";
import { callController, requireController } from "../_controller.ts";

/** The request content. */
const decode = object({
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

/** The decoded request. */
type Request = ReturnType<typeof decode>;

function required<T>(value: T | undefined, key: string): T {
  if (value === undefined) throw new BadRequestError(`key '${key}' not found`);
  return value;
}

/** The simulator's action for a request (a missing key is status 1, as Leosac). */
function simulateAction(request: Request): SimulateAction {
  const instant = request.instant === undefined ? {} : { instant: request.instant };
  switch (request.action) {
    case "card":
      return {
        action: "card",
        reader: required(request.reader, "reader"),
        ...(request.format === undefined ? {} : { format: request.format }),
        ...(request.facility === undefined ? {} : { facility: request.facility }),
        ...(request.number === undefined ? {} : { number: request.number }),
        ...(request.card_id === undefined ? {} : { cardId: request.card_id }),
        ...(request.nb_bits === undefined ? {} : { nbBits: request.nb_bits }),
        ...instant,
      };
    case "pin":
      return {
        action: "pin",
        reader: required(request.reader, "reader"),
        pin: required(request.pin, "pin"),
        ...instant,
      };
    case "input":
      return {
        action: "input",
        door: required(request.door, "door"),
        input: required(request.input, "input"),
        value: required(request.value, "value"),
      };
  }
}

/** The declaration. */
export const hardwareSimulate = defineEndpoint({
  names: ["hardware.simulate"],
  session: "required",
  permission: { action: "HARDWARE_SIMULATE" },
  access: "write",
  scope: "local",
  audit: "always",
  wiring: false,
  decode,
  async handle(ctx, request, signal) {
    const controller = requireController(ctx);
    if (!controller.simulated) {
      throw new BadRequestError(
        "Hardware simulation needs the simulated hardware (--hardware sim).",
      );
    }
    const simulate = simulateAction(request);
    const result = await callController(controller, { type: "simulate", simulate }, signal);
    return {
      action: request.action,
      frames: result.frames,
      bits: result.bits,
      ...(result.led === undefined ? {} : { led: result.led }),
    };
  },
});
