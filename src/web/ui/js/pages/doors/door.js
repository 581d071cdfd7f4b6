// @ts-check
// Doors: the list and the editor (access point, lines, timing, schedule).

import { card, h, replace, table } from "../../dom.js";
import { specForm } from "../../components.js";
import {
  aliasOf,
  crumbs,
  deleteButton,
  loadInto,
  newLink,
  readAll,
  saveOnSubmit,
  showEditor,
} from "../common.js";
import { header, labelOf, READER_MODES, wiringWarnings } from "./common.js";
import { deviceField, gpioUsage, loadDevices } from "./device_kinds.js";

/** @typedef {import("../../types.js").PageContext} PageContext */
/** @typedef {import("../../types.js").Entity} Entity */

/** @type {import("../common.js").Resource} */
const DOOR = {
  type: "door",
  idKey: "door_id",
  label: "Door",
  noun: "door",
  route: "doors/door",
};

/** The lines a door's wiring keeps when the user may not see devices. */
const LINE_KEYS = ["strike-gpio", "contact-gpio", "rex-gpio"];

/**
 * The door list.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
export async function doorList(view, ctx) {
  const { api, session } = ctx;
  const top = header("doors");
  const loaded = await loadInto(
    view,
    top,
    () =>
      Promise.all([
        readAll(api, "door"),
        readAll(api, "access_point"),
        loadDevices(api, session),
      ]),
  );
  if (loaded === null) return;
  const [doors, aps, { devices }] = loaded;
  const apById = new Map(aps.map((ap) => [String(ap.id), ap]));
  const deviceName = (/** @type {string | undefined} */ id) =>
    id
      ? devices?.find((d) => d.id === id)?.attributes.name ??
        h("span", { class: "mono small" }, id.slice(0, 8))
      : "—";
  const rows = doors.map((d) => {
    const a = d.attributes;
    const ap = apById.get(String(d.relationships?.["access-point"]?.data?.id));
    return [
      h("a", { href: `#/doors/door/${d.id}` }, a.alias || `Door #${d.id}`),
      ap ? h("a", { href: `#/doors/access-point/${ap.id}` }, aliasOf(ap)) : "—",
      ap ? labelOf(READER_MODES, ap.attributes["reader-mode"], "") : "—",
      h("span", { class: `badge mode-${a.mode}` }, a.mode),
      `${(a["unlock-duration"] / 1000).toLocaleString()} s`,
      deviceName(a["strike-gpio"]),
    ];
  });
  replace(
    view,
    top,
    card(
      `Doors (${doors.length})`,
      {
        actions: newLink(session.can("manage"), "#/doors/door/new", "New door"),
      },
      table(
        [
          "Door",
          "Access point",
          "Reader mode",
          "Mode",
          "Unlock time",
          "Strike",
        ],
        rows,
        {
          empty: "No door yet.",
          caption: "Doors",
        },
      ),
    ),
  );
}

/**
 * What a wiring warning about this door names: the door itself, its lines and its reader.
 * @param {Entity | null | undefined} door
 * @param {import("./device_kinds.js").Device[] | null} devices
 * @param {Entity[]} aps
 * @returns {string[]}
 */
function doorNeedles(door, devices, aps) {
  if (!door) return [];
  const a = door.attributes;
  const nameOf = (/** @type {unknown} */ deviceId) =>
    devices?.find((d) => d.id === deviceId)?.attributes.name;
  const apId = door.relationships?.["access-point"]?.data?.id;
  const ap = aps.find((p) => String(p.id) === String(apId));
  const names = [
    nameOf(a["strike-gpio"]),
    nameOf(a["contact-gpio"]),
    nameOf(a["rex-gpio"]),
    nameOf(ap?.attributes.reader),
  ].filter((n) => typeof n === "string");
  return [`door ${door.id} `, `door ${door.id}:`, ...names.map((n) => `"${n}"`)];
}

/**
 * The editor of door `id` ("new" to create one).
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @param {string | undefined} id
 */
export async function doorEditor(view, ctx, id) {
  const { api, session } = ctx;
  const back = crumbs("#/doors", "Doors");
  const creating = id === "new";
  const loaded = await loadInto(view, [back], () =>
    Promise.all([
      readAll(api, "door"),
      readAll(api, "access_point"),
      readAll(api, "schedule"),
      loadDevices(api, session),
    ]));
  if (loaded === null || !ctx.alive()) return;
  const [doors, aps, schedules, { devices }] = loaded;
  const door = creating ? null : doors.find((d) => String(d.id) === String(id));
  if (!creating && !door) {
    return replace(view, back, h("p", { class: "empty" }, "No such door."));
  }
  const a = door?.attributes ?? {};
  const apId = door?.relationships?.["access-point"]?.data?.id ?? 0;
  const usage = gpioUsage(devices, doors);
  /** @type {(key: string, direction: 0 | 1) => import("./device_kinds.js").Choice} */
  const line = (key, direction) => ({
    direction,
    usage,
    owner: `door:${id}`,
    current: a[key],
  });
  const apLabel = (/** @type {Entity} */ ap) => {
    const doorId = ap.relationships?.door?.data?.id;
    const other = doorId !== undefined && doorId !== null && String(doorId) !== String(id)
      ? doors.find((d) => String(d.id) === String(doorId))
      : undefined;
    const name = aliasOf(ap);
    return other ? `${name} — used by door ${aliasOf(other)}` : name;
  };
  /** @type {import("../../components.js").FieldSpec[]} */
  const spec = [
    { key: "alias", label: "Name", type: "text", required: true },
    { key: "description", label: "Description", type: "text" },
    {
      key: "access_point_id",
      label: "Access point (reader)",
      type: "select",
      numeric: true,
      options: [
        [0, "— none —"],
        ...aps.map((ap) => /** @type {const} */ ([ap.id, apLabel(ap)])),
      ],
    },
    deviceField(
      "strike-gpio",
      "Strike (output line)",
      devices,
      "gpio",
      {},
      line("strike-gpio", 1),
    ),
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
      options: [
        [0, "— none —"],
        ...schedules.map((
          s,
        ) => /** @type {const} */ ([s.id, s.attributes.name])),
      ],
      hint: "The door stays unlocked while this schedule is active",
    },
    {
      key: "unlock-after-first-card",
      label: "Unlock on schedule only after a first granted card",
      type: "check",
    },
  ];
  const initial = {
    ...a,
    access_point_id: apId,
    "unlock-schedule": a["unlock-schedule"] ?? 0,
  };
  const editor = specForm("Door", spec, initial, {
    disabled: !session.can("manage"),
    submitLabel: creating ? "Create door" : "Save",
  });
  const version = saveOnSubmit(ctx, DOOR, editor, creating ? null : String(id), () => {
    const attributes = editor.values();
    attributes.access_point_id ??= 0;
    attributes["unlock-schedule"] ??= 0;
    // Read-only wiring (device ids): a missing key keeps the lines.
    if (devices === null) {
      for (const key of LINE_KEYS) delete attributes[key];
    }
    return attributes;
  }, a.version);
  showEditor(view, {
    back,
    title: creating ? "New door" : `Door ${a.alias}`,
    titleOf: (saved) => `Door ${saved.alias}`,
    resource: DOOR,
    form: editor.form,
    remove: !creating && session.can("manage")
      ? deleteButton(ctx, DOOR, String(id), {
        title: `Delete door ${a.alias}?`,
        message: "Its schedule mappings stop applying to it. The devices stay.",
        back: "doors",
        version,
      })
      : null,
    notice: [
      devices === null && session.can("manage")
        ? h(
          "p",
          { class: "notice" },
          "The wiring (strike, contact and exit lines) is set by a supervisor or an administrator.",
        )
        : null,
      creating ? null : wiringWarnings(api, doorNeedles(door, devices, aps)),
    ],
  });
}
