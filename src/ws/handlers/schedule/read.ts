/**
 * `schedule.read` (Leosac §7.6): one schedule by id, or for id 0 every
 * schedule the caller may read (all of them from viewer up, else those
 * whose mappings name the caller), with the mappings in `included`.
 *
 * @module
 */
import { listSchedules } from "../../../store/schedules.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { findSchedule, scheduleDocument } from "./_schedule.ts";

/** The request content. */
const decode = object({ schedule_id: id });

/** The declaration. */
export const scheduleRead = defineEndpoint({
  names: ["schedule.read"],
  session: "required",
  permission: { action: "SCHEDULE_READ", byHandler: true, also: ["SCHEDULE_LIST_ALL"] },
  access: "read",
  audit: "failures",
  wiring: false,
  decode,
  handle(ctx, { schedule_id }) {
    const db = ctx.store.db;
    if (schedule_id === 0) {
      const all = ctx.can("SCHEDULE_LIST_ALL");
      return scheduleDocument(
        db,
        listSchedules(db).filter((s) => all || ctx.can("SCHEDULE_READ", { scheduleId: s.id })),
      );
    }
    const schedule = findSchedule(db, schedule_id);
    ctx.require("SCHEDULE_READ", { scheduleId: schedule.id });
    return scheduleDocument(db, schedule);
  },
});
