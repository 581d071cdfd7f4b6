/**
 * The typed configuration of each hardware device kind, its one stored
 * spelling (the `devices.config` JSON document, snake_case keys) and its
 * named defaults. {@linkcode parseDeviceConfig} is the one reader: the store
 * uses it on every row it reads and every config it writes, the API builds
 * its write on it, and the controller's wiring reads the typed result.
 * Databases written before this shape (aliases such as `d0`, `line`,
 * dasherized keys) are rewritten by migration 2. (A little over 300 lines:
 * the four kinds' types, defaults, reader and writer are kept together so a
 * key changes in one file.)
 *
 * | type             | stored keys (→ field)                                                                                                                                                                         |
 * | ---------------- | --------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------- |
 * | `gpio`           | `chip`, `offset`, `direction` (`in`/`out`/null), `default_value`, `active_low`, `debounce_us`, `interrupt_mode`, `fail_safe` (written only when true)                                        |
 * | `wiegand-reader` | `mode`, `gpio_low_id` (D0), `gpio_high_id` (D1), `green_led_id`, `buzzer_id`, `formats`, `silence_ms`, `fixed_length`                                                                       |
 * | `led`, `buzzer`  | `gpio_id`, `default_blink_duration`, `default_blink_speed`                                                                                                                                   |
 * | `osdp-bus`       | `port` (serial device path), `baud`, `poll_ms`                                                                                                                                               |
 * | `osdp-reader`    | `bus_id`, `address`, `secure`, `use_crc`, `formats` (its SCBK is not config: `osdp_keys.ts`)                                                                                                 |
 *
 * @module
 */
import { StoreError } from "../errors.ts";
import type { WiegandFormatDefinition } from "../hardware/wiegand/formats.ts";
import type { KeypadMode } from "../hardware/wiegand/interpret.ts";

/** Device types. */
export const DEVICE_TYPES = [
  "gpio",
  "wiegand-reader",
  "led",
  "buzzer",
  "osdp-bus",
  "osdp-reader",
] as const;
/** A device type. */
export type DeviceType = typeof DEVICE_TYPES[number];

/** Leosac's Wiegand reader modes and the keypad mode each one means to the controller. */
export const READER_MODES = {
  SIMPLE_WIEGAND: "none",
  WIEGAND_PIN_4BITS: "4bit",
  WIEGAND_PIN_8BITS: "8bit",
  WIEGAND_PIN_BUFFERED: "buffered",
  WIEGAND_CARD_PIN_4BITS: "4bit",
  WIEGAND_CARD_PIN_8BITS: "8bit",
  WIEGAND_CARD_PIN_BUFFERED: "buffered",
  AUTODETECT: "auto",
} as const satisfies Record<string, KeypadMode>;
/** A Leosac reader mode. */
export type ReaderModeName = keyof typeof READER_MODES;
/** The reader modes, in Leosac's order. */
export const LEOSAC_READER_MODES: readonly ReaderModeName[] = Object.keys(
  READER_MODES,
) as ReaderModeName[];

/** Edge detection of an input line. */
export const INTERRUPT_MODES = ["none", "rising", "falling", "both"] as const;
/** An edge detection mode. */
export type InterruptMode = typeof INTERRUPT_MODES[number];

/** One `formats` item: a catalogue format name or an administrator definition. */
export type FormatItem = string | WiegandFormatDefinition;

/** A `gpio` device: one line of a chip. */
export interface GpioConfig {
  /** Chip name or path (`gpiochip0`, `/dev/gpiochip1`). */
  chip: string;
  /** Line offset; null until set (such a gpio cannot be wired). */
  offset: number | null;
  /** Null when unstated (rows written outside the API): accepted for both uses. */
  direction: "in" | "out" | null;
  /** Initial level of an output line. */
  defaultValue: boolean;
  /** The line is active when low. */
  activeLow: boolean;
  /** Input debounce, µs (0 = none). */
  debounceUs: number;
  /** Which edges an input line reports. */
  interruptMode: InterruptMode;
  /** Strike lines: energised (unlocked) when control is lost. */
  failSafe: boolean;
}

/** A `wiegand-reader` device; references are device ids or null. */
export interface ReaderConfig {
  /** Leosac reader mode (how the keypad sends keys). */
  mode: ReaderModeName;
  /** D0. */
  gpioLowId: string | null;
  /** D1. */
  gpioHighId: string | null;
  /** The green LED (a `led` device). */
  greenLedId: string | null;
  /** The buzzer (a `buzzer` device). */
  buzzerId: string | null;
  /** Accepted formats in matching order; empty means the whole catalogue. */
  formats: FormatItem[];
  /** Inter-bit silence that ends a frame (ms, at least 1). */
  silenceMs: number;
  /** End a frame at this many bits, or null. */
  fixedLength: number | null;
}

/** A `led` or `buzzer` device: an output gpio and its blink defaults. */
export interface IndicatorConfig {
  /** The output gpio that drives it. */
  gpioId: string | null;
  /** Default blink duration, ms. */
  defaultBlinkDuration: number;
  /** Default blink period, ms. */
  defaultBlinkSpeed: number;
}

/** An `osdp-bus` device: an RS-485 serial port with OSDP readers on it. */
export interface OsdpBusConfig {
  /** Serial device path (`/dev/ttyUSB0`); in simulated mode any name. */
  port: string;
  /** 9600, 19200, 38400, 57600 or 115200. */
  baud: number;
  /** A poll cycle starts every this many ms. */
  pollMs: number;
}

/** An `osdp-reader` device: one PD on a bus. */
export interface OsdpReaderConfig {
  /** The `osdp-bus` device. */
  busId: string | null;
  /** PD address, 0-126. */
  address: number;
  /** Require Secure Channel (the reader is trusted only inside it). */
  secure: boolean;
  /** Start with CRC16 (a checksum-only reader is detected). */
  useCrc: boolean;
  /** Accepted card formats in matching order; empty means the whole catalogue. */
  formats: FormatItem[];
}

/** The configuration of each device type. */
export interface DeviceConfigs {
  /** A GPIO line. */
  "gpio": GpioConfig;
  /** A Wiegand reader. */
  "wiegand-reader": ReaderConfig;
  /** A LED. */
  "led": IndicatorConfig;
  /** A buzzer. */
  "buzzer": IndicatorConfig;
  /** An OSDP bus. */
  "osdp-bus": OsdpBusConfig;
  /** An OSDP reader. */
  "osdp-reader": OsdpReaderConfig;
}

/** A device type with its configuration: narrowing `type` narrows `config`. */
export type TypedConfig = { [T in DeviceType]: { type: T; config: DeviceConfigs[T] } }[DeviceType];

/** The defaults of every key a stored document leaves out. */
export const DEVICE_DEFAULTS: { readonly [T in DeviceType]: Readonly<DeviceConfigs[T]> } = {
  "gpio": {
    chip: "gpiochip0",
    offset: null,
    direction: null,
    defaultValue: false,
    activeLow: false,
    debounceUs: 0,
    interruptMode: "none",
    failSafe: false,
  },
  "wiegand-reader": {
    mode: "SIMPLE_WIEGAND",
    gpioLowId: null,
    gpioHighId: null,
    greenLedId: null,
    buzzerId: null,
    formats: [],
    silenceMs: 25,
    fixedLength: null,
  },
  "led": { gpioId: null, defaultBlinkDuration: 1000, defaultBlinkSpeed: 100 },
  "buzzer": { gpioId: null, defaultBlinkDuration: 1000, defaultBlinkSpeed: 100 },
  "osdp-bus": { port: "/dev/ttyUSB0", baud: 115200, pollMs: 50 },
  "osdp-reader": { busId: null, address: 0, secure: true, useCrc: true, formats: [] },
};

/** The baud rates an `osdp-bus` may use. */
export const OSDP_BAUD_RATES = [9600, 19200, 38400, 57600, 115200] as const;

type Doc = Record<string, unknown>;

function isObject(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Thrown by a field reader; {@linkcode parseDeviceConfig} adds the type and key. */
class Mismatch extends Error {}

/** `doc[key]` read by `read`, or `fallback` when absent or null. */
function field<T>(doc: Doc, key: string, fallback: T, read: (v: unknown) => T): T {
  const value = doc[key];
  if (value === undefined || value === null) return fallback;
  try {
    return read(value);
  } catch (error) {
    if (!(error instanceof Mismatch)) throw error;
    throw new StoreError(`Device config key "${key}": ${error.message}`);
  }
}

function count(value: unknown): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  throw new Mismatch("expected a non-negative integer");
}

function positive(value: unknown): number {
  if (count(value) > 0) return value as number;
  throw new Mismatch("expected a positive integer");
}

function bool(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  throw new Mismatch("expected a boolean");
}

function nonEmpty(value: unknown): string {
  if (typeof value === "string" && value !== "") return value;
  throw new Mismatch("expected a non-empty string");
}

function oneOf<T extends string>(values: readonly T[]): (value: unknown) => T {
  return (value) => {
    if ((values as readonly unknown[]).includes(value)) return value as T;
    throw new Mismatch(`expected one of ${values.join(", ")}`);
  };
}

const direction = oneOf(["in", "out"] as const);
const interruptMode = oneOf(INTERRUPT_MODES);
const readerMode = oneOf(LEOSAC_READER_MODES);

function baud(value: unknown): number {
  if ((OSDP_BAUD_RATES as readonly unknown[]).includes(value)) return value as number;
  throw new Mismatch(`expected one of ${OSDP_BAUD_RATES.join(", ")}`);
}

function pdAddress(value: unknown): number {
  if (count(value) <= 126) return value as number;
  throw new Mismatch("expected an address from 0 to 126");
}

function formats(value: unknown): FormatItem[] {
  if (Array.isArray(value) && value.every((f) => typeof f === "string" || isObject(f))) {
    return value as FormatItem[];
  }
  throw new Mismatch("expected an array of format names and definitions");
}

/**
 * Reads a stored config document of a device of `type`: canonical keys only
 * (others are ignored), absent or null keys take {@linkcode DEVICE_DEFAULTS}.
 *
 * @throws {StoreError} naming the key whose value has the wrong type.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDeviceConfig } from "./device_config.ts";
 * const typed = parseDeviceConfig("gpio", { offset: 4, active_low: true });
 * assert.ok(typed.type === "gpio");
 * assert.equal(typed.config.offset, 4);
 * assert.equal(typed.config.chip, "gpiochip0");
 * ```
 */
export function parseDeviceConfig(type: DeviceType, stored: unknown): TypedConfig {
  if (!isObject(stored)) throw new StoreError(`Device config: expected a JSON object`);
  const d = stored;
  switch (type) {
    case "gpio": {
      const def = DEVICE_DEFAULTS.gpio;
      return {
        type,
        config: {
          chip: field(d, "chip", def.chip, nonEmpty),
          offset: field(d, "offset", def.offset, count),
          direction: field(d, "direction", def.direction, direction),
          defaultValue: field(d, "default_value", def.defaultValue, bool),
          activeLow: field(d, "active_low", def.activeLow, bool),
          debounceUs: field(d, "debounce_us", def.debounceUs, count),
          interruptMode: field(d, "interrupt_mode", def.interruptMode, interruptMode),
          failSafe: field(d, "fail_safe", def.failSafe, bool),
        },
      };
    }
    case "wiegand-reader": {
      const def = DEVICE_DEFAULTS["wiegand-reader"];
      return {
        type,
        config: {
          mode: field(d, "mode", def.mode, readerMode),
          gpioLowId: field(d, "gpio_low_id", def.gpioLowId, nonEmpty),
          gpioHighId: field(d, "gpio_high_id", def.gpioHighId, nonEmpty),
          greenLedId: field(d, "green_led_id", def.greenLedId, nonEmpty),
          buzzerId: field(d, "buzzer_id", def.buzzerId, nonEmpty),
          formats: field(d, "formats", [...def.formats], formats),
          silenceMs: field(d, "silence_ms", def.silenceMs, positive),
          fixedLength: field(d, "fixed_length", def.fixedLength, positive),
        },
      };
    }
    case "led":
    case "buzzer": {
      const def = DEVICE_DEFAULTS[type];
      return {
        type,
        config: {
          gpioId: field(d, "gpio_id", def.gpioId, nonEmpty),
          defaultBlinkDuration: field(
            d,
            "default_blink_duration",
            def.defaultBlinkDuration,
            count,
          ),
          defaultBlinkSpeed: field(d, "default_blink_speed", def.defaultBlinkSpeed, count),
        },
      };
    }
    case "osdp-bus": {
      const def = DEVICE_DEFAULTS["osdp-bus"];
      return {
        type,
        config: {
          port: field(d, "port", def.port, nonEmpty),
          baud: field(d, "baud", def.baud, baud),
          pollMs: field(d, "poll_ms", def.pollMs, positive),
        },
      };
    }
    case "osdp-reader": {
      const def = DEVICE_DEFAULTS["osdp-reader"];
      return {
        type,
        config: {
          busId: field(d, "bus_id", def.busId, nonEmpty),
          address: field(d, "address", def.address, pdAddress),
          secure: field(d, "secure", def.secure, bool),
          useCrc: field(d, "use_crc", def.useCrc, bool),
          formats: field(d, "formats", [...def.formats], formats),
        },
      };
    }
    default:
      throw new StoreError(`Unknown device type ${JSON.stringify(type satisfies never)}`);
  }
}

/**
 * The stored document of a typed config: every key, in its canonical
 * spelling (`fail_safe` only when true, so lines that are not strikes do not
 * carry it). `parseDeviceConfig(type, storedConfig(typed))` gives `typed` back.
 */
export function storedConfig(typed: TypedConfig): Record<string, unknown> {
  switch (typed.type) {
    case "gpio": {
      const c = typed.config;
      return {
        chip: c.chip,
        offset: c.offset,
        direction: c.direction,
        default_value: c.defaultValue,
        active_low: c.activeLow,
        debounce_us: c.debounceUs,
        interrupt_mode: c.interruptMode,
        ...(c.failSafe ? { fail_safe: true } : {}),
      };
    }
    case "wiegand-reader": {
      const c = typed.config;
      return {
        mode: c.mode,
        gpio_low_id: c.gpioLowId,
        gpio_high_id: c.gpioHighId,
        green_led_id: c.greenLedId,
        buzzer_id: c.buzzerId,
        formats: c.formats,
        silence_ms: c.silenceMs,
        fixed_length: c.fixedLength,
      };
    }
    case "led":
    case "buzzer": {
      const c = typed.config;
      return {
        gpio_id: c.gpioId,
        default_blink_duration: c.defaultBlinkDuration,
        default_blink_speed: c.defaultBlinkSpeed,
      };
    }
    case "osdp-bus": {
      const c = typed.config;
      return { port: c.port, baud: c.baud, poll_ms: c.pollMs };
    }
    case "osdp-reader": {
      const c = typed.config;
      return {
        bus_id: c.busId,
        address: c.address,
        secure: c.secure,
        use_crc: c.useCrc,
        formats: c.formats,
      };
    }
  }
}
