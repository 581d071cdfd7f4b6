// My account: who I am, my credentials, and changing my password.

import { busy, card, clearFormErrors, field, h, replace, showFormError, toast } from "../dom.js";
import { RANKS } from "../format.js";

/** Renders the account page into `view`. */
export function render(view, { api, session }) {
  const user = session.user;
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
      const msg = form.querySelector(`[data-keys~="password_again"] .field-error`);
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
  );
}
