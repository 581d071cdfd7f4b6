// @ts-check
// What the Doors & readers pages share: the tabs, the option lists, reading
// a whole resource, and the editor's save and delete wiring.

import {
  busy,
  card,
  confirmDialog,
  failure,
  h,
  loading,
  replace,
  showFormError,
  tabs,
  toast,
} from "../../dom.js";

/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../../types.js").PageContext} PageContext */
/** @typedef {import("../../dom.js").Child} Child */
/** @typedef {import("../../api.js").Api} Api */

/**
 * A resource with an editor: its wire calls (`<type>.create`, `.update`,
 * `.delete`, keyed by `idKey`), its names and its editor's route.
 * @typedef {object} Resource
 * @property {string} type wire prefix
 * @property {string} idKey the id's key in update and delete calls
 * @property {string} label capitalised name ("Access point")
 * @property {string} noun name inside a sentence ("access point")
 * @property {string} route editor route without the id ("doors/access-point")
 * @property {boolean} [textId] ids are strings (devices), else numbers
 */

const TABS = /** @type {const} */ ([
  ["#/doors", "Doors", "doors"],
  ["#/doors/access-points", "Access points", "access-points"],
  ["#/doors/zones", "Zones", "zones"],
  ["#/doors/devices", "Devices", "devices"],
]);

/** What an access point's reader asks for. @type {[string, string][]} */
export const READER_MODES = [
  ["card", "Card only"],
  ["pin", "PIN only"],
  ["card_and_pin", "Card and PIN"],
  ["card_or_pin", "Card or PIN"],
];

/** An access point's direction for anti-passback. @type {[string, string][]} */
export const DIRECTIONS = [["none", "Not counted"], ["entry", "Entry"], [
  "exit",
  "Exit",
]];

/** A zone's anti-passback. @type {[string, string][]} */
export const ANTIPASSBACK = [["off", "Off"], ["soft", "Soft (log only)"], [
  "hard",
  "Hard (deny)",
]];

/**
 * The label of `value` in `[value, label]` pairs, else `fallback`.
 * @param {ReadonlyArray<readonly [string, string]>} pairs
 * @param {unknown} value
 * @param {Child} fallback
 * @returns {Child}
 */
export function labelOf(pairs, value, fallback) {
  return pairs.find(([v]) => v === value)?.[1] ?? fallback;
}

/**
 * The section heading and tabs, `active` highlighted.
 * @param {string} active
 * @returns {Child[]}
 */
export function header(active) {
  return [h("h1", null, "Doors & readers"), tabs(TABS, active)];
}

/**
 * A link back to a list.
 * @param {string} href
 * @param {string} text
 * @returns {HTMLElement}
 */
export function crumbs(href, text) {
  return h("p", { class: "crumbs" }, h("a", { href }, `← ${text}`));
}

/**
 * Every entity of a resource (`<type>.read` with id 0).
 * @param {Api} api
 * @param {string} type door | access_point | zone | schedule
 * @returns {Promise<Entity[]>}
 */
export function readAll(api, type) {
  return api.request(`${type}.read`, { [`${type}_id`]: 0 }).then((d) => d.data ?? []);
}

/**
 * An entity's alias, or `#<id>` when it has none.
 * @param {Entity} entity
 * @returns {string}
 */
export function aliasOf(entity) {
  return entity.attributes.alias || `#${entity.id}`;
}

/**
 * Shows `top` and a loading line, then runs `load`. On failure shows it under
 * `top` and resolves null.
 * @template T
 * @param {HTMLElement} view
 * @param {Child[]} top
 * @param {() => Promise<T>} load
 * @returns {Promise<T | null>}
 */
export async function loadInto(view, top, load) {
  replace(view, top, loading());
  try {
    return await load();
  } catch (error) {
    replace(view, top, failure(error));
    return null;
  }
}

/**
 * A "New …" link for a list card's actions, when the user may create.
 * @param {boolean} allowed
 * @param {string} href
 * @param {string} text
 * @param {string} [className]
 * @returns {Child[]}
 */
export function newLink(
  allowed,
  href,
  text,
  className = "button-link primary",
) {
  return allowed ? [h("a", { href, class: className }, text)] : [];
}

/**
 * Saves the editor's form on submit: creates (then opens the new entity) or
 * updates `id`. Field errors from the server land on their fields.
 * @param {PageContext} ctx
 * @param {Resource} resource
 * @param {{ form: HTMLFormElement, submit: HTMLButtonElement }} editor
 * @param {string | null} id null when creating
 * @param {() => Record<string, unknown>} attributes the wire attributes from the form
 */
export function saveOnSubmit(ctx, resource, { form, submit }, id, attributes) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = attributes();
    busy(submit, async () => {
      if (id === null) {
        const doc = await ctx.api.request(`${resource.type}.create`, {
          attributes: values,
        });
        toast(`${resource.label} created`);
        ctx.navigate(`${resource.route}/${encodeURIComponent(doc.data.id)}`);
      } else {
        await ctx.api.request(`${resource.type}.update`, {
          [resource.idKey]: wireId(resource, id),
          attributes: values,
        });
        toast("Saved");
      }
    }, (error) => showFormError(form, error));
  });
}

/**
 * @param {Resource} resource
 * @param {string} id
 * @returns {string | number}
 */
function wireId(resource, id) {
  return resource.textId ? id : Number(id);
}

/**
 * A "Delete …" button that asks first, deletes `id` and goes to `back`.
 * @param {PageContext} ctx
 * @param {Resource} resource
 * @param {string} id
 * @param {{ title: string, message: string, back: string }} texts
 * @returns {HTMLButtonElement}
 */
export function deleteButton(ctx, resource, id, { title, message, back }) {
  const button = h(
    "button",
    { type: "button", class: "danger small" },
    `Delete ${resource.noun}`,
  );
  button.addEventListener("click", async () => {
    if (
      !(await confirmDialog({
        title,
        message,
        confirmLabel: "Delete",
        danger: true,
      }))
    ) return;
    await busy(button, async () => {
      await ctx.api.request(`${resource.type}.delete`, {
        [resource.idKey]: wireId(resource, id),
      });
      toast("Deleted");
      ctx.navigate(back);
    });
  });
  return button;
}

/**
 * Shows an editor page: the way back, its title, an optional notice, and
 * the form in a card with the delete button.
 * @param {HTMLElement} view
 * @param {{ back: HTMLElement, title: string, resource: Resource, form: HTMLFormElement, remove: HTMLButtonElement | null, notice?: Child }} page
 */
export function showEditor(
  view,
  { back, title, resource, form, remove, notice = null },
) {
  replace(
    view,
    back,
    h("h1", null, title),
    notice,
    card(resource.label, { actions: remove ? [remove] : [] }, form),
  );
}
