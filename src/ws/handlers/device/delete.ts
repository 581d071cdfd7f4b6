/**
 * `gpio.delete` (also `libgpiod.gpio.delete`), `wiegand-reader.delete`,
 * `led.delete`, `buzzer.delete`: removes a device no door, access point or
 * other device uses (MODEL_EXCEPTION listing its users otherwise).
 *
 * @module
 */
import { ValidationError } from "../../../errors.ts";
import { deleteDevice } from "../../../store/devices.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { usesOf } from "../_device_refs.ts";
import { auditDevice, DEVICE_FAMILIES, deviceId, find, namesOf } from "./_device.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

const [gpio, reader, led, buzzer, osdpBus, osdpReader] = DEVICE_FAMILIES.map((family) => {
  const decode = withVersion(deviceId(family.kind.idKey), "content");
  return defineEndpoint({
    names: namesOf(family, "delete"),
    session: "required",
    permission: { action: "HARDWARE_WRITE" },
    access: "write",
    scope: "site",
    audit: "always",
    wiring: true,
    decode,
    handle(ctx, { id, version }) {
      const db = ctx.store.db;
      ctx.transaction(() => {
        const device = find(db, family.kind, id);
        checkVersion(db, "device", device.id, version);
        const uses = usesOf(db, device.id);
        if (uses.length > 0) {
          throw new ValidationError(
            `Device "${device.name}" is in use: ${uses.map((u) => u.label).join(", ")}.`,
            "",
          );
        }
        deleteDevice(db, device.id);
        auditDevice(ctx, "DELETED", device, device, null);
      });
      return null;
    },
  });
});

/** `gpio.delete`, `libgpiod.gpio.delete`. */
export const gpioDelete = gpio!;
/** `wiegand-reader.delete`. */
export const wiegandReaderDelete = reader!;
/** `led.delete`. */
export const ledDelete = led!;
/** `buzzer.delete`. */
export const buzzerDelete = buzzer!;
/** `osdp-bus.delete`. */
export const osdpBusDelete = osdpBus!;
/** `osdp-reader.delete`. */
export const osdpReaderDelete = osdpReader!;
