// @ts-check
// Users: the list with its filter, the account form (new user or existing),
// and a user's page (account, cards and PINs, group memberships).

import { busy, card, clearFormErrors, field, h, replace, select, table, toast } from "../../dom.js";
import { validityBadge, validityFields } from "../../components.js";
import { RANKS } from "../../format.js";
import {
  crumbs,
  deleteButton,
  loadInto,
  newLink,
  relatedIds,
  showSaveError,
  withVersion,
} from "../common.js";
import { fullName, header, mayEdit, USER } from "./common.js";
import { keysetPager } from "../../keyset_pager.js";
import { drawCredentials } from "./credentials.js";
import { drawMemberships } from "./memberships.js";
import { drawDoorAccess } from "./access.js";
import { importPanel } from "./import.js";

/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../../types.js").PageContext} PageContext */

/** Rows of a page of the user list. */
const USERS_PER_PAGE = 50;

/**
 * The user list: one page at a time from the server (`user.list`), found by
 * what is typed in the search box (name, username, e-mail or a card).
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
export async function userList(view, ctx) {
  const { api, session } = ctx;
  const filter = h("input", {
    type: "search",
    placeholder: "Search by name, username, e-mail or card (12/3456)",
    "aria-label": "Search users",
  });
  const pager = keysetPager(async (after) => {
    const q = filter.value.trim();
    const doc = await api.request("user.list", {
      limit: USERS_PER_PAGE,
      ...(q ? { q } : {}),
      ...(after === undefined ? {} : { after }),
    });
    return { rows: /** @type {Entity[]} */ (doc.data), next: doc.meta.next };
  }, (users) =>
    table(
      ["Username", "Name", "E-mail", "Rank", "Validity"],
      users.map((u) => {
        const a = u.attributes;
        return [
          h("a", { href: `#/people/user/${u.id}` }, a.username),
          fullName(a) || h("span", { class: "muted" }, "—"),
          a.email || h("span", { class: "muted" }, "—"),
          RANKS[a.rank] ?? String(a.rank),
          validityBadge(a),
        ];
      }),
      { empty: filter.value.trim() ? "No user matches." : "No user yet.", caption: "Users" },
    ), { label: "users" });
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  filter.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => pager.reload(), 200);
  });
  replace(
    view,
    header("users"),
    card(
      "Users",
      { actions: newLink(session.can("manage"), "#/people/user/new", "New user") },
      h("div", { class: "toolbar" }, filter),
      pager.element,
    ),
    // Administrators (rank 4) may import a CSV file (`people.import`).
    session.rank >= 4 ? importPanel(ctx, () => pager.reload()) : null,
  );
  await pager.reload();
}

/**
 * A user's account form; for a new user (`user` null) it also fills `view`.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @param {Entity | null} user
 * @param {{ version: number | undefined }} [held] where the form keeps the version it
 *   holds (the one read, then moved on by its saves), for the delete button
 * @returns {HTMLFormElement}
 */
export function userForm(view, ctx, user, held = { version: user?.attributes.version }) {
  const { api, session } = ctx;
  const a = user?.attributes ?? {};
  const creating = user === null;
  const editable = creating ? session.can("manage") : mayEdit(session, Number(user.id), a.rank);
  const self = !creating && Number(user.id) === session.user?.id;
  const disabled = !editable;
  const username = h("input", {
    name: "username",
    autocomplete: "off",
    required: true,
    value: a.username ?? "",
    readonly: !creating,
  });
  const firstname = h("input", { name: "firstname", value: a.firstname ?? "", disabled });
  const lastname = h("input", { name: "lastname", value: a.lastname ?? "", disabled });
  const email = h("input", { name: "email", type: "email", value: a.email ?? "", disabled });
  const grantable = session.grantableRanks();
  const rankOptions = RANKS.map((label, value) => /** @type {[number, string]} */ ([value, label]))
    .filter(([value]) => grantable.includes(value) || value === a.rank);
  const rankLocked = disabled || self && session.rank < 4 ||
    (!creating && !grantable.includes(a.rank));
  const rank = select({ name: "rank", disabled: rankLocked }, rankOptions, a.rank ?? 0);
  const password = h("input", {
    name: "password",
    type: "password",
    autocomplete: "new-password",
    disabled: disabled || self,
  });
  const validity = validityFields(a, {
    disabled: disabled || (self && session.rank < 4),
    enabledLabel: "Account enabled",
  });
  const save = h("button", { type: "submit", class: "primary" }, creating ? "Create user" : "Save");
  const form = h(
    "form",
    { class: "form", "aria-label": creating ? "New user" : "Account", novalidate: true },
    field("Username", username, {
      hint: creating ? "Letters, digits, '.', '_' and '-'" : "The username cannot be changed",
    }),
    field("Rank", rank, {
      hint: rankLocked ? "You cannot change this rank" : "What this person may do in this UI",
    }),
    field("First name", firstname),
    field("Last name", lastname),
    field("E-mail", email),
    field(creating ? "Password" : "New password", password, {
      hint: self
        ? "Change your own password on the My account page"
        : creating
        ? "Leave empty for a cardholder who never logs in"
        : "Leave empty to keep the current password",
    }),
    validity.elements,
    editable ? h("div", { class: "actions" }, save) : null,
  );
  // user.update replies null: a save that carried the version moved it on by one.
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const attributes = {
      firstname: firstname.value,
      lastname: lastname.value,
      email: email.value,
      ...(rankLocked ? {} : { rank: Number(rank.value) }),
      ...(disabled || (self && session.rank < 4) ? {} : validity.attributes()),
      ...(password.value ? { password: password.value } : {}),
    };
    busy(save, async () => {
      if (creating) {
        const doc = await api.request("user.create", {
          attributes: { username: username.value.trim(), ...attributes },
        });
        toast(`User ${doc.data.attributes.username} created`);
        ctx.navigate(`people/user/${doc.data.id}`);
      } else {
        await api.request("user.update", {
          user_id: Number(user.id),
          attributes: withVersion(attributes, held.version),
        });
        if (typeof held.version === "number") held.version += 1;
        password.value = "";
        toast("Saved");
      }
    }, (error) => showSaveError(ctx, form, error));
  });
  if (creating) {
    replace(
      view,
      crumbs("#/people", "People"),
      h("h1", null, "New user"),
      card("Account", {}, form),
    );
    username.focus();
  }
  return form;
}

/**
 * A user's page: account, cards and PINs, group memberships.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @param {number} userId
 */
export async function userDetail(view, ctx, userId) {
  const { api, session } = ctx;
  const back = crumbs("#/people", "People");
  const user = await loadInto(
    view,
    [back],
    () => api.request("user.read", { user_id: userId }).then((d) => /** @type {Entity} */ (d.data)),
  );
  if (user === null || !ctx.alive()) return;
  const a = user.attributes;
  const self = userId === session.user?.id;
  /** The version this page holds (its account form's saves move it on). */
  const held = { version: a.version };
  const remove = session.can("manage") && !self && mayEdit(session, userId, a.rank)
    ? deleteButton(ctx, USER, String(userId), {
      title: `Delete ${a.username}?`,
      message: "Their cards and PINs are deleted too. This cannot be undone.",
      back: "people",
      done: `User ${a.username} deleted`,
      version: () => held.version,
    })
    : null;
  const credentialsCard = h("div");
  const membershipsCard = h("div");
  const doorsCard = h("div");
  replace(
    view,
    back,
    h("h1", null, fullName(a) ? `${fullName(a)} (${a.username})` : a.username),
    card("Account", { actions: remove ? [remove] : [] }, userForm(view, ctx, user, held)),
    h("div", { class: "two-col" }, credentialsCard, membershipsCard),
    doorsCard,
  );
  await Promise.all([
    drawCredentials(credentialsCard, ctx, userId, relatedIds(user, "credentials")),
    drawMemberships(membershipsCard, ctx, user),
    drawDoorAccess(doorsCard, ctx, userId, { title: "Doors this person opens" }),
  ]);
}
