/**
 * Door wiring: which lines are the strike, contact and REX of each door,
 * which reader (D0/D1, LED, buzzer) serves its access point. Read from the
 * `doors`, `access_points` and `devices` tables at start and on `reload`.
 *
 * Device `config` documents (JSON; snake_case or dasherized keys accepted,
 * documented in docs/worker_protocol.md):
 * - `gpio`: `chip` (default `gpiochip0`), `offset` (alias `line`, `number`),
 *   `active_low`, `debounce_us`, `fail_safe` (strike only: unlocked when control is lost).
 * - `wiegand-reader`: `mode` (Leosac's `SIMPLE_WIEGAND`, `WIEGAND_PIN_4BITS` …),
 *   `gpio_low_id` (D0), `gpio_high_id` (D1), `green_led_id`, `buzzer_id`,
 *   `formats` (catalogue names and administrator format definitions, default all),
 *   `silence_ms`, `fixed_length`.
 * - `led`, `buzzer`: `gpio_id`.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Direction, DoorMode, ReaderMode } from "../engine/mod.ts";
import type { WiegandFormatDefinition } from "../hardware/wiegand/formats.ts";
import type { KeypadMode } from "../hardware/wiegand/interpret.ts";
import { getAccessPoint } from "../store/access_points.ts";
import { type Device, getDevice } from "../store/devices.ts";
import { listDoors } from "../store/doors.ts";

/** One GPIO line, resolved from a `gpio` device. */
export interface LineSpec {
  deviceId: string;
  name: string;
  chip: string;
  offset: number;
  activeLow: boolean;
  debounceUs: number;
  /** Strike lines: energised (unlocked) when control is lost. */
  failSafe: boolean;
}

/** A Wiegand reader with its lines. */
export interface ReaderWiring {
  id: string;
  name: string;
  d0: LineSpec;
  d1: LineSpec;
  led: LineSpec | null;
  buzzer: LineSpec | null;
  keypad: KeypadMode;
  /** Catalogue format names and administrator definitions; empty = the whole catalogue. */
  formats: (string | WiegandFormatDefinition)[];
  silenceMs: number;
  fixedLength: number | null;
}

/** An access point and its reader. */
export interface AccessPointWiring {
  id: number;
  readerMode: ReaderMode;
  direction: Direction;
  pinTimeoutMs: number;
  reader: ReaderWiring | null;
}

/** A door and everything wired to it. */
export interface DoorWiring {
  id: number;
  alias: string;
  mode: DoorMode;
  unlockMs: number;
  heldOpenMs: number;
  unlockScheduleId: number | null;
  unlockAfterFirstCard: boolean;
  strike: LineSpec | null;
  contact: LineSpec | null;
  rex: LineSpec | null;
  accessPoint: AccessPointWiring | null;
}

/** The whole installation. */
export interface Wiring {
  doors: DoorWiring[];
  warnings: string[];
}

/** Leosac reader modes → keypad modes. */
const KEYPAD_OF_MODE: Record<string, KeypadMode> = {
  SIMPLE_WIEGAND: "none",
  WIEGAND_PIN_4BITS: "4bit",
  WIEGAND_PIN_8BITS: "8bit",
  WIEGAND_PIN_BUFFERED: "buffered",
  WIEGAND_CARD_PIN_4BITS: "4bit",
  WIEGAND_CARD_PIN_8BITS: "8bit",
  WIEGAND_CARD_PIN_BUFFERED: "buffered",
  AUTODETECT: "auto",
};

/** The value of the first present key among `snake_case` and dasherized spellings. */
function pick(config: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) {
    for (const spelling of [key, key.replaceAll("_", "-")]) {
      if (Object.hasOwn(config, spelling) && config[spelling] !== null) return config[spelling];
    }
  }
  return undefined;
}

function idOf(value: unknown): string | null {
  if (typeof value === "string" && value !== "" && value !== "0") return value;
  if (typeof value === "object" && value !== null && "id" in value) return idOf(value.id);
  return null;
}

function intOf(value: unknown, fallback: number): number {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : fallback;
}

/**
 * Resolves a `gpio` device into a line, or explains why not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lineSpecOf } from "./wiring.ts";
 * const spec = lineSpecOf({
 *   id: "g1", name: "strike", type: "gpio", deviceClass: 1, enabled: true,
 *   config: { chip: "gpiochip0", offset: 4, "active-low": true },
 * });
 * assert.ok(typeof spec !== "string" && spec.offset === 4 && spec.activeLow);
 * ```
 */
export function lineSpecOf(device: Device): LineSpec | string {
  if (device.type !== "gpio") return `device "${device.name}" is a ${device.type}, not a gpio`;
  if (!device.enabled) return `gpio "${device.name}" is disabled`;
  const c = device.config;
  const offset = intOf(pick(c, "offset", "line", "number"), -1);
  if (offset < 0) return `gpio "${device.name}" has no line offset`;
  const chip = pick(c, "chip", "device");
  return {
    deviceId: device.id,
    name: device.name,
    chip: typeof chip === "string" && chip !== "" ? chip : "gpiochip0",
    offset,
    activeLow: pick(c, "active_low") === true,
    debounceUs: intOf(pick(c, "debounce_us"), 0),
    failSafe: pick(c, "fail_safe") === true,
  };
}

/** Reads the wiring of every door. Problems become warnings, never errors. */
export function loadWiring(db: DatabaseSync): Wiring {
  const warnings: string[] = [];
  const gpio = (id: string | null, role: string): LineSpec | null => {
    if (id === null) return null;
    const device = getDevice(db, id);
    if (device === undefined) {
      warnings.push(`${role}: device ${id} does not exist`);
      return null;
    }
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
    return device.type === "gpio"
      ? gpio(id, role)
      : gpio(idOf(pick(device.config, "gpio_id", "gpio")), role);
  };
  const readerOf = (id: string | null, role: string): ReaderWiring | null => {
    if (id === null) return null;
    const device = getDevice(db, id);
    if (device === undefined || !device.enabled || device.type !== "wiegand-reader") {
      warnings.push(`${role}: reader ${id} is missing, disabled or not a wiegand-reader`);
      return null;
    }
    const c = device.config;
    const name = `reader "${device.name}"`;
    const d0 = gpio(idOf(pick(c, "gpio_low_id", "gpio_low", "d0_id", "d0")), `${name} D0`);
    const d1 = gpio(idOf(pick(c, "gpio_high_id", "gpio_high", "d1_id", "d1")), `${name} D1`);
    if (d0 === null || d1 === null) {
      warnings.push(`${name} needs both D0 (gpio_low_id) and D1 (gpio_high_id)`);
      return null;
    }
    const mode = String(pick(c, "mode") ?? "SIMPLE_WIEGAND");
    const formats = pick(c, "formats");
    const fixed = intOf(pick(c, "fixed_length"), 0);
    return {
      id: device.id,
      name: device.name,
      d0,
      d1,
      led: outputOf(idOf(pick(c, "green_led_id", "green_led", "led_id")), `${name} LED`),
      buzzer: outputOf(idOf(pick(c, "buzzer_id", "buzzer")), `${name} buzzer`),
      keypad: KEYPAD_OF_MODE[mode] ?? "none",
      formats: Array.isArray(formats)
        ? formats.filter((f) => typeof f === "string" || (typeof f === "object" && f !== null))
        : [],
      silenceMs: intOf(pick(c, "silence_ms"), 25) || 25,
      fixedLength: fixed > 0 ? fixed : null,
    };
  };

  const doors = listDoors(db).map((door): DoorWiring => {
    const role = `door ${door.id}`;
    const ap = door.accessPointId === null ? undefined : getAccessPoint(db, door.accessPointId);
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
      },
    };
  });
  return { doors, warnings };
}
