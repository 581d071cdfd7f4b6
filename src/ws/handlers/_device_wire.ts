/**
 * Wire shapes of the hardware devices, as the Leosac web client's models
 * read them, and their mapping onto the `devices.config` documents that the
 * controller worker reads (src/controller/wiring.ts; snake_case keys):
 *
 * | type             | wire type        | attributes → config                                                                                                                                                                           |
 * | ---------------- | ---------------- | --------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------- |
 * | `gpio`           | `libgpiod-gpio`  | `device` → `chip`, `offset` (alias `number`) → `offset`, `direction` 0/1 → `in`/`out`, `default-value`, `active-low`, `debounce` (µs) → `debounce_us`, `interrupt-mode`, `fail-safe`        |
 * | `wiegand-reader` | `wiegand-reader` | `mode`, `gpio_low_id` (D0), `gpio_high_id` (D1), `green_led_id`, `buzzer_id`, `formats`, `silence-timeout` (ms) → `silence_ms`, `fixed-length` → `fixed_length`                              |
 * | `led`, `buzzer`  | `led`, `buzzer`  | `gpio_id`, `default-blink-duration`, `default-blink-speed` (ms)                                                                                                                              |
 *
 * References are checked by the caller (devices.ts); this module only
 * converts and range-checks values. Model errors name the JSON:API pointer.
 *
 * @module
 */
import { ValidationError } from "../../errors.ts";
import type { Device, DeviceType } from "../../store/devices.ts";
import { parseFormats, storedFormats } from "./_device_formats.ts";

/** Pointer prefixes of attribute and relationship errors. */
export const ATTR = "data/attributes/";
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
};

/** Leosac's Wiegand reader modes (the controller maps them onto keypad modes). */
export const LEOSAC_READER_MODES = [
  "SIMPLE_WIEGAND",
  "WIEGAND_PIN_4BITS",
  "WIEGAND_PIN_8BITS",
  "WIEGAND_PIN_BUFFERED",
  "WIEGAND_CARD_PIN_4BITS",
  "WIEGAND_CARD_PIN_8BITS",
  "WIEGAND_CARD_PIN_BUFFERED",
  "AUTODETECT",
] as const;

/** Edge detection of an input line. */
export const INTERRUPT_MODES = ["none", "rising", "falling", "both"] as const;

/** Default blink duration and period of LEDs and buzzers (ms). */
export const BLINK_DEFAULTS = { duration: 1000, speed: 100 } as const;

/** Reference attributes: input key, relationship name, config key. */
export const READER_REFS = [
  ["gpio_high_id", "gpio-high", "gpio_high_id"],
  ["gpio_low_id", "gpio-low", "gpio_low_id"],
  ["green_led_id", "green-led", "green_led_id"],
  ["buzzer_id", "buzzer", "buzzer_id"],
] as const;

type Obj = Record<string, unknown>;

/** A config value under its snake_case or dasherized key (the first present of `keys`). */
export function configValue(config: Obj, ...keys: string[]): unknown {
  for (const key of keys) {
    for (const spelling of [key, key.replaceAll("_", "-")]) {
      if (Object.hasOwn(config, spelling) && config[spelling] !== null) return config[spelling];
    }
  }
  return undefined;
}

/** A device reference: a non-empty id other than "0", else null. */
export function refId(value: unknown): string | null {
  if (typeof value === "string" && value !== "" && value !== "0") return value;
  if (typeof value === "object" && value !== null && "id" in value) return refId(value.id);
  return null;
}

function int(value: unknown, fallback: number): number {
  const n = typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : fallback;
}

/** The line direction of a gpio device; null when its config does not say. */
export function gpioDirection(device: Device): "in" | "out" | null {
  const d = configValue(device.config, "direction");
  if (d === "out" || d === 1) return "out";
  if (d === "in" || d === 0) return "in";
  return null;
}

/** The chip and offset of a gpio, `/dev/` stripped (for line conflicts and messages). */
export function gpioLine(device: Device): { chip: string; offset: number } {
  const chip = configValue(device.config, "chip", "device");
  return {
    chip: (typeof chip === "string" && chip !== "" ? chip : "gpiochip0").replace(/^\/dev\//, ""),
    offset: int(configValue(device.config, "offset", "line", "number"), -1),
  };
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
  const c = device.config;
  const head = { name: device.name, "device-class": device.deviceClass, enabled: device.enabled };
  const link = (id: string | null) => {
    const type = id === null ? null : typeOf(id);
    return ref(type === null ? null : id, type ?? "");
  };
  const base = { id: device.id, type: DEVICE_KINDS[device.type].wireType };
  switch (device.type) {
    case "gpio": {
      const { chip, offset } = gpioLine(device);
      const device_ = configValue(c, "chip", "device");
      return {
        ...base,
        attributes: {
          ...head,
          device: typeof device_ === "string" && device_ !== "" ? device_ : chip,
          offset: offset < 0 ? null : offset,
          number: offset < 0 ? null : offset,
          direction: gpioDirection(device) === "out" ? 1 : 0,
          "default-value": configValue(c, "default_value") === true,
          "active-low": configValue(c, "active_low") === true,
          debounce: int(configValue(c, "debounce_us"), 0),
          "interrupt-mode": String(configValue(c, "interrupt_mode") ?? "none"),
          "fail-safe": configValue(c, "fail_safe") === true,
        },
      };
    }
    case "wiegand-reader": {
      const fixed = int(configValue(c, "fixed_length"), 0);
      return {
        ...base,
        attributes: {
          ...head,
          mode: String(configValue(c, "mode") ?? "SIMPLE_WIEGAND"),
          formats: storedFormats(configValue(c, "formats")),
          "silence-timeout": int(configValue(c, "silence_ms"), 25) || 25,
          "fixed-length": fixed > 0 ? fixed : null,
        },
        relationships: Object.fromEntries(
          READER_REFS.map(([, rel, key]) => [rel, link(refId(configValue(c, key)))]),
        ),
      };
    }
    case "led":
    case "buzzer":
      return {
        ...base,
        attributes: {
          ...head,
          "default-blink-duration": int(
            configValue(c, "default_blink_duration"),
            BLINK_DEFAULTS.duration,
          ),
          "default-blink-speed": int(configValue(c, "default_blink_speed"), BLINK_DEFAULTS.speed),
        },
        relationships: { gpio: link(refId(configValue(c, "gpio_id", "gpio"))) },
      };
  }
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
  }
}

/** The audit snapshot of a device. */
export function deviceSnapshot(device: Device): Record<string, unknown> {
  return {
    id: device.id,
    name: device.name,
    type: device.type,
    device_class: device.deviceClass,
    enabled: device.enabled,
    config: device.config,
  };
}
