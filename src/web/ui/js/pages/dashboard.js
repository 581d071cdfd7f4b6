// @ts-check
// Dashboard: every door with its live state and controls, the live event
// feed, (with simulated hardware) a panel to play cards, PINs and inputs, and
// in a site the site's line (connected or cut off). One module per part in
// dashboard/.

import { card, failure, h, loading, replace } from "../dom.js";
import { doorGrid, loadWorld } from "./dashboard/doors.js";
import { liveFeed } from "./dashboard/feed.js";
import { simulatePanel } from "./dashboard/simulate.js";
import { siteStatusLine } from "./dashboard/site_status.js";

/** @typedef {import("../types.js").PageContext} PageContext */

/**
 * Renders the dashboard into `view`; returns its cleanup.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @returns {Promise<import("../types.js").Cleanup>}
 */
export async function render(view, ctx) {
  const { api, session } = ctx;
  replace(view, h("h1", null, "Dashboard"), loading());
  /** @type {import("./dashboard/doors.js").World} */
  let world;
  try {
    world = await loadWorld(api);
  } catch (error) {
    replace(view, h("h1", null, "Dashboard"), failure(error));
    return;
  }
  if (!ctx.alive()) return;

  const doors = doorGrid(ctx, world.doors);
  const feed = liveFeed(api, world.users);
  const site = session.site === null ? null : siteStatusLine(session.site);
  /** Reads the site's state again (connected, lag) and redraws its line. */
  const refreshSite = async () => {
    if (site === null) return;
    try {
      const state = await session.refreshOverview();
      if (ctx.alive()) site.update(state);
    } catch {
      // Shown as it was; the connection banner tells when the controller is unreachable.
    }
  };
  const offs = ["access", "door", "alarm"].map((category) =>
    api.on(`event.${category}`, (content) => {
      feed.addEvent(category, content, content.timestamp ?? Date.now());
      doors.scheduleRefresh();
    })
  );
  offs.push(api.onStatus((state) => {
    if (state !== "open") feed.offline();
  }));
  offs.push(session.onChange(() => {
    if (session.user !== null) {
      feed.subscribe();
      doors.scheduleRefresh();
      refreshSite();
    }
  }));

  replace(
    view,
    h("h1", null, "Dashboard"),
    site?.element,
    h(
      "div",
      { class: "dashboard" },
      h(
        "div",
        { class: "dash-main" },
        card("Doors", { id: "doors-card" }, doors.grid),
        session.can("simulate") && world.doors.length > 0 ? simulatePanel(ctx, world.doors) : null,
      ),
      feed.card,
    ),
  );
  doors.draw();
  await Promise.all([doors.refreshStatus(), feed.subscribe()]);
  await feed.addRecent(ctx.alive);
  const poll = setInterval(() => {
    doors.refreshStatus();
    refreshSite();
  }, 15_000);
  return () => {
    clearInterval(poll);
    doors.stop();
    for (const off of offs) off();
    api.request("events.unsubscribe", {}).catch(() => {});
  };
}
