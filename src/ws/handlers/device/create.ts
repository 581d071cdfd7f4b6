/**
 * `gpio.create` (also `libgpiod.gpio.create`), `wiegand-reader.create`,
 * `led.create`, `buzzer.create`, `osdp-bus.create`, `osdp-reader.create`: a new device with a unique name and a
 * configuration checked against the lines and devices it references. In a
 * site, `controller` names the controller it is wired on (default: this
 * one); what it references must be that controller's.
 *
 * @module
 */
import { createDevice } from "../../../store/devices.ts";
import { defineEndpoint } from "../../endpoint.ts";
import {
  auditDevice,
  boolAttr,
  buildConfig,
  checkName,
  controllerChips,
  DEVICE_FAMILIES,
  deviceCreate,
  namesOf,
  serialize,
} from "./_device.ts";
import { controllerOf, localController, newRowController } from "../_owner.ts";

const [gpio, reader, led, buzzer, osdpBus, osdpReader] = DEVICE_FAMILIES.map((family) =>
  defineEndpoint({
    names: namesOf(family, "create"),
    session: "required",
    permission: { action: "HARDWARE_WRITE" },
    access: "write",
    scope: "site",
    audit: "always",
    wiring: true,
    uses: ["site"],
    decode: deviceCreate,
    async handle(ctx, { attributes }) {
      const db = ctx.store.db;
      const local = localController(ctx);
      const controller = newRowController(controllerOf(attributes), local);
      const where = { controller, local };
      const chips = await controllerChips(ctx, family.kind.type, where);
      const device = ctx.transaction(() => {
        const name = checkName(db, attributes, undefined)!;
        const config = buildConfig(db, family.kind.type, attributes, undefined, chips, where);
        const enabled = boolAttr(attributes, "enabled") ?? true;
        const created = createDevice(db, {
          name,
          type: family.kind.type,
          enabled,
          config,
          controller,
        });
        auditDevice(ctx, "CREATED", created, null, created);
        return created;
      });
      return { data: serialize(db, device, local) };
    },
  })
);

/** `gpio.create`, `libgpiod.gpio.create`. */
export const gpioCreate = gpio!;
/** `wiegand-reader.create`. */
export const wiegandReaderCreate = reader!;
/** `led.create`. */
export const ledCreate = led!;
/** `buzzer.create`. */
export const buzzerCreate = buzzer!;
/** `osdp-bus.create`. */
export const osdpBusCreate = osdpBus!;
/** `osdp-reader.create`. */
export const osdpReaderCreate = osdpReader!;
