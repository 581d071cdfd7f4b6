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

/** What a failed call means to a person, by status, when the server's text is not a sentence. */
const STATUS_SENTENCES = /** @type {Record<number, string>} */ ({
  1: "The controller could not do that.",
  2: "Your account is not allowed to do that.",
  3: "Too many attempts: wait a moment and try again.",
  4: "The controller did not understand the request.",
  5: "The controller did not understand the request.",
  6: "The controller did not answer in time. Check the connection and try again.",
  7: "Your session ended. Log in again.",
  8: "It no longer exists: someone may have deleted it. Reload the page.",
  9: "The controller could not save the change. Try again.",
  10: "Something went wrong on the controller.",
  11: "The controller refused the values.",
  12: "The controller refused the values.",
});

/**
 * A server message as a sentence: exception class names and prefixes
 * (`ModelException: model: …`, `[LEOSACException]: …`) removed, the first
 * letter capitalised, a full stop at the end. Empty when nothing readable is left.
 * @param {string} text
 * @returns {string}
 */
export function asSentence(text) {
  let rest = text.trim();
  for (;;) {
    const next = rest
      .replace(/^\[[^\]]*\]:?\s*/, "")
      .replace(/^[A-Za-z]*(?:Exception|Error)\b:?\s*/, "")
      .replace(/^(?:model|status \d+|error|failure):\s*/i, "");
    if (next === rest) break;
    rest = next;
  }
  if (!/[A-Za-z]/.test(rest) || /^[A-Z_]+$/.test(rest)) return "";
  rest = rest[0]?.toUpperCase() + rest.slice(1);
  return /[.!?…]$/.test(rest) ? rest : `${rest}.`;
}

/**
 * The text of an error, for a person: a sentence, never a class name or a
 * status code (the status stays on the element, `data-status`, for integrators).
 * @param {unknown} error
 * @param {string[]} [details]
 * @returns {Child}
 */
export function errorContent(error, details = []) {
  if (error instanceof ApiError) {
    const text = details.length > 0
      ? details.map(asSentence).filter(Boolean).join(" ")
      : asSentence(error.message);
    return h(
      "strong",
      { dataset: { status: `${error.code} ${error.statusName}` } },
      text || STATUS_SENTENCES[error.code] || "Something went wrong on the controller.",
    );
  }
  const text = asSentence(error instanceof Error ? error.message : String(error));
  return h("strong", null, text || "Something went wrong.");
}

/**
 * Removes the error notices: they are about the page being left (a success
 * notice such as "Door created" stays, it is about the page shown next).
 */
export function clearErrorToasts() {
  for (const el of document.querySelectorAll("#toasts .toast.error")) el.remove();
}

/**
 * A notice in the page's corner that fades after a while (errors stay until
 * closed or until the page changes). It never covers a control for long: it
 * can be closed, and it sits above the page content, not over a form's buttons.
 * @param {unknown} message
 * @param {"ok" | "error" | "info"} [kind]
 */
export function toast(message, kind = "ok") {
  const area = document.getElementById("toasts");
  if (!area) return;
  const close = h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss" }, "×");
  const el = h(
    "div",
    { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" },
    h(
      "span",
      null,
      kind === "error" ? errorContent(message) : String(message),
    ),
    close,
  );
  close.addEventListener("click", () => el.remove());
  area.append(el);
  // A burst of notices (quick clicks) shows the latest few, not a column of them.
  while (area.children.length > 3) area.firstElementChild?.remove();
  setTimeout(() => el.remove(), kind === "error" ? 12000 : 3500);
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
    // Browser Back (or any navigation) answers "cancel": the dialog belongs to the page left.
    const cancel = () => dialog.close("cancel");
    globalThis.addEventListener("hashchange", cancel);
    globalThis.addEventListener("popstate", cancel);
    dialog.addEventListener("close", () => {
      globalThis.removeEventListener("hashchange", cancel);
      globalThis.removeEventListener("popstate", cancel);
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
    { class: "table-wrap stack" },
    h(
      "table",
      null,
      caption ? h("caption", { class: "sr-only" }, caption) : null,
      h("thead", null, h("tr", null, headers.map((x) => h("th", { scope: "col" }, x)))),
      h(
        "tbody",
        null,
        rows.map((cells) =>
          h(
            "tr",
            null,
            cells.map((c, i) => {
              const label = headers[i];
              // On a phone each row is a stacked block: the cell names its column.
              return h("td", { "data-label": typeof label === "string" ? label : null }, c);
            }),
          )
        ),
      ),
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
