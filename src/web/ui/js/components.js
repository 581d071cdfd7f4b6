// @ts-check
// Reusable widgets built on dom.js: a multi-value picker and a validity editor.

import { checkbox, clearFormErrors, field, h, replace } from "./dom.js";
import { dateInputValue, dateToWire } from "./format.js";

/** A select option: `[value, label]`. @typedef {readonly [string | number, string]} Option */

/**
 * One field of {@link specForm}. `key` is the wire attribute name (so server
 * errors land on it); `errorKeys` are other attribute names whose errors
 * belong to this field.
 * @typedef {object} FieldSpec
 * @property {string} key
 * @property {string} label
 * @property {"text" | "number" | "select" | "check" | "picker" | "textarea"} type
 * @property {string} [hint]
 * @property {ReadonlyArray<Option>} [options] select and picker choices
 * @property {string[]} [errorKeys]
 * @property {number} [min]
 * @property {number} [max]
 * @property {boolean} [required]
 * @property {boolean} [readonly]
 * @property {boolean} [wide]
 * @property {boolean} [numeric] a select whose values are numbers
 * @property {unknown} [default] the value when `initial` has none
 */

/**
 * A multi-value picker: chosen items as removable chips plus a `<select>` to
 * add one. `options` are `[id, label]`. Returns `{element, value()}`.
 * @param {string} label
 * @param {ReadonlyArray<Option>} options
 * @param {ReadonlyArray<string | number>} [selected]
 * @param {{ disabled?: boolean, name?: string }} [settings]
 * @returns {{ element: HTMLDivElement, value: () => number[] }}
 */
export function picker(label, options, selected = [], { disabled = false, name } = {}) {
  const chosen = new Set(selected.map(Number));
  const labels = new Map(options.map(([id, text]) => [Number(id), text]));
  const chips = h("div", { class: "chips", "aria-live": "polite" });
  const adder = h("select", { disabled, name });
  const draw = () => {
    replace(
      chips,
      [...chosen].map((id) => {
        const text = labels.get(id) ?? `#${id}`;
        return h(
          "span",
          { class: "chip" },
          text,
          disabled ? null : h("button", {
            type: "button",
            "aria-label": `Remove ${text}`,
            onclick: () => {
              chosen.delete(id);
              draw();
            },
          }, "×"),
        );
      }),
      chosen.size === 0 ? h("span", { class: "muted small" }, "None") : null,
    );
    replace(
      adder,
      h("option", { value: "" }, options.length === 0 ? "Nothing to add" : "Add…"),
      options.filter(([id]) => !chosen.has(Number(id))).map(([id, text]) =>
        h("option", { value: String(id) }, text)
      ),
    );
  };
  adder.addEventListener("change", () => {
    if (adder.value !== "") chosen.add(Number(adder.value));
    draw();
    adder.focus();
  });
  draw();
  const wrapper = field(label, adder, { keys: name ? [name] : [] });
  wrapper.insertBefore(chips, adder);
  return { element: wrapper, value: () => [...chosen] };
}

/**
 * The validity fields of users and credentials. Returns `{elements,
 * attributes()}` with the wire attributes.
 * @param {Record<string, any>} [attributes]
 * @param {{ disabled?: boolean, enabledLabel?: string }} [settings]
 * @returns {{ elements: HTMLElement[], attributes: () => Record<string, unknown> }}
 */
export function validityFields(
  attributes = {},
  { disabled = false, enabledLabel = "Enabled" } = {},
) {
  const enabled = checkbox(enabledLabel, {
    name: "validity-enabled",
    checked: attributes["validity-enabled"] ?? true,
    disabled,
  });
  const start = h("input", {
    type: "date",
    name: "validity-start",
    value: dateInputValue(attributes["validity-start"]),
    disabled,
  });
  const end = h("input", {
    type: "date",
    name: "validity-end",
    value: dateInputValue(attributes["validity-end"]),
    disabled,
  });
  return {
    elements: [
      field("Valid from", start, { hint: "Empty: no start date" }),
      field("Valid until", end, { hint: "Empty: never expires (inclusive)" }),
      enabled,
    ],
    attributes: () => ({
      "validity-enabled": checked(enabled),
      "validity-start": dateToWire(start.value, false),
      "validity-end": dateToWire(end.value, true),
    }),
  };
}

/**
 * Whether the checkbox of a {@link checkbox} wrapper is ticked.
 * @param {HTMLElement} wrapper
 * @returns {boolean}
 */
function checked(wrapper) {
  return wrapper.querySelector("input")?.checked ?? false;
}

/**
 * A validity summary badge from wire attributes.
 * @param {Record<string, any>} attributes
 * @param {number} [now]
 * @returns {HTMLElement}
 */
export function validityBadge(attributes, now = Date.now()) {
  if (attributes["validity-enabled"] === false) {
    return h("span", { class: "badge bad" }, "Disabled");
  }
  const start = dateInputValue(attributes["validity-start"]);
  const end = dateInputValue(attributes["validity-end"]);
  if (start && Date.parse(dateToWire(start, false)) > now) {
    return h("span", { class: "badge warn" }, `From ${start}`);
  }
  if (end && Date.parse(dateToWire(end, true)) < now) {
    return h("span", { class: "badge bad" }, `Expired ${end}`);
  }
  return h("span", { class: "badge ok" }, end ? `Until ${end}` : "Active");
}

/**
 * A form from a field spec. Each spec: `{key, label, type, hint, options,
 * errorKeys, min, max, required, wide}` where type is text | number | select |
 * check | picker | textarea. `key` is the wire attribute name (so server errors
 * land on it). Returns `{form, fields, values()}`; `values()` maps key → value
 * (numbers as numbers, empty numbers as null, pickers as id arrays).
 * @param {string} label
 * @param {FieldSpec[]} spec
 * @param {Record<string, any>} [initial]
 * @param {{ disabled?: boolean, submitLabel?: string, extra?: import("./dom.js").Child[] }} [settings]
 * @returns {{ form: HTMLFormElement, submit: HTMLButtonElement, values: () => Record<string, any> }}
 */
export function specForm(
  label,
  spec,
  initial = {},
  { disabled = false, submitLabel, extra = [] } = {},
) {
  /** @type {[string, () => unknown][]} */
  const readers = [];
  const fields = spec.map((s) => {
    const value = initial[s.key];
    const keys = [s.key, ...(s.errorKeys ?? [])];
    if (s.type === "check") {
      const box = checkbox(s.label, {
        name: s.key,
        checked: value ?? s.default ?? false,
        disabled,
      });
      box.dataset.keys = ` ${keys.join(" ")} `;
      readers.push([s.key, () => checked(box)]);
      return box;
    }
    if (s.type === "picker") {
      const p = picker(s.label, s.options ?? [], value ?? [], { disabled, name: s.key });
      readers.push([s.key, p.value]);
      return p.element;
    }
    /** @type {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} */
    let input;
    if (s.type === "select") {
      input = h(
        "select",
        { name: s.key, disabled },
        (s.options ?? []).map(([v, text]) =>
          h("option", {
            value: String(v),
            selected: String(v) === String(value ?? s.default ?? ""),
          }, text)
        ),
      );
    } else if (s.type === "textarea") {
      input = h("textarea", { name: s.key, rows: "2", disabled }, value ?? "");
    } else {
      input = h("input", {
        name: s.key,
        type: s.type === "number" ? "number" : "text",
        value: value ?? s.default ?? "",
        min: s.min,
        max: s.max,
        required: s.required,
        readonly: s.readonly,
        disabled,
        autocomplete: "off",
      });
    }
    readers.push([s.key, () => {
      if (s.type === "number") return input.value === "" ? null : Number(input.value);
      if (s.type === "select" && s.numeric) return input.value === "" ? null : Number(input.value);
      return input.value;
    }]);
    return field(s.label, input, { keys, hint: s.hint, wide: s.wide });
  });
  const submit = h("button", { type: "submit", class: "primary" }, submitLabel ?? "Save");
  const form = h(
    "form",
    { class: "form", "aria-label": label, novalidate: true },
    fields,
    extra,
    disabled ? null : h("div", { class: "actions" }, submit),
  );
  // Required fields are checked here, before the caller's submit handler
  // (registered later) sends anything: the message goes next to the field.
  form.addEventListener("submit", (event) => {
    clearFormErrors(form);
    /** @type {HTMLInputElement | null} */
    let first = null;
    for (const s of spec.filter((x) => x.required)) {
      /** @type {HTMLInputElement | null} */
      const input = form.querySelector(`[name="${CSS.escape(s.key)}"]`);
      if (!input || String(input.value).trim() !== "") continue;
      const wrapper = input.closest(".field");
      const message = wrapper?.querySelector(".field-error");
      if (message) message.textContent = `${s.label} is required.`;
      input.setAttribute("aria-invalid", "true");
      first ??= input;
    }
    if (first) {
      event.preventDefault();
      event.stopImmediatePropagation();
      first.focus();
    }
  });
  return {
    form,
    submit,
    values: () => Object.fromEntries(readers.map(([key, read]) => [key, read()])),
  };
}
