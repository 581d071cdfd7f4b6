// @ts-check
// Access rules: schedules (weekly timeframes) with their mappings (who →
// where), and the holidays that suspend them. One module per part in access/.

import { holidays } from "./access/holidays.js";
import { scheduleEditor, scheduleList } from "./access/schedule.js";

/**
 * Renders the Access rules section into `view`.
 * @param {HTMLElement} view
 * @param {import("../types.js").PageContext} ctx
 * @returns {Promise<unknown>}
 */
export async function render(view, ctx) {
  const [sub, id] = ctx.params;
  if (sub === "holidays") return await holidays(view, ctx);
  if (sub === "schedule" && id) {
    return await scheduleEditor(view, ctx, id === "new" ? null : Number(id));
  }
  return await scheduleList(view, ctx);
}
