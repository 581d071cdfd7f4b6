/**
 * `holiday.delete`: removes a holiday from the calendar.
 *
 * @module
 */
import { NotFoundError } from "../../../errors.ts";
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { deleteHoliday, getHoliday } from "../../../store/holidays.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { auditHoliday } from "./_holiday.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(object({ holiday_id: id }), "content");

/** The declaration. */
export const holidayDelete = defineEndpoint({
  names: ["holiday.delete"],
  session: "required",
  permission: { action: "HOLIDAY_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { holiday_id, version }) {
    ctx.transaction(() => {
      checkVersion(ctx.store.db, "holiday", holiday_id, version);
      const before = getHoliday(ctx.store.db, holiday_id);
      if (before === undefined) throw new NotFoundError("holiday", holiday_id);
      deleteHoliday(ctx.store.db, holiday_id);
      auditHoliday(ctx, AUDIT_EVENT.HOLIDAY_DELETED, before.id, before, null);
    });
    return null;
  },
});
