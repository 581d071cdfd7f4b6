// @ts-check
// Devices: the list of every kind, and the editor of one device.

import { card, h, replace, table } from "../../dom.js";
import { specForm } from "../../components.js";
import {
  crumbs,
  deleteButton,
  loadInto,
  newLink,
  readAll,
  saveOnSubmit,
  showEditor,
} from "../common.js";
import { header, wiringWarnings } from "./common.js";
import {
  DEVICE_KINDS,
  devicesUnavailable,
  gpioUsage,
  isDeviceKind,
  KINDS,
  loadDevices,
} from "./device_kinds.js";
import { deviceSpec, readerModeText, REFERENCES } from "./device_spec.js";

/** @typedef {import("../../types.js").PageContext} PageContext */
/** @typedef {import("./device_kinds.js").Device} Device */
/** @typedef {import("./device_kinds.js").DeviceKind} DeviceKind */
/** @typedef {import("../../dom.js").Child} Child */

/** Edge detection in words. @type {Record<string, string>} */
const EDGES = { rising: "rising edges", falling: "falling edges", both: "both edges" };

/**
 * A GPIO line's options in words: every setting that differs from the default.
 * @param {Record<string, any>} a the line's attributes
 * @returns {Child}
 */
export function gpioOptions(a) {
  const words = [
    a["active-low"] ? "active low" : "",
    a.direction === 1 && a["default-value"] ? "on at start" : "",
    a.direction === 1 && a["fail-safe"] ? "fail-safe" : "",
    a.debounce ? `debounce ${a.debounce} µs` : "",
    EDGES[String(a["interrupt-mode"] ?? "")] ?? "",
  ].filter(Boolean);
  return words.length > 0 ? words.join(", ") : h("span", { class: "muted" }, "defaults");
}

/**
 * The list's columns of each kind: headers, and a row from a device.
 * @param {Device[]} devices
 * @param {import("./device_kinds.js").Usage} usage
 * @returns {Record<DeviceKind, [string[], (d: Device) => Child[]]>}
 */
function columns(devices, usage) {
  const usedBy = (/** @type {Device} */ d) => {
    const uses = usage.get(d.id) ?? [];
    if (uses.length === 0) return h("span", { class: "muted" }, "—");
    return [
      uses.map((u) => u.text).join(", "),
      uses.length > 1
        ? [
          " ",
          h(
            "span",
            {
              class: "badge bad",
              title: "A line can serve one role only: the second one fails",
            },
            "Conflict",
          ),
        ]
        : null,
    ];
  };
  const nameOf = (
    /** @type {{ data?: { id?: string } } | undefined} */ rel,
  ) => {
    const id = rel?.data?.id;
    return id ? devices.find((d) => d.id === id)?.attributes.name ?? id : "—";
  };
  const link = (/** @type {Device} */ d) =>
    h(
      "a",
      { href: `#/doors/device/${d.kind}/${encodeURIComponent(d.id)}` },
      d.attributes.name,
    );
  const enabled = (/** @type {Device} */ d) =>
    d.attributes.enabled
      ? h("span", { class: "badge ok" }, "Enabled")
      : h("span", { class: "badge bad" }, "Disabled");
  const lineOnly = /** @type {[string[], (d: Device) => Child[]]} */ ([
    ["Name", "Line", "State"],
    (d) => [link(d), nameOf(d.relationships?.gpio), enabled(d)],
  ]);
  return {
    "gpio": [
      ["Name", "Line", "Direction", "Options", "Used by", "State"],
      (d) => {
        const a = d.attributes;
        return [
          link(d),
          h("span", { class: "mono" }, `${a.device}:${a.offset}`),
          a.direction === 1 ? "Output" : "Input",
          gpioOptions(a),
          usedBy(d),
          enabled(d),
        ];
      },
    ],
    "wiegand-reader": [[
      "Name",
      "Mode",
      "D0",
      "D1",
      "Green LED",
      "Buzzer",
      "State",
    ], (d) => [
      link(d),
      readerModeText(d.attributes.mode),
      nameOf(d.relationships?.["gpio-low"]),
      nameOf(d.relationships?.["gpio-high"]),
      nameOf(d.relationships?.["green-led"]),
      nameOf(d.relationships?.buzzer),
      enabled(d),
    ]],
    "led": lineOnly,
    "buzzer": lineOnly,
  };
}

/**
 * What uses `device`, in words: the doors and devices wired to a GPIO line,
 * the readers that drive an LED or a buzzer.
 * @param {Device} device
 * @param {Device[]} devices
 * @param {import("./device_kinds.js").Usage} usage
 * @returns {string[]}
 */
function usedBy(device, devices, usage) {
  if (device.kind === "gpio") return (usage.get(device.id) ?? []).map((u) => u.text);
  if (device.kind === "led" || device.kind === "buzzer") {
    const rel = device.kind === "led" ? "green-led" : "buzzer";
    return devices
      .filter((d) => d.kind === "wiegand-reader" && d.relationships?.[rel]?.data?.id === device.id)
      .map((d) => `reader ${d.attributes.name}`);
  }
  return [];
}

/**
 * Every device, one card per kind.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
export async function deviceList(view, ctx) {
  const { api, session } = ctx;
  const top = header("devices");
  const loaded = await loadInto(
    view,
    top,
    () => Promise.all([loadDevices(api, session), readAll(api, "door")]),
  );
  if (loaded === null) return;
  const [result, doors] = loaded;
  if (result.devices === null) {
    return replace(view, top, devicesUnavailable(result));
  }
  const devices = result.devices;
  const byKind = columns(devices, gpioUsage(devices, doors));
  replace(
    view,
    top,
    KINDS.map((kind) => {
      const k = DEVICE_KINDS[kind];
      const mine = devices.filter((d) => d.kind === kind);
      const [headers, row] = byKind[kind];
      return card(
        `${k.plural} (${mine.length})`,
        {
          actions: newLink(
            session.can("hardwareWrite"),
            `#/doors/device/${kind}/new`,
            `New ${k.label}`,
            "button-link",
          ),
        },
        table(headers, mine.map(row), { empty: k.empty, caption: k.plural }),
      );
    }),
  );
}

/**
 * The editor of the device `rawId` (URL-encoded; "new" to create one) of `kind`.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @param {string | undefined} kind
 * @param {string | undefined} rawId
 */
export async function deviceEditor(view, ctx, kind, rawId) {
  const { api, session } = ctx;
  const back = crumbs("#/doors/devices", "Devices");
  if (!isDeviceKind(kind)) {
    return replace(
      view,
      back,
      h("p", { class: "empty" }, "Unknown device type."),
    );
  }
  const k = DEVICE_KINDS[kind];
  const id = rawId === "new" ? null : decodeURIComponent(rawId ?? "");
  const loaded = await loadInto(
    view,
    [back],
    () => Promise.all([loadDevices(api, session), readAll(api, "door")]),
  );
  if (loaded === null || !ctx.alive()) return;
  const [result, doors] = loaded;
  if (result.devices === null) {
    return replace(view, back, devicesUnavailable(result));
  }
  const device = id === null ? null : result.devices.find((d) => d.id === id && d.kind === kind);
  if (id !== null && !device) {
    return replace(view, back, h("p", { class: "empty" }, "No such device."));
  }
  /** @type {Record<string, any>} */
  const initial = { ...(device?.attributes ?? {}) };
  for (const [key, rel] of REFERENCES) {
    initial[key] = device?.relationships?.[rel]?.data?.id ?? "";
  }
  const usage = gpioUsage(result.devices, doors);
  const spec = deviceSpec(kind, result.devices, usage, `device:${id}`, initial);
  const editor = specForm(k.label, spec, initial, {
    disabled: !session.can("hardwareWrite"),
    submitLabel: id === null ? `Create ${k.label}` : "Save",
  });
  const version = saveOnSubmit(ctx, k, editor, id, () => {
    const attributes = editor.values();
    for (const [key] of REFERENCES) {
      if (attributes[key] === "") attributes[key] = 0;
    }
    return attributes;
  }, device?.attributes.version);
  const users = device ? usedBy(device, result.devices, usage) : [];
  /** @type {HTMLButtonElement | null} */
  let remove = null;
  if (device && session.can("hardwareWrite")) {
    remove = deleteButton(ctx, k, device.id, {
      title: `Delete ${device.attributes.name}?`,
      message: "It stops working at once and cannot be brought back.",
      back: "doors/devices",
      version,
    });
    if (users.length > 0) {
      remove.disabled = true;
      remove.setAttribute("aria-describedby", "device-in-use");
    }
  }
  showEditor(view, {
    back,
    title: device ? device.attributes.name : `New ${k.label}`,
    titleOf: (saved) => saved.name,
    resource: k,
    form: editor.form,
    remove,
    notice: [
      users.length > 0
        ? h(
          "p",
          { class: "notice", id: "device-in-use" },
          `In use by ${users.join(", ")}. To delete it, first choose another ${
            device?.kind === "gpio" ? "line" : "device"
          } there.`,
        )
        : null,
      device ? wiringWarnings(api, [`"${device.attributes.name}"`, `device ${device.id}`]) : null,
    ],
  });
}
