// @ts-check
// Group memberships: a user's groups (with the form that adds one), and the
// remove button and add form that the group page uses too.

import {
  busy,
  card,
  failure,
  field,
  h,
  replace,
  select,
  showFormError,
  table,
  toast,
} from "../../dom.js";
import { GROUP_RANKS } from "../../format.js";
import { deleteContent, relatedIds } from "../common.js";
import { labelsOf, searchBox, searches } from "../../search_picker.js";
import { reloadUser } from "./common.js";

/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../../types.js").Membership} Membership */
/** @typedef {import("../../types.js").PageContext} PageContext */
/** @typedef {import("../../api.js").Api} Api */

/**
 * The memberships of these ids, read one by one.
 * @param {Api} api
 * @param {number[]} ids
 * @returns {Promise<Membership[]>}
 */
export function readMemberships(api, ids) {
  return Promise.all(
    ids.map((id) =>
      api.request("user-group-membership.read", { membership_id: id }).then((d) => d.data)
    ),
  );
}

/**
 * A membership's role in its group, as text.
 * @param {Membership} membership
 * @returns {string}
 */
export function roleOf(membership) {
  return GROUP_RANKS[membership.attributes.rank] ?? membership.attributes.rank;
}

/**
 * A "Remove" button that deletes `membership`, says `done`, then runs `after`.
 * @param {Api} api
 * @param {Membership} membership
 * @param {string} label the button's accessible name
 * @param {string} done
 * @param {() => unknown} after
 * @returns {HTMLButtonElement}
 */
export function removeMembershipButton(api, membership, label, done, after) {
  const button = h("button", { type: "button", class: "link", "aria-label": label }, "Remove");
  button.addEventListener("click", () =>
    busy(button, async () => {
      await api.request(
        "user-group-membership.delete",
        deleteContent("membership_id", Number(membership.id), membership.attributes.version),
      );
      toast(done);
      await after();
    }));
  return button;
}

/**
 * The form that adds a membership: who or which group (`pick`), and the role.
 * @param {Api} api
 * @param {object} options
 * @param {string} options.label the form's accessible name
 * @param {[string, HTMLSelectElement | HTMLInputElement]} options.pick the chooser's label and control
 * @param {string} options.roleLabel
 * @param {string} options.submitLabel
 * @param {boolean} [options.disabled] nothing to choose from
 * @param {() => { group_id: number, user_id: number }} options.members the chosen pair
 * @param {string} options.done the notice once added
 * @param {() => unknown} options.after
 * @returns {HTMLFormElement}
 */
export function addMembershipForm(
  api,
  { label, pick: [pickLabel, pick], roleLabel, submitLabel, disabled, members, done, after },
) {
  const rank = select({ name: "rank" }, GROUP_RANKS.map((l, v) => [v, l]), 0);
  const submit = h("button", { type: "submit", class: "primary", disabled }, submitLabel);
  const form = h(
    "form",
    { class: "form", "aria-label": label, novalidate: true },
    field(pickLabel, pick),
    field(roleLabel, rank),
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      await api.request("user-group-membership.create", {
        attributes: { ...members(), rank: Number(rank.value) },
      });
      toast(done);
      await after();
    }, (error) => showFormError(form, error));
  });
  return form;
}

/**
 * The user's group memberships, with the form that adds one (a group search:
 * a site may hold thousands of groups; the names of the user's groups are
 * read by id).
 * @param {HTMLElement} container
 * @param {PageContext} ctx
 * @param {Entity} user
 * @returns {Promise<unknown>}
 */
export async function drawMemberships(container, ctx, user) {
  const { api, session } = ctx;
  const userId = Number(user.id);
  /** @type {Membership[]} */
  let memberships;
  /** @type {Map<number, string>} */
  let names;
  try {
    memberships = await readMemberships(api, relatedIds(user, "memberships"));
    names = await labelsOf(
      api,
      "groups",
      memberships.map((m) => Number(m.relationships.group.data.id)),
    );
  } catch (error) {
    return replace(container, card("Groups", {}, failure(error)));
  }
  const canWrite = session.can("manage");
  const redraw = async () => drawMemberships(container, ctx, await reloadUser(api, userId));
  const rows = memberships.map((m) => {
    const groupId = Number(m.relationships.group.data.id);
    const name = names.get(groupId) ?? `#${groupId}`;
    return [
      h("a", { href: `#/people/group/${groupId}` }, name),
      roleOf(m),
      canWrite || userId === session.user?.id
        ? removeMembershipButton(api, m, `Remove from ${name}`, `Removed from ${name}`, redraw)
        : null,
    ];
  });
  const memberOf = new Set(
    memberships.map((m) => Number(m.relationships.group.data.id)),
  );
  /** @type {HTMLElement | null} */
  let form = null;
  if (canWrite) {
    const find = searches(api).groups;
    const group = searchBox(
      async (q) => (await find(q)).filter((choice) => !memberOf.has(choice.id)),
      { name: "group_id", placeholder: "Type a group name" },
    );
    form = addMembershipForm(api, {
      label: "Add to a group",
      pick: ["Group", group.input],
      roleLabel: "Role in the group",
      submitLabel: "Add to group",
      members: () => ({ group_id: group.value() ?? 0, user_id: userId }),
      done: "Added to the group",
      after: redraw,
    });
    group.input.after(group.list);
    group.input.parentElement?.classList.add("picker");
  }
  replace(
    container,
    card(
      "Groups",
      { id: "memberships" },
      table(["Group", "Role", ""], rows, { empty: "Not in any group.", caption: "Groups" }),
      form,
    ),
  );
}
