// @ts-check
// What the Access rules pages share: the section heading and its tabs.

import { h, tabs } from "../../dom.js";

/** @type {ReadonlyArray<readonly [string, string, string]>} */
const TABS = [["#/access", "Schedules", "schedules"], [
  "#/access/holidays",
  "Holidays",
  "holidays",
]];

/**
 * The section title and its tabs.
 * @param {string} active
 * @returns {HTMLElement[]}
 */
export function header(active) {
  return [h("h1", null, "Access rules"), tabs(TABS, active)];
}
