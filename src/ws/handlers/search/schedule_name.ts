/**
 * `search.schedule_name`: schedules the caller may read (mapped to them, or all from viewer up); none is `null`, whose name contains `partial_name`.
 *
 * @module
 */
import { searchSchedules } from "../../../store/schedules.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { orNull, partialNameRequest } from "./_search.ts";

/** The declaration. */
export const searchScheduleName = defineEndpoint({
  names: ["search.schedule_name"],
  session: "required",
  permission: { action: "SCHEDULE_LIST_ALL", byHandler: true, also: ["SCHEDULE_READ"] },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: partialNameRequest,
  handle(ctx, { partial_name }) {
    const all = ctx.can("SCHEDULE_LIST_ALL");
    return orNull(
      searchSchedules(ctx.store.db, partial_name)
        .filter((s) => all || ctx.can("SCHEDULE_READ", { scheduleId: s.id }))
        .map((s) => ({ id: s.id, name: s.name })),
    );
  },
});
