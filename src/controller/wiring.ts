/**
 * Door wiring: which lines are the strike, contact and REX of each door,
 * which reader (D0/D1, LED, buzzer) serves its access point. Read from the
 * `doors`, `access_points` and `devices` tables at start and on `reload`.
 *
 * Device configurations arrive typed (`src/store/device_config.ts`, which
 * holds their keys and defaults; documented in docs/worker_protocol.md).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Direction, DoorMode, ReaderMode } from "../engine/mod.ts";
import type { KeypadMode } from "../hardware/wiegand/interpret.ts";
import { getAccessPoint } from "../store/access_points.ts";
import { type FormatItem, READER_MODES } from "../store/device_config.ts";
import { type Device, getDevice } from "../store/devices.ts";
import { listDoors } from "../store/doors.ts";
import { isOwnRow } from "../store/owner.ts";
import { osdpReaderOf, type OsdpReaderWiring } from "./osdp_wiring.ts";

/** One GPIO line, resolved from a `gpio` device. */
export interface LineSpec {
  /** The `gpio` device id. */
  deviceId: string;
  /** The device name (for messages). */
  name: string;
  /** Chip name or path (`gpiochip0`, `/dev/gpiochip1`). */
  chip: string;
  /** Line offset on the chip. */
  offset: number;
  /** The line is active when low. */
  activeLow: boolean;
  /** Input debounce, µs (0 = none). */
  debounceUs: number;
  /** Strike lines: energised (unlocked) when control is lost. */
  failSafe: boolean;
}

/** A Wiegand reader with its lines. */
export interface ReaderWiring {
  /** The `wiegand-reader` device id. */
  id: string;
  /** The device name (for messages). */
  name: string;
  /** The DATA0 line. */
  d0: LineSpec;
  /** The DATA1 line. */
  d1: LineSpec;
  /** The green LED line, or null. */
  led: LineSpec | null;
  /** The buzzer line, or null. */
  buzzer: LineSpec | null;
  /** How the keypad sends keys (from the Leosac reader mode). */
  keypad: KeypadMode;
  /** Catalogue format names and administrator definitions; empty = the whole catalogue. */
  formats: FormatItem[];
  /** Inter-bit silence that ends a frame, ms. */
  silenceMs: number;
  /** End a frame at this many bits, or null. */
  fixedLength: number | null;
}

/** An access point and its reader. */
export interface AccessPointWiring {
  /** The access point id. */
  id: number;
  /** How credentials combine (card, PIN, both, either). */
  readerMode: ReaderMode;
  /** Entry, exit or none (anti-passback). */
  direction: Direction;
  /** How long a card waits for its PIN (card_and_pin). */
  pinTimeoutMs: number;
  /** The Wiegand reader, or null when missing, unusable (see the warnings) or OSDP. */
  reader: ReaderWiring | null;
  /** The OSDP reader, or null (`osdp_wiring.ts`). */
  osdpReader: OsdpReaderWiring | null;
}

/** A door and everything wired to it. */
export interface DoorWiring {
  /** The door id. */
  id: number;
  /** The door alias. */
  alias: string;
  /** The stored door mode. */
  mode: DoorMode;
  /** How long a grant unlocks the strike, ms. */
  unlockMs: number;
  /** How long the door may stay open before the held-open alarm, ms. */
  heldOpenMs: number;
  /** A schedule during which the door stays unlocked, or null. */
  unlockScheduleId: number | null;
  /** During that schedule, stay locked until the first granted card. */
  unlockAfterFirstCard: boolean;
  /** The strike line, or null. */
  strike: LineSpec | null;
  /** The door contact line, or null. */
  contact: LineSpec | null;
  /** The request-to-exit line, or null. */
  rex: LineSpec | null;
  /** The access point, or null. */
  accessPoint: AccessPointWiring | null;
}

/** The whole installation. */
export interface Wiring {
  /** Every door, by id. */
  doors: DoorWiring[];
  /** Problems found while reading (missing or unusable devices). */
  warnings: string[];
}

/**
 * Resolves a `gpio` device into a line, or explains why not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lineSpecOf } from "./wiring.ts";
 * import { parseDeviceConfig } from "../store/device_config.ts";
 * const spec = lineSpecOf({
 *   id: "g1", name: "strike", deviceClass: 1, enabled: true, version: 1, controller: null,
 *   ...parseDeviceConfig("gpio", { chip: "gpiochip0", offset: 4, active_low: true }),
 * });
 * assert.ok(typeof spec !== "string" && spec.offset === 4 && spec.activeLow);
 * ```
 */
export function lineSpecOf(device: Device): LineSpec | string {
  if (device.type !== "gpio") return `device "${device.name}" is a ${device.type}, not a gpio`;
  if (!device.enabled) return `gpio "${device.name}" is disabled`;
  const c = device.config;
  if (c.offset === null) return `gpio "${device.name}" has no line offset`;
  return {
    deviceId: device.id,
    name: device.name,
    chip: c.chip,
    offset: c.offset,
    activeLow: c.activeLow,
    debounceUs: c.debounceUs,
    failSafe: c.failSafe,
  };
}

/**
 * Reads the wiring of every door of this controller. Problems become
 * warnings, never errors.
 *
 * @param controllerName In a site, this controller's name: only the doors,
 * access points and devices whose `controller` is NULL or this name are
 * wired (another controller's rows are skipped; a reference to one is a
 * warning). Null outside a site: every row.
 */
export function loadWiring(db: DatabaseSync, controllerName: string | null = null): Wiring {
  const warnings: string[] = [];
  const own = (row: { controller: string | null }): boolean =>
    isOwnRow(row.controller, controllerName);
  const foreign = (device: Device, role: string): boolean => {
    if (own(device)) return false;
    warnings.push(`${role}: device "${device.name}" is wired on controller ${device.controller}`);
    return true;
  };
  const gpio = (id: string | null, role: string): LineSpec | null => {
    if (id === null) return null;
    const device = getDevice(db, id);
    if (device === undefined) {
      warnings.push(`${role}: device ${id} does not exist`);
      return null;
    }
    if (foreign(device, role)) return null;
    const spec = lineSpecOf(device);
    if (typeof spec === "string") {
      warnings.push(`${role}: ${spec}`);
      return null;
    }
    return spec;
  };
  const outputOf = (id: string | null, role: string): LineSpec | null => {
    if (id === null) return null;
    const device = getDevice(db, id);
    if (device === undefined || !device.enabled) {
      warnings.push(`${role}: device ${id} is missing or disabled`);
      return null;
    }
    if (foreign(device, role)) return null;
    if (device.type === "gpio") return gpio(id, role);
    if (device.type === "led" || device.type === "buzzer") return gpio(device.config.gpioId, role);
    warnings.push(`${role}: device "${device.name}" is a ${device.type}, not an output`);
    return null;
  };
  const readerOf = (id: string | null, role: string): ReaderWiring | null => {
    if (id === null) return null;
    const device = getDevice(db, id);
    if (device?.type === "osdp-reader") return null; // osdpReaderOf
    if (device === undefined || !device.enabled || device.type !== "wiegand-reader") {
      warnings.push(`${role}: reader ${id} is missing, disabled or not a wiegand-reader`);
      return null;
    }
    if (foreign(device, role)) return null;
    const c = device.config;
    const name = `reader "${device.name}"`;
    const d0 = gpio(c.gpioLowId, `${name} D0`);
    const d1 = gpio(c.gpioHighId, `${name} D1`);
    if (d0 === null || d1 === null) {
      warnings.push(`${name} needs both D0 (gpio_low_id) and D1 (gpio_high_id)`);
      return null;
    }
    return {
      id: device.id,
      name: device.name,
      d0,
      d1,
      led: outputOf(c.greenLedId, `${name} LED`),
      buzzer: outputOf(c.buzzerId, `${name} buzzer`),
      keypad: READER_MODES[c.mode],
      formats: c.formats,
      silenceMs: c.silenceMs,
      fixedLength: c.fixedLength,
    };
  };

  const doors = listDoors(db).filter(own).map((door): DoorWiring => {
    const role = `door ${door.id}`;
    let ap = door.accessPointId === null ? undefined : getAccessPoint(db, door.accessPointId);
    if (ap !== undefined && !own(ap)) {
      warnings.push(`${role}: access point ${ap.id} is wired on controller ${ap.controller}`);
      ap = undefined;
    }
    return {
      id: door.id,
      alias: door.alias,
      mode: door.mode,
      unlockMs: door.unlockMs,
      heldOpenMs: door.heldOpenMs,
      unlockScheduleId: door.unlockScheduleId,
      unlockAfterFirstCard: door.unlockAfterFirstCard,
      strike: gpio(door.strikeGpioId, `${role} strike`),
      contact: gpio(door.contactGpioId, `${role} contact`),
      rex: gpio(door.rexGpioId, `${role} REX`),
      accessPoint: ap === undefined ? null : {
        id: ap.id,
        readerMode: ap.readerMode,
        direction: ap.direction,
        pinTimeoutMs: ap.pinTimeoutMs,
        reader: readerOf(ap.readerId, `${role} access point ${ap.id}`),
        osdpReader: osdpReaderOf(
          db,
          ap.readerId,
          `${role} access point ${ap.id}`,
          warnings,
          controllerName,
        ),
      },
    };
  });
  return { doors, warnings };
}
