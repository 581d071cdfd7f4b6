/**
 * What the holiday endpoints share: the JSON:API shape (type `holiday`,
 * attributes `date` `YYYY-MM-DD`, `name`, `recurring`), the attributes
 * decoder and the audit row.
 *
 * @module
 */
import { ValidationError } from "../../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import type { Holiday, HolidayPatch } from "../../../store/holidays.ts";
import type { EndpointContext } from "../../endpoint.ts";
import { ATTR_POINTER } from "../_entity_attrs.ts";

const P = ATTR_POINTER;

/** Serialises a holiday as a JSON:API resource. */
export function serializeHoliday(holiday: Holiday): Record<string, unknown> {
  return {
    id: holiday.id,
    type: "holiday",
    attributes: {
      date: holiday.date,
      name: holiday.name,
      recurring: holiday.recurring,
      version: holiday.version,
    },
  };
}

/** The attributes a client may send; absent ones are left out (a patch). */
export function holidayAttributes(value: unknown): HolidayPatch {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ValidationError("`attributes` must be an object.", ATTR_POINTER.slice(0, -1));
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

/** The audit verbs of a holiday change. */
const VERBS = {
  [AUDIT_EVENT.HOLIDAY_CREATED]: "created",
  [AUDIT_EVENT.HOLIDAY_UPDATED]: "updated",
  [AUDIT_EVENT.HOLIDAY_DELETED]: "deleted",
} as const;

/** Appends the audit row of a holiday change (inside the change's transaction). */
export function auditHoliday(
  ctx: EndpointContext<"HOLIDAY_WRITE">,
  event: keyof typeof VERBS,
  holidayId: number,
  before: Holiday | null,
  after: Holiday | null,
): void {
  const snapshot = (h: Holiday) => ({
    id: h.id,
    date: h.date,
    name: h.name,
    recurring: h.recurring,
  });
  ctx.audit({
    kind: AUDIT_KIND.HOLIDAY,
    mask: auditMask(event),
    authorId: ctx.require("HOLIDAY_WRITE").userId,
    description: `Holiday ${holidayId} ${VERBS[event]}`,
    targetId: holidayId,
    before: before === null ? null : snapshot(before),
    after: after === null ? null : snapshot(after),
  });
}
