/**
 * `schedule.update` (Leosac §7.6): changes the attributes sent, replaces
 * the timeframes and the mappings (`mapping`, each with its user, group,
 * credential, door and zone ids).
 *
 * @module
 */
import { AUDIT_EVENT } from "../../../store/audit.ts";
import {
  listMappingsOfSchedule,
  replaceMappings,
  updateSchedule,
} from "../../../store/schedules.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { auditSchedule, findSchedule, scheduleAttributes, scheduleDocument } from "./_schedule.ts";
import { mappingsOf, scheduleMappings } from "./_schedule_wire.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(
  object({
    schedule_id: id,
    attributes: scheduleAttributes,
    mapping: scheduleMappings,
  }),
  "attributes",
);

/** The declaration. */
export const scheduleUpdate = defineEndpoint({
  names: ["schedule.update"],
  session: "required",
  permission: { action: "SCHEDULE_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { schedule_id, attributes, mapping, version }) {
    const db = ctx.store.db;
    const schedule = findSchedule(db, schedule_id);
    const mappings = mappingsOf(db, mapping);
    const updated = ctx.transaction(() => {
      checkVersion(db, "schedule", schedule.id, version);
      const before = listMappingsOfSchedule(db, schedule.id);
      const after = updateSchedule(db, schedule.id, attributes)!;
      const created = replaceMappings(db, schedule.id, mappings);
      auditSchedule(
        ctx,
        AUDIT_EVENT.SCHEDULE_UPDATED,
        { schedule, mappings: before },
        { schedule: after, mappings: created },
      );
      return after;
    });
    return scheduleDocument(db, updated);
  },
});
