// @ts-check
// People: users (account, cards and PINs, group memberships) and groups.

import {
  busy,
  card,
  clearFormErrors,
  confirmDialog,
  failure,
  field,
  h,
  loading,
  replace,
  select,
  showFormError,
  table,
  tabs,
  toast,
} from "../dom.js";
import { validityBadge, validityFields } from "../components.js";
import { GROUP_RANKS, RANKS } from "../format.js";
import { h10301CardId, normalizeHex } from "../wiegand.js";

/** @typedef {import("../types.js").Entity} Entity */
/** @typedef {import("../types.js").PageContext} PageContext */
/** @typedef {import("../api.js").Api} Api */
/** @typedef {import("../session.js").Session} Session */
/** @typedef {import("../components.js").Option} Option */
/** A relationship's target: `{ id }`. @typedef {{ id: string | number }} Ref */

/**
 * A user-group membership resource.
 * @typedef {object} Membership
 * @property {string} id
 * @property {Record<string, any>} attributes
 * @property {{ user: { data: Ref }, group: { data: Ref } }} relationships
 */

/** @type {ReadonlyArray<readonly [string, string, string]>} */
const TABS = [["#/people", "Users", "users"], ["#/people/groups", "Groups", "groups"]];

/**
 * Renders the People section into `view`.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @returns {Promise<unknown>}
 */
export async function render(view, ctx) {
  const [sub, id] = ctx.params;
  if (sub === "groups") return await groupList(view, ctx);
  if (sub === "group" && id) return await groupDetail(view, ctx, Number(id));
  if (sub === "user" && id === "new") return userForm(view, ctx, null);
  if (sub === "user" && id) return await userDetail(view, ctx, Number(id));
  return await userList(view, ctx);
}

/**
 * The section title and its tabs.
 * @param {string} title
 * @param {string} active
 * @param {...import("../dom.js").Child} extra
 * @returns {import("../dom.js").Child[]}
 */
function header(title, active, ...extra) {
  return [h("h1", null, title), tabs(TABS, active), extra];
}

/**
 * First and last name, or "".
 * @param {Record<string, any>} a a user's attributes
 * @returns {string}
 */
function fullName(a) {
  return [a.firstname, a.lastname].filter(Boolean).join(" ");
}

/**
 * The user list with its filter.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
async function userList(view, ctx) {
  const { api, session } = ctx;
  replace(view, header("People", "users"), loading());
  /** @type {any} */
  let doc;
  try {
    doc = await api.request("user.read", { user_id: 0 });
  } catch (error) {
    return replace(view, header("People", "users"), failure(error));
  }
  /** @type {Entity[]} */
  const users = doc.data ?? [];
  const filter = h("input", {
    type: "search",
    placeholder: "Filter by name, username or e-mail",
    "aria-label": "Filter users",
  });
  const body = h("div");
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = users.filter((u) => {
      const a = u.attributes;
      return !q ||
        [a.username, a.firstname, a.lastname, a.email].some((x) =>
          String(x ?? "").toLowerCase().includes(q)
        );
    });
    replace(
      body,
      table(
        ["Username", "Name", "E-mail", "Rank", "Validity"],
        shown.map((u) => {
          const a = u.attributes;
          return [
            h("a", { href: `#/people/user/${u.id}` }, a.username),
            fullName(a) || h("span", { class: "muted" }, "—"),
            a.email || h("span", { class: "muted" }, "—"),
            RANKS[a.rank] ?? String(a.rank),
            validityBadge(a),
          ];
        }),
        { empty: q ? "No user matches." : "No user yet.", caption: "Users" },
      ),
    );
  };
  filter.addEventListener("input", draw);
  draw();
  const actions = session.can("manage")
    ? [h("a", { href: "#/people/user/new", class: "button-link primary" }, "New user")]
    : [];
  replace(
    view,
    header("People", "users"),
    card(`Users (${users.length})`, { actions }, h("div", { class: "toolbar" }, filter), body),
  );
}

/**
 * True when the caller may edit `target` (attributes of a user resource) at all.
 * @param {Session} session
 * @param {number} targetId
 * @param {number} targetRank
 * @returns {boolean}
 */
function mayEdit(session, targetId, targetRank) {
  if (targetId === session.user?.id) return true;
  if (session.rank >= 4) return true;
  return session.rank >= 2 && targetRank < 2;
}

/**
 * A user's account form; for a new user (`user` null) it also fills `view`.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @param {Entity | null} user
 * @returns {HTMLFormElement}
 */
function userForm(view, ctx, user) {
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
        await api.request("user.update", { user_id: Number(user.id), attributes });
        password.value = "";
        toast("Saved");
      }
    }, (error) => showFormError(form, error));
  });
  if (creating) {
    replace(
      view,
      h("p", { class: "crumbs" }, h("a", { href: "#/people" }, "← People")),
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
async function userDetail(view, ctx, userId) {
  const { api, session } = ctx;
  const crumbs = h("p", { class: "crumbs" }, h("a", { href: "#/people" }, "← People"));
  replace(view, crumbs, loading());
  /** @type {Entity} */
  let user;
  /** @type {Entity[]} */
  let groups;
  try {
    [user, groups] = await Promise.all([
      api.request("user.read", { user_id: userId }).then((d) => d.data),
      api.request("group.read", { group_id: 0 }).then((d) => d.data ?? []),
    ]);
  } catch (error) {
    return replace(view, crumbs, failure(error));
  }
  if (!ctx.alive()) return;
  const a = user.attributes;
  const canManage = session.can("manage");
  const self = userId === session.user?.id;
  const deleteButton = canManage && !self && mayEdit(session, userId, a.rank)
    ? h("button", { type: "button", class: "danger small" }, "Delete user")
    : null;
  deleteButton?.addEventListener("click", async () => {
    const ok = await confirmDialog({
      title: `Delete ${a.username}?`,
      message: "Their cards and PINs are deleted too. This cannot be undone.",
      confirmLabel: "Delete",
      danger: true,
    });
    if (!ok) return;
    await busy(deleteButton, async () => {
      await api.request("user.delete", { user_id: userId });
      toast(`User ${a.username} deleted`);
      ctx.navigate("people");
    });
  });
  const credentialsCard = h("div");
  const membershipsCard = h("div");
  replace(
    view,
    crumbs,
    h("h1", null, fullName(a) ? `${fullName(a)} (${a.username})` : a.username),
    card("Account", { actions: deleteButton ? [deleteButton] : [] }, userForm(view, ctx, user)),
    h("div", { class: "two-col" }, credentialsCard, membershipsCard),
  );
  /** @type {number[]} */
  const credentialIds = (user.relationships?.credentials?.data ?? []).map((/** @type {Ref} */ r) =>
    Number(r.id)
  );
  await Promise.all([
    drawCredentials(credentialsCard, ctx, userId, credentialIds),
    drawMemberships(membershipsCard, ctx, user, groups),
  ]);
}

/**
 * The user resource, read again.
 * @param {Api} api
 * @param {number} userId
 * @returns {Promise<Entity>}
 */
async function reloadUser(api, userId) {
  return (await api.request("user.read", { user_id: userId })).data;
}

/**
 * The user's cards and PINs, with the forms that add one.
 * @param {HTMLElement} container
 * @param {PageContext} ctx
 * @param {number} userId
 * @param {number[]} ids the user's credential ids
 * @returns {Promise<unknown>}
 */
async function drawCredentials(container, ctx, userId, ids) {
  const { api, session } = ctx;
  /** @type {Entity[]} */
  let credentials;
  try {
    credentials = await Promise.all(
      ids.map((id) => api.request("credential.read", { credential_id: id }).then((d) => d.data)),
    );
  } catch (error) {
    return replace(container, card("Cards and PINs", {}, failure(error)));
  }
  const canWrite = session.can("manage");
  const redraw = async () => {
    const user = await reloadUser(api, userId);
    /** @type {number[]} */
    const next = (user.relationships?.credentials?.data ?? []).map((/** @type {Ref} */ r) =>
      Number(r.id)
    );
    await drawCredentials(container, ctx, userId, next);
  };
  const rows = credentials.map((c) => {
    const a = c.attributes;
    const isCard = c.type === "rfid-card";
    const remove = canWrite
      ? h("button", {
        type: "button",
        class: "link",
        "aria-label": `Delete ${isCard ? "card" : "PIN"} ${a.alias || c.id}`,
      }, "Delete")
      : null;
    remove?.addEventListener("click", async () => {
      const ok = await confirmDialog({
        title: `Delete ${isCard ? "card" : "PIN"} ${a.alias || ""}?`,
        message: "It stops opening doors immediately.",
        confirmLabel: "Delete",
        danger: true,
      });
      if (!ok) return;
      await busy(remove, async () => {
        await api.request("credential.delete", { credential_id: Number(c.id) });
        toast("Credential deleted");
        await redraw();
      });
    });
    return [
      isCard ? "Card" : "PIN",
      a.alias || h("span", { class: "muted" }, "—"),
      isCard
        ? h("span", { class: "mono" }, `${a["card-id"]} (${a["nb-bits"]} bits)`)
        : h("span", { class: "muted" }, "PIN set (never shown)"),
      validityBadge(a),
      remove,
    ];
  });
  replace(
    container,
    card(
      "Cards and PINs",
      { id: "credentials" },
      table(["Type", "Alias", "Value", "Validity", ""], rows, {
        empty: "No card or PIN.",
        caption: "Cards and PINs",
      }),
      canWrite ? addCardForm(ctx, userId, redraw) : null,
      canWrite ? addPinForm(ctx, userId, redraw) : null,
    ),
  );
}

/**
 * The "Add a card" form (H10301 fields or a hexadecimal card id).
 * @param {PageContext} ctx
 * @param {number} userId
 * @param {() => Promise<void>} done called once the card is added
 * @returns {HTMLFormElement}
 */
function addCardForm(ctx, userId, done) {
  const alias = h("input", { name: "alias", autocomplete: "off" });
  const mode = select({ name: "entry" }, [
    ["H10301", "H10301 (26-bit)"],
    ["raw", "Hexadecimal card id"],
  ], "H10301");
  const facility = h("input", { name: "facility", type: "number", min: "0", max: "255" });
  const number = h("input", { name: "number", type: "number", min: "0", max: "65535" });
  const hex = h("input", { name: "card-id", autocomplete: "off", placeholder: "aa:bb:cc:dd" });
  const bits = h("input", { name: "nb-bits", type: "number", min: "1", max: "128", value: "26" });
  const preview = h("p", { class: "hint", "aria-live": "polite" });
  const h10301 = h(
    "div",
    { class: "row wide" },
    field("Facility code", facility),
    field("Card number", number),
  );
  const raw = h(
    "div",
    { class: "row wide", hidden: true },
    field("Card id", hex, { keys: ["cardId"] }),
    field("Bits", bits, { keys: ["nbBits"] }),
  );
  /** @returns {string | null | unknown} the card id, null when incomplete, or the range error */
  const computed = () => {
    if (mode.value !== "H10301") return null;
    if (facility.value === "" || number.value === "") return null;
    try {
      return h10301CardId(Number(facility.value), Number(number.value));
    } catch (error) {
      return error;
    }
  };
  const updatePreview = () => {
    const id = computed();
    preview.textContent = id instanceof Error
      ? id.message
      : id
      ? `Stored card id: ${id} (26 bits)`
      : "";
  };
  for (const input of [facility, number]) input.addEventListener("input", updatePreview);
  mode.addEventListener("change", () => {
    h10301.hidden = mode.value !== "H10301";
    raw.hidden = mode.value === "H10301";
    updatePreview();
  });
  const submit = h("button", { type: "submit", class: "primary" }, "Add card");
  const form = h(
    "form",
    { class: "form", "aria-label": "Add a card", novalidate: true },
    h("h3", null, "Add a card"),
    field("Alias", alias, { hint: "e.g. the number printed on the badge" }),
    field("Entry", mode),
    h10301,
    raw,
    h(
      "div",
      { class: "wide", dataset: { keys: " cardId nbBits " } },
      preview,
      h("p", { class: "field-error" }),
    ),
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearFormErrors(form);
    /** @type {unknown} */
    let cardId;
    /** @type {number} */
    let nbBits;
    if (mode.value === "H10301") {
      const id = computed();
      if (!id || id instanceof Error) {
        // The preview block has the cardId error paragraph.
        /** @type {HTMLElement} */ (form.querySelector(`[data-keys~="cardId"] .field-error`))
          .textContent = id instanceof Error
            ? id.message
            : "Type the facility code and the card number.";
        return;
      }
      cardId = id;
      nbBits = 26;
    } else {
      cardId = normalizeHex(hex.value);
      nbBits = Number(bits.value);
      if (cardId === null) {
        // field() gives the card id input its error paragraph.
        const message = /** @type {HTMLElement} */ (
          raw.querySelector(`[data-keys~="cardId"] .field-error`)
        );
        message.textContent = "Type whole bytes in hexadecimal, e.g. 0c:1b:00:40.";
        return;
      }
    }
    busy(submit, async () => {
      await ctx.api.request("credential.create", {
        "credential-type": "rfid-card",
        attributes: { alias: alias.value, owner_id: userId, "card-id": cardId, "nb-bits": nbBits },
      });
      toast("Card added");
      await done();
    }, (error) => showFormError(form, error));
  });
  return form;
}

/**
 * The "Add a PIN" form.
 * @param {PageContext} ctx
 * @param {number} userId
 * @param {() => Promise<void>} done called once the PIN is added
 * @returns {HTMLFormElement}
 */
function addPinForm(ctx, userId, done) {
  const alias = h("input", { name: "alias", autocomplete: "off" });
  const code = h("input", {
    name: "code",
    type: "password",
    inputmode: "numeric",
    autocomplete: "new-password",
  });
  const submit = h("button", { type: "submit", class: "primary" }, "Add PIN");
  const form = h(
    "form",
    { class: "form", "aria-label": "Add a PIN", novalidate: true },
    h("h3", null, "Add a PIN"),
    field("Alias", alias),
    field("PIN", code, { hint: "4 to 12 digits; it is stored hashed and never shown again" }),
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearFormErrors(form);
    busy(submit, async () => {
      await ctx.api.request("credential.create", {
        "credential-type": "pin-code",
        attributes: { alias: alias.value, owner_id: userId, code: code.value },
      });
      code.value = "";
      toast("PIN added");
      await done();
    }, (error) => showFormError(form, error));
  });
  return form;
}

/**
 * The user's group memberships, with the form that adds one.
 * @param {HTMLElement} container
 * @param {PageContext} ctx
 * @param {Entity} user
 * @param {Entity[]} groups every group
 * @returns {Promise<unknown>}
 */
async function drawMemberships(container, ctx, user, groups) {
  const { api, session } = ctx;
  const userId = Number(user.id);
  /** @type {number[]} */
  const ids = (user.relationships?.memberships?.data ?? []).map((/** @type {Ref} */ r) =>
    Number(r.id)
  );
  /** @type {Membership[]} */
  let memberships;
  try {
    memberships = await Promise.all(
      ids.map((id) =>
        api.request("user-group-membership.read", { membership_id: id }).then((d) => d.data)
      ),
    );
  } catch (error) {
    return replace(container, card("Groups", {}, failure(error)));
  }
  const names = new Map(groups.map((g) => [Number(g.id), g.attributes.name]));
  const canWrite = session.can("manage");
  const redraw = async () => drawMemberships(container, ctx, await reloadUser(api, userId), groups);
  const rows = memberships.map((m) => {
    const groupId = Number(m.relationships.group.data.id);
    const name = names.get(groupId) ?? `#${groupId}`;
    const remove = canWrite || userId === session.user?.id
      ? h("button", { type: "button", class: "link", "aria-label": `Leave ${name}` }, "Remove")
      : null;
    remove?.addEventListener("click", () =>
      busy(remove, async () => {
        await api.request("user-group-membership.delete", { membership_id: Number(m.id) });
        toast(`Removed from ${name}`);
        await redraw();
      }));
    return [
      h("a", { href: `#/people/group/${groupId}` }, name),
      GROUP_RANKS[m.attributes.rank] ?? m.attributes.rank,
      remove,
    ];
  });
  const memberOf = new Set(
    memberships.map((m) => Number(m.relationships.group.data.id)),
  );
  /** @type {HTMLElement | null} */
  let form = null;
  const available = groups.filter((g) => !memberOf.has(Number(g.id)));
  if (canWrite && available.length === 0) {
    form = h(
      "p",
      { class: "hint" },
      groups.length === 0 ? "No group exists yet. " : "Member of every group. ",
      h("a", { href: "#/people/groups" }, groups.length === 0 ? "Create a group" : "Groups"),
    );
  } else if (canWrite) {
    const group = select(
      { name: "group_id" },
      available.map((g) => [g.id, g.attributes.name]),
    );
    const rank = select({ name: "rank" }, GROUP_RANKS.map((l, v) => [v, l]), 0);
    const submit = h("button", { type: "submit", class: "primary" }, "Add to group");
    const membershipForm = h(
      "form",
      { class: "form", "aria-label": "Add to a group", novalidate: true },
      field("Group", group),
      field("Role in the group", rank),
      h("div", { class: "actions" }, submit),
    );
    form = membershipForm;
    membershipForm.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(submit, async () => {
        await api.request("user-group-membership.create", {
          attributes: { group_id: Number(group.value), user_id: userId, rank: Number(rank.value) },
        });
        toast("Added to the group");
        await redraw();
      }, (error) => showFormError(membershipForm, error));
    });
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

/**
 * The group list and the form that creates one.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
async function groupList(view, ctx) {
  const { api, session } = ctx;
  replace(view, header("People", "groups"), loading());
  /** @type {Entity[]} */
  let groups;
  try {
    groups = (await api.request("group.read", { group_id: 0 })).data ?? [];
  } catch (error) {
    return replace(view, header("People", "groups"), failure(error));
  }
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
    header("People", "groups"),
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
async function groupDetail(view, ctx, groupId) {
  const { api, session } = ctx;
  const crumbs = h("p", { class: "crumbs" }, h("a", { href: "#/people/groups" }, "← Groups"));
  replace(view, crumbs, loading());
  /** @type {Entity} */
  let group;
  /** @type {Entity[]} */
  let users;
  /** @type {Membership[]} */
  let memberships;
  try {
    [group, users] = await Promise.all([
      api.request("group.read", { group_id: groupId }).then((d) => d.data),
      api.request("user.read", { user_id: 0 }).then((d) => d.data ?? []),
    ]);
    memberships = await Promise.all(
      (group.relationships?.memberships?.data ?? []).map((/** @type {Ref} */ r) =>
        api.request("user-group-membership.read", { membership_id: Number(r.id) }).then((d) =>
          d.data
        )
      ),
    );
  } catch (error) {
    return replace(view, crumbs, failure(error));
  }
  if (!ctx.alive()) return;
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
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(save, async () => {
      await api.request("group.update", {
        group_id: groupId,
        attributes: { name: name.value.trim(), description: description.value },
      });
      toast("Saved");
    }, (error) => showFormError(form, error));
  });
  const remove = canWrite
    ? h("button", { type: "button", class: "danger small" }, "Delete group")
    : null;
  remove?.addEventListener("click", async () => {
    const ok = await confirmDialog({
      title: `Delete group ${group.attributes.name}?`,
      message:
        "Members keep their accounts; schedules mapped to the group no longer apply to them.",
      confirmLabel: "Delete",
      danger: true,
    });
    if (!ok) return;
    await busy(remove, async () => {
      await api.request("group.delete", { group_id: groupId });
      toast("Group deleted");
      ctx.navigate("people/groups");
    });
  });
  const rows = memberships.map((m) => {
    const uid = Number(m.relationships.user.data.id);
    const username = userNames.get(uid) ?? `#${uid}`;
    const button = canWrite
      ? h("button", { type: "button", class: "link", "aria-label": `Remove ${username}` }, "Remove")
      : null;
    button?.addEventListener("click", () =>
      busy(button, async () => {
        await api.request("user-group-membership.delete", { membership_id: Number(m.id) });
        toast(`${username} removed`);
        ctx.navigate(`people/group/${groupId}`);
      }));
    return [
      h("a", { href: `#/people/user/${uid}` }, username),
      GROUP_RANKS[m.attributes.rank] ?? m.attributes.rank,
      button,
    ];
  });
  const inGroup = new Set(memberships.map((m) => Number(m.relationships.user.data.id)));
  /** @type {HTMLFormElement | null} */
  let addForm = null;
  if (canWrite) {
    const candidates = users.filter((u) => !inGroup.has(Number(u.id)));
    const who = select({ name: "user_id" }, candidates.map((u) => [u.id, u.attributes.username]));
    const rank = select({ name: "rank" }, GROUP_RANKS.map((l, v) => [v, l]), 0);
    const add = h(
      "button",
      { type: "submit", class: "primary", disabled: candidates.length === 0 },
      "Add member",
    );
    const memberForm = h(
      "form",
      { class: "form", "aria-label": "Add a member", novalidate: true },
      field("User", who),
      field("Role", rank),
      h("div", { class: "actions" }, add),
    );
    addForm = memberForm;
    memberForm.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(add, async () => {
        await api.request("user-group-membership.create", {
          attributes: { group_id: groupId, user_id: Number(who.value), rank: Number(rank.value) },
        });
        toast("Member added");
        ctx.navigate(`people/group/${groupId}`);
      }, (error) => showFormError(memberForm, error));
    });
  }
  replace(
    view,
    crumbs,
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
