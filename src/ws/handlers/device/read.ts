/**
 * `gpio.read` (also `libgpiod.gpio.read`), `wiegand-reader.read`,
 * `led.read`, `buzzer.read`: one device by its UUID, or every device of the
 * kind for `0`, `"0"`, `""` or `null`.
 *
 * @module
 */
import { listDevicesByType } from "../../../store/devices.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { DEVICE_FAMILIES, deviceId, find, namesOf, serialize } from "./_device.ts";
import { localController } from "../_owner.ts";

const [gpio, reader, led, buzzer, osdpBus, osdpReader] = DEVICE_FAMILIES.map((family) => {
  const decode = deviceId(family.kind.idKey);
  return defineEndpoint({
    names: namesOf(family, "read"),
    session: "required",
    permission: { action: "HARDWARE_READ" },
    access: "read",
    audit: "failures",
    wiring: false,
    uses: ["site"],
    decode,
    handle(ctx, { id }) {
      const db = ctx.store.db;
      const local = localController(ctx);
      if (id === null) {
        return {
          data: listDevicesByType(db, family.kind.type).map((d) => serialize(db, d, local)),
        };
      }
      return { data: serialize(db, find(db, family.kind, id), local) };
    },
  });
});

/** `gpio.read`, `libgpiod.gpio.read`. */
export const gpioRead = gpio!;
/** `wiegand-reader.read`. */
export const wiegandReaderRead = reader!;
/** `led.read`. */
export const ledRead = led!;
/** `buzzer.read`. */
export const buzzerRead = buzzer!;
/** `osdp-bus.read`. */
export const osdpBusRead = osdpBus!;
/** `osdp-reader.read`. */
export const osdpReaderRead = osdpReader!;
