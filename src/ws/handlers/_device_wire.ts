/**
 * Wire shapes of the hardware devices, as the Leosac web client's models
 * read them, and their mapping onto the typed device configs of
 * `src/store/device_config.ts` (stored keys in brackets):
 *
 * | type             | wire type        | attributes → config                                                                                                                                                                           |
 * | ---------------- | ---------------- | --------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------- |
 * | `gpio`           | `libgpiod-gpio`  | `device` → `chip`, `offset` (alias `number`) → `offset`, `direction` 0/1 → `in`/`out`, `default-value`, `active-low`, `debounce` (µs) → `debounce_us`, `interrupt-mode`, `fail-safe`        |
 * | `wiegand-reader` | `wiegand-reader` | `mode`, `gpio_low_id` (D0), `gpio_high_id` (D1), `green_led_id`, `buzzer_id`, `formats`, `silence-timeout` (ms) → `silence_ms`, `fixed-length` → `fixed_length`                              |
 * | `led`, `buzzer`  | `led`, `buzzer`  | `gpio_id`, `default-blink-duration`, `default-blink-speed` (ms)                                                                                                                              |
 * | `osdp-bus`       | `osdp-bus`       | `port`, `baud`, `poll-interval` (ms) → `poll_ms`                                                                                                                                             |
 * | `osdp-reader`    | `osdp-reader`    | `bus_id` (relationship `bus`), `address`, `secure`, `use-crc`, `formats`; read-only `has-key`, `key-installed-at` (the key itself never leaves the controller)                               |
 *
 * References are checked by the caller (devices.ts); this module only
 * converts and range-checks values. Model errors name the JSON:API pointer.
 *
 * @module
 */
import { ATTR_POINTER, ValidationError } from "../../errors.ts";
import {
  type GpioConfig,
  INTERRUPT_MODES,
  LEOSAC_READER_MODES,
  OSDP_BAUD_RATES,
  type ReaderConfig,
  storedConfig,
} from "../../store/device_config.ts";
import type { Device, DeviceType } from "../../store/devices.ts";
import { parseFormats } from "./_device_formats.ts";

/** Pointer prefix of attribute errors. */
export const ATTR: string = ATTR_POINTER;
/** Relationship pointer prefix (references to other devices). */
export const REL = "data/relationships/";

/** Per-type wire names. */
export interface DeviceKind {
  type: DeviceType;
  /** JSON:API `type`. */
  wireType: string;
  /** Request key of the id. */
  idKey: string;
  /** Entity type of ENTITY_NOT_FOUND. */
  entity: string;
}

/** The four kinds, by device type. */
export const DEVICE_KINDS: Readonly<Record<DeviceType, DeviceKind>> = {
  "gpio": { type: "gpio", wireType: "libgpiod-gpio", idKey: "gpio_id", entity: "gpio" },
  "wiegand-reader": {
    type: "wiegand-reader",
    wireType: "wiegand-reader",
    idKey: "reader_id",
    entity: "wiegand-reader",
  },
  "led": { type: "led", wireType: "led", idKey: "led_id", entity: "led" },
  "buzzer": { type: "buzzer", wireType: "buzzer", idKey: "buzzer_id", entity: "buzzer" },
  "osdp-bus": { type: "osdp-bus", wireType: "osdp-bus", idKey: "bus_id", entity: "osdp-bus" },
  "osdp-reader": {
    type: "osdp-reader",
    wireType: "osdp-reader",
    idKey: "reader_id",
    entity: "osdp-reader",
  },
};

/** Reader references: request key (also the stored key), relationship name, config field. */
export const READER_REFS = [
  ["gpio_high_id", "gpio-high", "gpioHighId"],
  ["gpio_low_id", "gpio-low", "gpioLowId"],
  ["green_led_id", "green-led", "greenLedId"],
  ["buzzer_id", "buzzer", "buzzerId"],
] as const satisfies readonly (readonly [string, string, keyof ReaderConfig])[];

type Obj = Record<string, unknown>;

function int(value: unknown, fallback: number): number {
  const n = typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : fallback;
}

/** The chip (`/dev/` stripped) and offset (-1 when unset) of a gpio, for line conflicts. */
export function gpioLine(config: GpioConfig): { chip: string; offset: number } {
  return { chip: config.chip.replace(/^\/dev\//, ""), offset: config.offset ?? -1 };
}

function ref(id: string | null, type: string): { data: { id: string; type: string } | null } {
  return { data: id === null ? null : { id, type } };
}

/**
 * Serialises a device in the web client's shape. `typeOf` gives the wire
 * type of a referenced device (null when it no longer exists).
 */
export function serializeDevice(
  device: Device,
  typeOf: (id: string) => string | null,
): Record<string, unknown> {
  const head = {
    name: device.name,
    "device-class": device.deviceClass,
    enabled: device.enabled,
    version: device.version,
  };
  const link = (id: string | null) => {
    const type = id === null ? null : typeOf(id);
    return ref(type === null ? null : id, type ?? "");
  };
  const base = { id: device.id, type: DEVICE_KINDS[device.type].wireType };
  switch (device.type) {
    case "gpio": {
      const c = device.config;
      return {
        ...base,
        attributes: {
          ...head,
          device: c.chip,
          offset: c.offset,
          number: c.offset,
          direction: c.direction === "out" ? 1 : 0,
          "default-value": c.defaultValue,
          "active-low": c.activeLow,
          debounce: c.debounceUs,
          "interrupt-mode": c.interruptMode,
          "fail-safe": c.failSafe,
        },
      };
    }
    case "wiegand-reader": {
      const c = device.config;
      return {
        ...base,
        attributes: {
          ...head,
          mode: c.mode,
          formats: c.formats,
          "silence-timeout": c.silenceMs,
          "fixed-length": c.fixedLength,
        },
        relationships: Object.fromEntries(
          READER_REFS.map(([, rel, field]) => [rel, link(c[field])]),
        ),
      };
    }
    case "led":
    case "buzzer": {
      const c = device.config;
      return {
        ...base,
        attributes: {
          ...head,
          "default-blink-duration": c.defaultBlinkDuration,
          "default-blink-speed": c.defaultBlinkSpeed,
        },
        relationships: { gpio: link(c.gpioId) },
      };
    }
    case "osdp-bus": {
      const c = device.config;
      return {
        ...base,
        attributes: { ...head, port: c.port, baud: c.baud, "poll-interval": c.pollMs },
      };
    }
    case "osdp-reader": {
      const c = device.config;
      return {
        ...base,
        attributes: {
          ...head,
          address: c.address,
          secure: c.secure,
          "use-crc": c.useCrc,
          formats: c.formats,
        },
        relationships: { bus: link(c.busId) },
      };
    }
  }
}

function portOf(attrs: Obj): string | undefined {
  if (!present(attrs, "port")) return undefined;
  const v = attrs.port;
  if (
    typeof v !== "string" || v.length > 128 || v.includes("..") ||
    !/^(\/dev\/[A-Za-z0-9_][A-Za-z0-9_./-]*|sim:[A-Za-z0-9_-]{1,32})$/.test(v)
  ) {
    fail("port", 'Must be a serial device path such as "/dev/ttyUSB0", or "sim:NAME".');
  }
  return v;
}

function fail(key: string, detail: string): never {
  throw new ValidationError(detail, ATTR + key);
}

function present(attrs: Obj, key: string): boolean {
  return attrs[key] !== undefined && attrs[key] !== null;
}

function intIn(attrs: Obj, key: string, min: number, max: number): number | undefined {
  if (!present(attrs, key)) return undefined;
  const n = int(attrs[key], -1);
  if (n < min || n > max) fail(key, `Must be an integer from ${min} to ${max}.`);
  return n;
}

function boolOf(attrs: Obj, key: string): boolean | undefined {
  if (!present(attrs, key)) return undefined;
  if (typeof attrs[key] !== "boolean") fail(key, "Must be a boolean.");
  return attrs[key] as boolean;
}

function chipOf(attrs: Obj): string | undefined {
  if (!present(attrs, "device")) return undefined;
  const v = attrs.device;
  if (
    typeof v !== "string" || v.length > 64 || v.includes("..") ||
    !/^(\/dev\/)?[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(v)
  ) {
    fail("device", 'Must be a GPIO chip name or path, e.g. "gpiochip0" or "/dev/gpiochip0".');
  }
  return v;
}

function directionOf(attrs: Obj): "in" | "out" | undefined {
  if (!present(attrs, "direction")) return undefined;
  const v = attrs.direction;
  if (v === 0 || v === "0" || v === "in") return "in";
  if (v === 1 || v === "1" || v === "out") return "out";
  return fail("direction", "Must be 0 (input) or 1 (output).");
}

function interruptOf(attrs: Obj): string | undefined {
  if (!present(attrs, "interrupt-mode")) return undefined;
  const v = attrs["interrupt-mode"];
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < INTERRUPT_MODES.length) {
    return INTERRUPT_MODES[v];
  }
  const s = typeof v === "string" ? v.toLowerCase() : "";
  if (!(INTERRUPT_MODES as readonly string[]).includes(s)) {
    fail("interrupt-mode", `Must be one of ${INTERRUPT_MODES.join(", ")}.`);
  }
  return s;
}

/** Drops undefined values. */
function defined(values: Obj): Obj {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/**
 * The config keys that `attrs` sets for a device of `type` (references
 * excluded: devices.ts resolves them). Absent or null attributes are left out.
 *
 * @throws {ValidationError} naming the attribute.
 */
export function configPatch(type: DeviceType, attrs: Obj): Obj {
  switch (type) {
    case "gpio":
      return defined({
        chip: chipOf(attrs),
        offset: intIn(attrs, "offset", 0, 65535) ?? intIn(attrs, "number", 0, 65535),
        direction: directionOf(attrs),
        default_value: boolOf(attrs, "default-value"),
        active_low: boolOf(attrs, "active-low"),
        debounce_us: intIn(attrs, "debounce", 0, 1_000_000),
        interrupt_mode: interruptOf(attrs),
        fail_safe: boolOf(attrs, "fail-safe"),
      });
    case "wiegand-reader": {
      let mode: string | undefined;
      if (present(attrs, "mode")) {
        if (!(LEOSAC_READER_MODES as readonly unknown[]).includes(attrs.mode)) {
          fail("mode", `Must be one of ${LEOSAC_READER_MODES.join(", ")}.`);
        }
        mode = attrs.mode as string;
      }
      return defined({
        mode,
        formats: attrs.formats === undefined
          ? undefined
          : parseFormats(attrs.formats, ATTR + "formats"),
        silence_ms: intIn(attrs, "silence-timeout", 1, 1000),
        fixed_length: Object.hasOwn(attrs, "fixed-length")
          ? (intIn(attrs, "fixed-length", 0, 128) || null)
          : undefined,
      });
    }
    case "led":
    case "buzzer":
      return defined({
        default_blink_duration: intIn(attrs, "default-blink-duration", 0, 3_600_000),
        default_blink_speed: intIn(attrs, "default-blink-speed", 0, 60_000),
      });
    case "osdp-bus": {
      const baud = intIn(attrs, "baud", 0, 1_000_000);
      if (baud !== undefined && !(OSDP_BAUD_RATES as readonly number[]).includes(baud)) {
        fail("baud", `Must be one of ${OSDP_BAUD_RATES.join(", ")}.`);
      }
      return defined({
        port: portOf(attrs),
        baud,
        poll_ms: intIn(attrs, "poll-interval", 10, 1000),
      });
    }
    case "osdp-reader":
      return defined({
        address: intIn(attrs, "address", 0, 126),
        secure: boolOf(attrs, "secure"),
        use_crc: boolOf(attrs, "use-crc"),
        formats: attrs.formats === undefined
          ? undefined
          : parseFormats(attrs.formats, ATTR + "formats"),
      });
  }
}

/** The audit snapshot of a device (its config in the stored spelling). */
export function deviceSnapshot(device: Device): Record<string, unknown> {
  return {
    id: device.id,
    name: device.name,
    type: device.type,
    device_class: device.deviceClass,
    enabled: device.enabled,
    config: storedConfig(device),
  };
}
