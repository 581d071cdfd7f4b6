/**
 * `holiday.read`: one holiday by id, or every holiday for id 0.
 *
 * @module
 */
import { NotFoundError } from "../../../errors.ts";
import { getHoliday, listHolidays } from "../../../store/holidays.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { serializeHoliday } from "./_holiday.ts";

/** The request content. */
const decode = object({ holiday_id: id });

/** The declaration. */
export const holidayRead = defineEndpoint({
  names: ["holiday.read"],
  session: "required",
  permission: { action: "HOLIDAY_READ" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode,
  handle(ctx, { holiday_id }) {
    const db = ctx.store.db;
    if (holiday_id === 0) return { data: listHolidays(db).map(serializeHoliday) };
    const holiday = getHoliday(db, holiday_id);
    if (holiday === undefined) throw new NotFoundError("holiday", holiday_id);
    return { data: serializeHoliday(holiday) };
  },
});
