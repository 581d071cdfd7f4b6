// @ts-check
// What the People pages share: the tabs, the user and group resources, who
// may edit whom, and reading a user again.

import { h, tabs } from "../../dom.js";

/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../../api.js").Api} Api */
/** @typedef {import("../../session.js").Session} Session */

/** @type {ReadonlyArray<readonly [string, string, string]>} */
const TABS = [["#/people", "Users", "users"], ["#/people/groups", "Groups", "groups"]];

/** @type {import("../common.js").Resource} */
export const USER = {
  type: "user",
  idKey: "user_id",
  label: "User",
  noun: "user",
  route: "people/user",
};

/** @type {import("../common.js").Resource} */
export const GROUP = {
  type: "group",
  idKey: "group_id",
  label: "Group",
  noun: "group",
  route: "people/group",
};

/**
 * The section title and its tabs, `active` highlighted.
 * @param {string} active
 * @returns {import("../../dom.js").Child[]}
 */
export function header(active) {
  return [h("h1", null, "People"), tabs(TABS, active)];
}

/**
 * First and last name, or "".
 * @param {Record<string, any>} a a user's attributes
 * @returns {string}
 */
export function fullName(a) {
  return [a.firstname, a.lastname].filter(Boolean).join(" ");
}

/**
 * True when the caller may edit `target` (attributes of a user resource) at all.
 * @param {Session} session
 * @param {number} targetId
 * @param {number} targetRank
 * @returns {boolean}
 */
export function mayEdit(session, targetId, targetRank) {
  if (targetId === session.user?.id) return true;
  if (session.rank >= 4) return true;
  return session.rank >= 2 && targetRank < 2;
}

/**
 * The user resource, read again.
 * @param {Api} api
 * @param {number} userId
 * @returns {Promise<Entity>}
 */
export async function reloadUser(api, userId) {
  return (await api.request("user.read", { user_id: userId })).data;
}
