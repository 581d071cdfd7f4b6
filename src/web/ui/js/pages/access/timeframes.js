// @ts-check
// A schedule's weekly timeframes: the editable rows (day, start, end) and the
// fieldset that holds them.

import { h, select } from "../../dom.js";
import { clockText, DAYS, timeInputValue } from "../../format.js";

/** A weekly timeframe as the wire spells it. @typedef {{ day?: number, "start-time"?: string, "end-time"?: string }} Timeframe */
/** A timeframe row that reads its inputs back. @typedef {HTMLTableRowElement & { frame: () => Timeframe }} TimeframeRow */

/**
 * One editable timeframe row.
 * @param {Timeframe} frame
 * @param {(row: TimeframeRow) => void} onRemove
 * @param {boolean} disabled
 * @returns {TimeframeRow}
 */
function timeframeRow(frame, onRemove, disabled) {
  const day = select(
    { "aria-label": "Day", disabled },
    DAYS.map((d, i) => [i, d]),
    frame.day ?? 0,
  );
  const start = h("input", {
    type: "time",
    "aria-label": "Start",
    value: timeInputValue(frame["start-time"] ?? "8:0"),
    disabled,
    required: true,
  });
  const end = h("input", {
    type: "time",
    "aria-label": "End",
    value: timeInputValue(frame["end-time"] ?? "18:0"),
    disabled,
    required: true,
  });
  const remove = disabled
    ? null
    : h("button", { type: "button", class: "link", "aria-label": "Remove timeframe" }, "Remove");
  const row = /** @type {TimeframeRow} */ (h(
    "tr",
    null,
    h("td", null, day),
    h("td", null, start),
    h("td", null, end),
    h("td", null, remove),
  ));
  remove?.addEventListener("click", () => onRemove(row));
  row.frame = () => ({ day: Number(day.value), "start-time": start.value, "end-time": end.value });
  return row;
}

/**
 * The weekly timeframes table with its add buttons.
 * @param {Timeframe[] | undefined} frames
 * @param {boolean} disabled
 * @returns {{ element: HTMLFieldSetElement, value: () => Timeframe[] }}
 */
export function timeframesEditor(frames, disabled) {
  const body = h("tbody");
  const empty = h("p", { class: "empty" }, "No timeframe: this schedule never grants access.");
  const update = () => {
    empty.hidden = body.children.length > 0;
  };
  const add = (/** @type {Timeframe} */ frame) => {
    body.append(timeframeRow(frame, (row) => {
      row.remove();
      update();
    }, disabled));
    update();
  };
  for (const f of frames ?? []) add(f);
  const buttons = disabled ? null : h(
    "div",
    { class: "button-row" },
    h(
      "button",
      { type: "button", class: "secondary small", onclick: () => add({}) },
      "Add timeframe",
    ),
    h("button", {
      type: "button",
      class: "secondary small",
      onclick: () =>
        [0, 1, 2, 3, 4].forEach((day) => add({ day, "start-time": "8:0", "end-time": "18:0" })),
    }, `Add Mon–Fri ${clockText("8:0")}–${clockText("18:0")}`),
    h("button", {
      type: "button",
      class: "secondary small",
      onclick: () =>
        [0, 1, 2, 3, 4, 5, 6].forEach((day) =>
          add({ day, "start-time": "0:0", "end-time": "23:59" })
        ),
    }, "Add every day, all day"),
  );
  update();
  const element = h(
    "fieldset",
    { class: "wide", dataset: { keys: " timeframes " } },
    h("legend", null, "Weekly timeframes"),
    h(
      "p",
      { class: "hint" },
      "Start and end are inclusive; an end before the start runs past midnight.",
    ),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "timeframes" },
        h(
          "thead",
          null,
          h("tr", null, ["Day", "Start", "End", ""].map((x) => h("th", { scope: "col" }, x))),
        ),
        body,
      ),
    ),
    empty,
    buttons,
    h("p", { class: "field-error" }),
  );
  return {
    element,
    value: () => [...body.children].map((row) => /** @type {TimeframeRow} */ (row).frame()),
  };
}
