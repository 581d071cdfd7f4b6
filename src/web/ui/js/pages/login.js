// @ts-check
// The login page: username + password → create_auth_token.

import { errorContent, field, h, replace } from "../dom.js";

/**
 * Renders the login form into `view`.
 * @param {HTMLElement} view
 * @param {{ session: import("../session.js").Session, navigate: (path: string) => void, homeRoute: () => string }} ctx
 */
export function render(view, { session, navigate, homeRoute }) {
  const username = h("input", {
    name: "username",
    autocomplete: "username",
    required: true,
    autocapitalize: "none",
    spellcheck: "false",
  });
  const password = h("input", {
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const message = h("div", { class: "form-error", role: "alert", id: "login-message" });
  message.hidden = !session.closedReason;
  if (session.closedReason) message.textContent = session.closedReason;
  const submit = h("button", { type: "submit", class: "primary wide" }, "Log in");
  const form = h(
    "form",
    { class: "login-card", "aria-labelledby": "login-title", novalidate: true },
    h(
      "div",
      { class: "brand big" },
      h("span", { class: "logo", "aria-hidden": "true" }, "L"),
      h("span", null, "Leosac"),
    ),
    h("h1", { id: "login-title" }, "Log in to the access controller"),
    message,
    field("Username", username),
    field("Password", password),
    submit,
    session.version ? h("p", { class: "muted small center" }, `Leosac ${session.version}`) : null,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!username.value || !password.value) {
      message.hidden = false;
      message.textContent = "Enter your username and password.";
      return;
    }
    submit.disabled = true;
    message.hidden = true;
    try {
      const result = await session.login(username.value.trim(), password.value);
      if (result.ok) {
        navigate(homeRoute());
        return;
      }
      message.hidden = false;
      message.textContent = result.message;
      password.value = "";
      password.focus();
    } catch (error) {
      message.hidden = false;
      replace(message, errorContent(error));
    } finally {
      submit.disabled = false;
    }
  });
  replace(view, form);
  username.focus();
}
