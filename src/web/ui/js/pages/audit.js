// @ts-check
// Audit log: every recorded change, login, access decision and alarm, paged
// by keyset and filtered by type, door, person, card and time range (the
// server filters: a site may hold ten million rows). In a site, the scope
// is this controller's log or the whole site's events (audit/site_scope.js).

import { failure, field, h, loading, replace, select, table } from "../dom.js";
import { describeEvent, formatDateTime } from "../format.js";
import { searchBox, searches, searchField } from "../search_picker.js";
import { siteScope } from "./audit/site_scope.js";
import { readAll } from "./common.js";

/** @typedef {import("../types.js").Entity} Entity */
/** @typedef {import("../types.js").PageContext} PageContext */

/** The default view: every kind except the (numerous) API call rows. */
const EVENTS = "events";

/** @type {ReadonlyArray<readonly [string, string]>} */
const TYPES = [
  [EVENTS, "Everything but API calls"],
  ["", "Everything"],
  ["Leosac::Audit::AuthEvent", "Access decisions"],
  ["Leosac::Audit::DoorEvent", "Doors"],
  ["Leosac::Audit::AlarmEvent", "Alarms"],
  ["Leosac::Audit::UserEvent", "Users and logins"],
  ["Leosac::Audit::CredentialEvent", "Cards and PINs"],
  ["Leosac::Audit::GroupEvent", "Groups"],
  ["Leosac::Audit::UserGroupMembershipEvent", "Group memberships"],
  ["Leosac::Audit::ScheduleEvent", "Schedules"],
  ["Leosac::Audit::HolidayEvent", "Holidays"],
  ["Leosac::Audit::ZoneEvent", "Zones"],
  ["Leosac::Audit::AccessPointEvent", "Access points"],
  ["Leosac::Audit::DeviceEvent", "Devices"],
  ["Leosac::Audit::WSAPICall", "API calls"],
];

/** Badge label and class per audit row type. @type {Record<string, readonly [string, string]>} */
const TYPE_LABELS = {
  "audit-auth-event": ["Access", ""],
  "audit-door-event": ["Door", ""],
  "audit-alarm-event": ["Alarm", "bad"],
  "audit-user-event": ["User", ""],
  "audit-credential-event": ["Credential", ""],
  "audit-group-event": ["Group", ""],
  "audit-user-group-membership-event": ["Membership", ""],
  "audit-schedule-event": ["Schedule", ""],
  "audit-holiday-event": ["Holiday", ""],
  "audit-zone-event": ["Zone", ""],
  "audit-access-point-event": ["Access point", ""],
  "audit-device-event": ["Device", ""],
  "audit-wsapicall-event": ["API call", ""],
  "audit-update-event": ["Update", ""],
};

/**
 * The row's type as a coloured badge.
 * @param {Entity} row
 * @returns {HTMLSpanElement}
 */
function typeBadge(row) {
  let [label, kind] = TYPE_LABELS[row.type ?? ""] ?? [row.type, ""];
  if (row.type === "audit-auth-event") kind = row.attributes.granted ? "ok" : "bad";
  if (row.type === "audit-wsapicall-event" && row.attributes["status-code"]) kind = "warn";
  return h("span", { class: `badge ${kind}` }, label);
}

/** @type {Record<string, string>} */
const LIVE_KINDS = {
  "audit-auth-event": "access",
  "audit-door-event": "door",
  "audit-alarm-event": "alarm",
};

/**
 * What happened, in words: decisions and door events as on the dashboard, else the server's text.
 * @param {Entity} row
 * @param {Map<number, string>} userNames
 * @returns {import("../dom.js").Child}
 */
function whatHappened(row, userNames) {
  const category = LIVE_KINDS[row.type ?? ""];
  /** @type {Record<string, any>} */
  const content = {};
  for (const [key, value] of Object.entries(row.attributes)) {
    content[key.replaceAll("-", "_")] = value;
  }
  if (!category || (content.event === undefined && content.granted === undefined)) {
    return row.attributes.description;
  }
  const e = describeEvent(category, content, userNames);
  return [
    h("span", null, e.title),
    e.detail ? h("span", { class: "muted" }, ` · ${e.detail}`) : null,
  ];
}

/**
 * The before/after data and the API call's status, folded; null when there is none.
 * @param {Entity} row
 * @returns {HTMLDetailsElement | null}
 */
function details(row) {
  const a = row.attributes;
  /** @type {HTMLElement[]} */
  const parts = [];
  if (a.before) parts.push(h("p", { class: "small" }, "Before"), h("pre", null, a.before));
  if (a.after) parts.push(h("p", { class: "small" }, "After"), h("pre", null, a.after));
  if (row.type === "audit-wsapicall-event") {
    parts.push(
      h(
        "pre",
        null,
        `${a.method}  status ${a["status-code"]} ${a["status-string"] ?? ""}\nfrom ${
          a["source-endpoint"] ?? ""
        }`,
      ),
    );
  }
  if (parts.length === 0) return null;
  return h("details", { class: "audit-data" }, h("summary", null, "Details"), parts);
}

/**
 * Renders the audit log into `view`.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @returns {Promise<void>}
 */
export async function render(view, ctx) {
  const { api } = ctx;
  /** Authors' usernames, read as their rows appear (a site may have a million users). @type {Map<number, string>} */
  const users = new Map();
  /** The keyset cursor of each page seen: page N starts after cursors[N - 1] ("" is the newest). */
  let cursors = [""];
  const state = { page: 1, pageSize: 50, type: EVENTS };
  const filter = select({ id: "audit-type", name: "type" }, TYPES, EVENTS);
  const size = select(
    { id: "audit-size", name: "size" },
    [[25, "25"], [50, "50"], [100, "100"]],
    50,
  );
  const restart = () => {
    state.page = 1;
    cursors = [""];
    load();
  };
  const filters = auditFilters(ctx, restart);
  const scope = siteScope(ctx, restart);
  const body = h("div");
  const prev = h("button", { type: "button", class: "secondary small" }, "← Newer");
  const next = h("button", { type: "button", class: "secondary small" }, "Older →");
  const pageInfo = h("span", { class: "muted small", "aria-live": "polite" });
  const load = async () => {
    replace(body, loading());
    const whole = scope.whole();
    let doc;
    try {
      doc = await api.request("audit.get", {
        after: cursors[state.page - 1] ?? "",
        ps: state.pageSize,
        ...filters.value(),
        ...scope.value(),
        ...(state.type === EVENTS
          ? {
            enabled_type: TYPES.map(([kind]) => kind).filter((kind) =>
              kind.startsWith("Leosac::") && kind !== "Leosac::Audit::WSAPICall"
            ),
          }
          : state.type
          ? { enabled_type: [state.type] }
          : {}),
      });
    } catch (error) {
      replace(body, failure(error));
      return;
    }
    const authors = new Set(
      (doc.data ?? []).map((/** @type {Entity} */ row) => row.relationships?.author?.data?.id)
        .filter((/** @type {unknown} */ id) => id !== undefined && !users.has(Number(id))),
    );
    await Promise.all([...authors].map((id) =>
      api.request("user.read", { user_id: Number(id) })
        .then((d) => users.set(Number(id), d.data.attributes.username))
        .catch(() => {/* shown as its id */})
    ));
    if (!ctx.alive()) return;
    cursors = cursors.slice(0, state.page);
    if (doc.meta?.next) cursors.push(doc.meta.next);
    pageInfo.textContent = `Page ${state.page}${doc.meta?.next ? "" : " (oldest)"}`;
    prev.disabled = state.page <= 1;
    next.disabled = !doc.meta?.next;
    const rows = (doc.data ?? []).map((/** @type {Entity & { controller?: string }} */ row) => {
      const authorId = row.relationships?.author?.data?.id;
      const cells = [
        h(
          "time",
          {
            class: "mono small",
            datetime: new Date(row.attributes.timestamp * 1000).toISOString(),
          },
          formatDateTime(row.attributes.timestamp * 1000),
        ),
        typeBadge(row),
        h("div", { title: row.attributes.description }, whatHappened(row, users), details(row)),
        authorId === undefined
          ? h("span", { class: "muted" }, "system")
          : users.get(Number(authorId)) ?? `#${authorId}`,
      ];
      if (whole) cells.push(row.controller ?? "");
      return cells;
    });
    replace(
      body,
      table(["Time", "Type", "What happened", "By", ...(whole ? ["Controller"] : [])], rows, {
        empty: "Nothing recorded for this filter.",
        caption: "Audit log",
      }),
    );
  };
  filter.addEventListener("change", () => {
    state.type = filter.value;
    state.page = 1;
    load();
  });
  size.addEventListener("change", () => {
    state.pageSize = Number(size.value);
    state.page = 1;
    load();
  });
  prev.addEventListener("click", () => {
    state.page = Math.max(1, state.page - 1);
    load();
  });
  next.addEventListener("click", () => {
    state.page += 1;
    load();
  });
  replace(
    view,
    h("h1", null, "Audit log"),
    h(
      "section",
      { class: "card", "aria-label": "Audit log" },
      h(
        "div",
        { class: "toolbar" },
        scope.controls,
        h("span", { class: "toolbar-pair" }, h("label", { for: "audit-type" }, "Show"), filter),
        h("span", { class: "toolbar-pair" }, h("label", { for: "audit-size" }, "Per page"), size),
        h("span", { class: "spacer" }),
        refreshButton(load),
      ),
      filters.element,
      body,
      h("div", { class: "pager" }, prev, next, pageInfo),
    ),
  );
  await load();
}

/**
 * Unix seconds of a `datetime-local` value (local time), or undefined when empty.
 * @param {string} value
 * @returns {number | undefined}
 */
function unixSeconds(value) {
  const ms = value ? new Date(value).getTime() : NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

/**
 * The filters by door, person, card and time range: `value()` is what
 * `audit.get` takes (`door_id`, `user_id`, `credential_id`, `from`, `to`),
 * `changed` runs when one changes. Doors are few and listed; people and
 * cards are searched on the server.
 * @param {PageContext} ctx
 * @param {() => void} changed
 * @returns {{ element: HTMLFormElement, value: () => Record<string, number> }}
 */
function auditFilters(ctx, changed) {
  const search = searches(ctx.api);
  const door = select({ name: "door_id" }, [["", "Any door"]], "");
  readAll(ctx.api, "door").then((doors) =>
    door.append(
      ...doors.map((d) =>
        h("option", { value: String(d.id) }, d.attributes.alias || `Door #${d.id}`)
      ),
    )
  ).catch(() => {/* the filter offers "Any door" only */});
  /** @type {{ user: number | null, credential: number | null }} */
  const picked = { user: null, credential: null };
  /**
   * A search box whose choice filters; typing over a choice drops it.
   * @param {"user" | "credential"} key
   * @param {import("../search_picker.js").Search} find
   */
  const pickerOf = (key, find) => {
    const box = searchBox(find, {
      name: `${key}_id`,
      placeholder: "Anyone",
      onPick: (choice) => {
        picked[key] = choice.id;
        changed();
      },
    });
    box.input.addEventListener("input", () => {
      if (picked[key] === null) return;
      picked[key] = null;
      changed();
    });
    return box;
  };
  const user = pickerOf("user", search.users);
  const credential = pickerOf("credential", search.credentials);
  credential.input.placeholder = "Any card or PIN";
  const from = h("input", { type: "datetime-local", name: "from" });
  const to = h("input", { type: "datetime-local", name: "to" });
  for (const input of [door, from, to]) input.addEventListener("change", changed);
  const clear = h("button", { type: "button", class: "secondary small" }, "Clear filters");
  clear.addEventListener("click", () => {
    door.value = "";
    from.value = "";
    to.value = "";
    user.clear();
    credential.clear();
    picked.user = null;
    picked.credential = null;
    changed();
  });
  const element = h(
    "form",
    { class: "form audit-filters", "aria-label": "Audit filters", novalidate: true },
    field("Door", door),
    searchField("Person", user),
    searchField("Card or PIN", credential),
    field("From", from),
    field("Until", to, { hint: "Before this time" }),
    h("div", { class: "actions" }, clear),
  );
  element.addEventListener("submit", (event) => event.preventDefault());
  return {
    element,
    value: () => {
      /** @type {Record<string, number>} */
      const v = {};
      if (door.value) v.door_id = Number(door.value);
      if (picked.user !== null) v.user_id = picked.user;
      if (picked.credential !== null) v.credential_id = picked.credential;
      const since = unixSeconds(from.value);
      const until = unixSeconds(to.value);
      if (since !== undefined) v.from = since;
      if (until !== undefined) v.to = until;
      return v;
    },
  };
}

/**
 * A button that reloads the page.
 * @param {() => Promise<void>} load
 * @returns {HTMLButtonElement}
 */
function refreshButton(load) {
  return h("button", { type: "button", class: "secondary small", onclick: load }, "Refresh");
}
