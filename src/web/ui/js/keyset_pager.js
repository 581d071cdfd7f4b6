// @ts-check
// Keyset paging for lists too long to load (people, cards, group members,
// audit): the server returns a page and the cursor of the next one
// (`meta.next`); the pager keeps the cursors it has seen so that Previous
// goes back without counting rows.

import { failure, h, loading, replace } from "./dom.js";

/**
 * @template T
 * @typedef {{ rows: T[], next: string | null }} Page
 */

/**
 * A paged list: `load(after)` reads one page (after: undefined for the
 * first), `draw(rows)` renders it. `reload()` starts again from the first
 * page (after a new search).
 * @template T
 * @param {(after: string | undefined) => Promise<Page<T>>} load
 * @param {(rows: T[]) => import("./dom.js").Child} draw
 * @param {{ label: string }} settings what the pager moves through ("users")
 * @returns {{ element: HTMLDivElement, reload: () => Promise<void> }}
 */
export function keysetPager(load, draw, { label }) {
  /** @type {Array<string | undefined>} the cursor of each page seen */
  let cursors = [undefined];
  let index = 0;
  let asked = 0;
  const body = h("div");
  const prev = h("button", { type: "button", class: "small" }, "← Previous");
  const next = h("button", { type: "button", class: "small" }, "Next →");
  const info = h("span", { class: "muted small", "aria-live": "polite" });
  const show = async () => {
    const mine = ++asked;
    prev.disabled = true;
    next.disabled = true;
    if (body.childElementCount === 0) replace(body, loading());
    try {
      const page = await load(cursors[index]);
      if (mine !== asked) return;
      cursors = cursors.slice(0, index + 1);
      if (page.next !== null) cursors.push(page.next);
      replace(body, draw(page.rows));
      prev.disabled = index === 0;
      next.disabled = page.next === null;
      info.textContent = `Page ${index + 1}${page.next === null ? " (last)" : ""}`;
    } catch (error) {
      if (mine === asked) replace(body, failure(error));
    }
  };
  prev.addEventListener("click", () => {
    index = Math.max(0, index - 1);
    show();
  });
  next.addEventListener("click", () => {
    if (index + 1 < cursors.length) index += 1;
    show();
  });
  const element = h(
    "div",
    null,
    body,
    h("nav", { class: "pager", "aria-label": `Pages of ${label}` }, prev, next, info),
  );
  return {
    element,
    reload: () => {
      cursors = [undefined];
      index = 0;
      return show();
    },
  };
}
