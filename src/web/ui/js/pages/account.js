// @ts-check
// My account: who I am, my credentials, and changing my password.

import {
  busy,
  card,
  clearFormErrors,
  field,
  h,
  replace,
  showFormError,
  table,
  toast,
} from "../dom.js";
import { RANKS } from "../format.js";
import { cardText } from "../wiegand.js";
import { drawDoorAccess } from "./people/access.js";

/** @typedef {import("../types.js").Entity} Entity */
/** @typedef {import("../types.js").PageContext} PageContext */
/** @typedef {import("../session.js").User} User */

/**
 * Renders the account page into `view`.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 * @returns {void}
 */
export function render(view, ctx) {
  const { api, session } = ctx;
  // The router renders pages only while someone is logged in.
  const user = /** @type {User} */ (session.user);
  const current = h("input", {
    type: "password",
    name: "current_password",
    autocomplete: "current-password",
    required: true,
  });
  const next = h("input", {
    type: "password",
    name: "password",
    autocomplete: "new-password",
    required: true,
  });
  const again = h("input", {
    type: "password",
    name: "password_again",
    autocomplete: "new-password",
    required: true,
  });
  const save = h("button", { type: "submit", class: "primary" }, "Change password");
  const form = h(
    "form",
    { class: "form narrow", "aria-label": "Change password" },
    h("input", {
      type: "text",
      name: "username",
      autocomplete: "username",
      value: user.username,
      hidden: true,
      readonly: true,
    }),
    field("Current password", current),
    field("New password", next),
    field("New password again", again),
    h("div", { class: "actions" }, save),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearFormErrors(form);
    if (next.value.length === 0 || next.value !== again.value) {
      // field() gives the "password_again" input its error paragraph.
      const msg = /** @type {HTMLElement} */ (
        form.querySelector(`[data-keys~="password_again"] .field-error`)
      );
      msg.textContent = next.value.length === 0
        ? "Type a new password."
        : "The two new passwords differ.";
      again.setAttribute("aria-invalid", "true");
      return;
    }
    busy(save, async () => {
      await api.request("password_change", {
        user_id: user.id,
        current_password: current.value,
        new_password: next.value,
      });
      form.reset();
      toast("Password changed");
    }, (error) => showFormError(form, error));
  });
  const name = [user.firstname, user.lastname].filter(Boolean).join(" ");
  const access = h("div", { class: "two-col" });
  replace(
    view,
    h("h1", null, "My account"),
    h(
      "div",
      { class: "two-col" },
      card(
        "Profile",
        {},
        h(
          "dl",
          { class: "facts" },
          h("dt", null, "Username"),
          h("dd", null, user.username),
          h("dt", null, "Name"),
          h("dd", null, name || "—"),
          h("dt", null, "E-mail"),
          h("dd", null, user.email || "—"),
          h("dt", null, "Rank"),
          h("dd", null, RANKS[user.rank] ?? String(user.rank)),
        ),
      ),
      card("Password", {}, form),
    ),
    access,
  );
  drawAccess(access, ctx, user);
}

/**
 * My cards and PINs, and the doors mapped to me (what the server lets me read).
 * @param {HTMLElement} container
 * @param {PageContext} ctx
 * @param {User} user the logged-in user
 * @returns {Promise<void>}
 */
async function drawAccess(container, ctx, user) {
  const { api } = ctx;
  try {
    /** @type {Entity} */
    const me = (await api.request("user.read", { user_id: user.id })).data;
    /** @type {number[]} */
    const ids = (me.relationships?.credentials?.data ?? []).map(
      (/** @type {{ id: string | number }} */ r) => Number(r.id),
    );
    const credentials = await Promise.all(
      ids.map((id) => api.request("credential.read", { credential_id: id }).then((d) => d.data)),
    );
    if (!ctx.alive()) return;
    const doors = h("div");
    replace(
      container,
      card(
        "My cards and PINs",
        { id: "my-credentials" },
        table(
          ["Type", "Alias", "Value"],
          credentials.map((c) => [
            c.type === "rfid-card" ? "Card" : "PIN",
            c.attributes.alias || h("span", { class: "muted" }, "—"),
            c.type === "rfid-card"
              ? cardText(c.attributes["card-id"], c.attributes["nb-bits"])
              : h("span", { class: "muted" }, "PIN set (never shown)"),
          ]),
          { empty: "No card or PIN.", caption: "My cards and PINs" },
        ),
      ),
      doors,
    );
    await drawDoorAccess(doors, ctx, user.id, { title: "Doors I may open", id: "my-doors" });
  } catch {
    // The profile and the password form still work.
  }
}
