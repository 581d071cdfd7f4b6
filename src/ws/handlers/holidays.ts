/**
 * `holiday.create`, `holiday.read`, `holiday.update`, `holiday.delete`:
 * the calendar of dates that suspends schedules (unless a schedule applies
 * on holidays). JSON:API type `holiday`, attributes `date` (`YYYY-MM-DD`),
 * `name`, `recurring`.
 *
 * @module
 */
import { NotFoundError, ValidationError } from "../../errors.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../store/audit.ts";
import { transaction } from "../../store/db.ts";
import {
  createHoliday,
  deleteHoliday,
  getHoliday,
  type Holiday,
  type HolidayPatch,
  listHolidays,
  updateHoliday,
} from "../../store/holidays.ts";
import { type Endpoint, endpoint, type RequestContext } from "../context.ts";
import { any, id, object } from "../validate.ts";

const P = "data/attributes/";

type HolidayEvent =
  | typeof AUDIT_EVENT.HOLIDAY_CREATED
  | typeof AUDIT_EVENT.HOLIDAY_UPDATED
  | typeof AUDIT_EVENT.HOLIDAY_DELETED;

/** Serialises a holiday as a JSON:API resource. */
export function serializeHoliday(holiday: Holiday): Record<string, unknown> {
  return {
    id: holiday.id,
    type: "holiday",
    attributes: { date: holiday.date, name: holiday.name, recurring: holiday.recurring },
  };
}

function snapshot(holiday: Holiday): Record<string, unknown> {
  return { id: holiday.id, date: holiday.date, name: holiday.name, recurring: holiday.recurring };
}

/** Reads the attributes a client may send; absent ones are left out. */
function parseAttributes(value: unknown): HolidayPatch {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ValidationError("`attributes` must be an object.", "data/attributes");
  }
  const attrs = value as Record<string, unknown>;
  const patch: HolidayPatch = {};
  if (attrs.date !== undefined && attrs.date !== null) {
    if (typeof attrs.date !== "string") throw new ValidationError("Must be a string.", P + "date");
    patch.date = attrs.date;
  }
  if (attrs.name !== undefined && attrs.name !== null) {
    if (typeof attrs.name !== "string" || attrs.name.length > 128) {
      throw new ValidationError("Must be a string of at most 128 characters.", P + "name");
    }
    patch.name = attrs.name;
  }
  if (attrs.recurring !== undefined && attrs.recurring !== null) {
    if (typeof attrs.recurring !== "boolean") {
      throw new ValidationError("Must be a boolean.", P + "recurring");
    }
    patch.recurring = attrs.recurring;
  }
  return patch;
}

function audit(
  ctx: RequestContext,
  authorId: number,
  event: HolidayEvent,
  holidayId: number,
  before: Holiday | null,
  after: Holiday | null,
): void {
  const verb = event === AUDIT_EVENT.HOLIDAY_CREATED
    ? "created"
    : event === AUDIT_EVENT.HOLIDAY_UPDATED
    ? "updated"
    : "deleted";
  appendAudit(ctx.deps.store.db, {
    kind: AUDIT_KIND.HOLIDAY,
    mask: auditMask(event),
    authorId,
    description: `Holiday ${holidayId} ${verb}`,
    timestamp: ctx.now,
    targetId: holidayId,
    before: before === null ? null : snapshot(before),
    after: after === null ? null : snapshot(after),
  });
}

/** The holiday endpoints, by wire name. */
export const HOLIDAY_ENDPOINTS: Record<string, Endpoint> = {
  "holiday.create": endpoint(object({ attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("HOLIDAY_WRITE");
      const attrs = parseAttributes(request.attributes);
      if (attrs.date === undefined) throw new ValidationError("A date is required.", P + "date");
      const db = ctx.deps.store.db;
      const holiday = transaction(db, () => {
        const created = createHoliday(db, {
          date: attrs.date!,
          name: attrs.name ?? "",
          recurring: attrs.recurring ?? false,
        });
        audit(ctx, actor.userId, AUDIT_EVENT.HOLIDAY_CREATED, created.id, null, created);
        return created;
      });
      return { data: serializeHoliday(holiday) };
    },
  }),

  "holiday.read": endpoint(object({ holiday_id: id }), {
    auth: "logged_in",
    handle(ctx, request) {
      ctx.require("HOLIDAY_READ");
      const db = ctx.deps.store.db;
      if (request.holiday_id === 0) return { data: listHolidays(db).map(serializeHoliday) };
      const holiday = getHoliday(db, request.holiday_id);
      if (holiday === undefined) throw new NotFoundError("holiday", request.holiday_id);
      return { data: serializeHoliday(holiday) };
    },
  }),

  "holiday.update": endpoint(object({ holiday_id: id, attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("HOLIDAY_WRITE");
      const patch = parseAttributes(request.attributes);
      const db = ctx.deps.store.db;
      const holiday = transaction(db, () => {
        const before = getHoliday(db, request.holiday_id);
        if (before === undefined) throw new NotFoundError("holiday", request.holiday_id);
        const after = updateHoliday(db, request.holiday_id, patch)!;
        audit(ctx, actor.userId, AUDIT_EVENT.HOLIDAY_UPDATED, after.id, before, after);
        return after;
      });
      return { data: serializeHoliday(holiday) };
    },
  }),

  "holiday.delete": endpoint(object({ holiday_id: id }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("HOLIDAY_WRITE");
      const db = ctx.deps.store.db;
      transaction(db, () => {
        const before = getHoliday(db, request.holiday_id);
        if (before === undefined) throw new NotFoundError("holiday", request.holiday_id);
        deleteHoliday(db, request.holiday_id);
        audit(ctx, actor.userId, AUDIT_EVENT.HOLIDAY_DELETED, before.id, before, null);
      });
      return null;
    },
  }),
};
