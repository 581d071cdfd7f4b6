/**
 * `gpio.update` (also `libgpiod.gpio.update`), `wiegand-reader.update`,
 * `led.update`, `buzzer.update`: the attributes sent over the device's
 * configuration, checked as on create; a gpio in use keeps a direction its
 * users can work with. A device does not move between controllers.
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
import { checkControllerUnchanged, controllerOf, localController } from "../_owner.ts";
import { getDevice } from "../../../store/devices.ts";
import { ownerOf } from "../../../store/owner.ts";

const [gpio, reader, led, buzzer, osdpBus, osdpReader] = DEVICE_FAMILIES.map((family) => {
  const decode = withVersion(deviceUpdate(family.kind.idKey), "attributes");
  return defineEndpoint({
    names: namesOf(family, "update"),
    session: "required",
    permission: { action: "HARDWARE_WRITE" },
    access: "write",
    scope: "site",
    audit: "always",
    wiring: true,
    uses: ["site"],
    decode,
    async handle(ctx, { id, attributes, version }) {
      const db = ctx.store.db;
      const local = localController(ctx);
      const requested = controllerOf(attributes);
      const current = id === null ? undefined : getDevice(db, id);
      const where = { controller: ownerOf(current?.controller ?? null, local), local };
      const chips = await controllerChips(ctx, family.kind.type, where);
      const device = ctx.transaction(() => {
        const before = find(db, family.kind, id);
        checkVersion(db, "device", before.id, version);
        checkControllerUnchanged(requested, before, local, `device "${before.name}"`);
        const name = checkName(db, attributes, before);
        const config = buildConfig(db, family.kind.type, attributes, before, chips, {
          controller: ownerOf(before.controller, local),
          local,
        });
        const enabled = boolAttr(attributes, "enabled");
        const updated = updateDevice(db, before.id, {
          ...(name === undefined ? {} : { name }),
          ...(enabled === undefined ? {} : { enabled }),
          config,
        })!;
        auditDevice(ctx, "UPDATED", updated, before, updated);
        return updated;
      });
      return { data: serialize(db, device, local) };
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
