// @ts-check
// What the section pages share: the way back, reading a whole resource,
// loading into the page, and an editor's save and delete wiring.

import { ApiError } from "../api.js";
import {
  busy,
  card,
  confirmDialog,
  failure,
  h,
  loading,
  replace,
  showFormError,
  toast,
} from "../dom.js";

/** @typedef {import("../types.js").Entity} Entity */
/** @typedef {import("../types.js").PageContext} PageContext */
/** @typedef {import("../types.js").Ref} Ref */
/** @typedef {import("../dom.js").Child} Child */
/** @typedef {import("../api.js").Api} Api */

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
 * @param {string} type door | access_point | zone | schedule | user | group
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
 * The numeric ids of an entity's `name` relationship (none when absent).
 * @param {Entity} entity
 * @param {string} name e.g. credentials, memberships
 * @returns {number[]}
 */
export function relatedIds(entity, name) {
  return (entity.relationships?.[name]?.data ?? []).map((/** @type {Ref} */ r) => Number(r.id));
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
 * updates `id`. Field errors from the server land on their fields. An update
 * sends the `version` the page read (and then the one the save returned), so
 * a save over someone else's change is refused: see {@link showSaveError}.
 * @param {PageContext} ctx
 * @param {Resource} resource
 * @param {{ form: HTMLFormElement, submit: HTMLButtonElement }} editor
 * @param {string | null} id null when creating
 * @param {() => Record<string, unknown>} attributes the wire attributes from the form
 * @param {number} [version] the entity's version as read (none: last writer wins)
 * @returns {() => number | undefined} the version the page holds now (for its delete button)
 */
export function saveOnSubmit(ctx, resource, { form, submit }, id, attributes, version) {
  let current = version;
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
        const doc = await ctx.api.request(`${resource.type}.update`, {
          [resource.idKey]: wireId(resource, id),
          attributes: withVersion(values, current),
        });
        current = doc?.data?.attributes?.version ?? current;
        form.dispatchEvent(new CustomEvent(SAVED_EVENT, { detail: doc }));
        toast("Saved");
      }
    }, (error) => showSaveError(ctx, form, error));
  });
  return () => current;
}

/**
 * `attributes` with the version the page read, when it has one.
 * @param {Record<string, unknown>} attributes
 * @param {number | undefined} version
 * @returns {Record<string, unknown>}
 */
export function withVersion(attributes, version) {
  return typeof version === "number" ? { ...attributes, version } : attributes;
}

/**
 * True when a save was refused because someone else changed the entity
 * after it was read (the server's error on `data/attributes/version`).
 * @param {unknown} error
 * @returns {boolean}
 */
export function isStaleVersion(error) {
  return error instanceof ApiError && error.fieldErrors.some((e) => e.key === "version");
}

/**
 * Shows a save's error on its form. When someone else saved first, the
 * server's sentence ("This door was changed by someone else after you opened
 * it. Reload to see their change.") comes with a Reload button, and the form
 * keeps what the person typed until they press it.
 * @param {PageContext} ctx
 * @param {HTMLFormElement} form
 * @param {unknown} error
 */
export function showSaveError(ctx, form, error) {
  showFormError(form, error);
  if (!isStaleVersion(error)) return;
  const box = form.querySelector(":scope > .form-error");
  const reload = h("button", { type: "button", class: "small" }, "Reload");
  reload.addEventListener("click", () => ctx.navigate(location.hash.replace(/^#\//, "")));
  box?.append(" ", reload);
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
 * A delete's content: the id, and the version the page holds, when it has one.
 * @param {string} idKey
 * @param {string | number} id
 * @param {number | undefined} version
 * @returns {Record<string, unknown>}
 */
export function deleteContent(idKey, id, version) {
  return typeof version === "number" ? { [idKey]: id, version } : { [idKey]: id };
}

/**
 * A "Delete …" button that asks first, deletes `id`, says `done` and goes to
 * `back`. It sends the version the page holds (`version`, e.g. what
 * {@link saveOnSubmit} returns), so deleting a record someone else changed
 * meanwhile is refused: the server's sentence then shows on the editor's form
 * (the one in the button's card) with a Reload button.
 * @param {PageContext} ctx
 * @param {Resource} resource
 * @param {string} id
 * @param {{ title: string, message: string, back: string, done?: string, version?: () => number | undefined }} texts
 * @returns {HTMLButtonElement}
 */
export function deleteButton(
  ctx,
  resource,
  id,
  { title, message, back, done = "Deleted", version = () => undefined },
) {
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
      await ctx.api.request(
        `${resource.type}.delete`,
        deleteContent(resource.idKey, wireId(resource, id), version()),
      );
      toast(done);
      ctx.navigate(back);
    }, (error) => {
      const form = button.closest(".card")?.querySelector("form");
      if (isStaleVersion(error) && form) showSaveError(ctx, form, error);
      else toast(error, "error");
    });
  });
  return button;
}

/** Dispatched on an editor's form after an update was saved; `detail` is the server's document. */
export const SAVED_EVENT = "leosac-saved";

/**
 * Shows an editor page: the way back, its title, an optional notice, and
 * the form in a card with the delete button. With `titleOf`, the title
 * follows a saved rename (the saved entity's attributes give the new one).
 * @param {HTMLElement} view
 * @param {{ back: HTMLElement, title: string, titleOf?: (attributes: Record<string, any>) => string, resource: Resource, form: HTMLFormElement, remove: HTMLButtonElement | null, notice?: Child }} page
 */
export function showEditor(
  view,
  { back, title, titleOf, resource, form, remove, notice = null },
) {
  const heading = h("h1", null, title);
  if (titleOf) {
    form.addEventListener(SAVED_EVENT, (event) => {
      const attributes = /** @type {CustomEvent} */ (event).detail?.data?.attributes;
      if (attributes) heading.textContent = titleOf(attributes);
    });
  }
  replace(
    view,
    back,
    heading,
    notice,
    card(resource.label, { actions: remove ? [remove] : [] }, form),
  );
}
