/**
 * `holiday.create`: adds a date to the calendar that suspends schedules
 * (unless a schedule applies on holidays).
 *
 * @module
 */
import { ValidationError } from "../../../errors.ts";
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { createHoliday } from "../../../store/holidays.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { object } from "../../validate.ts";
import { ATTR_POINTER } from "../_entity_attrs.ts";
import { auditHoliday, holidayAttributes, serializeHoliday } from "./_holiday.ts";

/** The request content. */
const decode = object({ attributes: holidayAttributes });

/** The declaration. */
export const holidayCreate = defineEndpoint({
  names: ["holiday.create"],
  session: "required",
  permission: { action: "HOLIDAY_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { attributes }) {
    const { date } = attributes;
    if (date === undefined) {
      throw new ValidationError("A date is required.", ATTR_POINTER + "date");
    }
    const holiday = ctx.transaction(() => {
      const created = createHoliday(ctx.store.db, {
        date,
        name: attributes.name ?? "",
        recurring: attributes.recurring ?? false,
      });
      auditHoliday(ctx, AUDIT_EVENT.HOLIDAY_CREATED, created.id, null, created);
      return created;
    });
    return { data: serializeHoliday(holiday) };
  },
});
