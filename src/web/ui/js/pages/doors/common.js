// @ts-check
// What the Doors & readers pages share: the tabs and the option lists (the
// helpers every section uses are in ../common.js).

import { h, tabs } from "../../dom.js";

/** @typedef {import("../../dom.js").Child} Child */

const TABS = /** @type {const} */ ([
  ["#/doors", "Doors", "doors"],
  ["#/doors/access-points", "Access points", "access-points"],
  ["#/doors/zones", "Zones", "zones"],
  ["#/doors/devices", "Devices", "devices"],
  ["#/doors/osdp", "OSDP", "osdp"],
]);

/** What an access point's reader asks for. @type {[string, string][]} */
export const READER_MODES = [
  ["card", "Card only"],
  ["pin", "PIN only"],
  ["card_and_pin", "Card and PIN"],
  ["card_or_pin", "Card or PIN"],
];

/** An access point's direction for anti-passback. @type {[string, string][]} */
export const DIRECTIONS = [["none", "Not counted"], ["entry", "Entry"], [
  "exit",
  "Exit",
]];

/** A zone's anti-passback. @type {[string, string][]} */
export const ANTIPASSBACK = [["off", "Off"], ["soft", "Soft (log only)"], [
  "hard",
  "Hard (deny)",
]];

/**
 * The label of `value` in `[value, label]` pairs, else `fallback`.
 * @param {ReadonlyArray<readonly [string, string]>} pairs
 * @param {unknown} value
 * @param {Child} fallback
 * @returns {Child}
 */
export function labelOf(pairs, value, fallback) {
  return pairs.find(([v]) => v === value)?.[1] ?? fallback;
}

/**
 * The section heading and tabs, `active` highlighted.
 * @param {string} active
 * @returns {Child[]}
 */
export function header(active) {
  return [h("h1", null, "Doors & readers"), tabs(TABS, active)];
}

/**
 * The controller's wiring problems that concern a door or a device (those
 * whose text names one of `needles`), as a warning box; empty when there is
 * none or the controller cannot be asked. Before, they reached only the
 * server log.
 * @param {import("../../api.js").Api} api
 * @param {string[]} needles texts a relevant warning contains (`door 3 `, `"front-d0"`)
 * @returns {HTMLElement} filled once the controller answers
 */
export function wiringWarnings(api, needles) {
  const box = h("div", { id: "wiring-warnings" });
  api.request("hardware.warnings", {}).then((reply) => {
    /** @type {string[]} */
    const all = Array.isArray(reply?.warnings) ? reply.warnings : [];
    const mine = all.filter((text) => needles.some((n) => n !== "" && text.includes(n)));
    if (mine.length === 0) return;
    box.append(
      h(
        "div",
        { class: "warning-box", role: "status" },
        h("strong", null, "The controller could not use this wiring:"),
        h("ul", null, mine.map((text) => h("li", null, text))),
        h(
          "p",
          { class: "hint" },
          "Fix the line or device named, then save: the controller re-reads the wiring.",
        ),
      ),
    );
  }).catch(() => {});
  return box;
}
