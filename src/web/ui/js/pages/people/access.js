// @ts-check
// The doors a person opens and why (`user.access`): one table for the user
// page and for "My account", so that every grant, and the membership it comes
// through, is visible where the person is.

import { card, failure, h, replace, table } from "../../dom.js";
import { GROUP_RANKS } from "../../format.js";

/** @typedef {import("../../types.js").PageContext} PageContext */

/**
 * One door a person opens (the `user.access` reply's rows).
 * @typedef {object} DoorGrant
 * @property {number} door_id
 * @property {string} door_alias
 * @property {number} schedule_id
 * @property {string} schedule_name
 * @property {number} mapping_id
 * @property {string} mapping_alias
 * @property {"user" | "group" | "credential"} via
 * @property {number} [group_id]
 * @property {string} [group_name]
 * @property {number} [group_rank]
 * @property {number} [credential_id]
 * @property {string} [credential_alias]
 */

/**
 * How a grant reaches the person, in words.
 * @param {DoorGrant} g
 * @param {boolean} links whether group names link to the group page
 * @returns {import("../../dom.js").Child}
 */
function reachText(g, links) {
  if (g.via === "group") {
    const rank = GROUP_RANKS[g.group_rank ?? 0] ?? "Member";
    const name = g.group_name || `#${g.group_id}`;
    return [
      `${rank} of group `,
      links ? h("a", { href: `#/people/group/${g.group_id}` }, name) : h("strong", null, name),
    ];
  }
  if (g.via === "credential") {
    return `the card or PIN ${
      g.credential_alias ? `"${g.credential_alias}"` : `#${g.credential_id}`
    }`;
  }
  return "named directly";
}

/**
 * Draws the "Doors" card of `userId` into `container`.
 * @param {HTMLElement} container
 * @param {PageContext} ctx
 * @param {number} userId
 * @param {{ title?: string, id?: string, links?: boolean }} [options]
 * @returns {Promise<void>}
 */
export async function drawDoorAccess(
  container,
  ctx,
  userId,
  { title = "Doors", id = "door-access", links = true } = {},
) {
  /** @type {DoorGrant[]} */
  let grants;
  try {
    grants = (await ctx.api.request("user.access", { user_id: userId })).data ?? [];
  } catch (error) {
    replace(container, card(title, { id }, failure(error)));
    return;
  }
  if (!ctx.alive()) return;
  const schedule = (/** @type {DoorGrant} */ g) =>
    links && ctx.session.can("view")
      ? h("a", { href: `#/access/schedule/${g.schedule_id}` }, g.schedule_name)
      : g.schedule_name;
  replace(
    container,
    card(
      title,
      { id },
      table(
        ["Door", "Through", "Schedule"],
        grants.map((g) => [
          h("strong", null, g.door_alias || `#${g.door_id}`),
          reachText(g, links && ctx.session.can("view")),
          schedule(g),
        ]),
        { empty: "Opens no door: no schedule mapping reaches this person.", caption: title },
      ),
      h(
        "p",
        { class: "hint" },
        "Every door comes from a schedule mapping that names the person, one of their groups, or one of their cards or PINs. When it opens is on the schedule.",
      ),
    ),
  );
}
