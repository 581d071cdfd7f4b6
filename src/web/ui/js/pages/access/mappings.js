// @ts-check
// A schedule's mappings (who → where): what the pickers offer, and one
// mapping's editor.

import { field, h } from "../../dom.js";
import { picker } from "../../components.js";
import { readAll } from "../common.js";

/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../../api.js").Api} Api */
/** @typedef {import("../../components.js").Option} Option */

/** What a mapping relates. @typedef {"users" | "groups" | "credentials" | "doors" | "zones"} MappingKey */

/**
 * A schedule mapping (who → where), from a `schedule.read` reply's `included`.
 * @typedef {object} Mapping
 * @property {string} id
 * @property {Record<string, any>} attributes
 * @property {Record<MappingKey, { data: { id: string | number }[] }>} relationships
 */

/** What the mapping pickers offer. @typedef {Record<MappingKey, Option[]>} Choices */
/** A mapping editor that reads its fields back. @typedef {HTMLDivElement & { mappingValue: () => Record<string, unknown> }} MappingEditor */

/**
 * Loads what the mapping pickers offer.
 * @param {Api} api
 * @returns {Promise<Choices>}
 */
export async function loadChoices(api) {
  // One list per read, in this order.
  const lists = /** @type {[Entity[], Entity[], Entity[], Entity[], Entity[]]} */ (
    await Promise.all(["user", "group", "credential", "door", "zone"].map((t) => readAll(api, t)))
  );
  const [users, groups, credentials, doors, zones] = lists;
  const usernames = new Map(users.map((u) => [Number(u.id), u.attributes.username]));
  const credentialLabel = (/** @type {Entity} */ c) => {
    const a = c.attributes;
    const owner = usernames.get(Number(c.relationships?.owner?.data?.id));
    const what = c.type === "rfid-card" ? `card ${a["card-id"]}` : "PIN";
    return [a.alias || what, owner ? `(${owner})` : ""].filter(Boolean).join(" ");
  };
  return {
    users: users.map((u) => [Number(u.id), u.attributes.username]),
    groups: groups.map((g) => [Number(g.id), g.attributes.name]),
    credentials: credentials.map((c) => [Number(c.id), credentialLabel(c)]),
    doors: doors.map((d) => [Number(d.id), d.attributes.alias || `Door #${d.id}`]),
    zones: zones.map((z) => [Number(z.id), z.attributes.alias || `Zone #${z.id}`]),
  };
}

/**
 * One mapping's editor: its name, who (users, groups, credentials) and where (doors, zones).
 * @param {Mapping | null} mapping null for a new one
 * @param {Choices} choices
 * @param {boolean} disabled
 * @param {(element: MappingEditor) => void} onRemove
 * @returns {MappingEditor}
 */
export function mappingEditor(mapping, choices, disabled, onRemove) {
  const rel = (/** @type {MappingKey} */ key) =>
    (mapping?.relationships?.[key]?.data ?? []).map((r) => Number(r.id));
  const alias = h("input", {
    value: mapping?.attributes?.alias ?? "",
    disabled,
    placeholder: "e.g. staff at the front door",
  });
  const users = picker("Users", choices.users, rel("users"), { disabled });
  const groups = picker("Groups", choices.groups, rel("groups"), { disabled });
  const credentials = picker("Credentials", choices.credentials, rel("credentials"), { disabled });
  const doors = picker("Doors", choices.doors, rel("doors"), { disabled });
  const zones = picker("Zones", choices.zones, rel("zones"), { disabled });
  const remove = disabled
    ? null
    : h("button", { type: "button", class: "link" }, "Remove this mapping");
  const element = /** @type {MappingEditor} */ (h(
    "div",
    { class: "mapping", role: "group", "aria-label": "Mapping" },
    h(
      "div",
      { class: "mapping-grid" },
      field("Mapping name", alias),
      h("div", { class: "mapping-who" }, users.element, groups.element, credentials.element),
      h("div", { class: "mapping-where" }, doors.element, zones.element),
    ),
    remove,
  ));
  remove?.addEventListener("click", () => onRemove(element));
  element.mappingValue = () => ({
    alias: alias.value,
    users: users.value(),
    groups: groups.value(),
    credentials: credentials.value(),
    doors: doors.value(),
    zones: zones.value(),
  });
  return element;
}
