/**
 * `search.hardware_name`: devices, sorted by name, with the web client's model name as `type`, whose name contains `partial_name`.
 *
 * @module
 */
import { searchDevices } from "../../../store/devices.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { partialNameRequest } from "./_search.ts";

/** The declaration. */
export const searchHardwareName = defineEndpoint({
  names: ["search.hardware_name"],
  session: "required",
  permission: { action: "HARDWARE_READ" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: partialNameRequest,
  handle(ctx, { partial_name }) {
    return searchDevices(ctx.store.db, partial_name).map((d) => ({
      id: d.id,
      name: d.name,
      "device-class": d.deviceClass,
      type: d.type === "gpio" ? "libgpiod-gpio" : d.type,
    }));
  },
});
