// Placeholder until the page is written.

import { h, replace } from "../dom.js";

/** Renders the page into `view`. */
export function render(view) {
  replace(view, h("h1", null, "doors"), h("p", { class: "empty" }, "This page is not ready yet."));
}
