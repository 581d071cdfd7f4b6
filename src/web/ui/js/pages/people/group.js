// @ts-check
// Groups: the list with the form that creates one, and a group's page (its
// name and description, and its members).

import { busy, card, field, h, replace, showFormError, table, toast } from "../../dom.js";
import { crumbs, deleteButton, loadInto, saveOnSubmit } from "../common.js";
import { keysetPager } from "../../keyset_pager.js";
import { searchBox, searches } from "../../search_picker.js";
import { GROUP, header } from "./common.js";
import { addMembershipForm, removeMembershipButton, roleOf } from "./memberships.js";

/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../../types.js").PageContext} PageContext */

/** Groups shown per page of the list. */
const GROUPS_PER_PAGE = 50;

/**
 * The group list and the form that creates one.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
export async function groupList(view, ctx) {
  const { api, session } = ctx;
  const filter = h("input", {
    type: "search",
    placeholder: "Search by name",
    "aria-label": "Search groups",
  });
  // One page at a time from the server (`group.list`): a site may have many groups.
  const pager = keysetPager(async (after) => {
    const q = filter.value.trim();
    const doc = await api.request("group.list", {
      limit: GROUPS_PER_PAGE,
      ...(q ? { q } : {}),
      ...(after === undefined ? {} : { after }),
    });
    return { rows: /** @type {Entity[]} */ (doc.data), next: doc.meta.next };
  }, (groups) =>
    table(
      ["Name", "Description", "Members"],
      groups.map((g) => [
        h("a", { href: `#/people/group/${g.id}` }, g.attributes.name),
        g.attributes.description || h("span", { class: "muted" }, "—"),
        String(g.attributes["member-count"] ?? 0),
      ]),
      { empty: filter.value.trim() ? "No group matches." : "No group yet.", caption: "Groups" },
    ), { label: "groups" });
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  filter.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => pager.reload(), 200);
  });
  const name = h("input", { name: "name", autocomplete: "off", required: true });
  const description = h("input", { name: "description" });
  const submit = h("button", { type: "submit", class: "primary" }, "Create group");
  const form = h(
    "form",
    { class: "form", "aria-label": "New group", novalidate: true },
    field("Name", name, { hint: "3 to 50 letters, digits, '_', '.' or '-'" }),
    field("Description", description),
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const doc = await api.request("group.create", {
        attributes: { name: name.value.trim(), description: description.value },
      });
      toast(`Group ${doc.data.attributes.name} created`);
      ctx.navigate(`people/group/${doc.data.id}`);
    }, (error) => showFormError(form, error));
  });
  replace(
    view,
    header("groups"),
    card("Groups", {}, h("div", { class: "toolbar" }, filter), pager.element),
    session.can("manage") ? card("New group", {}, form) : null,
  );
  await pager.reload();
}

/**
 * A group's page: its name and description, and its members.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @param {number} groupId
 */
export async function groupDetail(view, ctx, groupId) {
  const { api, session } = ctx;
  const back = crumbs("#/people/groups", "Groups");
  const group = await loadInto(
    view,
    [back],
    // group.list by id: group.read would list every membership id.
    async () => {
      const doc = await api.request("group.list", { ids: [groupId], limit: 1 });
      if (doc.data.length === 0) throw new Error(`No group #${groupId}.`);
      return /** @type {Entity} */ (doc.data[0]);
    },
  );
  if (group === null || !ctx.alive()) return;
  const canWrite = session.can("manage");
  const name = h("input", { name: "name", value: group.attributes.name, disabled: !canWrite });
  const description = h("input", {
    name: "description",
    value: group.attributes.description,
    disabled: !canWrite,
  });
  const save = h("button", { type: "submit", class: "primary" }, "Save");
  const form = h(
    "form",
    { class: "form", "aria-label": "Group", novalidate: true },
    field("Name", name),
    field("Description", description),
    canWrite ? h("div", { class: "actions" }, save) : null,
  );
  const version = saveOnSubmit(ctx, GROUP, { form, submit: save }, String(groupId), () => ({
    name: name.value.trim(),
    description: description.value,
  }), group.attributes.version);
  const remove = canWrite
    ? deleteButton(ctx, GROUP, String(groupId), {
      title: `Delete group ${group.attributes.name}?`,
      message:
        "Members keep their accounts; schedules mapped to the group no longer apply to them.",
      back: "people/groups",
      done: "Group deleted",
      version,
    })
    : null;
  const reopen = () => ctx.navigate(`people/group/${groupId}`);
  // Members one page at a time (a group may have hundreds of thousands).
  const memberFilter = h("input", {
    type: "search",
    placeholder: "Search members by name or username",
    "aria-label": "Search members",
  });
  const members = keysetPager(async (after) => {
    const q = memberFilter.value.trim();
    const doc = await api.request("user-group-membership.list", {
      group_id: groupId,
      limit: 50,
      ...(q ? { q } : {}),
      ...(after === undefined ? {} : { after }),
    });
    const usernames = doc.meta.usernames;
    return {
      rows: doc.data.map((/** @type {Entity} */ m) => ({ m, usernames })),
      next: doc.meta.next,
    };
  }, (rows) =>
    table(
      ["User", "Role", ""],
      rows.map(({ m, usernames }) => {
        const uid = Number(m.relationships.user.data.id);
        const username = usernames[uid] ?? `#${uid}`;
        return [
          h("a", { href: `#/people/user/${uid}` }, username),
          roleOf(m),
          canWrite
            ? removeMembershipButton(api, m, `Remove ${username}`, `${username} removed`, reopen)
            : null,
        ];
      }),
      {
        empty: memberFilter.value.trim() ? "No member matches." : "No member.",
        caption: "Members",
      },
    ), { label: "members" });
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  memberFilter.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => members.reload(), 200);
  });
  const who = searchBox(searches(api).users, { name: "user_id", placeholder: "Type a name" });
  const addForm = canWrite
    ? addMembershipForm(api, {
      label: "Add a member",
      pick: ["User", who.input],
      roleLabel: "Role",
      submitLabel: "Add member",
      disabled: false,
      members: () => ({ group_id: groupId, user_id: who.value() ?? 0 }),
      done: "Member added",
      after: reopen,
    })
    : null;
  if (addForm) who.input.after(who.list);
  who.input.parentElement?.classList.add("picker");
  replace(
    view,
    back,
    h("h1", null, `Group ${group.attributes.name}`),
    card("Group", { actions: remove ? [remove] : [] }, form),
    card(
      `Members (${group.attributes["member-count"] ?? 0})`,
      {},
      h("div", { class: "toolbar" }, memberFilter),
      members.element,
      addForm,
    ),
  );
  await members.reload();
}
