// @ts-check
// Schedules: the list (when, and which doors their mappings cover) and a
// schedule's editor (timeframes and mappings).

import {
  busy,
  card,
  checkbox,
  clearFormErrors,
  field,
  h,
  replace,
  table,
  toast,
} from "../../dom.js";
import { timeframesSummary } from "../../format.js";
import {
  crumbs,
  deleteButton,
  loadInto,
  newLink,
  readAll,
  showSaveError,
  withVersion,
} from "../common.js";
import { header } from "./common.js";
import { loadChoices, mappingEditor } from "./mappings.js";
import { labelsOf } from "../../search_picker.js";
import { timeframesEditor } from "./timeframes.js";

/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../../types.js").PageContext} PageContext */
/** @typedef {import("./mappings.js").Mapping} Mapping */
/** @typedef {import("./mappings.js").MappingEditor} MappingEditor */

/** @type {import("../common.js").Resource} */
const SCHEDULE = {
  type: "schedule",
  idKey: "schedule_id",
  label: "Schedule",
  noun: "schedule",
  route: "access/schedule",
};

/** Names shown per kind before "and N more". */
const WHO_SHOWN = 4;

/**
 * The names of the users and groups the mappings name (read by id: a
 * mapping names a few, the site may hold a million people).
 * @param {import("../../api.js").Api} api
 * @param {Mapping[]} mappings
 * @returns {Promise<{ users: Map<number, string>, groups: Map<number, string> }>}
 */
async function whoNames(api, mappings) {
  /** @param {"users" | "groups"} key */
  const ids = (key) => [
    ...new Set(
      mappings.flatMap((m) =>
        (m.relationships[key]?.data ?? []).slice(0, WHO_SHOWN).map((r) => Number(r.id))
      ),
    ),
  ];
  const [users, groups] = await Promise.all([
    labelsOf(api, "users", ids("users")).catch(() => new Map()),
    labelsOf(api, "groups", ids("groups")).catch(() => new Map()),
  ]);
  for (const [id, name] of groups) groups.set(id, `group ${name}`);
  return { users, groups };
}

/**
 * Who the mappings let through, in words: groups, people, then cards and PINs.
 * @param {Mapping[]} mine
 * @param {{ users: Map<number, string>, groups: Map<number, string> }} names
 * @returns {import("../../dom.js").Child}
 */
function whoText(mine, names) {
  /** @param {"users" | "groups" | "credentials"} key */
  const idsOf = (key) => [
    ...new Set(mine.flatMap((m) => (m.relationships[key]?.data ?? []).map((r) => Number(r.id)))),
  ];
  /**
   * @param {number[]} ids
   * @param {Map<number, string>} known
   */
  const listed = (ids, known) => {
    const shown = ids.slice(0, WHO_SHOWN).map((id) => known.get(id) ?? `#${id}`);
    return ids.length > WHO_SHOWN ? [...shown, `${ids.length - WHO_SHOWN} more`] : shown;
  };
  const credentials = idsOf("credentials").length;
  const parts = [
    ...listed(idsOf("groups"), names.groups),
    ...listed(idsOf("users"), names.users),
    credentials === 0 ? "" : credentials === 1 ? "1 card or PIN" : `${credentials} cards or PINs`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(", ") : h("span", { class: "muted" }, "Nobody");
}

/**
 * The schedule list.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
export async function scheduleList(view, ctx) {
  const { api, session } = ctx;
  const loaded = await loadInto(
    view,
    header("schedules"),
    () => Promise.all([api.request("schedule.read", { schedule_id: 0 }), readAll(api, "door")]),
  );
  if (loaded === null) return;
  const [doc, doors] = loaded;
  const doorNames = new Map(doors.map((d) => [Number(d.id), d.attributes.alias]));
  /** @type {Map<string, Mapping>} */
  const mappings = new Map(
    (doc.included ?? []).map((/** @type {Mapping} */ m) => [String(m.id), m]),
  );
  const names = await whoNames(api, [...mappings.values()]);
  if (!ctx.alive()) return;
  const rows = (doc.data ?? []).map((/** @type {Entity} */ s) => {
    /** @type {Mapping[]} */
    const mine = (s.relationships?.mapping?.data ?? []).map(
      (/** @type {{ id: string | number }} */ r) => mappings.get(String(r.id)),
    ).filter(Boolean);
    const where = [
      ...new Set(mine.flatMap((m) => m.relationships.doors.data.map((d) => Number(d.id)))),
    ]
      .map((id) => doorNames.get(id) ?? `#${id}`);
    const zones = mine.reduce((n, m) => n + m.relationships.zones.data.length, 0);
    return [
      h("a", { href: `#/access/schedule/${s.id}` }, s.attributes.name),
      timeframesSummary(s.attributes.timeframes),
      whoText(mine, names),
      [where.join(", "), zones ? `${where.length ? " + " : ""}${zones} zone(s)` : ""].join("") ||
      h("span", { class: "muted" }, "No door"),
      s.attributes["applies-on-holidays"] ? "Yes" : "No",
    ];
  });
  replace(
    view,
    header("schedules"),
    h(
      "p",
      { class: "muted" },
      "A schedule says when; its mappings say who (users, groups, credentials) may pass where (doors, zones).",
    ),
    card(
      `Schedules (${rows.length})`,
      { actions: newLink(session.can("manage"), "#/access/schedule/new", "New schedule") },
      table(["Name", "When", "Who", "Doors", "On holidays"], rows, {
        empty: "No schedule yet: nobody can open a door.",
        caption: "Schedules",
      }),
    ),
  );
}

/**
 * A schedule's editor (a new one when `scheduleId` is null).
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @param {number | null} scheduleId
 */
export async function scheduleEditor(view, ctx, scheduleId) {
  const { api, session } = ctx;
  const back = crumbs("#/access", "Schedules");
  const loaded = await loadInto(view, [back], async () => {
    const doc = scheduleId === null
      ? null
      : await api.request("schedule.read", { schedule_id: scheduleId });
    return /** @type {const} */ ([doc, await loadChoices(api, doc?.included ?? [])]);
  });
  if (loaded === null || !ctx.alive()) return;
  const [doc, choices] = loaded;
  const schedule = doc?.data ?? null;
  const a = schedule?.attributes ?? {};
  const disabled = !session.can("manage");
  const name = h("input", {
    name: "name",
    value: a.name ?? "",
    disabled,
    required: true,
    autocomplete: "off",
  });
  const description = h("input", { name: "description", value: a.description ?? "", disabled });
  const holidaysBox = checkbox("Also applies on holidays", {
    name: "applies-on-holidays",
    checked: a["applies-on-holidays"] ?? false,
    disabled,
  });
  const frames = timeframesEditor(a.timeframes ?? [], disabled);
  const mappingList = h("div", { class: "wide" });
  const addMapping = (/** @type {Mapping | null} */ m) =>
    mappingList.append(mappingEditor(m, choices, disabled, (el) => el.remove()));
  const existing = (schedule?.relationships?.mapping?.data ?? []).map((
    /** @type {{ id: string | number }} */ r,
  ) => (doc.included ?? []).find((/** @type {Mapping} */ m) => String(m.id) === String(r.id)))
    .filter(Boolean);
  for (const m of existing) addMapping(m);
  if (schedule === null) addMapping(null);
  const save = h(
    "button",
    { type: "submit", class: "primary" },
    schedule ? "Save schedule" : "Create schedule",
  );
  const form = h(
    "form",
    { class: "form", "aria-label": "Schedule", novalidate: true },
    field("Name", name, { hint: "3 to 50 letters, digits, '_', '.' or '-'" }),
    field("Description", description),
    holidaysBox,
    frames.element,
    h(
      "fieldset",
      { class: "wide" },
      h("legend", null, "Mappings: who may pass where"),
      mappingList,
      disabled ? null : h("button", {
        type: "button",
        class: "secondary small",
        onclick: () => addMapping(null),
      }, "Add a mapping"),
    ),
    disabled ? null : h("div", { class: "actions" }, save),
  );
  // The version this page holds: the one read, then the one each save returns.
  // Timeframes and mappings are saved with the schedule, under its version.
  /** @type {number | undefined} */
  let version = a.version;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const attributes = {
      name: name.value.trim(),
      description: description.value,
      "applies-on-holidays": holidaysBox.querySelector("input")?.checked ?? false,
      timeframes: frames.value(),
    };
    if (attributes.timeframes.some((f) => !f["start-time"] || !f["end-time"])) {
      // The timeframes fieldset has its error paragraph.
      /** @type {HTMLElement} */ (form.querySelector(`[data-keys~="timeframes"] .field-error`))
        .textContent = "Every timeframe needs a start and an end time.";
      return;
    }
    const mapping = [...mappingList.children].map((el) =>
      /** @type {MappingEditor} */ (el).mappingValue()
    );
    busy(save, async () => {
      let id = scheduleId;
      if (id === null) {
        const created = await api.request("schedule.create", { attributes });
        id = Number(created.data.id);
        version = created.data.attributes?.version;
      }
      const doc = await api.request("schedule.update", {
        schedule_id: id,
        attributes: withVersion(attributes, version),
        mapping,
      });
      version = doc?.data?.attributes?.version ?? version;
      toast(scheduleId === null ? "Schedule created" : "Schedule saved");
      if (scheduleId === null) ctx.navigate(`access/schedule/${id}`);
    }, (error) => showSaveError(ctx, form, error));
  });
  const remove = schedule && !disabled
    ? deleteButton(ctx, SCHEDULE, String(scheduleId), {
      title: `Delete schedule ${a.name}?`,
      message: "Everyone it lets through loses that access immediately.",
      back: "access",
      done: "Schedule deleted",
      version: () => version,
    })
    : null;
  replace(
    view,
    back,
    h("h1", null, schedule ? `Schedule ${a.name}` : "New schedule"),
    card("Schedule", { actions: remove ? [remove] : [] }, form),
  );
  if (schedule === null) name.focus();
}
