/**
 * Hardware device repository. Devices have UUID string ids (as in Leosac)
 * and a per-type JSON configuration document that callers validate.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { prepared } from "./db.ts";

/** Device types. */
export const DEVICE_TYPES = ["gpio", "wiegand-reader", "led", "buzzer"] as const;
/** A device type. */
export type DeviceType = typeof DEVICE_TYPES[number];

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
};

/** The device class of a device type (gpio 1, wiegand-reader 2, led 3, buzzer 4; else 0). */
export function deviceClassOf(type: DeviceType): DeviceClass {
  return Object.hasOwn(CLASS_OF_TYPE, type) ? CLASS_OF_TYPE[type] : DEVICE_CLASS.UNKNOWN;
}

/** A stored device. */
export interface Device {
  /** UUID string. */
  id: string;
  /** Unique, non-empty. */
  name: string;
  type: DeviceType;
  deviceClass: DeviceClass;
  enabled: boolean;
  /** Type-specific settings (validated by callers). */
  config: Record<string, unknown>;
}

/** Fields for creating a device. */
export interface NewDevice {
  /** @default crypto.randomUUID() */
  id?: string;
  name: string;
  type: DeviceType;
  /** @default deviceClassOf(type) */
  deviceClass?: DeviceClass;
  /** @default true */
  enabled?: boolean;
  /** @default {} */
  config?: Record<string, unknown>;
}

/** Fields that an update may change (the type cannot); absent fields keep their value. */
export type DevicePatch = Partial<Omit<Device, "id" | "type">>;

interface DeviceRow {
  id: string;
  name: string;
  type: DeviceType;
  device_class: number;
  enabled: number;
  config: string;
}

function parseConfig(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

function toDevice(row: DeviceRow): Device {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    deviceClass: row.device_class as DeviceClass,
    enabled: row.enabled === 1,
    config: parseConfig(row.config),
  };
}

function toDevices(rows: unknown[]): Device[] {
  return (rows as DeviceRow[]).map(toDevice);
}

/**
 * Inserts a device and returns it.
 *
 * @throws {Error} a SQLite UNIQUE violation when the name (or id) is taken, a
 * CHECK violation for an empty name or unknown type.
 */
export function createDevice(db: DatabaseSync, device: NewDevice): Device {
  const row = prepared(
    db,
    `INSERT INTO devices (id, name, type, device_class, enabled, config)
     VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
  ).get(
    device.id ?? crypto.randomUUID(),
    device.name,
    device.type,
    device.deviceClass ?? deviceClassOf(device.type),
    device.enabled === false ? 0 : 1,
    JSON.stringify(device.config ?? {}),
  ) as unknown as DeviceRow;
  return toDevice(row);
}

/** Finds a device by id. */
export function getDevice(db: DatabaseSync, id: string): Device | undefined {
  const row = prepared(db, "SELECT * FROM devices WHERE id = ?").get(id) as DeviceRow | undefined;
  return row && toDevice(row);
}

/** Finds a device by its exact name. */
export function getDeviceByName(db: DatabaseSync, name: string): Device | undefined {
  const row = prepared(db, "SELECT * FROM devices WHERE name = ?").get(name) as
    | DeviceRow
    | undefined;
  return row && toDevice(row);
}

/** Lists every device, by name. */
export function listDevices(db: DatabaseSync): Device[] {
  return toDevices(prepared(db, "SELECT * FROM devices ORDER BY name").all());
}

/** Lists the devices of one type, by name. */
export function listDevicesByType(db: DatabaseSync, type: DeviceType): Device[] {
  return toDevices(prepared(db, "SELECT * FROM devices WHERE type = ? ORDER BY name").all(type));
}

/**
 * Applies a patch (a given `config` replaces the old document). Returns the
 * updated device, or undefined if missing.
 *
 * @throws {Error} SQLite UNIQUE / CHECK violations as for create.
 */
export function updateDevice(
  db: DatabaseSync,
  id: string,
  patch: DevicePatch,
): Device | undefined {
  const current = getDevice(db, id);
  if (!current) return undefined;
  const next = { ...current, ...patch };
  const row = prepared(
    db,
    `UPDATE devices SET name = ?, device_class = ?, enabled = ?, config = ?
     WHERE id = ? RETURNING *`,
  ).get(
    next.name,
    next.deviceClass,
    next.enabled ? 1 : 0,
    JSON.stringify(next.config),
    id,
  ) as unknown as DeviceRow;
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
  return toDevices(
    prepared(db, "SELECT * FROM devices WHERE instr(lower(name), lower(?)) > 0 ORDER BY name")
      .all(partial),
  );
}
