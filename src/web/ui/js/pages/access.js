// @ts-check
// Access rules: schedules (weekly timeframes) with their mappings (who →
// where), and the holidays that suspend them.

import {
  busy,
  card,
  checkbox,
  clearFormErrors,
  confirmDialog,
  failure,
  field,
  h,
  loading,
  replace,
  select,
  showFormError,
  table,
  tabs,
  toast,
} from "../dom.js";
import { picker } from "../components.js";
import { DAYS, timeframesSummary, timeInputValue } from "../format.js";

/** @typedef {import("../types.js").Entity} Entity */
/** @typedef {import("../types.js").PageContext} PageContext */
/** @typedef {import("../api.js").Api} Api */
/** @typedef {import("../components.js").Option} Option */

/** A weekly timeframe as the wire spells it. @typedef {{ day?: number, "start-time"?: string, "end-time"?: string }} Timeframe */
/** What a mapping relates. @typedef {"users" | "groups" | "credentials" | "doors" | "zones"} MappingKey */

/**
 * A schedule mapping (who → where), from a `schedule.read` reply's `included`.
 * @typedef {object} Mapping
 * @property {string} id
 * @property {Record<string, any>} attributes
 * @property {Record<MappingKey, { data: { id: string | number }[] }>} relationships
 */

/** What the mapping pickers offer. @typedef {Record<MappingKey, Option[]>} Choices */
/** A timeframe row that reads its inputs back. @typedef {HTMLTableRowElement & { frame: () => Timeframe }} TimeframeRow */
/** A mapping editor that reads its fields back. @typedef {HTMLDivElement & { mappingValue: () => Record<string, unknown> }} MappingEditor */

/** @type {ReadonlyArray<readonly [string, string, string]>} */
const TABS = [["#/access", "Schedules", "schedules"], [
  "#/access/holidays",
  "Holidays",
  "holidays",
]];

/**
 * Renders the Access rules section into `view`.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @returns {Promise<unknown>}
 */
export async function render(view, ctx) {
  const [sub, id] = ctx.params;
  if (sub === "holidays") return await holidays(view, ctx);
  if (sub === "schedule" && id) {
    return await scheduleEditor(view, ctx, id === "new" ? null : Number(id));
  }
  return await scheduleList(view, ctx);
}

/**
 * The section title and its tabs.
 * @param {string} active
 * @returns {HTMLElement[]}
 */
function header(active) {
  return [h("h1", null, "Access rules"), tabs(TABS, active)];
}

/**
 * The schedule list.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
async function scheduleList(view, ctx) {
  const { api, session } = ctx;
  replace(view, header("schedules"), loading());
  /** @type {any} */
  let doc;
  /** @type {Entity[]} */
  let doors;
  try {
    [doc, doors] = await Promise.all([
      api.request("schedule.read", { schedule_id: 0 }),
      api.request("door.read", { door_id: 0 }).then((d) => d.data ?? []),
    ]);
  } catch (error) {
    return replace(view, header("schedules"), failure(error));
  }
  const doorNames = new Map(doors.map((d) => [Number(d.id), d.attributes.alias]));
  /** @type {Map<string, Mapping>} */
  const mappings = new Map(
    (doc.included ?? []).map((/** @type {Mapping} */ m) => [String(m.id), m]),
  );
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
      [where.join(", "), zones ? `${where.length ? " + " : ""}${zones} zone(s)` : ""].join("") ||
      h("span", { class: "muted" }, "No door"),
      s.attributes["applies-on-holidays"] ? "Yes" : "No",
    ];
  });
  const actions = session.can("manage")
    ? [h("a", { href: "#/access/schedule/new", class: "button-link primary" }, "New schedule")]
    : [];
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
      { actions },
      table(["Name", "When", "Doors", "On holidays"], rows, {
        empty: "No schedule yet: nobody can open a door.",
        caption: "Schedules",
      }),
    ),
  );
}

/**
 * Loads what the mapping pickers offer.
 * @param {Api} api
 * @returns {Promise<Choices>}
 */
async function loadChoices(api) {
  // One list per read, in this order.
  const lists = /** @type {[Entity[], Entity[], Entity[], Entity[], Entity[]]} */ (
    await Promise.all([
      api.request("user.read", { user_id: 0 }),
      api.request("group.read", { group_id: 0 }),
      api.request("credential.read", { credential_id: 0 }),
      api.request("door.read", { door_id: 0 }),
      api.request("zone.read", { zone_id: 0 }),
    ].map((p) => p.then((d) => d.data ?? [])))
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
 * One editable timeframe row.
 * @param {Timeframe} frame
 * @param {(row: TimeframeRow) => void} onRemove
 * @param {boolean} disabled
 * @returns {TimeframeRow}
 */
function timeframeRow(frame, onRemove, disabled) {
  const day = select(
    { "aria-label": "Day", disabled },
    DAYS.map((d, i) => [i, d]),
    frame.day ?? 0,
  );
  const start = h("input", {
    type: "time",
    "aria-label": "Start",
    value: timeInputValue(frame["start-time"] ?? "8:0"),
    disabled,
    required: true,
  });
  const end = h("input", {
    type: "time",
    "aria-label": "End",
    value: timeInputValue(frame["end-time"] ?? "18:0"),
    disabled,
    required: true,
  });
  const remove = disabled
    ? null
    : h("button", { type: "button", class: "link", "aria-label": "Remove timeframe" }, "Remove");
  const row = /** @type {TimeframeRow} */ (h(
    "tr",
    null,
    h("td", null, day),
    h("td", null, start),
    h("td", null, end),
    h("td", null, remove),
  ));
  remove?.addEventListener("click", () => onRemove(row));
  row.frame = () => ({ day: Number(day.value), "start-time": start.value, "end-time": end.value });
  return row;
}

/**
 * The weekly timeframes table with its add buttons.
 * @param {Timeframe[] | undefined} frames
 * @param {boolean} disabled
 * @returns {{ element: HTMLFieldSetElement, value: () => Timeframe[] }}
 */
function timeframesEditor(frames, disabled) {
  const body = h("tbody");
  const empty = h("p", { class: "empty" }, "No timeframe: this schedule never grants access.");
  const update = () => {
    empty.hidden = body.children.length > 0;
  };
  const add = (/** @type {Timeframe} */ frame) => {
    body.append(timeframeRow(frame, (row) => {
      row.remove();
      update();
    }, disabled));
    update();
  };
  for (const f of frames ?? []) add(f);
  const buttons = disabled ? null : h(
    "div",
    { class: "button-row" },
    h(
      "button",
      { type: "button", class: "secondary small", onclick: () => add({}) },
      "Add timeframe",
    ),
    h("button", {
      type: "button",
      class: "secondary small",
      onclick: () =>
        [0, 1, 2, 3, 4].forEach((day) => add({ day, "start-time": "8:0", "end-time": "18:0" })),
    }, "Add Mon–Fri 08:00–18:00"),
    h("button", {
      type: "button",
      class: "secondary small",
      onclick: () =>
        [0, 1, 2, 3, 4, 5, 6].forEach((day) =>
          add({ day, "start-time": "0:0", "end-time": "23:59" })
        ),
    }, "Add every day, all day"),
  );
  update();
  const element = h(
    "fieldset",
    { class: "wide", dataset: { keys: " timeframes " } },
    h("legend", null, "Weekly timeframes"),
    h(
      "p",
      { class: "hint" },
      "Start and end are inclusive; an end before the start runs past midnight.",
    ),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "timeframes" },
        h(
          "thead",
          null,
          h("tr", null, ["Day", "Start", "End", ""].map((x) => h("th", { scope: "col" }, x))),
        ),
        body,
      ),
    ),
    empty,
    buttons,
    h("p", { class: "field-error" }),
  );
  return {
    element,
    value: () => [...body.children].map((row) => /** @type {TimeframeRow} */ (row).frame()),
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
function mappingEditor(mapping, choices, disabled, onRemove) {
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

/**
 * A schedule's editor (a new one when `scheduleId` is null).
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @param {number | null} scheduleId
 */
async function scheduleEditor(view, ctx, scheduleId) {
  const { api, session } = ctx;
  const crumbs = h("p", { class: "crumbs" }, h("a", { href: "#/access" }, "← Schedules"));
  replace(view, crumbs, loading());
  /** @type {any} */
  let doc = null;
  /** @type {Choices} */
  let choices;
  try {
    [doc, choices] = await Promise.all([
      scheduleId === null ? null : api.request("schedule.read", { schedule_id: scheduleId }),
      loadChoices(api),
    ]);
  } catch (error) {
    return replace(view, crumbs, failure(error));
  }
  if (!ctx.alive()) return;
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
      }
      await api.request("schedule.update", { schedule_id: id, attributes, mapping });
      toast(scheduleId === null ? "Schedule created" : "Schedule saved");
      if (scheduleId === null) ctx.navigate(`access/schedule/${id}`);
    }, (error) => showFormError(form, error));
  });
  const remove = schedule && !disabled
    ? h("button", { type: "button", class: "danger small" }, "Delete schedule")
    : null;
  remove?.addEventListener("click", async () => {
    const ok = await confirmDialog({
      title: `Delete schedule ${a.name}?`,
      message: "Everyone it lets through loses that access immediately.",
      confirmLabel: "Delete",
      danger: true,
    });
    if (!ok) return;
    await busy(remove, async () => {
      await api.request("schedule.delete", { schedule_id: scheduleId });
      toast("Schedule deleted");
      ctx.navigate("access");
    });
  });
  replace(
    view,
    crumbs,
    h("h1", null, schedule ? `Schedule ${a.name}` : "New schedule"),
    card("Schedule", { actions: remove ? [remove] : [] }, form),
  );
  if (schedule === null) name.focus();
}

/**
 * The holiday list and the form that adds one.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
async function holidays(view, ctx) {
  const { api, session } = ctx;
  replace(view, header("holidays"), loading());
  /** @type {Entity[]} */
  let list;
  try {
    list = (await api.request("holiday.read", { holiday_id: 0 })).data ?? [];
  } catch (error) {
    return replace(view, header("holidays"), failure(error));
  }
  const canWrite = session.can("manage");
  list.sort((x, y) => x.attributes.date.localeCompare(y.attributes.date));
  const rows = list.map((item) => {
    const a = item.attributes;
    const remove = canWrite
      ? h("button", {
        type: "button",
        class: "link",
        "aria-label": `Delete holiday ${a.name || a.date}`,
      }, "Delete")
      : null;
    remove?.addEventListener("click", async () => {
      const ok = await confirmDialog({
        title: `Delete holiday ${a.name || a.date}?`,
        message: "Schedules grant access on that day again.",
        confirmLabel: "Delete",
        danger: true,
      });
      if (!ok) return;
      await busy(remove, async () => {
        await api.request("holiday.delete", { holiday_id: Number(item.id) });
        toast("Holiday deleted");
        ctx.navigate("access/holidays");
      });
    });
    return [
      h("span", { class: "mono" }, a.recurring ? a.date.slice(5) : a.date),
      a.name || h("span", { class: "muted" }, "—"),
      a.recurring ? "Every year" : "Once",
      remove,
    ];
  });
  /** @type {HTMLFormElement | null} */
  let form = null;
  if (canWrite) {
    const date = h("input", { type: "date", name: "date", required: true });
    const name = h("input", { name: "name", placeholder: "e.g. New Year's Day" });
    const recurring = checkbox("Every year", { name: "recurring" });
    const submit = h("button", { type: "submit", class: "primary" }, "Add holiday");
    const holidayForm = h(
      "form",
      { class: "form", "aria-label": "New holiday", novalidate: true },
      h("h3", null, "Add a holiday"),
      field("Date", date),
      field("Name", name),
      recurring,
      h("div", { class: "actions" }, submit),
    );
    form = holidayForm;
    holidayForm.addEventListener("submit", (event) => {
      event.preventDefault();
      clearFormErrors(holidayForm);
      if (!date.value) {
        // field() gives the date input its error paragraph.
        /** @type {HTMLElement} */ (holidayForm.querySelector(`[data-keys~="date"] .field-error`))
          .textContent = "Pick a date.";
        date.setAttribute("aria-invalid", "true");
        date.focus();
        return;
      }
      busy(submit, async () => {
        await api.request("holiday.create", {
          attributes: {
            date: date.value,
            name: name.value,
            recurring: recurring.querySelector("input")?.checked ?? false,
          },
        });
        toast("Holiday added");
        ctx.navigate("access/holidays");
      }, (error) => showFormError(holidayForm, error));
    });
  }
  replace(
    view,
    header("holidays"),
    h(
      "p",
      { class: "muted" },
      'On a holiday, schedules do not grant access unless they are marked "also applies on holidays".',
    ),
    card(
      `Holidays (${list.length})`,
      {},
      table(["Date", "Name", "Repeats", ""], rows, { empty: "No holiday.", caption: "Holidays" }),
      form,
    ),
  );
}
