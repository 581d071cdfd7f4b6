/**
 * What the schedule endpoints share (Leosac §7.6; our additions: the
 * `applies-on-holidays` attribute, and timeframes whose end is before their
 * start, which cross midnight): the attributes decoders, the JSON:API
 * document with the mappings sideloaded, and the audit rows. The wire format
 * itself is in `_schedule_wire.ts`.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { NotFoundError } from "../../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import {
  getSchedule,
  listMappingsOfSchedule,
  type NewSchedule,
  type Schedule,
  type ScheduleMapping,
  type SchedulePatch,
} from "../../../store/schedules.ts";
import type { EndpointContext } from "../../endpoint.ts";
import { attributesOf, boolAttr, requiredKey, textAttr } from "../_entity_attrs.ts";
import {
  parseScheduleName,
  parseTimeframes,
  scheduleSnapshot,
  serializeMapping,
  serializeSchedule,
} from "./_schedule_wire.ts";

/**
 * The attributes of `schedule.create`: `name` and `timeframes` are
 * required; `description` and `applies-on-holidays` default to `""` and
 * false.
 */
export function newScheduleAttributes(value: unknown): NewSchedule {
  const attrs = attributesOf(value);
  return {
    name: parseScheduleName(attrs.name),
    description: textAttr(attrs, "description", 1024) ?? "",
    appliesOnHolidays: boolAttr(attrs, "applies-on-holidays") ?? false,
    timeframes: parseTimeframes(requiredKey(attrs, "timeframes")),
  };
}

/**
 * The attributes of `schedule.update`: `timeframes` is required (it
 * replaces the list); the others are left out of the patch when absent.
 */
export function scheduleAttributes(value: unknown): SchedulePatch {
  const attrs = attributesOf(value);
  const patch: SchedulePatch = {
    timeframes: parseTimeframes(requiredKey(attrs, "timeframes")),
  };
  if (attrs.name !== undefined && attrs.name !== null) {
    patch.name = parseScheduleName(attrs.name);
  }
  const description = textAttr(attrs, "description", 1024);
  if (description !== undefined) patch.description = description;
  const holidays = boolAttr(attrs, "applies-on-holidays");
  if (holidays !== undefined) patch.appliesOnHolidays = holidays;
  return patch;
}

/** The schedule `scheduleId`, or ENTITY_NOT_FOUND. */
export function findSchedule(db: DatabaseSync, scheduleId: number): Schedule {
  const schedule = getSchedule(db, scheduleId);
  if (!schedule) throw new NotFoundError("schedule", scheduleId);
  return schedule;
}

/** `{data, included}` for one schedule or a list, with the mappings sideloaded. */
export function scheduleDocument(
  db: DatabaseSync,
  schedules: Schedule | Schedule[],
): { data: unknown; included: unknown[] } {
  const list = Array.isArray(schedules) ? schedules : [schedules];
  const included: unknown[] = [];
  const data = list.map((schedule) => {
    const mappings = listMappingsOfSchedule(db, schedule.id);
    included.push(...mappings.map((m) => serializeMapping(db, m)));
    return serializeSchedule(schedule, mappings);
  });
  return { data: Array.isArray(schedules) ? data : data[0], included };
}

/** The audit verbs of a schedule change. */
const VERBS = {
  [AUDIT_EVENT.SCHEDULE_CREATED]: "created",
  [AUDIT_EVENT.SCHEDULE_UPDATED]: "updated",
  [AUDIT_EVENT.SCHEDULE_DELETED]: "deleted",
} as const;

/** A schedule and its mappings, as one side of an audited change. */
export interface ScheduleState {
  /** The schedule. */
  readonly schedule: Schedule;
  /** Its mappings. */
  readonly mappings: readonly ScheduleMapping[];
}

/**
 * Appends the audit row of a schedule change, then one
 * MAPPING_MAY_HAVE_CHANGED door row per door named by the mappings before or
 * after, as Leosac writes (inside the change's transaction).
 */
export function auditSchedule(
  ctx: EndpointContext<"SCHEDULE_WRITE">,
  event: keyof typeof VERBS,
  before: ScheduleState | null,
  after: ScheduleState | null,
): void {
  const { schedule } = (after ?? before)!;
  const authorId = ctx.require("SCHEDULE_WRITE").userId;
  ctx.audit({
    kind: AUDIT_KIND.SCHEDULE,
    mask: auditMask(event),
    authorId,
    targetId: schedule.id,
    description: `Schedule ${schedule.name} has been ${VERBS[event]}.`,
    ...(before === null ? {} : { before: scheduleSnapshot(before.schedule, before.mappings) }),
    ...(after === null ? {} : { after: scheduleSnapshot(after.schedule, after.mappings) }),
  });
  if (event === AUDIT_EVENT.SCHEDULE_CREATED) return;
  const mappings = [...(before?.mappings ?? []), ...(after?.mappings ?? [])];
  const doorIds = [...new Set(mappings.flatMap((m) => m.doorIds))].sort((a, b) => a - b);
  for (const doorId of doorIds) {
    ctx.audit({
      kind: AUDIT_KIND.DOOR,
      mask: auditMask(AUDIT_EVENT.MAPPING_MAY_HAVE_CHANGED),
      authorId,
      targetId: doorId,
      description: `Access mappings of door ${doorId} may have changed.`,
    });
  }
}
