// @ts-check
// The dashboard's live event feed: access, door and alarm events as they
// come, after the recent ones from the audit log.

import { card, h, toast } from "../../dom.js";
import { describeEvent, formatTime } from "../../format.js";

/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../../api.js").Api} Api */

/** A feed entry from the audit log. @typedef {{ category: string, content: Record<string, any>, timestampMs: number }} FeedEvent */

const FEED_LIMIT = 100;
/** @type {Record<string, string>} */
const AUDIT_KINDS = {
  "audit-auth-event": "access",
  "audit-door-event": "door",
  "audit-alarm-event": "alarm",
};

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
  // Keyset mode (after ""): no count of the whole log, so fast at millions of rows.
  const doc = await api.request("audit.get", {
    after: "",
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
 * The "Live events" card and what feeds it.
 * @param {Api} api
 * @param {Map<number, string>} users user names by id (completed as events name new users)
 */
export function liveFeed(api, users) {
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
    const item = feedItem(category, content, timestampMs, users);
    if (prepend) feed.prepend(item);
    else feed.append(item);
    while (feed.children.length > FEED_LIMIT) feed.lastElementChild?.remove();
    const userId = content.user;
    if (typeof userId === "number" && !users.has(userId)) {
      // Someone created since the page loaded: name them once known.
      api.request("user.read", { user_id: userId }).then((doc) => {
        users.set(userId, doc.data.attributes.username);
        item.replaceWith(feedItem(category, content, timestampMs, users));
      }).catch(() => {});
    }
  };
  const live = h("span", { class: "live-dot", id: "live-status" }, "Connecting…");
  return {
    card: card(
      "Live events",
      { id: "events", actions: [live] },
      feedEmpty,
      feed,
      h("p", { class: "small" }, h("a", { href: "#/audit" }, "Full audit log →")),
    ),
    addEvent,
    /** Subscribes to the events; the live badge says whether it worked. */
    subscribe: async () => {
      try {
        await api.request("events.subscribe", {});
        live.textContent = "Live";
        live.classList.add("on");
      } catch (error) {
        live.textContent = "Not live";
        live.classList.remove("on");
        toast(error, "error");
      }
    },
    /** The connection is down. */
    offline: () => {
      live.textContent = "Offline";
      live.classList.remove("on");
    },
    /**
     * Adds the recent events from the audit log, after the live ones.
     * @param {() => boolean} alive
     */
    addRecent: async (alive) => {
      try {
        const recent = await recentEvents(api);
        if (alive()) {
          for (const e of recent) addEvent(e.category, e.content, e.timestampMs, false);
        }
      } catch {
        // The feed still shows live events.
      }
    },
  };
}
