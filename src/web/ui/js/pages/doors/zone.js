// @ts-check
// Zones: doors and sub-zones grouped for schedules and anti-passback.

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
import { ANTIPASSBACK, header, labelOf } from "./common.js";

/** @typedef {import("../../types.js").PageContext} PageContext */
/** @typedef {import("../../types.js").Entity} Entity */

/** @type {import("../common.js").Resource} */
const ZONE = {
  type: "zone",
  idKey: "zone_id",
  label: "Zone",
  noun: "zone",
  route: "doors/zone",
};

/**
 * The names of related entities, or "—".
 * @param {{ id: string | number }[] | undefined} refs
 * @param {Map<string, string>} names
 * @returns {string}
 */
function namesOf(refs, names) {
  return (refs ?? []).map((r) => names.get(String(r.id)) ?? `#${r.id}`).join(
    ", ",
  ) || "—";
}

/**
 * The zone list.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
export async function zoneList(view, ctx) {
  const { api, session } = ctx;
  const top = header("zones");
  const loaded = await loadInto(
    view,
    top,
    () => Promise.all([readAll(api, "zone"), readAll(api, "door")]),
  );
  if (loaded === null) return;
  const [zones, doors] = loaded;
  const doorNames = new Map(
    doors.map((d) => [String(d.id), d.attributes.alias]),
  );
  const zoneNames = new Map(
    zones.map((z) => [String(z.id), z.attributes.alias]),
  );
  const rows = zones.map((z) => {
    const a = z.attributes;
    return [
      h("a", { href: `#/doors/zone/${z.id}` }, aliasOf(z)),
      a.type === 0 ? "Physical" : "Logical",
      namesOf(z.relationships?.doors?.data, doorNames),
      namesOf(z.relationships?.children?.data, zoneNames),
      labelOf(ANTIPASSBACK, a.antipassback, a.antipassback),
    ];
  });
  replace(
    view,
    top,
    h(
      "p",
      { class: "muted" },
      "Zones group doors (and other zones) for schedules and anti-passback.",
    ),
    card(
      `Zones (${zones.length})`,
      {
        actions: newLink(session.can("manage"), "#/doors/zone/new", "New zone"),
      },
      table(["Zone", "Type", "Doors", "Sub-zones", "Anti-passback"], rows, {
        empty: "No zone yet.",
        caption: "Zones",
      }),
    ),
  );
}

/**
 * The editor of zone `id` ("new" to create one).
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @param {string | undefined} id
 */
export async function zoneEditor(view, ctx, id) {
  const { api, session } = ctx;
  const back = crumbs("#/doors/zones", "Zones");
  const creating = id === "new";
  const loaded = await loadInto(view, [back], () =>
    Promise.all([
      creating ? null : api.request("zone.read", { zone_id: Number(id) }).then((
        /** @type {any} */ d,
      ) => /** @type {Entity} */ (d.data)),
      readAll(api, "zone"),
      readAll(api, "door"),
    ]));
  if (loaded === null || !ctx.alive()) return;
  const [zone, zones, doors] = loaded;
  const a = zone?.attributes ?? {};
  const ids = (/** @type {string} */ key) =>
    (zone?.relationships?.[key]?.data ?? []).map((
      /** @type {{ id: string }} */ r,
    ) => Number(r.id));
  const editor = specForm(
    "Zone",
    [
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
        options: doors.map((d) => [Number(d.id), aliasOf(d)]),
      },
      {
        key: "children",
        label: "Sub-zones",
        type: "picker",
        options: zones.filter((z) => String(z.id) !== String(id)).map((z) => [
          Number(z.id),
          aliasOf(z),
        ]),
      },
    ],
    { ...a, doors: ids("doors"), children: ids("children") },
    {
      disabled: !session.can("manage"),
      submitLabel: creating ? "Create zone" : "Save",
    },
  );
  const version = saveOnSubmit(
    ctx,
    ZONE,
    editor,
    creating ? null : String(id),
    editor.values,
    a.version,
  );
  showEditor(view, {
    back,
    title: creating ? "New zone" : `Zone ${a.alias}`,
    titleOf: (saved) => `Zone ${saved.alias}`,
    resource: ZONE,
    form: editor.form,
    remove: !creating && session.can("manage")
      ? deleteButton(ctx, ZONE, String(id), {
        title: `Delete zone ${a.alias}?`,
        message: "Schedules mapped to this zone no longer open its doors.",
        back: "doors/zones",
        version,
      })
      : null,
  });
}
