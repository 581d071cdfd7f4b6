// @ts-check
// Groups: the list with the form that creates one, and a group's page (its
// name and description, and its members).

import { busy, card, field, h, replace, select, showFormError, table, toast } from "../../dom.js";
import { crumbs, deleteButton, loadInto, readAll, relatedIds, saveOnSubmit } from "../common.js";
import { GROUP, header } from "./common.js";
import {
  addMembershipForm,
  readMemberships,
  removeMembershipButton,
  roleOf,
} from "./memberships.js";

/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../../types.js").PageContext} PageContext */

/**
 * The group list and the form that creates one.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
export async function groupList(view, ctx) {
  const { api, session } = ctx;
  const groups = await loadInto(view, header("groups"), () => readAll(api, "group"));
  if (groups === null) return;
  const rows = groups.map((g) => [
    h("a", { href: `#/people/group/${g.id}` }, g.attributes.name),
    g.attributes.description || h("span", { class: "muted" }, "—"),
    String(g.relationships?.memberships?.data?.length ?? 0),
  ]);
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
    card(
      `Groups (${groups.length})`,
      {},
      table(["Name", "Description", "Members"], rows, {
        empty: "No group yet.",
        caption: "Groups",
      }),
    ),
    session.can("manage") ? card("New group", {}, form) : null,
  );
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
  const loaded = await loadInto(view, [back], async () => {
    const [group, users] = await Promise.all([
      api.request("group.read", { group_id: groupId }).then((d) => /** @type {Entity} */ (d.data)),
      readAll(api, "user"),
    ]);
    const memberships = await readMemberships(api, relatedIds(group, "memberships"));
    return { group, users, memberships };
  });
  if (loaded === null || !ctx.alive()) return;
  const { group, users, memberships } = loaded;
  const canWrite = session.can("manage");
  const userNames = new Map(users.map((u) => [Number(u.id), u.attributes.username]));
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
  const rows = memberships.map((m) => {
    const uid = Number(m.relationships.user.data.id);
    const username = userNames.get(uid) ?? `#${uid}`;
    return [
      h("a", { href: `#/people/user/${uid}` }, username),
      roleOf(m),
      canWrite
        ? removeMembershipButton(api, m, `Remove ${username}`, `${username} removed`, reopen)
        : null,
    ];
  });
  const inGroup = new Set(memberships.map((m) => Number(m.relationships.user.data.id)));
  const candidates = users.filter((u) => !inGroup.has(Number(u.id)));
  const who = select({ name: "user_id" }, candidates.map((u) => [u.id, u.attributes.username]));
  const addForm = canWrite
    ? addMembershipForm(api, {
      label: "Add a member",
      pick: ["User", who],
      roleLabel: "Role",
      submitLabel: "Add member",
      disabled: candidates.length === 0,
      members: () => ({ group_id: groupId, user_id: Number(who.value) }),
      done: "Member added",
      after: reopen,
    })
    : null;
  replace(
    view,
    back,
    h("h1", null, `Group ${group.attributes.name}`),
    card("Group", { actions: remove ? [remove] : [] }, form),
    card(
      `Members (${memberships.length})`,
      {},
      table(["User", "Role", ""], rows, { empty: "No member.", caption: "Members" }),
      addForm,
    ),
  );
}
