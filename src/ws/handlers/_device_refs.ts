/**
 * References between devices and from doors and access points to devices:
 * what a referenced device must be (a reader's D0/D1 are input gpios, LEDs,
 * buzzers and strikes drive output gpios), and who uses a device (so that a
 * device in use is not deleted and a gpio in use does not change direction
 * under its user).
 *
 * A gpio whose config does not state a direction (rows written before the
 * API, e.g. by fixtures) is accepted for both.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { ValidationError } from "../../errors.ts";
import { listAccessPointsByReader } from "../../store/access_points.ts";
import { type Device, getDevice, listDevices } from "../../store/devices.ts";
import { listDoors } from "../../store/doors.ts";
import { READER_REFS, REL } from "./_device_wire.ts";

/** What a reference must point at. */
export type RefRole = "input" | "output" | "led" | "buzzer" | "osdp-bus";

/** Why `device` cannot fill `role`, or null when it can. */
export function roleProblem(device: Device, role: RefRole): string | null {
  if (role === "osdp-bus") {
    return device.type === "osdp-bus"
      ? null
      : `Device "${device.name}" is a ${device.type}, not an osdp-bus.`;
  }
  if ((role === "led" || role === "buzzer") && device.type === role) return null;
  if (device.type !== "gpio") {
    return role === "input" || role === "output"
      ? `Device "${device.name}" is a ${device.type}, not a gpio.`
      : `Device "${device.name}" is a ${device.type}, not a ${role} or an output gpio.`;
  }
  const wanted = role === "input" ? "in" : "out";
  const direction = device.config.direction;
  if (direction !== null && direction !== wanted) {
    return `Gpio "${device.name}" is an ${direction}put; this needs an ${wanted}put.`;
  }
  return null;
}

/**
 * Resolves a reference attribute: `null`, `""`, `"0"` and `0` mean none;
 * anything else must be the id of an existing device that can fill `role`.
 *
 * @param rel relationship name, for the error pointer (`data/relationships/<rel>`)
 * @throws {ValidationError} naming the relationship
 */
export function resolveRef(
  db: DatabaseSync,
  value: unknown,
  rel: string,
  role: RefRole,
): string | null {
  if (value === null || value === 0 || value === "" || value === "0") return null;
  if (typeof value !== "string" || value.length > 128) {
    throw new ValidationError("Must be a device id (a UUID string).", REL + rel);
  }
  const id = value;
  const device = getDevice(db, id);
  if (device === undefined) throw new ValidationError(`No device with id ${id}.`, REL + rel);
  const problem = roleProblem(device, role);
  if (problem !== null) throw new ValidationError(problem, REL + rel);
  return id;
}

/** The reader reference roles, by input key. */
export const READER_ROLES: Record<(typeof READER_REFS)[number][0], RefRole> = {
  gpio_high_id: "input",
  gpio_low_id: "input",
  green_led_id: "led",
  buzzer_id: "buzzer",
};

/** One user of a device. */
export interface DeviceUse {
  /** E.g. `door 3 strike`, `reader "front" D0`, `access point 2`. */
  label: string;
  /** The gpio direction this use needs, or null (not a gpio use). */
  needs: "in" | "out" | null;
}

/** Everything that references device `id`. */
export function usesOf(db: DatabaseSync, id: string): DeviceUse[] {
  const uses: DeviceUse[] = [];
  for (const door of listDoors(db)) {
    const label = `door ${door.id}${door.alias ? ` (${door.alias})` : ""}`;
    if (door.strikeGpioId === id) uses.push({ label: `${label} strike`, needs: "out" });
    if (door.contactGpioId === id) uses.push({ label: `${label} contact`, needs: "in" });
    if (door.rexGpioId === id) uses.push({ label: `${label} REX`, needs: "in" });
  }
  for (const ap of listAccessPointsByReader(db, id)) {
    uses.push({ label: `access point ${ap.id}${ap.alias ? ` (${ap.alias})` : ""}`, needs: null });
  }
  for (const device of listDevices(db)) {
    const name = `${device.type} "${device.name}"`;
    if (device.type === "wiegand-reader") {
      const c = device.config;
      const roles = [
        ["D0", c.gpioLowId, "in"],
        ["D1", c.gpioHighId, "in"],
        ["LED", c.greenLedId, "out"],
        ["buzzer", c.buzzerId, "out"],
      ] as const;
      for (const [role, ref, needs] of roles) {
        if (ref === id) uses.push({ label: `${name} ${role}`, needs });
      }
    } else if (device.type === "led" || device.type === "buzzer") {
      if (device.config.gpioId === id) uses.push({ label: `${name} line`, needs: "out" });
    } else if (device.type === "osdp-reader") {
      if (device.config.busId === id) uses.push({ label: `${name} on this bus`, needs: null });
    }
  }
  return uses;
}
