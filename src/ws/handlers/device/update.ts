/**
 * `gpio.update` (also `libgpiod.gpio.update`), `wiegand-reader.update`,
 * `led.update`, `buzzer.update`: the attributes sent over the device's
 * configuration, checked as on create; a gpio in use keeps a direction its
 * users can work with.
 *
 * @module
 */
import { updateDevice } from "../../../store/devices.ts";
import { defineEndpoint } from "../../endpoint.ts";
import {
  auditDevice,
  boolAttr,
  buildConfig,
  checkName,
  controllerChips,
  DEVICE_FAMILIES,
  deviceUpdate,
  find,
  namesOf,
  serialize,
} from "./_device.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

const [gpio, reader, led, buzzer, osdpBus, osdpReader] = DEVICE_FAMILIES.map((family) => {
  const decode = withVersion(deviceUpdate(family.kind.idKey), "attributes");
  return defineEndpoint({
    names: namesOf(family, "update"),
    session: "required",
    permission: { action: "HARDWARE_WRITE" },
    access: "write",
    audit: "always",
    wiring: true,
    decode,
    async handle(ctx, { id, attributes, version }) {
      const db = ctx.store.db;
      const chips = await controllerChips(ctx, family.kind.type);
      const device = ctx.transaction(() => {
        const before = find(db, family.kind, id);
        checkVersion(db, "device", before.id, version);
        const name = checkName(db, attributes, before);
        const config = buildConfig(db, family.kind.type, attributes, before, chips);
        const enabled = boolAttr(attributes, "enabled");
        const updated = updateDevice(db, before.id, {
          ...(name === undefined ? {} : { name }),
          ...(enabled === undefined ? {} : { enabled }),
          config,
        })!;
        auditDevice(ctx, "UPDATED", updated, before, updated);
        return updated;
      });
      return { data: serialize(db, device) };
    },
  });
});

/** `gpio.update`, `libgpiod.gpio.update`. */
export const gpioUpdate = gpio!;
/** `wiegand-reader.update`. */
export const wiegandReaderUpdate = reader!;
/** `led.update`. */
export const ledUpdate = led!;
/** `buzzer.update`. */
export const buzzerUpdate = buzzer!;
/** `osdp-bus.update`. */
export const osdpBusUpdate = osdpBus!;
/** `osdp-reader.update`. */
export const osdpReaderUpdate = osdpReader!;
