/**
 * `schedule.delete` (Leosac §7.6): removes a schedule and its mappings; id
 * 0 does nothing, as in Leosac.
 *
 * @module
 */
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { deleteSchedule, listMappingsOfSchedule } from "../../../store/schedules.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { auditSchedule, findSchedule } from "./_schedule.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(object({ schedule_id: id }), "content");

/** The declaration. */
export const scheduleDelete = defineEndpoint({
  names: ["schedule.delete"],
  session: "required",
  permission: { action: "SCHEDULE_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { schedule_id, version }) {
    if (schedule_id === 0) return null;
    const db = ctx.store.db;
    const schedule = findSchedule(db, schedule_id);
    ctx.transaction(() => {
      checkVersion(db, "schedule", schedule.id, version);
      const mappings = listMappingsOfSchedule(db, schedule.id);
      deleteSchedule(db, schedule.id);
      auditSchedule(ctx, AUDIT_EVENT.SCHEDULE_DELETED, { schedule, mappings }, null);
    });
    return null;
  },
});
