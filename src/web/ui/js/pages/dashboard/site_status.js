// @ts-check
// The dashboard's site line (docs/site.md): the site's name, this
// controller's, and whether it is connected. Cut off, it says what that
// means (doors decide from the local copy; site-wide changes are refused) in
// a warning box; connected, a quiet line with the lag behind the site's
// policy log. Nothing outside a site.

import { h, replace } from "../../dom.js";

/** @typedef {import("../../session.js").SiteStatus} SiteStatus */

/** A lag below this reads "up to date" (applying a change takes a moment). */
const UP_TO_DATE_MS = 1_000;

/**
 * A duration in words: "2.5 s", "3 min", "1.2 h".
 * @param {number} ms
 * @returns {string}
 */
function duration(ms) {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/**
 * How far this copy is behind the site's policy log, in words.
 * @param {number} ms `lag_ms`
 * @returns {string} "up to date" or "2.5 s behind"
 */
export function describeLag(ms) {
  if (!Number.isFinite(ms) || ms < UP_TO_DATE_MS) return "up to date";
  return `${duration(ms)} behind`;
}

/**
 * The site line: `update(site)` redraws it (after `session.refreshOverview()`).
 * @param {SiteStatus | null} initial
 * @returns {{ element: HTMLElement, update: (site: SiteStatus | null) => void }}
 */
export function siteStatusLine(initial) {
  const element = h("section", { id: "site-status", "aria-label": "Site" });
  // Announced only when the connection changes, not at each redraw of the lag.
  const announcer = h("span", { class: "sr-only", role: "status" });
  /** @param {SiteStatus | null} site */
  const update = (site) => {
    if (site === null) {
      element.hidden = true;
      replace(element);
      return;
    }
    element.hidden = false;
    const changed = element.dataset.connected !== String(site.connected);
    element.dataset.connected = String(site.connected);
    if (changed && initial !== site) {
      announcer.textContent = site.connected
        ? `Connected to site ${site.name} again`
        : `Cut off from site ${site.name}`;
    }
    const who = [
      "Site ",
      h("strong", null, site.name),
      " · this controller ",
      h("strong", null, site.controller),
      " · ",
    ];
    if (site.connected) {
      element.className = "notice site-status";
      replace(
        element,
        who,
        h("span", { class: "badge ok" }, "Connected"),
        h("span", { class: "muted" }, ` ${describeLag(site.lag_ms)}`),
      );
      return;
    }
    element.className = "warning-box site-status";
    replace(
      element,
      who,
      h("span", { class: "badge bad" }, "Disconnected"),
      // Disconnected, lag_ms is the time since the link was lost.
      Number.isFinite(site.lag_ms) && site.lag_ms >= UP_TO_DATE_MS
        ? h("span", { class: "muted" }, ` for ${duration(site.lag_ms)}`)
        : null,
      h(
        "p",
        null,
        h("strong", null, "Cut off from the site:"),
        " doors decide from the local copy; site-wide changes are refused.",
      ),
    );
  };
  update(initial);
  return { element: h("div", null, element, announcer), update };
}
