/**
 * What the device endpoints share. Hardware devices over the API, in the shapes the Leosac web client uses
 * (Leosac §7.10 and the client's models): `gpio.*` and `libgpiod.gpio.*`
 * (id key `gpio_id`, type `libgpiod-gpio`), `wiegand-reader.*` (`reader_id`),
 * `led.*` (`led_id`), `buzzer.*` (`buzzer_id`); each with `create`, `read`,
 * `update`, `delete`. Wire shapes and config keys: `_device_wire.ts`.
 *
 * - Ids are UUID strings; a read with `0`, `"0"`, `""` or `null` lists every
 *   device of the type. An unknown id (or a device of another type) is
 *   ENTITY_NOT_FOUND with the entity type `gpio`, `wiegand-reader`, `led`
 *   or `buzzer`.
 * - Names are unique and non-empty (MODEL_EXCEPTION "Device name already
 *   used"). A referenced device must exist and fit its role (reader D0/D1
 *   input gpios; LED, buzzer and strike lines output gpios); two gpio devices
 *   may not claim the same chip line.
 * - A device still referenced by a door, an access point or another device
 *   is not deleted (MODEL_EXCEPTION listing its users); a gpio in use does
 *   not change to a direction its users cannot work with.
 * - Reads need HARDWARE_READ (supervisor), writes HARDWARE_WRITE (admin).
 *   Writes append a DEVICE_CREATED / UPDATED / DELETED audit row (kind
 *   `Leosac::Audit::DeviceEvent`, the device id in `data.device_id`) and
 *   make the controller reload its wiring before the reply (`wiring: true`).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { BadRequestError, NotFoundError, ValidationError } from "../../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { type GpioConfig, parseDeviceConfig, storedConfig } from "../../../store/device_config.ts";
import {
  type Device,
  type DeviceType,
  getDevice,
  getDeviceByName,
  listDevicesByType,
} from "../../../store/devices.ts";
import type { ChipSummary } from "../../../controller/protocol.ts";
import { scbkState } from "../../../store/osdp_keys.ts";
import type { ControllerPort } from "../../../controller/port.ts";
import type { EndpointContext } from "../../endpoint.ts";
import type { Decoder } from "../../validate.ts";
import { READER_ROLES, type RefRole, resolveRef, usesOf } from "../_device_refs.ts";
import { ownerOf } from "../../../store/owner.ts";
import {
  ATTR,
  configPatch,
  DEVICE_KINDS,
  type DeviceKind,
  deviceSnapshot,
  gpioLine,
  READER_REFS,
  REL,
  serializeDevice,
} from "../_device_wire.ts";
import { attributesOf } from "../_entity_attrs.ts";
import { checkSameController, controllerAttribute } from "../_owner.ts";

/** An attributes object. */
export type Obj = Record<string, unknown>;

/** What a new device's config starts from: a gpio created over the API is an input (Leosac's 0). */
function initialConfig(type: DeviceType): Obj {
  const defaults = storedConfig(parseDeviceConfig(type, {}));
  return type === "gpio" ? { ...defaults, direction: "in" } : defaults;
}

/** A request id: a UUID string, or null for `0` / `"0"` / `""` / `null`. */
export function deviceId(idKey: string): Decoder<{ id: string | null }> {
  return (value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new BadRequestError("Invalid value for `content`: expected an object");
    }
    const source = value as Obj;
    if (!Object.hasOwn(source, idKey)) throw new BadRequestError(`key '${idKey}' not found`);
    const raw = source[idKey];
    let id: string | null;
    if (raw === null || raw === 0 || raw === "" || raw === "0") id = null;
    else if (typeof raw === "string" && raw.length <= 128) id = raw;
    else throw new BadRequestError(`Invalid value for \`${idKey}\`: expected a UUID string`);
    return { id };
  };
}

/** An update request: the device id and its attributes. */
export function deviceUpdate(idKey: string): Decoder<{ id: string | null; attributes: Obj }> {
  const decodeId = deviceId(idKey);
  return (value, path) => ({
    ...decodeId(value, path),
    attributes: attributesOf((value as Obj).attributes),
  });
}

/** A create request: its attributes (any other content reads as none, as Leosac). */
export function deviceCreate(value: unknown): { attributes: Obj } {
  const source = typeof value === "object" && value !== null ? value as Obj : {};
  return { attributes: attributesOf(source.attributes) };
}

/** The device `id` of `kind`, or ENTITY_NOT_FOUND. */
export function find(db: DatabaseSync, kind: DeviceKind, id: string | null): Device {
  const device = id === null ? undefined : getDevice(db, id);
  if (device === undefined || device.type !== kind.type) {
    throw new NotFoundError(kind.entity, id ?? "0");
  }
  return device;
}

/** Readers one OSDP bus takes. */
export const MAX_READERS_PER_BUS = 16;

/**
 * The JSON:API resource of a device (an OSDP reader's key state, never its
 * key). `local` is this controller's name in a site (the device then carries
 * its `controller`), null outside one.
 */
export function serialize(
  db: DatabaseSync,
  device: Device,
  local: string | null,
): Record<string, unknown> {
  const resource = serializeDevice(device, (id) => {
    const target = getDevice(db, id);
    return target === undefined ? null : DEVICE_KINDS[target.type].wireType;
  });
  const attributes = resource.attributes as Obj;
  Object.assign(attributes, controllerAttribute(device, local));
  if (device.type !== "osdp-reader") return resource;
  const key = scbkState(db, device.id);
  attributes["has-key"] = key.hasKey;
  attributes["key-installed-at"] = key.installedAt === null
    ? null
    : new Date(key.installedAt).toISOString();
  return resource;
}

/** The device name to store (unique, non-empty), or undefined to keep it. */
export function checkName(
  db: DatabaseSync,
  attrs: Obj,
  self: Device | undefined,
): string | undefined {
  const name = attrs.name;
  if ((name === undefined || name === null) && self !== undefined) return undefined;
  if (typeof name !== "string" || name.trim() === "") {
    throw new ValidationError("Device name cannot be empty.", ATTR + "name");
  }
  if (name.length > 128) throw new ValidationError("At most 128 characters.", ATTR + "name");
  const other = getDeviceByName(db, name);
  if (other !== undefined && other.id !== self?.id) {
    throw new ValidationError("Device name already used", ATTR + "name");
  }
  return name;
}

/** gpio: a line offset, no other gpio on the same line, a direction its users accept. */
/**
 * The chips the controller has, asked only for a GPIO line (`gpio` family);
 * null when there is no controller (no hardware) or it does not answer: then
 * nothing is checked, and the wiring warnings say what could not be opened.
 */
export async function controllerChips(
  ctx: { controller: ControllerPort | null },
  type: DeviceType,
  where: DeviceOwner = NO_SITE,
): Promise<ChipSummary[] | null> {
  if (type !== "gpio" || ctx.controller === null) return null;
  // Another controller's chips are not this one's to check against.
  if (where.controller !== where.local) return null;
  try {
    const chips = await ctx.controller.request({ type: "chips" });
    return Array.isArray(chips) && chips.length > 0 ? chips as ChipSummary[] : null;
  } catch {
    return null;
  }
}

/**
 * Refuses a line the controller cannot have: a chip it does not have, or an
 * offset past the chip's last line (in simulated mode too, where any chip
 * name used to be taken).
 */
function checkChip(config: GpioConfig, chips: readonly ChipSummary[]): void {
  const line = gpioLine(config);
  const name = line.chip.replace(/^\/dev\//, "");
  const chip = chips.find((c) => c.name === name);
  const have = chips.map((c) => `${c.name} (lines 0 to ${c.lines - 1})`).join(", ");
  if (chip === undefined) {
    throw new ValidationError(
      `This controller has no chip ${name}. It has ${have}.`,
      ATTR + "device",
    );
  }
  if (line.offset >= chip.lines) {
    throw new ValidationError(
      `Chip ${name} has no line ${line.offset}: its lines are 0 to ${chip.lines - 1}.`,
      ATTR + "offset",
    );
  }
}

function checkGpio(
  db: DatabaseSync,
  config: GpioConfig,
  self: Device | undefined,
  where: DeviceOwner,
): void {
  const line = gpioLine(config);
  if (line.offset < 0) throw new ValidationError("A line offset is required.", ATTR + "offset");
  for (const other of listDevicesByType(db, "gpio")) {
    if (other.type !== "gpio" || other.id === self?.id) continue;
    // The same chip line on another controller is another line.
    if (ownerOf(other.controller, where.local) !== where.controller) continue;
    const o = gpioLine(other.config);
    if (o.chip === line.chip && o.offset === line.offset) {
      throw new ValidationError(
        `Line ${line.chip}:${line.offset} is already the gpio "${other.name}".`,
        ATTR + "offset",
      );
    }
  }
  if (self === undefined) return;
  const direction = config.direction;
  for (const use of usesOf(db, self.id)) {
    if (use.needs !== null && direction !== null && use.needs !== direction) {
      throw new ValidationError(
        `This gpio is the ${use.label}, which needs an ${use.needs}put.`,
        ATTR + "direction",
      );
    }
  }
}

/** Where the device being checked is wired: its controller and this controller's name. */
export interface DeviceOwner {
  /** The device's controller in the site's spelling (null outside a site). */
  controller: string | null;
  /** This controller's name in a site, null outside one. */
  local: string | null;
}

const NO_SITE: DeviceOwner = { controller: null, local: null };

/**
 * The new config document (stored spelling) of a device of `type`: its
 * attributes over `self`'s config, references resolved (to devices of the
 * same controller), checked by {@linkcode parseDeviceConfig}.
 */
export function buildConfig(
  db: DatabaseSync,
  type: DeviceType,
  attrs: Obj,
  self?: Device,
  chips: readonly ChipSummary[] | null = null,
  where: DeviceOwner = NO_SITE,
): Obj {
  const doc: Obj = {
    ...(self === undefined ? initialConfig(type) : storedConfig(self)),
    ...configPatch(type, attrs),
  };
  const ref = (value: unknown, rel: string, role: RefRole): string | null => {
    const id = resolveRef(db, value, rel, role);
    const target = id === null ? undefined : getDevice(db, id);
    if (target !== undefined) {
      checkSameController(
        where.controller,
        target,
        where.local,
        REL + rel,
        `Device "${target.name}"`,
      );
    }
    return id;
  };
  if (type === "led" || type === "buzzer") {
    if (Object.hasOwn(attrs, "gpio_id")) {
      doc.gpio_id = ref(attrs.gpio_id, "gpio", "output");
    }
  }
  if (type === "wiegand-reader") {
    for (const [key, rel] of READER_REFS) {
      if (Object.hasOwn(attrs, key)) doc[key] = ref(attrs[key], rel, READER_ROLES[key]);
    }
  }
  if (type === "osdp-reader" && Object.hasOwn(attrs, "bus_id")) {
    doc.bus_id = ref(attrs.bus_id, "bus", "osdp-bus");
  }
  const typed = parseDeviceConfig(type, doc);
  if (typed.type === "osdp-reader" && typed.config.busId !== null) {
    const { busId, address } = typed.config;
    const clash = listDevicesByType(db, "osdp-reader").find((d) =>
      d.id !== self?.id && d.type === "osdp-reader" && d.config.busId === busId &&
      d.config.address === address
    );
    if (clash !== undefined) {
      throw new ValidationError(
        `Address ${address} is used by reader "${clash.name}" on this bus.`,
        ATTR + "address",
      );
    }
    const onBus = listDevicesByType(db, "osdp-reader").filter((d) =>
      d.id !== self?.id && d.type === "osdp-reader" && d.config.busId === busId
    );
    if (onBus.length >= MAX_READERS_PER_BUS) {
      throw new ValidationError(
        `A bus takes at most ${MAX_READERS_PER_BUS} readers.`,
        REL + "bus",
      );
    }
  }
  if (typed.type === "gpio") {
    checkGpio(db, typed.config, self, where);
    if (chips !== null) checkChip(typed.config, chips);
  }
  if (typed.type === "wiegand-reader") {
    const { gpioLowId, gpioHighId } = typed.config;
    const d0 = gpioLowId === null ? undefined : getDevice(db, gpioLowId);
    const d1 = gpioHighId === null ? undefined : getDevice(db, gpioHighId);
    if (d0 && d1 && d0.id === d1.id) {
      throw new ValidationError("D0 and D1 must be different lines.", REL + "gpio-high");
    }
    if (
      d0?.type === "gpio" && d1?.type === "gpio" &&
      gpioLine(d0.config).chip !== gpioLine(d1.config).chip
    ) {
      throw new ValidationError("D0 and D1 must be on the same chip.", REL + "gpio-high");
    }
  }
  return doc;
}

/** A boolean attribute, or undefined when absent. */
export function boolAttr(attrs: Obj, key: string): boolean | undefined {
  const value = attrs[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw new ValidationError("Must be a boolean.", ATTR + key);
  return value;
}

/** Appends a device change's audit row (inside the change's transaction). */
export function auditDevice(
  ctx: EndpointContext<"HARDWARE_WRITE">,
  event: "CREATED" | "UPDATED" | "DELETED",
  device: Device,
  before: Device | null,
  after: Device | null,
): void {
  ctx.audit({
    kind: AUDIT_KIND.DEVICE,
    mask: auditMask(AUDIT_EVENT[`DEVICE_${event}`]),
    authorId: ctx.require("HARDWARE_WRITE").userId,
    targetId: null,
    description: `Device ${device.name} (${device.type}) has been ${event.toLowerCase()}.`,
    data: { device_id: device.id, device_type: device.type },
    before: before === null ? null : deviceSnapshot(before),
    after: after === null ? null : deviceSnapshot(after),
  });
}

/** The wire prefixes of each kind: gpio is also `libgpiod.gpio` (the web client's name). */
export const DEVICE_FAMILIES: ReadonlyArray<
  { prefixes: readonly [string, ...string[]]; kind: DeviceKind }
> = [
  { prefixes: ["gpio", "libgpiod.gpio"], kind: DEVICE_KINDS.gpio },
  { prefixes: ["wiegand-reader"], kind: DEVICE_KINDS["wiegand-reader"] },
  { prefixes: ["led"], kind: DEVICE_KINDS.led },
  { prefixes: ["buzzer"], kind: DEVICE_KINDS.buzzer },
  { prefixes: ["osdp-bus"], kind: DEVICE_KINDS["osdp-bus"] },
  { prefixes: ["osdp-reader"], kind: DEVICE_KINDS["osdp-reader"] },
];

/** The wire names of `verb` for a family. */
export function namesOf(
  family: { prefixes: readonly [string, ...string[]] },
  verb: string,
): [string, ...string[]] {
  const [first, ...rest] = family.prefixes;
  return [`${first}.${verb}`, ...rest.map((p) => `${p}.${verb}`)];
}
