// @ts-check
// The audit log's scope in a site (docs/site.md): this controller's own log
// (the default, as outside a site) or the whole site's events (`audit.get`
// with `site: true`), narrowed to one controller by name. Outside a site
// there is no scope: no select, no controller column.

import { h, select } from "../../dom.js";

/** The scope select's values. */
const SCOPES = /** @type {const} */ ({ LOCAL: "local", SITE: "site" });

/**
 * The scope controls of the audit toolbar.
 * @typedef {object} SiteScope
 * @property {HTMLElement[]} controls what goes in the toolbar (none outside a site)
 * @property {() => boolean} whole true while the whole site is shown
 * @property {() => Record<string, unknown>} value what `audit.get` takes: `{}`, or `{site: true, controller?}`
 */

/**
 * The scope select and the controller filter, for a controller in a site;
 * `changed` runs when either changes (the page then starts again from the
 * newest row: the two views' cursors do not mix).
 * @param {import("../../types.js").PageContext} ctx
 * @param {() => void} changed
 * @returns {SiteScope}
 */
export function siteScope(ctx, changed) {
  const site = ctx.session.site;
  if (site === null) return { controls: [], whole: () => false, value: () => ({}) };
  const scope = select({ id: "audit-scope", name: "scope" }, [
    [SCOPES.LOCAL, "This controller"],
    [SCOPES.SITE, "Whole site"],
  ], SCOPES.LOCAL);
  const known = h("datalist", { id: "audit-controllers" }, h("option", { value: site.controller }));
  const controller = h("input", {
    id: "audit-controller",
    name: "controller",
    type: "text",
    list: known.id,
    placeholder: "Any controller",
    autocomplete: "off",
    spellcheck: "false",
    maxlength: 32,
    size: 14,
  });
  // Each label stays beside its control when the toolbar wraps (a phone).
  const filter = h(
    "span",
    { class: "toolbar-pair" },
    h("label", { for: controller.id }, "Controller"),
    controller,
  );
  const toggle = () => {
    filter.hidden = scope.value !== SCOPES.SITE;
  };
  toggle();
  scope.addEventListener("change", () => {
    toggle();
    changed();
  });
  controller.addEventListener("change", changed);
  // Suggest the controllers that own doors (door.status lists every door of the site).
  ctx.api.request("door.status", { door_id: 0 }).then((reply) => {
    const names = new Set(
      (reply?.doors ?? []).map((/** @type {{ controller?: string }} */ d) => d.controller),
    );
    names.delete(site.controller);
    names.delete(undefined);
    known.append(...[...names].sort().map((name) => h("option", { value: String(name) })));
  }).catch(() => {/* this controller is suggested alone */});
  return {
    controls: [
      h("span", { class: "toolbar-pair" }, h("label", { for: scope.id }, "Scope"), scope),
      filter,
      known,
    ],
    whole: () => scope.value === SCOPES.SITE,
    value: () => {
      if (scope.value !== SCOPES.SITE) return {};
      const name = controller.value.trim();
      return name ? { site: true, controller: name } : { site: true };
    },
  };
}
