// @ts-check
// Holidays: the days on which schedules do not grant access (unless marked
// "also applies on holidays"), with the form that adds one.

import {
  busy,
  card,
  checkbox,
  clearFormErrors,
  confirmDialog,
  field,
  h,
  replace,
  showFormError,
  table,
  toast,
} from "../../dom.js";
import { deleteContent, loadInto, readAll } from "../common.js";
import { header } from "./common.js";

/** @typedef {import("../../types.js").PageContext} PageContext */

/**
 * The holiday list and the form that adds one.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
export async function holidays(view, ctx) {
  const { api, session } = ctx;
  const list = await loadInto(view, header("holidays"), () => readAll(api, "holiday"));
  if (list === null) return;
  const canWrite = session.can("manage");
  list.sort((x, y) => x.attributes.date.localeCompare(y.attributes.date));
  const rows = list.map((item) => {
    const a = item.attributes;
    const remove = canWrite
      ? h("button", {
        type: "button",
        class: "link",
        "aria-label": `Delete holiday ${a.name || a.date}`,
      }, "Delete")
      : null;
    remove?.addEventListener("click", async () => {
      const ok = await confirmDialog({
        title: `Delete holiday ${a.name || a.date}?`,
        message: "Schedules grant access on that day again.",
        confirmLabel: "Delete",
        danger: true,
      });
      if (!ok) return;
      await busy(remove, async () => {
        await api.request(
          "holiday.delete",
          deleteContent("holiday_id", Number(item.id), a.version),
        );
        toast("Holiday deleted");
        ctx.navigate("access/holidays");
      });
    });
    return [
      h("span", { class: "mono" }, a.recurring ? a.date.slice(5) : a.date),
      a.name || h("span", { class: "muted" }, "—"),
      a.recurring ? "Every year" : "Once",
      remove,
    ];
  });
  /** @type {HTMLFormElement | null} */
  let form = null;
  if (canWrite) {
    const date = h("input", { type: "date", name: "date", required: true });
    const name = h("input", { name: "name", placeholder: "e.g. New Year's Day" });
    const recurring = checkbox("Every year", { name: "recurring" });
    const submit = h("button", { type: "submit", class: "primary" }, "Add holiday");
    const holidayForm = h(
      "form",
      { class: "form", "aria-label": "New holiday", novalidate: true },
      h("h3", null, "Add a holiday"),
      field("Date", date),
      field("Name", name),
      recurring,
      h("div", { class: "actions" }, submit),
    );
    form = holidayForm;
    holidayForm.addEventListener("submit", (event) => {
      event.preventDefault();
      clearFormErrors(holidayForm);
      if (!date.value) {
        // field() gives the date input its error paragraph.
        /** @type {HTMLElement} */ (holidayForm.querySelector(`[data-keys~="date"] .field-error`))
          .textContent = "Pick a date.";
        date.setAttribute("aria-invalid", "true");
        date.focus();
        return;
      }
      busy(submit, async () => {
        await api.request("holiday.create", {
          attributes: {
            date: date.value,
            name: name.value,
            recurring: recurring.querySelector("input")?.checked ?? false,
          },
        });
        toast("Holiday added");
        ctx.navigate("access/holidays");
      }, (error) => showFormError(holidayForm, error));
    });
  }
  replace(
    view,
    header("holidays"),
    h(
      "p",
      { class: "muted" },
      'On a holiday, schedules do not grant access unless they are marked "also applies on holidays".',
    ),
    card(
      `Holidays (${list.length})`,
      {},
      table(["Date", "Name", "Repeats", ""], rows, { empty: "No holiday.", caption: "Holidays" }),
      form,
    ),
  );
}
