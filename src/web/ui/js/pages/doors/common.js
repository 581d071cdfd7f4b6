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
