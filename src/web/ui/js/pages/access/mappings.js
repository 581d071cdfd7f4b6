// A schedule's mappings (who → where): what the pickers offer, and one
// mapping's editor. Doors and zones are few and listed; people, groups and
// cards may number a million and are searched on the server (only the labels
// of those a mapping names are read, by id).

import { field, h } from "../../dom.js";
import { picker } from "../../components.js";
import { labelsOf, searchChips, searches } from "../../search_picker.js";
import { readAll } from "../common.js";

/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../../api.js").Api} Api */
/** @typedef {import("../../components.js").Option} Option */
/** @typedef {import("../../search_picker.js").Search} Search */

/** What a mapping relates. @typedef {"users" | "groups" | "credentials" | "doors" | "zones"} MappingKey */
/** Who a mapping names. @typedef {"users" | "groups" | "credentials"} WhoKey */

/**
 * A schedule mapping (who → where), from a `schedule.read` reply's `included`.
 * @typedef {object} Mapping
 * @property {string} id
 * @property {Record<string, any>} attributes
 * @property {Record<MappingKey, { data: { id: string | number }[] }>} relationships
 */

/**
 * What the mapping pickers offer: every door and zone, the searches of
 * people, groups and cards, and the labels of those the mappings name.
 * @typedef {object} Choices
 * @property {Option[]} doors
 * @property {Option[]} zones
 * @property {Record<WhoKey, Search>} search
 * @property {Record<WhoKey, Map<number, string>>} labels
 */
/** A mapping editor that reads its fields back. @typedef {HTMLDivElement & { mappingValue: () => Record<string, unknown> }} MappingEditor */

/** The ids a mapping names under `key`. */
function idsOf(/** @type {Mapping | null} */ mapping, /** @type {MappingKey} */ key) {
  return (mapping?.relationships?.[key]?.data ?? []).map((r) => Number(r.id));
}

/**
 * Loads what the mapping pickers offer for `mappings` (the schedule's).
 * @param {Api} api
 * @param {Mapping[]} mappings
 * @returns {Promise<Choices>}
 */
export async function loadChoices(api, mappings) {
  /** @param {WhoKey} key */
  const named = (key) => labelsOf(api, key, mappings.flatMap((m) => idsOf(m, key)));
  const [doors, zones, users, groups, credentials] = await Promise.all([
    readAll(api, "door"),
    readAll(api, "zone"),
    named("users"),
    named("groups"),
    named("credentials"),
  ]);
  return {
    doors: doors.map((d) => [Number(d.id), d.attributes.alias || `Door #${d.id}`]),
    zones: zones.map((z) => [Number(z.id), z.attributes.alias || `Zone #${z.id}`]),
    search: searches(api),
    labels: { users, groups, credentials },
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
  const alias = h("input", {
    value: mapping?.attributes?.alias ?? "",
    disabled,
    placeholder: "e.g. staff at the front door",
  });
  /** @param {string} label @param {WhoKey} key */
  const who = (label, key) =>
    searchChips(
      label,
      choices.search[key],
      idsOf(mapping, key).map((id) => [id, choices.labels[key].get(id) ?? `#${id}`]),
      { disabled },
    );
  const users = who("Users", "users");
  const groups = who("Groups", "groups");
  const credentials = who("Credentials", "credentials");
  const doors = picker("Doors", choices.doors, idsOf(mapping, "doors"), { disabled });
  const zones = picker("Zones", choices.zones, idsOf(mapping, "zones"), { disabled });
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
