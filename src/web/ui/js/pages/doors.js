// Doors & readers: doors (wiring and timing), access points (reader and its
// mode), zones (anti-passback), and devices (GPIO lines, Wiegand readers,
// LEDs, buzzers).

import { ApiError, STATUS } from "../api.js";
import {
  busy,
  card,
  confirmDialog,
  failure,
  h,
  loading,
  replace,
  showFormError,
  table,
  tabs,
  toast,
} from "../dom.js";
import { specForm } from "../components.js";

const TABS = [
  ["#/doors", "Doors", "doors"],
  ["#/doors/access-points", "Access points", "access-points"],
  ["#/doors/zones", "Zones", "zones"],
  ["#/doors/devices", "Devices", "devices"],
];

const READER_MODES = [
  ["card", "Card only"],
  ["pin", "PIN only"],
  ["card_and_pin", "Card and PIN"],
  ["card_or_pin", "Card or PIN"],
];
const DIRECTIONS = [["none", "Not counted"], ["entry", "Entry"], ["exit", "Exit"]];
const ANTIPASSBACK = [["off", "Off"], ["soft", "Soft (log only)"], ["hard", "Hard (deny)"]];
const WIEGAND_MODES = [
  "SIMPLE_WIEGAND",
  "WIEGAND_PIN_4BITS",
  "WIEGAND_PIN_8BITS",
  "WIEGAND_PIN_BUFFERED",
  "WIEGAND_CARD_PIN_4BITS",
  "WIEGAND_CARD_PIN_8BITS",
  "WIEGAND_CARD_PIN_BUFFERED",
  "AUTODETECT",
];

/** Device kinds: request prefix, id key, label. */
const DEVICE_KINDS = {
  "gpio": {
    prefix: "gpio",
    idKey: "gpio_id",
    label: "GPIO line",
    plural: "GPIO lines",
    empty: "No GPIO line yet: create the reader's D0 and D1 lines and the door's lines first.",
  },
  "wiegand-reader": {
    prefix: "wiegand-reader",
    idKey: "reader_id",
    label: "Wiegand reader",
    plural: "Wiegand readers",
    empty: "No Wiegand reader yet.",
  },
  "led": { prefix: "led", idKey: "led_id", label: "LED", plural: "LEDs", empty: "No LED yet." },
  "buzzer": {
    prefix: "buzzer",
    idKey: "buzzer_id",
    label: "Buzzer",
    plural: "Buzzers",
    empty: "No buzzer yet.",
  },
};

/** Renders the Doors & readers section into `view`. */
export async function render(view, ctx) {
  const [sub, a, b] = ctx.params;
  const routes = {
    "access-points": () => accessPointList(view, ctx),
    "access-point": () => accessPointEditor(view, ctx, a),
    "zones": () => zoneList(view, ctx),
    "zone": () => zoneEditor(view, ctx, a),
    "devices": () => deviceList(view, ctx),
    "device": () => deviceEditor(view, ctx, a, b),
    "door": () => doorEditor(view, ctx, a),
  };
  return await (routes[sub] ?? (() => doorList(view, ctx)))();
}

function header(active) {
  return [h("h1", null, "Doors & readers"), tabs(TABS, active)];
}

function crumbs(href, text) {
  return h("p", { class: "crumbs" }, h("a", { href }, `← ${text}`));
}

/** Every device of every kind (null when the caller may not read them or the calls are missing). */
async function loadDevices(api, session) {
  if (!session.can("hardwareRead")) return { devices: null, reason: "rank" };
  try {
    const lists = await Promise.all(
      Object.entries(DEVICE_KINDS).map(([kind, k]) =>
        api.request(`${k.prefix}.read`, { [k.idKey]: 0 }).then((d) =>
          (d.data ?? []).map((x) => ({ ...x, kind }))
        )
      ),
    );
    return { devices: lists.flat(), reason: null };
  } catch (error) {
    if (error instanceof ApiError && error.code === STATUS.INVALID_CALL) {
      return { devices: null, reason: "missing", error };
    }
    throw error;
  }
}

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
 */
function gpioUsage(devices, doors = []) {
  const usage = new Map();
  const add = (gpioId, owner, text) => {
    if (!gpioId) return;
    usage.set(gpioId, [...(usage.get(gpioId) ?? []), { owner, text }]);
  };
  for (const d of devices ?? []) {
    const rel = (key) => d.relationships?.[key]?.data?.id;
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
 * Select options of devices of `kind` ("" = none), or null when devices are
 * unknown. GPIO lines can be limited to one `direction` (0 input, 1 output;
 * the current value always stays) and are labelled with what else uses them.
 */
function deviceOptions(devices, kind, { direction, usage, owner, current } = {}) {
  if (devices === null) return null;
  const label = (d) => {
    const others = (usage?.get(d.id) ?? []).filter((u) => u.owner !== owner);
    return others.length === 0
      ? deviceLabel(d)
      : `${deviceLabel(d)} — used by ${others.map((u) => u.text).join(", ")}`;
  };
  return [
    ["", "— none —"],
    ...devices.filter((d) =>
      d.kind === kind &&
      (direction === undefined || d.attributes.direction === direction || d.id === current)
    ).map((d) => [d.id, label(d)]),
  ];
}

/** A device reference field: a select when devices are known, else read-only. */
function deviceField(key, label, devices, kind, extra = {}, choice = {}) {
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

function deleteButton(label, { title, message, request, done }) {
  const button = h("button", { type: "button", class: "danger small" }, label);
  button.addEventListener("click", async () => {
    if (!(await confirmDialog({ title, message, confirmLabel: "Delete", danger: true }))) return;
    await busy(button, async () => {
      await request();
      toast("Deleted");
      done();
    });
  });
  return button;
}

// Doors

async function doorList(view, ctx) {
  const { api, session } = ctx;
  replace(view, header("doors"), loading());
  let doors, aps, devices;
  try {
    [doors, aps, { devices }] = await Promise.all([
      api.request("door.read", { door_id: 0 }).then((d) => d.data ?? []),
      api.request("access_point.read", { access_point_id: 0 }).then((d) => d.data ?? []),
      loadDevices(api, session),
    ]);
  } catch (error) {
    return replace(view, header("doors"), failure(error));
  }
  const apById = new Map(aps.map((ap) => [String(ap.id), ap]));
  const deviceName = (id) =>
    id
      ? devices?.find((d) => d.id === id)?.attributes.name ??
        h("span", { class: "mono small" }, id.slice(0, 8))
      : "—";
  const rows = doors.map((d) => {
    const a = d.attributes;
    const ap = apById.get(String(d.relationships?.["access-point"]?.data?.id));
    return [
      h("a", { href: `#/doors/door/${d.id}` }, a.alias || `Door #${d.id}`),
      ap
        ? h("a", { href: `#/doors/access-point/${ap.id}` }, ap.attributes.alias || `#${ap.id}`)
        : "—",
      ap ? READER_MODES.find(([v]) => v === ap.attributes["reader-mode"])?.[1] ?? "" : "—",
      h("span", { class: `badge mode-${a.mode}` }, a.mode),
      `${(a["unlock-duration"] / 1000).toLocaleString()} s`,
      deviceName(a["strike-gpio"]),
    ];
  });
  replace(
    view,
    header("doors"),
    card(
      `Doors (${doors.length})`,
      {
        actions: session.can("manage")
          ? [h("a", { href: "#/doors/door/new", class: "button-link primary" }, "New door")]
          : [],
      },
      table(["Door", "Access point", "Reader mode", "Mode", "Unlock time", "Strike"], rows, {
        empty: "No door yet.",
        caption: "Doors",
      }),
    ),
  );
}

async function doorEditor(view, ctx, id) {
  const { api, session } = ctx;
  const back = crumbs("#/doors", "Doors");
  replace(view, back, loading());
  const creating = id === "new";
  let doors, aps, schedules, devices;
  try {
    [doors, aps, schedules, { devices }] = await Promise.all([
      api.request("door.read", { door_id: 0 }).then((d) => d.data ?? []),
      api.request("access_point.read", { access_point_id: 0 }).then((d) => d.data ?? []),
      api.request("schedule.read", { schedule_id: 0 }).then((d) => d.data ?? []),
      loadDevices(api, session),
    ]);
  } catch (error) {
    return replace(view, back, failure(error));
  }
  if (!ctx.alive()) return;
  const door = creating ? null : doors.find((d) => String(d.id) === String(id));
  if (!creating && !door) return replace(view, back, h("p", { class: "empty" }, "No such door."));
  const a = door?.attributes ?? {};
  const apId = door?.relationships?.["access-point"]?.data?.id ?? 0;
  const usage = gpioUsage(devices, doors);
  const line = (key, direction) => ({ direction, usage, owner: `door:${id}`, current: a[key] });
  const apLabel = (ap) => {
    const doorId = ap.relationships?.door?.data?.id;
    const other = doorId !== undefined && doorId !== null && String(doorId) !== String(id)
      ? doors.find((d) => String(d.id) === String(doorId))
      : undefined;
    const name = ap.attributes.alias || `#${ap.id}`;
    return other ? `${name} — used by door ${other.attributes.alias || `#${other.id}`}` : name;
  };
  const spec = [
    { key: "alias", label: "Name", type: "text", required: true },
    { key: "description", label: "Description", type: "text" },
    {
      key: "access_point_id",
      label: "Access point (reader)",
      type: "select",
      numeric: true,
      options: [[0, "— none —"], ...aps.map((ap) => [ap.id, apLabel(ap)])],
    },
    deviceField("strike-gpio", "Strike (output line)", devices, "gpio", {}, line("strike-gpio", 1)),
    deviceField(
      "contact-gpio",
      "Door contact (input line)",
      devices,
      "gpio",
      {},
      line("contact-gpio", 0),
    ),
    deviceField(
      "rex-gpio",
      "Request-to-exit button (input line)",
      devices,
      "gpio",
      {},
      line("rex-gpio", 0),
    ),
    {
      key: "unlock-duration",
      label: "Unlock time (ms)",
      type: "number",
      min: 100,
      max: 600000,
      default: 3000,
      hint: "How long the strike stays open after a grant",
    },
    {
      key: "held-open-threshold",
      label: "Held-open alarm after (ms)",
      type: "number",
      min: 1000,
      max: 3600000,
      default: 30000,
    },
    {
      key: "unlock-schedule",
      label: "Unlocked during schedule",
      type: "select",
      numeric: true,
      options: [[0, "— none —"], ...schedules.map((s) => [s.id, s.attributes.name])],
      hint: "The door stays unlocked while this schedule is active",
    },
    {
      key: "unlock-after-first-card",
      label: "Unlock on schedule only after a first granted card",
      type: "check",
    },
  ];
  const initial = { ...a, access_point_id: apId, "unlock-schedule": a["unlock-schedule"] ?? 0 };
  const { form, submit, values } = specForm("Door", spec, initial, {
    disabled: !session.can("manage"),
    submitLabel: creating ? "Create door" : "Save",
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const attributes = values();
    attributes.access_point_id ??= 0;
    attributes["unlock-schedule"] ??= 0;
    if (devices === null) {
      // Read-only wiring (device ids): a missing key keeps the lines.
      for (const key of ["strike-gpio", "contact-gpio", "rex-gpio"]) delete attributes[key];
    }
    busy(submit, async () => {
      if (creating) {
        const doc = await api.request("door.create", { attributes });
        toast("Door created");
        ctx.navigate(`doors/door/${doc.data.id}`);
      } else {
        await api.request("door.update", { door_id: Number(id), attributes });
        toast("Saved");
      }
    }, (error) => showFormError(form, error));
  });
  const remove = !creating && session.can("manage")
    ? deleteButton("Delete door", {
      title: `Delete door ${a.alias}?`,
      message: "Its schedule mappings stop applying to it. The devices stay.",
      request: () => api.request("door.delete", { door_id: Number(id) }),
      done: () => ctx.navigate("doors"),
    })
    : null;
  replace(
    view,
    back,
    h("h1", null, creating ? "New door" : `Door ${a.alias}`),
    devices === null && session.can("manage")
      ? h(
        "p",
        { class: "notice" },
        "The wiring (strike, contact and exit lines) is set by a supervisor or an administrator.",
      )
      : null,
    card("Door", { actions: remove ? [remove] : [] }, form),
  );
}

// Access points

async function accessPointList(view, ctx) {
  const { api, session } = ctx;
  replace(view, header("access-points"), loading());
  let aps, doors, devices;
  try {
    [aps, doors, { devices }] = await Promise.all([
      api.request("access_point.read", { access_point_id: 0 }).then((d) => d.data ?? []),
      api.request("door.read", { door_id: 0 }).then((d) => d.data ?? []),
      loadDevices(api, session),
    ]);
  } catch (error) {
    return replace(view, header("access-points"), failure(error));
  }
  const doorNames = new Map(doors.map((d) => [String(d.id), d.attributes.alias]));
  const rows = aps.map((ap) => {
    const a = ap.attributes;
    const reader = a.reader
      ? devices?.find((d) => d.id === a.reader)?.attributes.name ??
        h("span", { class: "mono small" }, a.reader.slice(0, 8))
      : "—";
    return [
      h("a", { href: `#/doors/access-point/${ap.id}` }, a.alias || `#${ap.id}`),
      reader,
      READER_MODES.find(([v]) => v === a["reader-mode"])?.[1] ?? a["reader-mode"],
      DIRECTIONS.find(([v]) => v === a.direction)?.[1] ?? a.direction,
      doorNames.get(String(ap.relationships?.door?.data?.id)) ?? "—",
    ];
  });
  replace(
    view,
    header("access-points"),
    h(
      "p",
      { class: "muted" },
      "An access point is a door's reader: which device, and what it asks for.",
    ),
    card(
      `Access points (${aps.length})`,
      {
        actions: session.can("manage")
          ? [
            h(
              "a",
              { href: "#/doors/access-point/new", class: "button-link primary" },
              "New access point",
            ),
          ]
          : [],
      },
      table(["Name", "Reader", "Mode", "Direction", "Door"], rows, {
        empty: "No access point yet.",
        caption: "Access points",
      }),
    ),
  );
}

async function accessPointEditor(view, ctx, id) {
  const { api, session } = ctx;
  const back = crumbs("#/doors/access-points", "Access points");
  replace(view, back, loading());
  const creating = id === "new";
  let aps, devices;
  try {
    [aps, { devices }] = await Promise.all([
      api.request("access_point.read", { access_point_id: 0 }).then((d) => d.data ?? []),
      loadDevices(api, session),
    ]);
  } catch (error) {
    return replace(view, back, failure(error));
  }
  if (!ctx.alive()) return;
  const ap = creating ? null : aps.find((x) => String(x.id) === String(id));
  if (!creating && !ap) {
    return replace(view, back, h("p", { class: "empty" }, "No such access point."));
  }
  const a = ap?.attributes ?? {};
  // A reader serves one door: say which readers another access point already uses.
  const readerUsage = new Map();
  for (const other of aps) {
    if (String(other.id) === String(id) || !other.attributes.reader) continue;
    readerUsage.set(other.attributes.reader, [
      ...(readerUsage.get(other.attributes.reader) ?? []),
      { owner: `ap:${other.id}`, text: `access point ${other.attributes.alias || other.id}` },
    ]);
  }
  const spec = [
    { key: "alias", label: "Name", type: "text", required: true },
    { key: "description", label: "Description", type: "text" },
    deviceField("reader", "Reader", devices, "wiegand-reader", {}, { usage: readerUsage }),
    {
      key: "reader-mode",
      label: "Reader asks for",
      type: "select",
      options: READER_MODES,
      default: "card",
    },
    {
      key: "direction",
      label: "Direction (anti-passback)",
      type: "select",
      options: DIRECTIONS,
      default: "none",
    },
    {
      key: "pin-timeout",
      label: "Time to type the PIN (ms)",
      type: "number",
      min: 1000,
      max: 300000,
      default: 10000,
    },
  ];
  const { form, submit, values } = specForm("Access point", spec, a, {
    disabled: !session.can("manage"),
    submitLabel: creating ? "Create access point" : "Save",
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const attributes = { ...values(), "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT" };
    if (attributes.reader === "") attributes.reader = null;
    if (devices === null) delete attributes.reader; // read-only: a missing key keeps it
    busy(submit, async () => {
      if (creating) {
        const doc = await api.request("access_point.create", { attributes });
        toast("Access point created");
        ctx.navigate(`doors/access-point/${doc.data.id}`);
      } else {
        await api.request("access_point.update", { access_point_id: Number(id), attributes });
        toast("Saved");
      }
    }, (error) => showFormError(form, error));
  });
  const remove = !creating && session.can("manage")
    ? deleteButton("Delete access point", {
      title: `Delete access point ${a.alias}?`,
      message: "Its door no longer reads cards until another access point is set.",
      request: () => api.request("access_point.delete", { access_point_id: Number(id) }),
      done: () => ctx.navigate("doors/access-points"),
    })
    : null;
  replace(
    view,
    back,
    h("h1", null, creating ? "New access point" : `Access point ${a.alias}`),
    card("Access point", { actions: remove ? [remove] : [] }, form),
  );
}

// Zones

async function zoneList(view, ctx) {
  const { api, session } = ctx;
  replace(view, header("zones"), loading());
  let zones, doors;
  try {
    [zones, doors] = await Promise.all([
      api.request("zone.read", { zone_id: 0 }).then((d) => d.data ?? []),
      api.request("door.read", { door_id: 0 }).then((d) => d.data ?? []),
    ]);
  } catch (error) {
    return replace(view, header("zones"), failure(error));
  }
  const doorNames = new Map(doors.map((d) => [String(d.id), d.attributes.alias]));
  const zoneNames = new Map(zones.map((z) => [String(z.id), z.attributes.alias]));
  const rows = zones.map((z) => {
    const a = z.attributes;
    return [
      h("a", { href: `#/doors/zone/${z.id}` }, a.alias || `#${z.id}`),
      a.type === 0 ? "Physical" : "Logical",
      z.relationships.doors.data.map((d) => doorNames.get(String(d.id)) ?? `#${d.id}`).join(", ") ||
      "—",
      z.relationships.children.data.map((c) => zoneNames.get(String(c.id)) ?? `#${c.id}`).join(
        ", ",
      ) ||
      "—",
      ANTIPASSBACK.find(([v]) => v === a.antipassback)?.[1] ?? a.antipassback,
    ];
  });
  replace(
    view,
    header("zones"),
    h(
      "p",
      { class: "muted" },
      "Zones group doors (and other zones) for schedules and anti-passback.",
    ),
    card(
      `Zones (${zones.length})`,
      {
        actions: session.can("manage")
          ? [h("a", { href: "#/doors/zone/new", class: "button-link primary" }, "New zone")]
          : [],
      },
      table(["Zone", "Type", "Doors", "Sub-zones", "Anti-passback"], rows, {
        empty: "No zone yet.",
        caption: "Zones",
      }),
    ),
  );
}

async function zoneEditor(view, ctx, id) {
  const { api, session } = ctx;
  const back = crumbs("#/doors/zones", "Zones");
  replace(view, back, loading());
  const creating = id === "new";
  let zone = null, zones, doors;
  try {
    [zone, zones, doors] = await Promise.all([
      creating ? null : api.request("zone.read", { zone_id: Number(id) }).then((d) => d.data),
      api.request("zone.read", { zone_id: 0 }).then((d) => d.data ?? []),
      api.request("door.read", { door_id: 0 }).then((d) => d.data ?? []),
    ]);
  } catch (error) {
    return replace(view, back, failure(error));
  }
  if (!ctx.alive()) return;
  const a = zone?.attributes ?? {};
  const ids = (key) => (zone?.relationships?.[key]?.data ?? []).map((r) => Number(r.id));
  const spec = [
    { key: "alias", label: "Name", type: "text", required: true },
    { key: "description", label: "Description", type: "text" },
    {
      key: "type",
      label: "Type",
      type: "select",
      numeric: true,
      options: [[0, "Physical (a place)"], [1, "Logical (a set of doors)"]],
      default: 1,
    },
    {
      key: "antipassback",
      label: "Anti-passback",
      type: "select",
      options: ANTIPASSBACK,
      default: "off",
      hint: "Uses the entry/exit direction of the access points",
    },
    {
      key: "antipassback-reset",
      label: "Anti-passback reset (s)",
      type: "number",
      min: 0,
      max: 31536000,
      default: 0,
      hint: "0: never reset by time",
    },
    {
      key: "doors",
      label: "Doors",
      type: "picker",
      options: doors.map((d) => [Number(d.id), d.attributes.alias || `#${d.id}`]),
    },
    {
      key: "children",
      label: "Sub-zones",
      type: "picker",
      options: zones.filter((z) => String(z.id) !== String(id)).map((z) => [
        Number(z.id),
        z.attributes.alias || `#${z.id}`,
      ]),
    },
  ];
  const { form, submit, values } = specForm(
    "Zone",
    spec,
    { ...a, doors: ids("doors"), children: ids("children") },
    { disabled: !session.can("manage"), submitLabel: creating ? "Create zone" : "Save" },
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const attributes = values();
    busy(submit, async () => {
      if (creating) {
        const doc = await api.request("zone.create", { attributes });
        toast("Zone created");
        ctx.navigate(`doors/zone/${doc.data.id}`);
      } else {
        await api.request("zone.update", { zone_id: Number(id), attributes });
        toast("Saved");
      }
    }, (error) => showFormError(form, error));
  });
  const remove = !creating && session.can("manage")
    ? deleteButton("Delete zone", {
      title: `Delete zone ${a.alias}?`,
      message: "Schedules mapped to this zone no longer open its doors.",
      request: () => api.request("zone.delete", { zone_id: Number(id) }),
      done: () => ctx.navigate("doors/zones"),
    })
    : null;
  replace(
    view,
    back,
    h("h1", null, creating ? "New zone" : `Zone ${a.alias}`),
    card("Zone", { actions: remove ? [remove] : [] }, form),
  );
}

// Devices

function devicesUnavailable(result) {
  if (result.reason === "rank") {
    return h("p", { class: "notice" }, "Devices are visible to supervisors and administrators.");
  }
  return h(
    "div",
    { class: "form-error", role: "alert" },
    h("strong", null, "This controller does not offer the device calls yet. "),
    h(
      "span",
      { class: "muted small" },
      `(${result.error?.message ?? "INVALID_CALL"}; status ${STATUS.INVALID_CALL} INVALID_CALL)`,
    ),
  );
}

async function deviceList(view, ctx) {
  const { api, session } = ctx;
  replace(view, header("devices"), loading());
  let result, doors;
  try {
    [result, doors] = await Promise.all([
      loadDevices(api, session),
      api.request("door.read", { door_id: 0 }).then((d) => d.data ?? []),
    ]);
  } catch (error) {
    return replace(view, header("devices"), failure(error));
  }
  if (result.devices === null) return replace(view, header("devices"), devicesUnavailable(result));
  const devices = result.devices;
  const usage = gpioUsage(devices, doors);
  const usedBy = (d) => {
    const uses = usage.get(d.id) ?? [];
    if (uses.length === 0) return h("span", { class: "muted" }, "—");
    return [
      uses.map((u) => u.text).join(", "),
      uses.length > 1
        ? [
          " ",
          h(
            "span",
            { class: "badge bad", title: "A line can serve one role only: the second one fails" },
            "Conflict",
          ),
        ]
        : null,
    ];
  };
  const nameOf = (rel) => {
    const id = rel?.data?.id;
    return id ? devices.find((d) => d.id === id)?.attributes.name ?? id : "—";
  };
  const link = (d) =>
    h("a", { href: `#/doors/device/${d.kind}/${encodeURIComponent(d.id)}` }, d.attributes.name);
  const enabled = (d) =>
    d.attributes.enabled
      ? h("span", { class: "badge ok" }, "Enabled")
      : h("span", { class: "badge bad" }, "Disabled");
  const columns = {
    "gpio": [["Name", "Line", "Direction", "Options", "Used by", "State"], (d) => {
      const a = d.attributes;
      return [
        link(d),
        h("span", { class: "mono" }, `${a.device}:${a.offset}`),
        a.direction === 1 ? "Output" : "Input",
        [a["active-low"] ? "active low" : "", a.debounce ? `debounce ${a.debounce} µs` : ""]
          .filter(Boolean).join(", ") || "—",
        usedBy(d),
        enabled(d),
      ];
    }],
    "wiegand-reader": [["Name", "Mode", "D0", "D1", "Green LED", "Buzzer", "State"], (d) => [
      link(d),
      d.attributes.mode,
      nameOf(d.relationships?.["gpio-low"]),
      nameOf(d.relationships?.["gpio-high"]),
      nameOf(d.relationships?.["green-led"]),
      nameOf(d.relationships?.buzzer),
      enabled(d),
    ]],
    "led": [["Name", "Line", "State"], (d) => [link(d), nameOf(d.relationships?.gpio), enabled(d)]],
    "buzzer": [["Name", "Line", "State"], (d) => [
      link(d),
      nameOf(d.relationships?.gpio),
      enabled(d),
    ]],
  };
  replace(
    view,
    header("devices"),
    Object.entries(DEVICE_KINDS).map(([kind, k]) => {
      const mine = devices.filter((d) => d.kind === kind);
      const [headers, row] = columns[kind];
      return card(
        `${k.plural} (${mine.length})`,
        {
          actions: session.can("hardwareWrite")
            ? [
              h(
                "a",
                { href: `#/doors/device/${kind}/new`, class: "button-link" },
                `New ${k.label}`,
              ),
            ]
            : [],
        },
        table(headers, mine.map(row), {
          empty: k.empty,
          caption: k.plural,
        }),
      );
    }),
  );
}

function deviceSpec(kind, devices, usage, owner, initial) {
  const line = (key, direction) => ({ direction, usage, owner, current: initial[key] });
  const head = [{ key: "name", label: "Name", type: "text", required: true }];
  const tail = [{ key: "enabled", label: "Enabled", type: "check", default: true }];
  if (kind === "gpio") {
    return [
      ...head,
      { key: "device", label: "Chip", type: "text", default: "gpiochip0", hint: "e.g. gpiochip0" },
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
      { key: "debounce", label: "Debounce (µs)", type: "number", min: 0, max: 1000000, default: 0 },
      {
        key: "interrupt-mode",
        label: "Edges",
        type: "select",
        options: [["none", "None"], ["rising", "Rising"], ["falling", "Falling"], ["both", "Both"]],
        default: "none",
      },
      ...tail,
    ];
  }
  if (kind === "wiegand-reader") {
    return [
      ...head,
      { key: "mode", label: "Mode", type: "select", options: WIEGAND_MODES.map((m) => [m, m]) },
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
      deviceField("green_led_id", "Green LED", devices, "led", { errorKeys: ["green-led"] }),
      deviceField("buzzer_id", "Buzzer", devices, "buzzer", { errorKeys: ["buzzer"] }),
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
    {
      key: "default-blink-duration",
      label: "Blink duration (ms)",
      type: "number",
      min: 0,
      max: 3600000,
      default: 1000,
    },
    {
      key: "default-blink-speed",
      label: "Blink period (ms)",
      type: "number",
      min: 0,
      max: 60000,
      default: 100,
    },
    ...tail,
  ];
}

async function deviceEditor(view, ctx, kind, rawId) {
  const { api, session } = ctx;
  const back = crumbs("#/doors/devices", "Devices");
  const k = DEVICE_KINDS[kind];
  if (!k) return replace(view, back, h("p", { class: "empty" }, "Unknown device type."));
  replace(view, back, loading());
  const creating = rawId === "new";
  const id = creating ? null : decodeURIComponent(rawId);
  let result, doors;
  try {
    [result, doors] = await Promise.all([
      loadDevices(api, session),
      api.request("door.read", { door_id: 0 }).then((d) => d.data ?? []),
    ]);
  } catch (error) {
    return replace(view, back, failure(error));
  }
  if (!ctx.alive()) return;
  if (result.devices === null) return replace(view, back, devicesUnavailable(result));
  const device = creating ? null : result.devices.find((d) => d.id === id && d.kind === kind);
  if (!creating && !device) {
    return replace(view, back, h("p", { class: "empty" }, "No such device."));
  }
  const initial = { ...(device?.attributes ?? {}) };
  for (
    const [key, rel] of [
      ["gpio_low_id", "gpio-low"],
      ["gpio_high_id", "gpio-high"],
      ["green_led_id", "green-led"],
      ["buzzer_id", "buzzer"],
      ["gpio_id", "gpio"],
    ]
  ) {
    initial[key] = device?.relationships?.[rel]?.data?.id ?? "";
  }
  const { form, submit, values } = specForm(
    k.label,
    deviceSpec(
      kind,
      result.devices,
      gpioUsage(result.devices, doors),
      `device:${id}`,
      initial,
    ),
    initial,
    {
      disabled: !session.can("hardwareWrite"),
      submitLabel: creating ? `Create ${k.label}` : "Save",
    },
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const attributes = values();
    for (const key of ["gpio_low_id", "gpio_high_id", "green_led_id", "buzzer_id", "gpio_id"]) {
      if (attributes[key] === "") attributes[key] = 0;
    }
    busy(submit, async () => {
      if (creating) {
        const doc = await api.request(`${k.prefix}.create`, { attributes });
        toast(`${k.label} created`);
        ctx.navigate(`doors/device/${kind}/${encodeURIComponent(doc.data.id)}`);
      } else {
        await api.request(`${k.prefix}.update`, { [k.idKey]: id, attributes });
        toast("Saved");
      }
    }, (error) => showFormError(form, error));
  });
  const remove = !creating && session.can("hardwareWrite")
    ? deleteButton(`Delete ${k.label}`, {
      title: `Delete ${device.attributes.name}?`,
      message:
        "A device still used by a door, an access point or another device cannot be deleted.",
      request: () => api.request(`${k.prefix}.delete`, { [k.idKey]: id }),
      done: () => ctx.navigate("doors/devices"),
    })
    : null;
  replace(
    view,
    back,
    h("h1", null, creating ? `New ${k.label}` : device.attributes.name),
    card(k.label, { actions: remove ? [remove] : [] }, form),
  );
}
