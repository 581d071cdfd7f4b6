// @ts-check
// The form fields of each device kind.

import { deviceField } from "./device_kinds.js";

/** @typedef {import("../../components.js").FieldSpec} FieldSpec */
/** @typedef {import("./device_kinds.js").Device} Device */
/** @typedef {import("./device_kinds.js").DeviceKind} DeviceKind */

/**
 * Reader modes (the wire's enum names) and what they mean, in words.
 * @type {ReadonlyArray<readonly [string, string]>}
 */
export const WIEGAND_MODES = [
  ["SIMPLE_WIEGAND", "Cards only"],
  ["WIEGAND_PIN_4BITS", "PIN only (keypad sends 4 bits a key)"],
  ["WIEGAND_PIN_8BITS", "PIN only (keypad sends 8 bits a key)"],
  ["WIEGAND_PIN_BUFFERED", "PIN only (keypad sends the whole PIN)"],
  ["WIEGAND_CARD_PIN_4BITS", "Card then PIN (4 bits a key)"],
  ["WIEGAND_CARD_PIN_8BITS", "Card then PIN (8 bits a key)"],
  ["WIEGAND_CARD_PIN_BUFFERED", "Card then PIN (whole PIN at once)"],
  ["AUTODETECT", "Card or PIN, detected"],
];

/**
 * A reader mode in words (an unknown value is shown as sent).
 * @param {unknown} mode
 * @returns {string}
 */
export function readerModeText(mode) {
  return WIEGAND_MODES.find(([m]) => m === mode)?.[1] ?? String(mode ?? "");
}

/**
 * The device references of the forms: the form key (as the calls take it)
 * and the relationship the reads return it in. An empty choice is sent as 0.
 * @type {ReadonlyArray<readonly [string, string]>}
 */
export const REFERENCES = [
  ["gpio_low_id", "gpio-low"],
  ["gpio_high_id", "gpio-high"],
  ["green_led_id", "green-led"],
  ["buzzer_id", "buzzer"],
  ["gpio_id", "gpio"],
];

/**
 * A blink setting (LEDs and buzzers).
 * @param {string} key
 * @param {string} label
 * @param {number} max
 * @param {number} fallback
 * @returns {FieldSpec}
 */
function milliseconds(key, label, max, fallback) {
  return { key, label, type: "number", min: 0, max, default: fallback };
}

/**
 * The fields of a device of `kind`. `usage` and `owner` label the GPIO lines
 * with what else uses them; `initial` holds the current references.
 * @param {DeviceKind} kind
 * @param {Device[]} devices
 * @param {import("./device_kinds.js").Usage} usage
 * @param {string} owner
 * @param {Record<string, any>} initial
 * @returns {FieldSpec[]}
 */
export function deviceSpec(kind, devices, usage, owner, initial) {
  /** @type {(key: string, direction: 0 | 1) => import("./device_kinds.js").Choice} */
  const line = (key, direction) => ({
    direction,
    usage,
    owner,
    current: initial[key],
  });
  /** @type {FieldSpec[]} */
  const head = [{ key: "name", label: "Name", type: "text", required: true }];
  /** @type {FieldSpec[]} */
  const tail = [{
    key: "enabled",
    label: "Enabled",
    type: "check",
    default: true,
  }];
  if (kind === "gpio") {
    return [
      ...head,
      {
        key: "device",
        label: "Chip",
        type: "text",
        default: "gpiochip0",
        hint: "e.g. gpiochip0",
      },
      {
        key: "offset",
        label: "Line offset",
        type: "number",
        min: 0,
        max: 65535,
        required: true,
        errorKeys: ["number"],
      },
      {
        key: "direction",
        label: "Direction",
        type: "select",
        numeric: true,
        options: [[0, "Input"], [1, "Output"]],
        default: 0,
      },
      { key: "active-low", label: "Active low", type: "check" },
      { key: "default-value", label: "Output on at start", type: "check" },
      {
        key: "debounce",
        label: "Debounce (µs)",
        type: "number",
        min: 0,
        max: 1000000,
        default: 0,
      },
      {
        key: "interrupt-mode",
        label: "Edges",
        type: "select",
        options: [["none", "None"], ["rising", "Rising"], [
          "falling",
          "Falling",
        ], ["both", "Both"]],
        default: "none",
      },
      ...tail,
    ];
  }
  if (kind === "wiegand-reader") {
    return [
      ...head,
      {
        key: "mode",
        label: "Mode",
        type: "select",
        options: WIEGAND_MODES.map(([m, text]) => [m, text]),
      },
      deviceField(
        "gpio_low_id",
        "D0 line (input)",
        devices,
        "gpio",
        { errorKeys: ["gpio-low"], required: true },
        line("gpio_low_id", 0),
      ),
      deviceField(
        "gpio_high_id",
        "D1 line (input)",
        devices,
        "gpio",
        { errorKeys: ["gpio-high"], required: true },
        line("gpio_high_id", 0),
      ),
      deviceField("green_led_id", "Green LED", devices, "led", {
        errorKeys: ["green-led"],
      }),
      deviceField("buzzer_id", "Buzzer", devices, "buzzer", {
        errorKeys: ["buzzer"],
      }),
      {
        key: "silence-timeout",
        label: "End of frame after (ms of silence)",
        type: "number",
        min: 1,
        max: 1000,
        default: 25,
      },
      ...tail,
    ];
  }
  return [
    ...head,
    deviceField(
      "gpio_id",
      "Output line",
      devices,
      "gpio",
      { errorKeys: ["gpio"], required: true },
      line("gpio_id", 1),
    ),
    milliseconds(
      "default-blink-duration",
      "Blink duration (ms)",
      3600000,
      1000,
    ),
    milliseconds("default-blink-speed", "Blink period (ms)", 60000, 100),
    ...tail,
  ];
}
