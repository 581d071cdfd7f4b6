/**
 * `hardware.warnings` (ours, a documented extension): the wiring problems the
 * controller found when it last read the configuration: a line on a chip it
 * does not have, a reader missing a data line, a device that could not be
 * opened. Before this they reached only the server log; the web UI shows them
 * on the device and door pages. Viewer rank and up (DOOR_STATUS).
 *
 * Reply: `{warnings: [string, …], chips: [{name, lines}, …]}`; both empty
 * without a controller (no hardware).
 *
 * @module
 */
import { defineEndpoint } from "../../endpoint.ts";
import { ignored } from "../../validate.ts";
import { callController } from "../_controller.ts";

/** The declaration. */
export const hardwareWarnings = defineEndpoint({
  names: ["hardware.warnings"],
  session: "required",
  permission: { action: "DOOR_STATUS" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: ignored,
  async handle(ctx, _content, signal) {
    const controller = ctx.controller;
    if (controller === null) return { warnings: [], chips: [] };
    const [warnings, chips] = await Promise.all([
      callController(controller, { type: "wiring.warnings" }, signal),
      callController(controller, { type: "chips" }, signal),
    ]);
    return { warnings, chips };
  },
});
