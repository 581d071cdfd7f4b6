// @ts-check
// Small DOM helpers: elements are built with h(), never from HTML strings, so
// server data is always text.
//
// Over 300 lines on purpose: these are the UI's DOM primitives (building
// elements, form fields and their errors, notices, dialogs, cards, tables),
// imported by every page through this one path. They lean on each other:
// the form errors, toast() and failure() share errorContent(), and field()
// and checkbox() share the id counter, so a forms module would import back
// from here (a cycle) or move those shared pieces apart from their users.

import { ApiError } from "./api.js";

/**
 * Element properties: `class`, `dataset`, `on<event>` handlers, `value`,
 * boolean states, else attributes (null, undefined and false are skipped).
 * @typedef {Record<string, unknown>} Props
 */

/**
 * What can be appended: text, numbers, nodes, nested arrays; null,
 * undefined and false are skipped.
 * @typedef {string | number | Node | null | undefined | false | ChildList} Child
 */
/** @typedef {Child[]} ChildList */

/**
 * Creates an element: `h("button", {class: "x", onclick}, "Label")`.
 * @template {string} K
 * @param {K} tag
 * @param {Props | null} [props]
 * @param {...Child} children
 * @returns {K extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[K] : HTMLElement}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  // The few properties set directly (not as attributes) exist on form elements.
  const control = /** @type {HTMLInputElement} */ (el);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    } else if (key === "value") control.value = String(value);
    else if (key === "checked" || key === "selected" || key === "disabled") {
      /** @type {any} */ (el)[key] = Boolean(value); // checked, selected, disabled
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return /** @type {any} */ (el);
}

/**
 * Appends children (strings, nodes, arrays; null and false are skipped).
 * @template {Element} E
 * @param {E} parent
 * @param {Child[]} children
 * @returns {E}
 */
export function append(parent, children) {
  for (const child of /** @type {unknown[]} */ (children).flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/**
 * Replaces the content of `el`.
 * @template {Element} E
 * @param {E} el
 * @param {...Child} children
 * @returns {E}
 */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let fieldCounter = 0;

/**
 * A labelled form field. `keys` are the attribute names whose server errors
 * belong here (the JSON:API pointer's last segment).
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} input
 * @param {{ keys?: string[], hint?: Child | undefined, wide?: boolean | undefined }} [options]
 * @returns {HTMLDivElement}
 */
export function field(label, input, { keys = [], hint, wide = false } = {}) {
  const id = input.id || `f${++fieldCounter}`;
  input.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" });
  const described = [error.id];
  let hintEl = null;
  if (hint) {
    hintEl = h("p", { class: "hint", id: `${id}-hint` }, hint);
    described.push(hintEl.id);
  }
  input.setAttribute("aria-describedby", described.join(" "));
  const keyList = [...keys, input.name].filter(Boolean);
  return h(
    "div",
    { class: wide ? "field wide" : "field", dataset: { keys: ` ${keyList.join(" ")} ` } },
    h("label", { for: id }, label),
    input,
    hintEl,
    error,
  );
}

/**
 * A checkbox with its label on the right.
 * @param {string} label
 * @param {Props & { name?: string }} [props]
 * @returns {HTMLDivElement}
 */
export function checkbox(label, props = {}) {
  const input = h("input", { type: "checkbox", ...props });
  const id = `f${++fieldCounter}`;
  input.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" });
  return h(
    "div",
    { class: "field check", dataset: { keys: ` ${props.name ?? ""} ` } },
    input,
    h("label", { for: id }, label),
    error,
  );
}

/**
 * A `<select>` from `[value, label]` pairs.
 * @param {Props | null} props
 * @param {ReadonlyArray<readonly [string | number, string]>} options
 * @param {unknown} [selected] the chosen value; without it the first option is chosen
 * @returns {HTMLSelectElement}
 */
export function select(props, options, selected) {
  return h(
    "select",
    props,
    options.map(([value, label]) =>
      h("option", { value: String(value), selected: String(value) === String(selected) }, label)
    ),
  );
}

/**
 * The error box of a form (created on demand at its top).
 * @param {HTMLFormElement} form
 * @returns {HTMLElement}
 */
function formErrorBox(form) {
  /** @type {HTMLElement | null} */
  let box = form.querySelector(":scope > .form-error");
  if (!box) {
    box = h("div", { class: "form-error", role: "alert" });
    form.prepend(box);
  }
  return box;
}

/**
 * Clears the messages shown by {@link showFormError}.
 * @param {HTMLFormElement} form
 */
export function clearFormErrors(form) {
  form.querySelector(":scope > .form-error")?.remove();
  for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/**
 * Shows a failed request on a form: per-field messages where a field matches, else at the top.
 * @param {HTMLFormElement} form
 * @param {unknown} error
 */
export function showFormError(form, error) {
  clearFormErrors(form);
  /** @type {string[]} */
  const unmatched = [];
  if (error instanceof ApiError && error.fieldErrors.length > 0) {
    for (const { key, detail } of error.fieldErrors) {
      const wrapper = key === "" ? null : form.querySelector(`[data-keys~="${CSS.escape(key)}"]`);
      const message = wrapper?.querySelector(".field-error");
      if (wrapper && message) {
        message.textContent = detail;
        wrapper.querySelector("input, select, textarea")?.setAttribute("aria-invalid", "true");
      } else unmatched.push(detail);
    }
    if (unmatched.length === 0) {
      form.querySelector(/** @type {"input"} */ ("[aria-invalid]"))?.focus();
      return;
    }
  }
  const box = formErrorBox(form);
  replace(box, errorContent(error, unmatched));
}

/**
 * The text of an error, with its status for integrators.
 * @param {unknown} error
 * @param {string[]} [details]
 * @returns {Child}
 */
export function errorContent(error, details = []) {
  if (error instanceof ApiError) {
    const text = details.length > 0 ? details.join(" ") : error.message;
    return [
      h("strong", null, text),
      " ",
      h("span", { class: "muted small" }, `(status ${error.code} ${error.statusName})`),
    ];
  }
  return h("strong", null, error instanceof Error ? error.message : String(error));
}

/**
 * A notice at the top of the page that fades after a while.
 * @param {unknown} message
 * @param {"ok" | "error" | "info"} [kind]
 */
export function toast(message, kind = "ok") {
  const area = document.getElementById("toasts");
  if (!area) return;
  const el = h(
    "div",
    { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" },
    kind === "error" && message instanceof Error ? errorContent(message) : String(message),
  );
  area.append(el);
  // A burst of notices (quick clicks) shows the latest few, not a column of them.
  while (area.children.length > 3) area.firstElementChild?.remove();
  setTimeout(() => el.remove(), kind === "error" ? 8000 : 3500);
}

/**
 * A modal confirmation; resolves true when confirmed.
 * @param {{ title: string, message: Child, confirmLabel?: string, danger?: boolean }} options
 * @returns {Promise<boolean>}
 */
export function confirmDialog({ title, message, confirmLabel = "Confirm", danger = false }) {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-labelledby": "confirm-title" },
      h(
        "form",
        { method: "dialog" },
        h("h2", { id: "confirm-title" }, title),
        h("p", null, message),
        h(
          "div",
          { class: "actions" },
          h("button", { value: "cancel", class: "secondary", type: "submit" }, "Cancel"),
          h(
            "button",
            { value: "ok", class: danger ? "danger" : "primary", type: "submit" },
            confirmLabel,
          ),
        ),
      ),
    );
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * Runs `action` with the button disabled; errors go to `onError` (default: a toast).
 * @template T
 * @param {HTMLButtonElement} button
 * @param {() => Promise<T>} action
 * @param {(error: unknown) => void} [onError]
 * @returns {Promise<T | undefined>} the action's result, undefined when it failed
 */
export async function busy(button, action, onError = (e) => toast(e, "error")) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await action();
  } catch (error) {
    onError(error);
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/**
 * A page section with a heading and optional header actions.
 * @param {string} title
 * @param {{ actions?: Child[], id?: string, headingLevel?: number }} [options]
 * @param {...Child} body
 * @returns {HTMLElement}
 */
export function card(title, { actions = [], id, headingLevel = 2 } = {}, ...body) {
  return h(
    "section",
    { class: "card", id, "aria-label": title },
    h(
      "div",
      { class: "card-head" },
      h(`h${headingLevel}`, null, title),
      h("div", { class: "card-actions" }, actions),
    ),
    body,
  );
}

/**
 * A table from column headers and rows of cells.
 * @param {Child[]} headers
 * @param {Child[][]} rows
 * @param {{ empty?: string, caption?: string }} [options]
 * @returns {HTMLElement}
 */
export function table(headers, rows, { empty = "Nothing yet.", caption } = {}) {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      null,
      caption ? h("caption", { class: "sr-only" }, caption) : null,
      h("thead", null, h("tr", null, headers.map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", null, rows.map((cells) => h("tr", null, cells.map((c) => h("td", null, c))))),
    ),
  );
}

/**
 * A loading placeholder.
 * @param {string} [text]
 * @returns {HTMLElement}
 */
export function loading(text = "Loading…") {
  return h("p", { class: "loading", role: "status" }, text);
}

/**
 * A failure message for a whole page section.
 * @param {unknown} error
 * @returns {HTMLElement}
 */
export function failure(error) {
  return h("div", { class: "form-error", role: "alert" }, errorContent(error));
}

/**
 * Tabs as links (hash routes): `[href, label, key]`.
 * @param {ReadonlyArray<readonly [string, string, string]>} items
 * @param {string} active
 * @returns {HTMLElement}
 */
export function tabs(items, active) {
  return h(
    "nav",
    { class: "tabs", "aria-label": "Sections" },
    items.map(([href, label, key]) =>
      h("a", { href, "aria-current": key === active ? "page" : null }, label)
    ),
  );
}
