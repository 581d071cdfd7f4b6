/**
 * Migration 2: one spelling per device config key.
 *
 * Before schema 2 the readers of `devices.config` accepted aliases (`line`
 * and `number` for `offset`, `device` for `chip`, `d0`/`gpio_low` for
 * `gpio_low_id`, `gpio` for `gpio_id` …), each also dasherized
 * (`active-low`), references as `{id}` objects, integers as digit strings,
 * and quietly ignored values they could not use. This rewrites every row to
 * the stored spelling that `src/store/device_config.ts` reads: canonical keys
 * only, values of the right type, and values the old readers ignored left
 * out (so the defaults apply, as they did). Keys it does not know are kept.
 *
 * The alias table below is frozen with this migration: it describes the old
 * databases, not the current format, and must not follow later changes.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { rowReader, text } from "../rows.ts";

type Doc = Record<string, unknown>;
/** Reads an old value into its canonical form, or undefined to leave it out. */
type Convert = (value: unknown) => unknown;

function isObject(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A non-negative integer, also from a digit string (as the old readers took it). */
function count(value: unknown): number | undefined {
  const n = typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function positive(value: unknown): number | undefined {
  const n = count(value);
  return n === undefined || n === 0 ? undefined : n;
}

/** A device reference: a non-empty id other than "0", or `{id}`. */
function ref(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "" && value !== "0") return value;
  if (isObject(value) && "id" in value) return ref(value.id);
  return undefined;
}

/** The old readers took only `true` as true. */
function flag(value: unknown): boolean {
  return value === true;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function oneOf(values: readonly unknown[]): Convert {
  return (value) => values.includes(value) ? value : undefined;
}

function direction(value: unknown): "in" | "out" | undefined {
  if (value === "out" || value === 1) return "out";
  if (value === "in" || value === 0) return "in";
  return undefined;
}

function formats(value: unknown): unknown[] | undefined {
  return Array.isArray(value)
    ? value.filter((f) => typeof f === "string" || isObject(f))
    : undefined;
}

/** Canonical key → [old spellings in the order the old readers tried them, converter]. */
const KEYS: Record<string, Record<string, [readonly string[], Convert]>> = {
  "gpio": {
    chip: [["chip", "device"], nonEmpty],
    offset: [["offset", "line", "number"], count],
    direction: [["direction"], direction],
    default_value: [["default_value"], flag],
    active_low: [["active_low"], flag],
    debounce_us: [["debounce_us"], count],
    interrupt_mode: [["interrupt_mode"], oneOf(["none", "rising", "falling", "both"])],
    fail_safe: [["fail_safe"], flag],
  },
  "wiegand-reader": {
    mode: [
      ["mode"],
      oneOf([
        "SIMPLE_WIEGAND",
        "WIEGAND_PIN_4BITS",
        "WIEGAND_PIN_8BITS",
        "WIEGAND_PIN_BUFFERED",
        "WIEGAND_CARD_PIN_4BITS",
        "WIEGAND_CARD_PIN_8BITS",
        "WIEGAND_CARD_PIN_BUFFERED",
        "AUTODETECT",
      ]),
    ],
    gpio_low_id: [["gpio_low_id", "gpio_low", "d0_id", "d0"], ref],
    gpio_high_id: [["gpio_high_id", "gpio_high", "d1_id", "d1"], ref],
    green_led_id: [["green_led_id", "green_led", "led_id"], ref],
    buzzer_id: [["buzzer_id", "buzzer"], ref],
    formats: [["formats"], formats],
    silence_ms: [["silence_ms"], positive],
    fixed_length: [["fixed_length"], positive],
  },
  "led": {
    gpio_id: [["gpio_id", "gpio"], ref],
    default_blink_duration: [["default_blink_duration"], count],
    default_blink_speed: [["default_blink_speed"], count],
  },
};
KEYS.buzzer = KEYS.led!;

/**
 * The canonical document of an old config of a device of `type`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalDeviceConfig } from "./0002_device_config_keys.ts";
 * assert.deepEqual(
 *   canonicalDeviceConfig("wiegand-reader", { d0: { id: "g0" }, "silence-ms": "30" }),
 *   { gpio_low_id: "g0", silence_ms: 30 },
 * );
 * ```
 */
export function canonicalDeviceConfig(type: string, old: unknown): Record<string, unknown> {
  const keys = KEYS[type];
  if (keys === undefined || !isObject(old)) return isObject(old) ? { ...old } : {};
  const out: Doc = { ...old };
  for (const [key, [aliases, convert]] of Object.entries(keys)) {
    let value: unknown = undefined;
    for (const alias of aliases) {
      for (const spelling of [alias, alias.replaceAll("_", "-")]) {
        if (value === undefined && out[spelling] !== undefined && out[spelling] !== null) {
          value = out[spelling];
        }
      }
    }
    for (const alias of aliases) {
      delete out[alias];
      delete out[alias.replaceAll("_", "-")];
    }
    const canonical = value === undefined ? undefined : convert(value);
    if (canonical !== undefined) out[key] = canonical;
  }
  return out;
}

const readRow = rowReader("devices", { id: text, type: text, config: text });

/** Rewrites every `devices.config` document (runs inside the migration transaction). */
export function MIGRATION_0002(db: DatabaseSync): void {
  const update = db.prepare("UPDATE devices SET config = ? WHERE id = ?");
  for (const row of db.prepare("SELECT id, type, config FROM devices").all()) {
    const { id, type, config } = readRow(row);
    let old: unknown;
    try {
      old = JSON.parse(config);
    } catch {
      old = {}; // unreadable before too (the old store threw on it): start from the defaults
    }
    const next = JSON.stringify(canonicalDeviceConfig(type, old));
    if (next !== config) update.run(next, id);
  }
}
