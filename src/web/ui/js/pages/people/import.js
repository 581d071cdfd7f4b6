// @ts-check
// The People page's CSV import (administrators): choose a file, preview the
// plan (`people.import` with dry_run), then apply it. The columns are those
// of `leosac import people`; a WebSocket frame holds 1 MiB, so larger files
// go through that command on the controller.

import { busy, card, checkbox, h, replace, table, toast } from "../../dom.js";

/** Largest file sent from the browser, in characters (the server's limit). */
const MAX_CSV_CHARS = 1_000_000;
/** How long an import may take before the page gives up waiting. */
const IMPORT_TIMEOUT_MS = 120_000;

/**
 * The import panel.
 * @param {import("../../types.js").PageContext} ctx
 * @param {() => void} onApplied called after a successful import (reload the list)
 * @returns {HTMLElement}
 */
export function importPanel(ctx, onApplied) {
  const file = h("input", { type: "file", accept: ".csv,text/csv", "aria-label": "CSV file" });
  const ignore = checkbox("Ignore unknown columns");
  const result = h("div", { class: "import-result", "aria-live": "polite" });
  const preview = h("button", { type: "button", disabled: true }, "Preview");
  const apply = h("button", { type: "button", class: "primary", disabled: true }, "Import");
  /** @type {string | null} */
  let csv = null;
  file.addEventListener("change", async () => {
    // Nothing to preview until the new file is read (a quick click would send the old one).
    preview.disabled = true;
    apply.disabled = true;
    csv = null;
    const chosen = /** @type {HTMLInputElement} */ (file).files?.[0];
    if (!chosen) return void replace(result);
    const text = await chosen.text();
    if (text.length > MAX_CSV_CHARS) {
      preview.disabled = true;
      return void replace(
        result,
        h(
          "p",
          { class: "form-error", role: "alert" },
          `${chosen.name} is too large for the browser (${text.length.toLocaleString()} characters, ` +
            `at most ${MAX_CSV_CHARS.toLocaleString()}): run "leosac import people ${chosen.name}" ` +
            "on the controller instead.",
        ),
      );
    }
    csv = text;
    preview.disabled = false;
    replace(result, h("p", { class: "muted" }, `${chosen.name}: press Preview to check it.`));
  });
  /** @param {boolean} dryRun */
  const send = (dryRun) =>
    ctx.api.request("people.import", {
      csv,
      dry_run: dryRun,
      ignore_unknown_columns: /** @type {HTMLInputElement} */ (ignore.querySelector("input"))
        .checked,
    }, { timeoutMs: IMPORT_TIMEOUT_MS });
  preview.addEventListener("click", () =>
    busy(preview, async () => {
      const plan = await send(true);
      replace(result, drawPlan(plan));
      apply.disabled = plan.error_count > 0 || plan.add + plan.update === 0;
    }));
  apply.addEventListener("click", () =>
    busy(apply, async () => {
      const done = await send(false);
      replace(result, drawPlan(done));
      apply.disabled = true;
      if (done.applied) {
        toast(`Imported: ${done.summary}.`);
        onApplied();
      }
    }));
  return card(
    "Import people from a CSV file",
    {},
    h(
      "p",
      { class: "muted" },
      "Columns (header row, any order): username, firstname, lastname, email, groups (separated " +
        "by ;), card_format, facility, card_number, or card_hex and card_bits, pin, valid_from, " +
        "valid_until, enabled. People are matched by username; nothing is written unless every " +
        "row is valid. At most 1 MB here (about 8,000 people): for larger files run " +
        '"leosac import people FILE.csv" on the controller.',
    ),
    h("div", { class: "toolbar" }, file, ignore, preview, apply),
    result,
  );
}

/**
 * The plan or result of an import.
 * @param {any} plan the reply of `people.import`
 * @returns {HTMLElement}
 */
function drawPlan(plan) {
  if (plan.error_count > 0) {
    return h(
      "div",
      { class: "form-error", role: "alert" },
      h(
        "p",
        null,
        `${plan.error_count} ${
          plan.error_count === 1 ? "error" : "errors"
        }: nothing was imported.` +
          (plan.error_count > plan.errors.length ? ` The first ${plan.errors.length}:` : ""),
      ),
      table(
        ["Line", "Column", "Problem"],
        plan.errors.map((/** @type {any} */ e) => [String(e.line), e.column ?? "—", e.message]),
        { caption: "Import errors" },
      ),
    );
  }
  const nothing = plan.add + plan.update === 0;
  return h(
    "div",
    { class: "import-plan" },
    h(
      "p",
      { role: "status" },
      nothing
        ? `Nothing to change: the ${plan.rows} people of the file already match.`
        : plan.applied
        ? `Imported: ${plan.summary}.`
        : `Plan: ${plan.summary}.`,
    ),
    plan.preview.length > 0 && !plan.applied
      ? table(
        ["Line", "Username", "Change"],
        plan.preview.map((/** @type {any} */ p) => [String(p.line), p.username, p.action]),
        { caption: "Planned changes" },
      )
      : null,
  );
}
