/**
 * `schedule.create`, `schedule.read`, `schedule.update`, `schedule.delete`
 * (Leosac §7.6). Our additions: the `applies-on-holidays` attribute, and
 * timeframes whose end is before their start (they cross midnight).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { NotFoundError } from "../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../store/audit.ts";
import { transaction } from "../../store/db.ts";
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listMappingsOfSchedule,
  listSchedules,
  replaceMappings,
  type Schedule,
  type ScheduleMapping,
  type SchedulePatch,
  updateSchedule,
} from "../../store/schedules.ts";
import { type Endpoint, endpoint, type RequestContext } from "../context.ts";
import { any, id, object } from "../validate.ts";
import { attributesOf, auditChange, boolAttr, requiredKey, textAttr } from "./_entity_attrs.ts";
import {
  parseMappings,
  parseScheduleName,
  parseTimeframes,
  scheduleSnapshot,
  serializeMapping,
  serializeSchedule,
} from "./_schedule_wire.ts";

function findSchedule(db: DatabaseSync, scheduleId: number): Schedule {
  const schedule = getSchedule(db, scheduleId);
  if (!schedule) throw new NotFoundError("schedule", scheduleId);
  return schedule;
}

/** `{data, included}` for one schedule or a list, with the mappings sideloaded. */
function document(
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

/** Doors named by any of the mappings, once each, ascending. */
function doorsOf(...lists: ScheduleMapping[][]): number[] {
  return [...new Set(lists.flat().flatMap((m) => m.doorIds))].sort((a, b) => a - b);
}

/** One MAPPING_MAY_HAVE_CHANGED door row per door, as Leosac writes on schedule changes. */
function auditDoorMappings(
  ctx: RequestContext,
  authorId: number,
  doorIds: readonly number[],
): void {
  for (const doorId of doorIds) {
    auditChange(ctx, authorId, {
      kind: AUDIT_KIND.DOOR,
      mask: auditMask(AUDIT_EVENT.MAPPING_MAY_HAVE_CHANGED),
      targetId: doorId,
      description: `Access mappings of door ${doorId} may have changed.`,
    });
  }
}

/** The schedule endpoints, by wire name. */
export const SCHEDULE_ENDPOINTS: Record<string, Endpoint> = {
  "schedule.create": endpoint(object({ attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("SCHEDULE_WRITE");
      const attrs = attributesOf(request.attributes);
      const fields = {
        name: parseScheduleName(attrs.name),
        description: textAttr(attrs, "description", 1024) ?? "",
        appliesOnHolidays: boolAttr(attrs, "applies-on-holidays") ?? false,
        timeframes: parseTimeframes(requiredKey(attrs, "timeframes")),
      };
      const db = ctx.deps.store.db;
      const schedule = transaction(db, () => {
        const created = createSchedule(db, fields);
        auditChange(ctx, actor.userId, {
          kind: AUDIT_KIND.SCHEDULE,
          mask: auditMask(AUDIT_EVENT.SCHEDULE_CREATED),
          targetId: created.id,
          description: `Schedule ${created.name} has been created.`,
          after: scheduleSnapshot(created, []),
        });
        return created;
      });
      return { data: serializeSchedule(schedule, []) };
    },
  }),

  "schedule.read": endpoint(object({ schedule_id: id }), {
    auth: "logged_in",
    handle(ctx, { schedule_id }) {
      const db = ctx.deps.store.db;
      if (schedule_id === 0) {
        const all = ctx.can("SCHEDULE_LIST_ALL");
        return document(
          db,
          listSchedules(db).filter((s) => all || ctx.can("SCHEDULE_READ", { scheduleId: s.id })),
        );
      }
      const schedule = findSchedule(db, schedule_id);
      ctx.require("SCHEDULE_READ", { scheduleId: schedule.id });
      return document(db, schedule);
    },
  }),

  "schedule.update": endpoint(object({ schedule_id: id, attributes: any, mapping: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("SCHEDULE_WRITE");
      const db = ctx.deps.store.db;
      const schedule = findSchedule(db, request.schedule_id);
      const attrs = attributesOf(request.attributes);
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
      const mappings = parseMappings(db, request.mapping);
      const updated = transaction(db, () => {
        const before = listMappingsOfSchedule(db, schedule.id);
        const after = updateSchedule(db, schedule.id, patch)!;
        const created = replaceMappings(db, schedule.id, mappings);
        auditChange(ctx, actor.userId, {
          kind: AUDIT_KIND.SCHEDULE,
          mask: auditMask(AUDIT_EVENT.SCHEDULE_UPDATED),
          targetId: schedule.id,
          description: `Schedule ${after.name} has been updated.`,
          before: scheduleSnapshot(schedule, before),
          after: scheduleSnapshot(after, created),
        });
        auditDoorMappings(ctx, actor.userId, doorsOf(before, created));
        return after;
      });
      return document(db, updated);
    },
  }),

  "schedule.delete": endpoint(object({ schedule_id: id }), {
    auth: "logged_in",
    handle(ctx, { schedule_id }) {
      const actor = ctx.require("SCHEDULE_WRITE");
      if (schedule_id === 0) return null; // Leosac: id 0 does nothing.
      const db = ctx.deps.store.db;
      const schedule = findSchedule(db, schedule_id);
      transaction(db, () => {
        const mappings = listMappingsOfSchedule(db, schedule.id);
        deleteSchedule(db, schedule.id);
        auditChange(ctx, actor.userId, {
          kind: AUDIT_KIND.SCHEDULE,
          mask: auditMask(AUDIT_EVENT.SCHEDULE_DELETED),
          targetId: schedule.id,
          description: `Schedule ${schedule.name} has been deleted.`,
          before: scheduleSnapshot(schedule, mappings),
        });
        auditDoorMappings(ctx, actor.userId, doorsOf(mappings));
      });
      return null;
    },
  }),
};
