// @ts-check
// Dashboard: every door with its live state and controls, the live event
// feed, and (with simulated hardware) a panel to play cards, PINs and inputs.

import {
  busy,
  card,
  confirmDialog,
  errorContent,
  failure,
  field,
  h,
  loading,
  replace,
  select,
  toast,
} from "../dom.js";
import { describeEvent, DOOR_MODES, formatTime } from "../format.js";
import { normalizeHex } from "../wiegand.js";

/** @typedef {import("../types.js").Entity} Entity */
/** @typedef {import("../types.js").PageContext} PageContext */
/** @typedef {import("../api.js").Api} Api */

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
 */

/** What the dashboard loads once. @typedef {{ doors: DashboardDoor[], users: Map<number, string> }} World */

/** A feed entry from the audit log. @typedef {{ category: string, content: Record<string, any>, timestampMs: number }} FeedEvent */

const FEED_LIMIT = 100;
/** @type {Record<string, string>} */
const AUDIT_KINDS = {
  "audit-auth-event": "access",
  "audit-door-event": "door",
  "audit-alarm-event": "alarm",
};

/**
 * Loads the doors, their access points' readers and the user names.
 * @param {Api} api
 * @param {import("../session.js").Session} session
 * @returns {Promise<World>}
 */
async function loadWorld(api, session) {
  const [doorDoc, apDoc, userDoc] = await Promise.all([
    api.request("door.read", { door_id: 0 }),
    api.request("access_point.read", { access_point_id: 0 }),
    api.request("user.read", { user_id: 0 }),
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
  /** @type {Map<number, string>} */
  const users = new Map(
    (userDoc.data ?? []).map((/** @type {Entity} */ u) => [Number(u.id), u.attributes.username]),
  );
  void session;
  return { doors, users };
}

/**
 * Locked/unlocked, open/closed, alarms and "not wired" badges.
 * @param {DoorStatus | undefined} status
 * @returns {HTMLSpanElement[]}
 */
function stateBadges(status) {
  if (!status) return [h("span", { class: "badge" }, "Unknown")];
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
  /** @type {HTMLElement[]} */
  const controls = [];
  if (ctx.session.can("doorControl")) {
    // The controller refuses remote opening in locked and lockdown modes.
    const refused = mode === "locked" || mode === "lockdown";
    const open = h(
      "button",
      {
        type: "button",
        class: "primary",
        "aria-label": `Open ${door.alias} momentarily`,
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
      h("span", { class: `badge mode mode-${mode}` }, modeLabel),
    ),
    h("div", { class: "door-state" }, stateBadges(status)),
    controls,
  );
}

/**
 * One line of the live feed.
 * @param {string} category "access" | "door" | "alarm"
 * @param {Record<string, any>} content
 * @param {number} timestampMs
 * @param {Map<number, string>} users
 * @returns {HTMLLIElement}
 */
function feedItem(category, content, timestampMs, users) {
  const e = describeEvent(category, content, users);
  return h(
    "li",
    { class: `event ${e.kind}` },
    h("span", { class: "dot", "aria-hidden": "true" }),
    h(
      "div",
      { class: "event-text" },
      h("strong", null, e.title),
      e.detail ? h("span", { class: "muted" }, e.detail) : null,
    ),
    h("time", { datetime: new Date(timestampMs).toISOString() }, formatTime(timestampMs)),
  );
}

/**
 * Recent access, door and alarm rows from the audit log (newest first).
 * @param {Api} api
 * @returns {Promise<FeedEvent[]>}
 */
async function recentEvents(api) {
  const doc = await api.request("audit.get", {
    p: 1,
    ps: 25,
    enabled_type: [
      "Leosac::Audit::AuthEvent",
      "Leosac::Audit::DoorEvent",
      "Leosac::Audit::AlarmEvent",
    ],
  });
  /** @type {FeedEvent[]} */
  const events = [];
  for (const row of /** @type {Entity[]} */ (doc.data ?? [])) {
    const category = AUDIT_KINDS[row.type ?? ""];
    /** @type {Record<string, any>} */
    const content = {};
    for (const [key, value] of Object.entries(row.attributes)) {
      content[key.replaceAll("-", "_")] = value;
    }
    if (!category || (content.event === undefined && content.granted === undefined)) continue;
    content.audit_id = Number(row.id);
    events.push({ category, content, timestampMs: row.attributes.timestamp * 1000 });
  }
  return events;
}

/**
 * The simulated-hardware panel: cards, PINs and door inputs.
 * @param {PageContext} ctx
 * @param {DashboardDoor[]} doors
 * @returns {HTMLElement}
 */
function simulatePanel(ctx, doors) {
  const { api } = ctx;
  const result = h("div", { class: "sim-result muted", role: "status", "aria-live": "polite" });
  const show = (/** @type {string} */ text) => {
    result.textContent = text;
  };
  /** A refused simulation, with what to check when the reader is not running. */
  const showError = (/** @type {unknown} */ error) => {
    const message = /** @type {{ message?: string } | null | undefined} */ (error)?.message;
    const notListening = /not listening/.test(message ?? "");
    replace(
      result,
      h("p", null, errorContent(error)),
      notListening
        ? h(
          "p",
          { class: "hint" },
          "The controller could not open this reader's lines. Check its D0 and D1 lines in ",
          ctx.session.can("hardwareRead")
            ? h("a", { href: "#/doors/devices" }, "Doors & readers → Devices")
            : "Doors & readers → Devices",
          ": each line can serve only one role (reader, strike, contact, exit button or LED).",
        )
        : null,
    );
  };
  const doorSelect = select(
    { name: "door", id: "sim-door" },
    doors.map((d) => [d.id, d.alias]),
    doors[0]?.id,
  );
  const readerNote = h("p", { class: "hint" });
  const chosen = () => doors.find((d) => d.id === Number(doorSelect.value));

  const cardMode = select({ name: "card-format", id: "sim-card-format" }, [
    ["H10301", "H10301 (26-bit)"],
    ["raw", "Raw card id"],
  ], "H10301");
  const facility = h("input", {
    name: "facility",
    id: "sim-facility",
    type: "number",
    min: "0",
    max: "255",
    value: "12",
  });
  const number = h("input", {
    name: "number",
    id: "sim-number",
    type: "number",
    min: "0",
    max: "65535",
    value: "3456",
  });
  const hex = h("input", { name: "card-id", id: "sim-card-id", placeholder: "e.g. 0c:1b:00:40" });
  const bits = h("input", {
    name: "nb-bits",
    id: "sim-nb-bits",
    type: "number",
    min: "1",
    max: "128",
    value: "26",
  });
  const h10301Fields = h(
    "div",
    { class: "row" },
    field("Facility", facility),
    field("Card number", number),
  );
  const rawFields = h(
    "div",
    { class: "row", hidden: true },
    field("Card id", hex),
    field("Bits", bits),
  );
  cardMode.addEventListener("change", () => {
    h10301Fields.hidden = cardMode.value !== "H10301";
    rawFields.hidden = cardMode.value === "H10301";
  });
  const presentCard = h("button", { type: "submit", class: "primary" }, "Present card");
  const cardForm = h(
    "form",
    { class: "sim-block", "aria-label": "Present a card" },
    h("h3", null, "Present a card"),
    field("Card format", cardMode),
    h10301Fields,
    rawFields,
    presentCard,
  );
  cardForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const door = chosen();
    if (!door?.reader) return show("This door has no reader: set one on its access point.");
    const content = { action: "card", reader: door.reader };
    if (cardMode.value === "H10301") {
      Object.assign(content, {
        format: "H10301",
        facility: Number(facility.value),
        number: Number(number.value),
      });
    } else {
      const cardId = normalizeHex(hex.value);
      if (cardId === null) return show("Card id: type hexadecimal bytes, e.g. 0c:1b:00:40.");
      Object.assign(content, { card_id: cardId, nb_bits: Number(bits.value) });
    }
    busy(presentCard, async () => {
      show("Sending the card…");
      const reply = await api.request("hardware.simulate", content);
      show(
        `Card presented at ${door.alias} (${reply.bits} bits). The decision appears in the feed.`,
      );
    }, showError);
  });

  const pin = h("input", {
    name: "pin",
    id: "sim-pin",
    inputmode: "numeric",
    autocomplete: "off",
    pattern: "[0-9]*",
  });
  const sendPin = h("button", { type: "submit", class: "primary" }, "Type PIN");
  const pinForm = h(
    "form",
    { class: "sim-block", "aria-label": "Type a PIN" },
    h("h3", null, "Type a PIN"),
    field("PIN digits", pin),
    sendPin,
  );
  pinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const door = chosen();
    if (!door?.reader) return show("This door has no reader: set one on its access point.");
    if (!/^\d{1,32}$/.test(pin.value)) return show("A PIN is digits only.");
    busy(sendPin, async () => {
      await api.request("hardware.simulate", {
        action: "pin",
        reader: door.reader,
        pin: pin.value,
      });
      pin.value = "";
      show(`PIN typed at ${door.alias}. The decision appears in the feed.`);
    }, showError);
  });

  const input = (/** @type {string} */ name, /** @type {boolean} */ value) =>
    api.request("hardware.simulate", {
      action: "input",
      door: Number(doorSelect.value),
      input: name,
      value,
    });
  const rex = h("button", { type: "button", class: "secondary" }, "Press REX");
  rex.addEventListener("click", () =>
    busy(rex, async () => {
      await input("rex", true);
      await new Promise((r) => setTimeout(r, 300));
      await input("rex", false);
      show(`Request-to-exit pressed at ${chosen()?.alias}.`);
    }, showError));
  const contactOpen = h("button", { type: "button", class: "secondary" }, "Open door contact");
  const contactClose = h("button", { type: "button", class: "secondary" }, "Close door contact");
  /** @type {[HTMLButtonElement, boolean][]} */
  const contactButtons = [[contactOpen, true], [contactClose, false]];
  for (const [button, value] of contactButtons) {
    button.addEventListener("click", () =>
      busy(button, async () => {
        await input("contact", value);
        show(`Door contact of ${chosen()?.alias} ${value ? "opened" : "closed"}.`);
      }, showError));
  }
  const inputs = h(
    "div",
    { class: "sim-block", role: "group", "aria-label": "Door inputs" },
    h("h3", null, "Door inputs"),
    h("div", { class: "button-row" }, rex, contactOpen, contactClose),
  );

  const updateReader = () => {
    const door = chosen();
    readerNote.textContent = door?.reader
      ? "Card and PIN go to this door's reader."
      : "This door has no reader: cards and PINs cannot be simulated here.";
    presentCard.disabled = !door?.reader;
    sendPin.disabled = !door?.reader;
  };
  doorSelect.addEventListener("change", updateReader);
  updateReader();

  return card(
    "Simulate hardware",
    { id: "simulate" },
    h(
      "p",
      { class: "muted" },
      "The controller runs on simulated hardware: these play real Wiegand pulses and door inputs.",
    ),
    field("Door", doorSelect, { hint: readerNote }),
    h("div", { class: "sim-grid" }, cardForm, pinForm, inputs),
    result,
  );
}

/**
 * Renders the dashboard into `view`; returns its cleanup.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @returns {Promise<import("../types.js").Cleanup>}
 */
export async function render(view, ctx) {
  const { api, session } = ctx;
  replace(view, h("h1", null, "Dashboard"), loading());
  /** @type {World} */
  let world;
  try {
    world = await loadWorld(api, session);
  } catch (error) {
    replace(view, h("h1", null, "Dashboard"), failure(error));
    return;
  }
  if (!ctx.alive()) return;

  const grid = h("div", { class: "door-grid", id: "doors" });
  /** @type {Map<number, DoorStatus>} */
  let statuses = new Map();
  const drawDoors = () => {
    if (world.doors.length === 0) {
      const step = (
        /** @type {string} */ href,
        /** @type {string} */ text,
        /** @type {string} */ detail,
      ) => h("li", null, h("a", { href }, text), h("span", { class: "muted" }, ` — ${detail}`));
      replace(
        grid,
        h("p", { class: "empty" }, "No door yet."),
        session.can("manage")
          ? h(
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
          )
          : null,
      );
      return;
    }
    replace(grid, world.doors.map((d) => doorCard(d, statuses.get(d.id), ctx, scheduleRefresh)));
  };
  const refreshStatus = async () => {
    try {
      const reply = await api.request("door.status", { door_id: 0 });
      statuses = new Map(
        reply.doors.map((/** @type {DoorStatus} */ s) => [Number(s.door_id), s]),
      );
      if (ctx.alive()) drawDoors();
    } catch (error) {
      if (ctx.alive()) toast(error, "error");
    }
  };
  /** @type {number | undefined} */
  let refreshTimer = undefined;
  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshStatus, 150);
  }

  const feed = h("ol", { class: "feed", id: "event-feed", "aria-live": "polite" });
  const feedEmpty = h("p", { class: "empty", id: "feed-empty" }, "Waiting for events…");
  /** @type {Set<number>} */
  const seen = new Set();
  /**
   * @param {string} category
   * @param {Record<string, any>} content
   * @param {number} timestampMs
   */
  const addEvent = (category, content, timestampMs, prepend = true) => {
    if (content.audit_id !== undefined && content.audit_id >= 0) {
      if (seen.has(content.audit_id)) return;
      seen.add(content.audit_id);
    }
    feedEmpty.hidden = true;
    const item = feedItem(category, content, timestampMs, world.users);
    if (prepend) feed.prepend(item);
    else feed.append(item);
    while (feed.children.length > FEED_LIMIT) feed.lastElementChild?.remove();
    const userId = content.user;
    if (typeof userId === "number" && !world.users.has(userId)) {
      // Someone created since the page loaded: name them once known.
      api.request("user.read", { user_id: userId }).then((doc) => {
        world.users.set(userId, doc.data.attributes.username);
        item.replaceWith(feedItem(category, content, timestampMs, world.users));
      }).catch(() => {});
    }
  };
  const live = h("span", { class: "live-dot", id: "live-status" }, "Connecting…");

  const subscribe = async () => {
    try {
      await api.request("events.subscribe", {});
      live.textContent = "Live";
      live.classList.add("on");
    } catch (error) {
      live.textContent = "Not live";
      live.classList.remove("on");
      toast(error, "error");
    }
  };
  const offs = ["access", "door", "alarm"].map((category) =>
    api.on(`event.${category}`, (content) => {
      addEvent(category, content, content.timestamp ?? Date.now());
      scheduleRefresh();
    })
  );
  offs.push(api.onStatus((state) => {
    if (state !== "open") {
      live.textContent = "Offline";
      live.classList.remove("on");
    }
  }));
  offs.push(session.onChange(() => {
    if (session.user !== null) {
      subscribe();
      scheduleRefresh();
    }
  }));

  replace(
    view,
    h("h1", null, "Dashboard"),
    h(
      "div",
      { class: "dashboard" },
      h(
        "div",
        { class: "dash-main" },
        card("Doors", { id: "doors-card" }, grid),
        session.can("simulate") && world.doors.length > 0 ? simulatePanel(ctx, world.doors) : null,
      ),
      card(
        "Live events",
        { id: "events", actions: [live] },
        feedEmpty,
        feed,
        h("p", { class: "small" }, h("a", { href: "#/audit" }, "Full audit log →")),
      ),
    ),
  );
  drawDoors();
  await Promise.all([refreshStatus(), subscribe()]);
  try {
    const recent = await recentEvents(api);
    if (ctx.alive()) {
      for (const e of recent) addEvent(e.category, e.content, e.timestampMs, false);
    }
  } catch {
    // The feed still shows live events.
  }
  const poll = setInterval(refreshStatus, 15_000);
  return () => {
    clearInterval(poll);
    clearTimeout(refreshTimer);
    for (const off of offs) off();
    api.request("events.unsubscribe", {}).catch(() => {});
  };
}
