// @ts-check
// The device kinds (GPIO lines, Wiegand readers, LEDs, buzzers), loading
// them, and the pickers that wire one device or door to another.

import { ApiError, STATUS } from "../../api.js";
import { h } from "../../dom.js";

/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../../components.js").FieldSpec} FieldSpec */
/** @typedef {import("../common.js").Resource} Resource */
/** @typedef {Entity & { kind: DeviceKind }} Device */
/** @typedef {"gpio" | "wiegand-reader" | "led" | "buzzer"} DeviceKind */
/**
 * A device kind: its calls (`<type>.read` …), its names, its list's empty text.
 * @typedef {Resource & { plural: string, empty: string }} KindInfo
 */
/** Devices, or null with why (rank, or the calls are missing). */
/** @typedef {{ devices: Device[], reason: null } | { devices: null, reason: "rank" | "missing", error?: ApiError }} DeviceLoad */
/** What uses a GPIO line: `door:<id>` or `device:<id>`, and a description. */
/** @typedef {Map<string, { owner: string, text: string }[]>} Usage */

/**
 * @param {string} type
 * @param {string} idKey
 * @param {string} label
 * @param {string} plural
 * @param {string} empty
 * @returns {KindInfo}
 */
function kind(type, idKey, label, plural, empty) {
  const route = `doors/device/${type}`;
  return {
    type,
    idKey,
    label,
    noun: label,
    route,
    textId: true,
    plural,
    empty,
  };
}

/** Every device kind, in the order of the devices page. @type {Record<DeviceKind, KindInfo>} */
export const DEVICE_KINDS = {
  "gpio": kind(
    "gpio",
    "gpio_id",
    "GPIO line",
    "GPIO lines",
    "No GPIO line yet: create the reader's D0 and D1 lines and the door's lines first.",
  ),
  "wiegand-reader": kind(
    "wiegand-reader",
    "reader_id",
    "Wiegand reader",
    "Wiegand readers",
    "No Wiegand reader yet.",
  ),
  "led": kind("led", "led_id", "LED", "LEDs", "No LED yet."),
  "buzzer": kind("buzzer", "buzzer_id", "Buzzer", "Buzzers", "No buzzer yet."),
};

/** @type {DeviceKind[]} */
export const KINDS = ["gpio", "wiegand-reader", "led", "buzzer"];

/**
 * Whether `text` names a device kind.
 * @param {string | undefined} text
 * @returns {text is DeviceKind}
 */
export function isDeviceKind(text) {
  return KINDS.includes(/** @type {DeviceKind} */ (text));
}

/**
 * Every device of every kind (null when the caller may not read them or the calls are missing).
 * @param {import("../../api.js").Api} api
 * @param {import("../../session.js").Session} session
 * @returns {Promise<DeviceLoad>}
 */
export async function loadDevices(api, session) {
  if (!session.can("hardwareRead")) return { devices: null, reason: "rank" };
  try {
    const lists = await Promise.all(
      KINDS.map((kind) => {
        const k = DEVICE_KINDS[kind];
        return api.request(`${k.type}.read`, { [k.idKey]: 0 }).then((d) =>
          (d.data ?? []).map((/** @type {Entity} */ x) => ({ ...x, kind }))
        );
      }),
    );
    return { devices: lists.flat(), reason: null };
  } catch (error) {
    if (error instanceof ApiError && error.code === STATUS.INVALID_CALL) {
      return { devices: null, reason: "missing", error };
    }
    throw error;
  }
}

/**
 * A device's name (a GPIO line's with its chip and offset).
 * @param {Device} d
 * @returns {string}
 */
function deviceLabel(d) {
  if (d.kind === "gpio") {
    return `${d.attributes.name} (${d.attributes.device}:${d.attributes.offset})`;
  }
  return d.attributes.name;
}

/**
 * What uses each GPIO line: `Map(gpioId → [{owner, text}])`, from the readers,
 * LEDs and buzzers in `devices` and the doors' strike, contact and REX lines.
 * `owner` is `door:<id>` or `device:<id>`, so an editor can leave out its own uses.
 * @param {Device[] | null} devices
 * @param {Entity[]} [doors]
 * @returns {Usage}
 */
export function gpioUsage(devices, doors = []) {
  /** @type {Usage} */
  const usage = new Map();
  /** @type {(gpioId: string | undefined, owner: string, text: string) => void} */
  const add = (gpioId, owner, text) => {
    if (!gpioId) return;
    usage.set(gpioId, [...(usage.get(gpioId) ?? []), { owner, text }]);
  };
  for (const d of devices ?? []) {
    const rel = (/** @type {string} */ key) => d.relationships?.[key]?.data?.id;
    const owner = `device:${d.id}`;
    const name = d.attributes.name;
    if (d.kind === "wiegand-reader") {
      add(rel("gpio-low"), owner, `reader ${name} D0`);
      add(rel("gpio-high"), owner, `reader ${name} D1`);
    } else if (d.kind === "led" || d.kind === "buzzer") {
      add(rel("gpio"), owner, `${d.kind === "led" ? "LED" : "buzzer"} ${name}`);
    }
  }
  for (const door of doors) {
    const a = door.attributes;
    const owner = `door:${door.id}`;
    const name = a.alias || `#${door.id}`;
    add(a["strike-gpio"], owner, `door ${name} strike`);
    add(a["contact-gpio"], owner, `door ${name} contact`);
    add(a["rex-gpio"], owner, `door ${name} REX`);
  }
  return usage;
}

/**
 * Which devices a picker offers: GPIO lines can be limited to one `direction`
 * (0 input, 1 output; the `current` value always stays) and are labelled with
 * what else (not `owner`) uses them.
 * @typedef {{ direction?: 0 | 1, usage?: Usage, owner?: string, current?: string }} Choice
 */

/**
 * Select options of devices of `kind` ("" = none), or null when devices are unknown.
 * @param {Device[] | null} devices
 * @param {DeviceKind} kind
 * @param {Choice} [choice]
 * @returns {[string, string][] | null}
 */
function deviceOptions(
  devices,
  kind,
  { direction, usage, owner, current } = {},
) {
  if (devices === null) return null;
  const label = (/** @type {Device} */ d) => {
    const others = (usage?.get(d.id) ?? []).filter((u) => u.owner !== owner);
    return others.length === 0
      ? deviceLabel(d)
      : `${deviceLabel(d)} — used by ${others.map((u) => u.text).join(", ")}`;
  };
  return [
    ["", "— none —"],
    ...devices.filter((d) =>
      d.kind === kind &&
      (direction === undefined || d.attributes.direction === direction ||
        d.id === current)
    ).map((d) => /** @type {[string, string]} */ ([d.id, label(d)])),
  ];
}

/**
 * A device reference field: a select when devices are known, else read-only.
 * @param {string} key
 * @param {string} label
 * @param {Device[] | null} devices
 * @param {DeviceKind} kind
 * @param {Partial<FieldSpec>} [extra]
 * @param {Choice} [choice]
 * @returns {FieldSpec}
 */
export function deviceField(
  key,
  label,
  devices,
  kind,
  extra = {},
  choice = {},
) {
  const options = deviceOptions(devices, kind, choice);
  return options === null
    ? {
      key,
      label,
      type: "text",
      readonly: true,
      hint: "Wiring is set by a supervisor or an administrator (device id shown)",
      ...extra,
    }
    : { key, label, type: "select", options, ...extra };
}

/**
 * Why devices are not listed.
 * @param {DeviceLoad} result
 * @returns {HTMLElement}
 */
export function devicesUnavailable(result) {
  if (result.reason === "rank") {
    return h(
      "p",
      { class: "notice" },
      "Devices are visible to supervisors and administrators.",
    );
  }
  return h(
    "div",
    { class: "form-error", role: "alert" },
    h("strong", null, "This controller does not offer the device calls yet. "),
    h(
      "span",
      { class: "muted small" },
      `(${
        result.reason === "missing" ? result.error?.message ?? "INVALID_CALL" : "INVALID_CALL"
      }; status ${STATUS.INVALID_CALL} INVALID_CALL)`,
    ),
  );
}
