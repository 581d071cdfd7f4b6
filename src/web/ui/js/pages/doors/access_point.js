// @ts-check
// Access points: a door's reader, and what it asks for.

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
import { DIRECTIONS, header, labelOf, READER_MODES } from "./common.js";
import { deviceField, loadDevices } from "./device_kinds.js";

/** @typedef {import("../../types.js").PageContext} PageContext */

/** @type {import("../common.js").Resource} */
const ACCESS_POINT = {
  type: "access_point",
  idKey: "access_point_id",
  label: "Access point",
  noun: "access point",
  route: "doors/access-point",
};

/**
 * Every OSDP reader (none when the caller may not read devices or the
 * controller has no OSDP calls).
 * @param {import("../../api.js").Api} api
 * @param {import("../../session.js").Session} session
 * @returns {Promise<import("../../types.js").Entity[]>}
 */
async function loadOsdpReaders(api, session) {
  if (!session.can("hardwareRead")) return [];
  try {
    const reply = await api.request("osdp-reader.read", { reader_id: 0 });
    return reply.data ?? [];
  } catch {
    return [];
  }
}

/**
 * The reader picker with the OSDP readers after the Wiegand ones, so that an
 * access point's OSDP reader is offered (and kept when the form is saved).
 * @param {import("../../components.js").FieldSpec} spec
 * @param {import("../../types.js").Entity[]} osdp
 * @param {import("./device_kinds.js").Usage} usage
 * @returns {import("../../components.js").FieldSpec}
 */
function withOsdpReaders(spec, osdp, usage) {
  if (spec.type !== "select" || osdp.length === 0) return spec;
  const label = (/** @type {import("../../types.js").Entity} */ r) => {
    const uses = usage.get(r.id) ?? [];
    const name = `${r.attributes.name} (OSDP)`;
    return uses.length === 0 ? name : `${name} — used by ${uses.map((u) => u.text).join(", ")}`;
  };
  return {
    ...spec,
    options: [
      ...(spec.options ?? []),
      ...osdp.map((r) => /** @type {[string, string]} */ ([r.id, label(r)])),
    ],
  };
}

/**
 * The access point list.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
export async function accessPointList(view, ctx) {
  const { api, session } = ctx;
  const top = header("access-points");
  const loaded = await loadInto(
    view,
    top,
    () =>
      Promise.all([
        readAll(api, "access_point"),
        readAll(api, "door"),
        loadDevices(api, session),
        loadOsdpReaders(api, session),
      ]),
  );
  if (loaded === null) return;
  const [aps, doors, { devices }, osdp] = loaded;
  const doorNames = new Map(
    doors.map((d) => [String(d.id), d.attributes.alias]),
  );
  const rows = aps.map((ap) => {
    const a = ap.attributes;
    const reader = a.reader
      ? [...(devices ?? []), ...osdp].find((d) => d.id === a.reader)?.attributes.name ??
        h("span", { class: "mono small" }, a.reader.slice(0, 8))
      : "—";
    return [
      h("a", { href: `#/doors/access-point/${ap.id}` }, aliasOf(ap)),
      reader,
      labelOf(READER_MODES, a["reader-mode"], a["reader-mode"]),
      labelOf(DIRECTIONS, a.direction, a.direction),
      doorNames.get(String(ap.relationships?.door?.data?.id)) ?? "—",
    ];
  });
  replace(
    view,
    top,
    h(
      "p",
      { class: "muted" },
      "An access point is a door's reader: which device, and what it asks for.",
    ),
    card(
      `Access points (${aps.length})`,
      {
        actions: newLink(
          session.can("manage"),
          "#/doors/access-point/new",
          "New access point",
        ),
      },
      table(["Name", "Reader", "Mode", "Direction", "Door"], rows, {
        empty: "No access point yet.",
        caption: "Access points",
      }),
    ),
  );
}

/**
 * The editor of access point `id` ("new" to create one).
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @param {string | undefined} id
 */
export async function accessPointEditor(view, ctx, id) {
  const { api, session } = ctx;
  const back = crumbs("#/doors/access-points", "Access points");
  const creating = id === "new";
  const loaded = await loadInto(
    view,
    [back],
    () =>
      Promise.all([
        readAll(api, "access_point"),
        loadDevices(api, session),
        loadOsdpReaders(api, session),
      ]),
  );
  if (loaded === null || !ctx.alive()) return;
  const [aps, { devices }, osdp] = loaded;
  const ap = creating ? null : aps.find((x) => String(x.id) === String(id));
  if (!creating && !ap) {
    return replace(
      view,
      back,
      h("p", { class: "empty" }, "No such access point."),
    );
  }
  const a = ap?.attributes ?? {};
  // A reader serves one door: say which readers another access point already uses.
  /** @type {import("./device_kinds.js").Usage} */
  const readerUsage = new Map();
  for (const other of aps) {
    if (String(other.id) === String(id) || !other.attributes.reader) continue;
    readerUsage.set(other.attributes.reader, [
      ...(readerUsage.get(other.attributes.reader) ?? []),
      {
        owner: `ap:${other.id}`,
        text: `access point ${other.attributes.alias || other.id}`,
      },
    ]);
  }
  const editor = specForm(
    "Access point",
    [
      { key: "alias", label: "Name", type: "text", required: true },
      { key: "description", label: "Description", type: "text" },
      withOsdpReaders(
        deviceField("reader", "Reader", devices, "wiegand-reader", {}, {
          usage: readerUsage,
        }),
        osdp,
        readerUsage,
      ),
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
      {
        key: "pairs-only",
        label: "Card and PIN: only cards bound to a PIN (as Leosac)",
        type: "check",
        default: false,
      },
    ],
    a,
    {
      disabled: !session.can("manage"),
      submitLabel: creating ? "Create access point" : "Save",
    },
  );
  const version = saveOnSubmit(ctx, ACCESS_POINT, editor, creating ? null : String(id), () => {
    /** @type {Record<string, unknown>} */
    const attributes = { ...editor.values(), "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT" };
    if (attributes.reader === "") attributes.reader = null;
    if (devices === null) delete attributes.reader; // read-only: a missing key keeps it
    return attributes;
  }, a.version);
  showEditor(view, {
    back,
    title: creating ? "New access point" : `Access point ${a.alias}`,
    titleOf: (saved) => `Access point ${saved.alias}`,
    resource: ACCESS_POINT,
    form: editor.form,
    remove: !creating && session.can("manage")
      ? deleteButton(ctx, ACCESS_POINT, String(id), {
        title: `Delete access point ${a.alias}?`,
        message: "Its door no longer reads cards until another access point is set.",
        back: "doors/access-points",
        version,
      })
      : null,
  });
}
