/**
 * `schedule.create` (Leosac §7.6): adds a schedule with its timeframes and
 * no mappings (`schedule.update` sets them).
 *
 * @module
 */
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { createSchedule } from "../../../store/schedules.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { object } from "../../validate.ts";
import { auditSchedule, newScheduleAttributes } from "./_schedule.ts";
import { serializeSchedule } from "./_schedule_wire.ts";

/** The request content. */
const decode = object({ attributes: newScheduleAttributes });

/** The declaration. */
export const scheduleCreate = defineEndpoint({
  names: ["schedule.create"],
  session: "required",
  permission: { action: "SCHEDULE_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { attributes }) {
    const schedule = ctx.transaction(() => {
      const created = createSchedule(ctx.store.db, attributes);
      auditSchedule(ctx, AUDIT_EVENT.SCHEDULE_CREATED, null, {
        schedule: created,
        mappings: [],
      });
      return created;
    });
    return { data: serializeSchedule(schedule, []) };
  },
});
