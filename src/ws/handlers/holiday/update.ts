/**
 * `holiday.update`: changes the attributes sent; the others stay.
 *
 * @module
 */
import { NotFoundError } from "../../../errors.ts";
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { getHoliday, updateHoliday } from "../../../store/holidays.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { auditHoliday, holidayAttributes, serializeHoliday } from "./_holiday.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(object({ holiday_id: id, attributes: holidayAttributes }), "attributes");

/** The declaration. */
export const holidayUpdate = defineEndpoint({
  names: ["holiday.update"],
  session: "required",
  permission: { action: "HOLIDAY_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { holiday_id, attributes, version }) {
    const db = ctx.store.db;
    const holiday = ctx.transaction(() => {
      checkVersion(db, "holiday", holiday_id, version);
      const before = getHoliday(db, holiday_id);
      if (before === undefined) throw new NotFoundError("holiday", holiday_id);
      const after = updateHoliday(db, holiday_id, attributes)!;
      auditHoliday(ctx, AUDIT_EVENT.HOLIDAY_UPDATED, after.id, before, after);
      return after;
    });
    return { data: serializeHoliday(holiday) };
  },
});
