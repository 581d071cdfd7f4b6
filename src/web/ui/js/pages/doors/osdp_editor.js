// @ts-check
// The editors of an OSDP bus and of an OSDP reader (Doors & readers → OSDP →
// a name): change it, or delete it. A bus that still has readers, or a reader
// that still serves an access point, cannot be deleted: the page says by what
// it is used, and the server refuses too (its sentence is shown). A reader's
// key is never shown or taken here: install mode and key rotation are on the
// list page.

import { h, replace } from "../../dom.js";
import { specForm } from "../../components.js";
import {
  aliasOf,
  crumbs,
  deleteButton,
  loadInto,
  readAll,
  saveOnSubmit,
  showEditor,
} from "../common.js";
import { CATALOGUE_DEFINITIONS } from "../../shared/card_formats.js";

/** @typedef {import("../../types.js").PageContext} PageContext */
/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../common.js").Resource} Resource */
/** @typedef {import("../../components.js").FieldSpec} FieldSpec */

/** The baud rates an osdp-bus takes. @type {[number, string][]} */
export const BAUDS = [9600, 19200, 38400, 57600, 115200].map((b) => [b, `${b} baud`]);

/** @type {Resource} */
export const OSDP_BUS = {
  type: "osdp-bus",
  idKey: "bus_id",
  label: "OSDP bus",
  noun: "bus",
  route: "doors/osdp/bus",
  textId: true,
};

/** @type {Resource} */
export const OSDP_READER = {
  type: "osdp-reader",
  idKey: "reader_id",
  label: "OSDP reader",
  noun: "reader",
  route: "doors/osdp/reader",
  textId: true,
};

/** The catalogue's format names, for the formats hint. */
const FORMAT_NAMES = [...CATALOGUE_DEFINITIONS.map((d) => d.name), "raw", "raw-N"];

/**
 * A reader's `formats` as the text the form shows: names, comma-separated
 * (an administrator's definition shows as its name).
 * @param {unknown} formats
 * @returns {string}
 */
export function formatsText(formats) {
  if (!Array.isArray(formats)) return "";
  return formats.map((f) => (typeof f === "string" ? f : String(f?.name ?? ""))).join(", ");
}

/**
 * The `formats` to send from the form's text: each name, or the stored
 * definition of that name (so an administrator's own format survives an edit).
 * @param {string} text
 * @param {unknown} stored the reader's current `formats`
 * @returns {unknown[]}
 */
export function formatsFromText(text, stored) {
  const definitions = new Map(
    (Array.isArray(stored) ? stored : [])
      .filter((f) => typeof f === "object" && f !== null)
      .map((f) => [String(f.name).toLowerCase(), f]),
  );
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "").map((name) =>
    definitions.get(name.toLowerCase()) ?? name
  );
}

/**
 * The editor of OSDP bus or reader `rawId`.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @param {string | undefined} what "bus" or "reader"
 * @param {string | undefined} rawId
 */
export async function osdpEditor(view, ctx, what, rawId) {
  const { api, session } = ctx;
  const back = crumbs("#/doors/osdp", "OSDP");
  if ((what !== "bus" && what !== "reader") || !rawId) {
    return replace(view, back, h("p", { class: "empty" }, "Unknown OSDP page."));
  }
  if (!session.can("hardwareRead")) {
    return replace(
      view,
      back,
      h("p", { class: "notice" }, "Supervisors and administrators see OSDP readers."),
    );
  }
  const id = rawId; // the router has decoded it
  const loaded = await loadInto(view, [back], () =>
    Promise.all([
      api.request("osdp-bus.read", { bus_id: 0 }).then((/** @type {any} */ d) => d.data ?? []),
      api.request("osdp-reader.read", { reader_id: 0 }).then((/** @type {any} */ d) =>
        d.data ?? []
      ),
      readAll(api, "access_point"),
    ]));
  if (loaded === null || !ctx.alive()) return;
  /** @type {[Entity[], Entity[], Entity[]]} */
  const [buses, readers, aps] = loaded;
  if (what === "bus") {
    const bus = buses.find((b) => b.id === id);
    if (!bus) return replace(view, back, h("p", { class: "empty" }, "No such OSDP bus."));
    return busEditor(view, ctx, back, bus, readers);
  }
  const reader = readers.find((r) => r.id === id);
  if (!reader) return replace(view, back, h("p", { class: "empty" }, "No such OSDP reader."));
  return readerEditor(view, ctx, back, { reader, buses, aps });
}

/**
 * A delete button (administrators only), disabled with the `notice` id when `users` is not empty.
 * @param {PageContext} ctx
 * @param {Resource} resource
 * @param {Entity} entity
 * @param {string[]} users
 * @param {() => number | undefined} version
 * @returns {HTMLButtonElement | null}
 */
function removeButton(ctx, resource, entity, users, version) {
  if (!ctx.session.can("hardwareWrite")) return null;
  const name = entity.attributes.name;
  const button = deleteButton(ctx, resource, entity.id, {
    title: `Delete ${resource.noun} ${name}?`,
    message: resource === OSDP_BUS
      ? "Its port is closed at once. The bus cannot be brought back."
      : "It stops reading at once and its Secure Channel key is forgotten: to use this reader " +
        "again, add it anew and reset it to the default key for install mode.",
    back: "doors/osdp",
    done: `${resource.label} ${name} deleted`,
    version,
  });
  button.setAttribute("aria-label", `Delete ${resource.noun} ${name}`);
  if (users.length > 0) {
    button.disabled = true;
    button.setAttribute("aria-describedby", "osdp-in-use");
  }
  return button;
}

/**
 * The "In use by …" notice, or null.
 * @param {string[]} users
 * @param {string} how what to do first
 * @returns {HTMLElement | null}
 */
function inUse(users, how) {
  if (users.length === 0) return null;
  return h(
    "p",
    { class: "notice", id: "osdp-in-use" },
    `In use by ${users.join(", ")}. To delete it, first ${how}.`,
  );
}

/**
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @param {HTMLElement} back
 * @param {Entity} bus
 * @param {Entity[]} readers
 */
function busEditor(view, ctx, back, bus, readers) {
  const a = bus.attributes;
  /** @type {FieldSpec[]} */
  const spec = [
    { key: "name", label: "Bus name", type: "text", required: true },
    {
      key: "port",
      label: "Port",
      type: "text",
      required: true,
      hint: 'A serial device such as "/dev/ttyUSB0", or "sim:NAME" when simulated.',
    },
    { key: "baud", label: "Baud rate", type: "select", numeric: true, options: BAUDS },
    {
      key: "poll-interval",
      label: "Poll interval (ms)",
      type: "number",
      min: 10,
      max: 1000,
      required: true,
    },
    { key: "enabled", label: "Enabled", type: "check", default: true },
  ];
  const editor = specForm("OSDP bus", spec, a, {
    disabled: !ctx.session.can("hardwareWrite"),
  });
  const version = saveOnSubmit(ctx, OSDP_BUS, editor, bus.id, editor.values, a.version);
  const users = readers
    .filter((r) => r.relationships?.bus?.data?.id === bus.id)
    .map((r) => `reader ${r.attributes.name}`);
  showEditor(view, {
    back,
    title: a.name,
    titleOf: (saved) => saved.name,
    resource: OSDP_BUS,
    form: editor.form,
    remove: removeButton(ctx, OSDP_BUS, bus, users, version),
    notice: inUse(users, "delete its readers or move them to another bus"),
  });
}

/**
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @param {HTMLElement} back
 * @param {{ reader: Entity, buses: Entity[], aps: Entity[] }} data
 */
function readerEditor(view, ctx, back, { reader, buses, aps }) {
  const a = reader.attributes;
  const initial = {
    ...a,
    bus_id: reader.relationships?.bus?.data?.id ?? "",
    formats: formatsText(a.formats),
  };
  /** @type {FieldSpec[]} */
  const spec = [
    { key: "name", label: "Reader name", type: "text", required: true },
    {
      key: "bus_id",
      label: "Bus",
      type: "select",
      options: buses.map((b) => [b.id, b.attributes.name]),
      errorKeys: ["bus"],
    },
    {
      key: "address",
      label: "Address",
      type: "number",
      min: 0,
      max: 126,
      required: true,
      hint: "0–126, unique on its bus.",
    },
    { key: "secure", label: "Secure Channel required", type: "check" },
    {
      key: "use-crc",
      label: "Start with CRC-16 (a checksum-only reader is detected)",
      type: "check",
      default: true,
    },
    {
      key: "formats",
      label: "Card formats",
      type: "text",
      wide: true,
      hint: `In matching order, separated by commas: ${FORMAT_NAMES.join(", ")}. ` +
        "Empty: every catalogue format.",
    },
    { key: "enabled", label: "Enabled", type: "check", default: true },
  ];
  const editor = specForm("OSDP reader", spec, initial, {
    disabled: !ctx.session.can("hardwareWrite"),
  });
  const version = saveOnSubmit(ctx, OSDP_READER, editor, reader.id, () => {
    const values = editor.values();
    // Formats are sent only when edited: an unchanged list keeps its definitions as stored.
    if (values.formats === initial.formats) delete values.formats;
    else values.formats = formatsFromText(String(values.formats), a.formats);
    return values;
  }, a.version);
  const mine = aps.filter((ap) => ap.attributes.reader === reader.id);
  const users = mine.map((ap) => `access point ${aliasOf(ap)}`);
  const first = mine[0];
  showEditor(view, {
    back,
    title: a.name,
    titleOf: (saved) => saved.name,
    resource: OSDP_READER,
    form: editor.form,
    remove: removeButton(ctx, OSDP_READER, reader, users, version),
    notice: [
      inUse(users, "choose another reader on that access point"),
      h(
        "p",
        { class: "muted" },
        "What the reader asks for (card, PIN, card and PIN) is its access point's reader mode",
        first ? [": ", h("a", { href: `#/doors/access-point/${first.id}` }, aliasOf(first))] : null,
        ". Its Secure Channel key is never shown here.",
      ),
    ],
  });
}
