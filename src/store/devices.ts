/**
 * Hardware device repository. Devices have UUID string ids (as in Leosac)
 * and a per-type configuration, typed by `device_config.ts`: every row read
 * and every config written goes through {@linkcode parseDeviceConfig}.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { StoreError } from "../errors.ts";
import { prepared } from "./db.ts";
import {
  DEVICE_TYPES,
  type DeviceType,
  parseDeviceConfig,
  storedConfig,
  type TypedConfig,
} from "./device_config.ts";
import { bool, int, nullableText, oneOf, rowReader, text } from "./rows.ts";

export { DEVICE_TYPES, type DeviceType, type TypedConfig };

/** Leosac `DeviceClass` values (wire `device-class`). */
export const DEVICE_CLASS = {
  UNKNOWN: 0,
  GPIO: 1,
  RFID_READER: 2,
  LED: 3,
  BUZZER: 4,
  EXTERNAL_MESSAGE: 5,
  EXTERNAL_SERVER: 6,
  ALARM: 7,
} as const;
/** A device class value. */
export type DeviceClass = typeof DEVICE_CLASS[keyof typeof DEVICE_CLASS];

const CLASS_OF_TYPE: Record<DeviceType, DeviceClass> = {
  "gpio": DEVICE_CLASS.GPIO,
  "wiegand-reader": DEVICE_CLASS.RFID_READER,
  "led": DEVICE_CLASS.LED,
  "buzzer": DEVICE_CLASS.BUZZER,
  "osdp-bus": DEVICE_CLASS.UNKNOWN,
  "osdp-reader": DEVICE_CLASS.RFID_READER,
};

/** The device class of a device type (gpio 1, wiegand-reader and osdp-reader 2, led 3, buzzer 4; else 0). */
export function deviceClassOf(type: DeviceType): DeviceClass {
  return Object.hasOwn(CLASS_OF_TYPE, type) ? CLASS_OF_TYPE[type] : DEVICE_CLASS.UNKNOWN;
}

/** What every device has, whatever its type. */
export interface DeviceHead {
  /** UUID string. */
  id: string;
  /** Unique, non-empty. */
  name: string;
  /** Leosac device class (wire `device-class`). */
  deviceClass: DeviceClass;
  /** Disabled devices are not wired. */
  enabled: boolean;
  /** Bumped by every update (optimistic concurrency). */
  version: number;
  /**
   * The controller the device is wired on (a site's controller name), or
   * null for this controller. Set at creation only.
   */
  controller: string | null;
}

/** A stored device: `type` narrows `config` (see `device_config.ts`). */
export type Device = DeviceHead & TypedConfig;

/** Fields for creating a device. */
export interface NewDevice {
  /** UUID string. @default crypto.randomUUID() */
  id?: string;
  /** Unique, non-empty. */
  name: string;
  /** The device type (it cannot change later). */
  type: DeviceType;
  /** Leosac device class. @default deviceClassOf(type) */
  deviceClass?: DeviceClass;
  /** Whether the controller wires it. @default true */
  enabled?: boolean;
  /**
   * A config document in the stored spelling (snake_case keys); absent keys
   * take their defaults. @default {}
   */
  config?: Record<string, unknown>;
  /** The controller it is wired on; null = this controller. @default null */
  controller?: string | null;
}

/**
 * Fields that an update may change (the type cannot); absent fields keep
 * their value. A given `config` document (stored spelling) replaces the old
 * one; its absent keys take their defaults.
 */
export interface DevicePatch {
  /** Unique, non-empty. */
  name?: string;
  /** Leosac device class. */
  deviceClass?: DeviceClass;
  /** Whether the controller wires it. */
  enabled?: boolean;
  /** A config document in the stored spelling. */
  config?: Record<string, unknown>;
}

const readDevice = rowReader("devices", {
  id: text,
  name: text,
  type: oneOf(DEVICE_TYPES),
  device_class: int,
  enabled: bool,
  config: text,
  version: int,
  controller: nullableText,
});

/** Parses a config document; a bad one names the device. */
function typedConfig(id: string, type: DeviceType, config: unknown): TypedConfig {
  try {
    return parseDeviceConfig(type, config);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    throw new StoreError(`devices.config of device ${id}: ${error.message}`, { cause: error });
  }
}

function toDevice(raw: unknown): Device {
  const row = readDevice(raw);
  let config: unknown;
  try {
    config = JSON.parse(row.config);
  } catch (cause) {
    throw new StoreError(`devices.config of device ${row.id}: not JSON`, { cause });
  }
  return {
    id: row.id,
    name: row.name,
    deviceClass: row.device_class as DeviceClass,
    enabled: row.enabled,
    version: row.version,
    controller: row.controller,
    ...typedConfig(row.id, row.type, config),
  };
}

/** The stored JSON of a config document for a device of `type` (parsed, so checked). */
function configJson(id: string, type: DeviceType, config: Record<string, unknown>): string {
  return JSON.stringify(storedConfig(typedConfig(id, type, config)));
}

/**
 * Inserts a device and returns it.
 *
 * @throws {Error} a SQLite UNIQUE violation when the name (or id) is taken, a
 * CHECK violation for an empty name; a {@linkcode StoreError} for an unknown
 * type or a config value of the wrong type.
 */
export function createDevice(db: DatabaseSync, device: NewDevice): Device {
  const id = device.id ?? crypto.randomUUID();
  const row = prepared(
    db,
    `INSERT INTO devices (id, name, type, device_class, enabled, config, controller)
     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  ).all(
    id,
    device.name,
    device.type,
    device.deviceClass ?? deviceClassOf(device.type),
    device.enabled === false ? 0 : 1,
    configJson(id, device.type, device.config ?? {}),
    device.controller ?? null,
  )[0];
  return toDevice(row);
}

/** Finds a device by id. */
export function getDevice(db: DatabaseSync, id: string): Device | undefined {
  const row = prepared(db, "SELECT * FROM devices WHERE id = ?").get(id);
  return row && toDevice(row);
}

/** Finds a device by its exact name. */
export function getDeviceByName(db: DatabaseSync, name: string): Device | undefined {
  const row = prepared(db, "SELECT * FROM devices WHERE name = ?").get(name);
  return row && toDevice(row);
}

/** Lists every device, by name. */
export function listDevices(db: DatabaseSync): Device[] {
  return prepared(db, "SELECT * FROM devices ORDER BY name").all().map(toDevice);
}

/** Lists the devices of one type, by name. */
export function listDevicesByType(db: DatabaseSync, type: DeviceType): Device[] {
  return prepared(db, "SELECT * FROM devices WHERE type = ? ORDER BY name").all(type).map(toDevice);
}

/**
 * Applies a patch (a given `config` replaces the old document). Returns the
 * updated device, or undefined if missing.
 *
 * @throws {Error} SQLite UNIQUE / CHECK violations and config errors as for create.
 */
export function updateDevice(
  db: DatabaseSync,
  id: string,
  patch: DevicePatch,
): Device | undefined {
  const current = getDevice(db, id);
  if (!current) return undefined;
  const config = patch.config === undefined
    ? JSON.stringify(storedConfig(current))
    : configJson(id, current.type, patch.config);
  const row = prepared(
    db,
    `UPDATE devices SET name = ?, device_class = ?, enabled = ?, config = ?,
       version = version + 1
     WHERE id = ? RETURNING *`,
  ).all(
    patch.name ?? current.name,
    patch.deviceClass ?? current.deviceClass,
    (patch.enabled ?? current.enabled) ? 1 : 0,
    config,
    id,
  )[0];
  return toDevice(row);
}

/**
 * Deletes a device. Door GPIO links and access-point readers that used it
 * become null. True if a row was deleted.
 */
export function deleteDevice(db: DatabaseSync, id: string): boolean {
  return Number(prepared(db, "DELETE FROM devices WHERE id = ?").run(id).changes) > 0;
}

/** Devices whose name contains `partial` (case-insensitive, no wildcards), by name. */
export function searchDevices(db: DatabaseSync, partial: string): Device[] {
  return prepared(db, "SELECT * FROM devices WHERE instr(lower(name), lower(?)) > 0 ORDER BY name")
    .all(partial).map(toDevice);
}
