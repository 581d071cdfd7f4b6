/**
 * Resolves an access point's `osdp-reader` device and its `osdp-bus` into an
 * {@linkcode OsdpReaderWiring} (problems become wiring warnings).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { FormatItem } from "../store/device_config.ts";
import { getDevice } from "../store/devices.ts";
import { isOwnRow } from "../store/owner.ts";

/** An OSDP reader and its bus. */
export interface OsdpReaderWiring {
  /** The `osdp-reader` device id. */
  id: string;
  name: string;
  /** The `osdp-bus` device. */
  bus: { id: string; name: string; port: string; baud: number; pollMs: number };
  /** PD address. */
  address: number;
  /** Secure Channel required. */
  secure: boolean;
  /** Start with CRC16. */
  useCrc: boolean;
  /** Card formats; empty = the whole catalogue. */
  formats: FormatItem[];
}

/**
 * The OSDP reader `id`, or null (with a warning when it is unusable or
 * belongs to another controller than `controllerName`; silently when not OSDP).
 */
export function osdpReaderOf(
  db: DatabaseSync,
  id: string | null,
  role: string,
  warnings: string[],
  controllerName: string | null = null,
): OsdpReaderWiring | null {
  if (id === null) return null;
  const device = getDevice(db, id);
  if (device === undefined || device.type !== "osdp-reader") return null;
  const name = `OSDP reader "${device.name}"`;
  if (!device.enabled) {
    warnings.push(`${role}: ${name} is disabled`);
    return null;
  }
  const c = device.config;
  const bus = c.busId === null ? undefined : getDevice(db, c.busId);
  if (bus === undefined || bus.type !== "osdp-bus" || !bus.enabled) {
    warnings.push(`${role}: ${name} has no enabled osdp-bus`);
    return null;
  }
  for (const part of [device, bus]) {
    if (!isOwnRow(part.controller, controllerName)) {
      warnings.push(`${role}: device "${part.name}" is wired on controller ${part.controller}`);
      return null;
    }
  }
  return {
    id: device.id,
    name: device.name,
    bus: {
      id: bus.id,
      name: bus.name,
      port: bus.config.port,
      baud: bus.config.baud,
      pollMs: bus.config.pollMs,
    },
    address: c.address,
    secure: c.secure,
    useCrc: c.useCrc,
    formats: c.formats,
  };
}
