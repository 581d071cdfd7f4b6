// @ts-check
// The dashboard's doors: each door's card with its live state and controls,
// the grid that keeps them current, and the set-up steps when there is none.
// In a site (docs/site.md) every door of the site is listed, each with its
// controller; a door whose controller is not reporting shows "Offline" and
// no controls.

import { busy, confirmDialog, h, replace, toast } from "../../dom.js";
import { DOOR_MODES, formatDateTime } from "../../format.js";

/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../../types.js").PageContext} PageContext */
/** @typedef {import("../../api.js").Api} Api */

/**
 * A door as the dashboard shows it; `reader` is its access point's reader.
 * @typedef {{ id: number, alias: string, reader: string | null }} DashboardDoor
 */

/**
 * A door's live state from `door.status`.
 * @typedef {object} DoorStatus
 * @property {number} door_id
 * @property {string} [mode]
 * @property {boolean} [locked]
 * @property {boolean} [open]
 * @property {string[]} [alarms]
 * @property {boolean} [wired]
 * @property {string} [controller] in a site: the controller the door is wired on
 * @property {boolean} [online] in a site: false when its controller is not reporting
 * @property {number | null} [updated_at] in a site, another controller's door: when its state was last published (Unix ms)
 */

/** What the dashboard loads once. @typedef {{ doors: DashboardDoor[], users: Map<number, string> }} World */

/**
 * Loads the doors and their access points' readers (user names are filled in as needed).
 * @param {Api} api
 * @returns {Promise<World>}
 */
export async function loadWorld(api) {
  const [doorDoc, apDoc] = await Promise.all([
    api.request("door.read", { door_id: 0 }),
    api.request("access_point.read", { access_point_id: 0 }),
  ]);
  const readers = new Map(
    (apDoc.data ?? []).map((
      /** @type {Entity} */ ap,
    ) => [Number(ap.id), ap.attributes.reader ?? null]),
  );
  /** @type {DashboardDoor[]} */
  const doors = (doorDoc.data ?? []).map((/** @type {Entity} */ d) => {
    const apId = d.relationships?.["access-point"]?.data?.id;
    return {
      id: Number(d.id),
      alias: d.attributes.alias || `Door #${d.id}`,
      reader: apId === undefined ? null : readers.get(Number(apId)) ?? null,
    };
  });
  // Names come with the feed's rows, or are read one user at a time (not all
  // users: a site may have a million).
  /** @type {Map<number, string>} */
  const users = new Map();
  return { doors, users };
}

/**
 * Locked/unlocked, open/closed, alarms and "not wired" badges.
 * @param {DoorStatus | undefined} status
 * @returns {HTMLSpanElement[]}
 */
function stateBadges(status) {
  if (!status) return [h("span", { class: "badge" }, "Unknown")];
  // Its controller is gone or cut off: the last state it published may be stale.
  if (status.online === false) {
    return [
      h("span", { class: "badge bad" }, "Offline"),
      h(
        "span",
        { class: "muted small" },
        typeof status.updated_at === "number"
          ? `Last heard ${formatDateTime(status.updated_at)}`
          : "Never heard from",
      ),
    ];
  }
  const badges = [
    h(
      "span",
      { class: `badge ${status.locked ? "locked" : "unlocked"}` },
      status.locked ? "Locked" : "Unlocked",
    ),
    h(
      "span",
      { class: `badge ${status.open ? "open" : "closed"}` },
      status.open ? "Open" : "Closed",
    ),
  ];
  for (const alarm of status.alarms ?? []) {
    badges.push(h("span", { class: "badge alarm" }, `Alarm: ${alarm.replaceAll("_", " ")}`));
  }
  if (status.wired === false) {
    badges.push(
      h(
        "span",
        { class: "badge muted", title: "No strike line configured or not loaded" },
        "Not wired",
      ),
    );
  }
  return badges;
}

/**
 * One door's card: its mode, state and (for door controllers) its controls.
 * @param {DashboardDoor} door
 * @param {DoorStatus | undefined} status
 * @param {PageContext} ctx
 * @param {() => void} refresh
 * @returns {HTMLElement}
 */
function doorCard(door, status, ctx, refresh) {
  const mode = status?.mode ?? "normal";
  const controller = status?.controller;
  /** @type {HTMLElement[]} */
  const controls = [];
  if (status?.online === false) {
    controls.push(
      h(
        "p",
        { class: "muted small" },
        `Controller ${
          controller ?? "?"
        } cannot be reached: this door cannot be opened or switched from here.`,
      ),
    );
  } else if (ctx.session.can("doorControl")) {
    // The controller refuses remote opening in locked and lockdown modes.
    const refused = mode === "locked" || mode === "lockdown";
    const open = h(
      "button",
      {
        type: "button",
        class: "primary",
        "aria-label": `Open door ${door.alias} momentarily`,
        disabled: refused,
        title: refused ? `Remote opening is refused in ${mode} mode` : null,
      },
      "Open door",
    );
    open.addEventListener("click", () =>
      busy(open, async () => {
        await ctx.api.request("door.open", { door_id: door.id });
        toast(`${door.alias} opened`);
        refresh();
      }));
    const modes = h(
      "div",
      { class: "segmented", role: "group", "aria-label": `Mode of ${door.alias}` },
      DOOR_MODES.map(([value, label, hint]) => {
        const button = h("button", {
          type: "button",
          class: value === "lockdown" ? "mode-lockdown" : "",
          "aria-pressed": String(value === mode),
          title: hint,
          dataset: { mode: value },
        }, label);
        button.addEventListener("click", async () => {
          if (value === mode) return;
          if (value === "lockdown") {
            const ok = await confirmDialog({
              title: `Lock down ${door.alias}?`,
              message:
                "Lockdown refuses every card, PIN and remote opening until the mode is changed back. The exit button (REX) still opens the door.",
              confirmLabel: "Lock down",
              danger: true,
            });
            if (!ok) return;
          }
          await busy(button, async () => {
            await ctx.api.request("door.set_mode", { door_id: door.id, mode: value });
            toast(`${door.alias}: mode ${label.toLowerCase()}`);
            refresh();
          });
        });
        return button;
      }),
    );
    controls.push(h("div", { class: "door-controls" }, open, modes));
  }
  const modeLabel = DOOR_MODES.find(([v]) => v === mode)?.[1] ?? mode;
  return h(
    "article",
    {
      class: `door-card${status?.alarms?.length ? " has-alarm" : ""}`,
      dataset: { doorId: String(door.id) },
      "aria-label": door.alias,
    },
    h(
      "div",
      { class: "door-head" },
      h("h3", null, door.alias),
      status?.online === false ? null : h("span", { class: `badge mode mode-${mode}` }, modeLabel),
    ),
    controller !== undefined && ctx.session.site !== null
      ? h(
        "p",
        { class: "door-controller muted small" },
        controller === ctx.session.site.controller
          ? `Controller ${controller} (this one)`
          : `Controller ${controller}`,
      )
      : null,
    h("div", { class: "door-state" }, stateBadges(status)),
    controls,
  );
}

/**
 * What to set up first, when there is no door yet (for managers).
 * @param {import("../../session.js").Session} session
 * @returns {HTMLElement | null}
 */
function setupSteps(session) {
  if (!session.can("manage")) return null;
  const step = (
    /** @type {string} */ href,
    /** @type {string} */ text,
    /** @type {string} */ detail,
  ) => h("li", null, h("a", { href }, text), h("span", { class: "muted" }, ` — ${detail}`));
  return h(
    "ol",
    { class: "setup-steps", "aria-label": "Setting up a door" },
    session.can("hardwareWrite")
      ? step(
        "#/doors/devices",
        "Devices",
        "GPIO lines (reader D0/D1, strike, contact, exit button) and a Wiegand reader",
      )
      : h(
        "li",
        null,
        "Devices",
        h("span", { class: "muted" }, " — wired by an administrator"),
      ),
    step("#/doors/access-points", "Access point", "the reader, and what it asks for"),
    step("#/doors/door/new", "Door", "its access point, strike, contact and exit lines"),
    step("#/people", "People", "users, their cards and PINs, groups"),
    step("#/access", "Schedule", "when who may pass which door"),
  );
}

/**
 * The grid of door cards, redrawn from `door.status`.
 * @param {PageContext} ctx
 * @param {DashboardDoor[]} doors
 */
export function doorGrid(ctx, doors) {
  const grid = h("div", { class: "door-grid", id: "doors" });
  /** @type {Map<number, DoorStatus>} */
  let statuses = new Map();
  const draw = () => {
    if (doors.length === 0) {
      replace(grid, h("p", { class: "empty" }, "No door yet."), setupSteps(ctx.session));
      return;
    }
    replace(grid, doors.map((d) => doorCard(d, statuses.get(d.id), ctx, scheduleRefresh)));
  };
  const refreshStatus = async () => {
    try {
      const reply = await ctx.api.request("door.status", { door_id: 0 });
      statuses = new Map(
        reply.doors.map((/** @type {DoorStatus} */ s) => [Number(s.door_id), s]),
      );
      if (ctx.alive()) draw();
    } catch (error) {
      if (ctx.alive()) toast(error, "error");
    }
  };
  /** @type {number | undefined} */
  let refreshTimer = undefined;
  /** Reads the statuses soon (once for a burst of events). */
  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshStatus, 150);
  }
  return {
    grid,
    draw,
    refreshStatus,
    scheduleRefresh,
    /** Cancels a scheduled read. */
    stop: () => clearTimeout(refreshTimer),
  };
}
