/**
 * `group.create`, `group.read`, `group.update`, `group.delete` (Leosac §7.3).
 *
 * - Names are 3–50 characters of `[A-Za-z0-9_.-]` and unique (status 11 with
 *   pointer `data/attributes/name` and Leosac's messages otherwise).
 * - The creator becomes an ADMIN member of the new group, in the same
 *   transaction (audit `GROUP_CREATED` and `GROUP_MEMBERSHIP_JOINED`).
 * - `group.read` with id 0 lists the groups the caller may read: all of them
 *   from viewer rank up, otherwise the caller's own groups.
 * - Empty `memberships` / `schedules` relationships are `{"data": null}`.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../store/audit.ts";
import { isUniqueViolation } from "../../store/constraint.ts";
import { transaction } from "../../store/db.ts";
import {
  createGroup,
  deleteGroup,
  getGroup,
  type Group,
  type GroupPatch,
  listGroups,
  updateGroup,
} from "../../store/groups.ts";
import { createMembership, GROUP_RANK, listMembershipsOfGroup } from "../../store/memberships.ts";
import { listScheduleIdsMappedTo } from "../../store/schedules.ts";
import { type Endpoint, endpoint, type RequestContext } from "../context.ts";
import { toMany } from "../serialize.ts";
import { any, id, object } from "../validate.ts";
import { ATTRIBUTE_POINTER, type Attributes, attributesOf, textAttribute } from "./_attributes.ts";
import { membershipSnapshot } from "./memberships.ts";

const NAME_POINTER = ATTRIBUTE_POINTER + "name";
const NAME_CHARACTER = /^[A-Za-z0-9_.-]$/;
/** Longest accepted group description. */
const MAX_DESCRIPTION_LENGTH = 4096;

/** Serialises a group as a JSON:API resource, with the memberships the caller may read. */
export function serializeGroup(ctx: RequestContext, group: Group): Record<string, unknown> {
  const db = ctx.deps.store.db;
  const memberships = listMembershipsOfGroup(db, group.id)
    .filter((m) => ctx.can("MEMBERSHIP_READ", { userId: m.userId, groupId: m.groupId }))
    .map((m) => ({ id: m.id, type: "user-group-membership" }));
  const schedules = listScheduleIdsMappedTo(db, "group", group.id)
    .filter((id) => ctx.can("SCHEDULE_READ", { scheduleId: id }))
    .map((id) => ({ id, type: "schedule" }));
  return {
    id: group.id,
    type: "group",
    attributes: { name: group.name, description: group.description },
    relationships: {
      memberships: toMany(memberships, true),
      schedules: toMany(schedules, true),
    },
  };
}

/** A group for audit snapshots. */
function groupSnapshot(db: DatabaseSync, group: Group): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    members: listMembershipsOfGroup(db, group.id).map((m) => ({ user_id: m.userId, rank: m.rank })),
  };
}

/**
 * Checks a group name as Leosac's `GroupValidator` does.
 *
 * @throws {ValidationError} with pointer `data/attributes/name`.
 */
function checkName(name: string): string {
  if (name.length < 3 || name.length > 50) {
    throw new ValidationError("Length must be >=3 and <=50.", NAME_POINTER);
  }
  const bad = [...name].find((c) => !NAME_CHARACTER.test(c));
  if (bad !== undefined) {
    throw new ValidationError(`Usage of unauthorized character: ${bad}`, NAME_POINTER);
  }
  return name;
}

function readFields(attrs: Attributes): GroupPatch {
  const patch: GroupPatch = {};
  const name = textAttribute(attrs, "name", 256);
  const description = textAttribute(attrs, "description", MAX_DESCRIPTION_LENGTH);
  if (name !== undefined) patch.name = checkName(name);
  if (description !== undefined) patch.description = description;
  return patch;
}

/** Runs a write that may hit the unique name constraint. */
function uniqueName<T>(name: string | undefined, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ValidationError(`A group named ${name} already exists.`, NAME_POINTER);
    }
    throw error;
  }
}

function findGroup(db: DatabaseSync, groupId: number): Group {
  const group = getGroup(db, groupId);
  if (!group) throw new NotFoundError("group", groupId);
  return group;
}

/** The group endpoints, by wire name. */
export const GROUP_ENDPOINTS: Record<string, Endpoint> = {
  "group.create": endpoint(object({ attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("GROUP_CREATE");
      const fields = readFields(attributesOf(request.attributes));
      const name = fields.name ?? checkName("");
      const db = ctx.deps.store.db;
      const group = transaction(db, () => {
        const created = uniqueName(
          name,
          () => createGroup(db, { name, description: fields.description ?? "" }),
        );
        const membership = createMembership(db, {
          userId: actor.userId,
          groupId: created.id,
          rank: GROUP_RANK.ADMIN,
          timestamp: ctx.now,
        });
        appendAudit(db, {
          kind: AUDIT_KIND.GROUP,
          mask: auditMask(AUDIT_EVENT.GROUP_CREATED),
          authorId: actor.userId,
          timestamp: ctx.now,
          targetId: created.id,
          description: `Group ${created.name} has been created.`,
          after: groupSnapshot(db, created),
        });
        appendAudit(db, {
          kind: AUDIT_KIND.USER_GROUP_MEMBERSHIP,
          mask: auditMask(AUDIT_EVENT.GROUP_MEMBERSHIP_JOINED),
          authorId: actor.userId,
          timestamp: ctx.now,
          targetId: actor.userId,
          target2Id: created.id,
          description: `The creator of group ${created.name} joined it as administrator.`,
          after: membershipSnapshot(membership),
        });
        return created;
      });
      return { data: serializeGroup(ctx, group) };
    },
  }),

  "group.read": endpoint(object({ group_id: id }), {
    auth: "logged_in",
    handle(ctx, { group_id }) {
      const db = ctx.deps.store.db;
      if (group_id === 0) {
        const all = ctx.can("GROUP_LIST_ALL");
        const groups = listGroups(db).filter((g) =>
          all || ctx.can("GROUP_READ", { groupId: g.id })
        );
        return { data: groups.map((g) => serializeGroup(ctx, g)) };
      }
      const group = findGroup(db, group_id);
      ctx.require("GROUP_READ", { groupId: group.id });
      return { data: serializeGroup(ctx, group) };
    },
  }),

  "group.update": endpoint(object({ group_id: id, attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const db = ctx.deps.store.db;
      const group = findGroup(db, request.group_id);
      const actor = ctx.require("GROUP_UPDATE", { groupId: group.id });
      const patch = readFields(attributesOf(request.attributes));
      const after = transaction(db, () => {
        const before = groupSnapshot(db, group);
        const updated = uniqueName(patch.name, () => updateGroup(db, group.id, patch)!);
        appendAudit(db, {
          kind: AUDIT_KIND.GROUP,
          mask: auditMask(AUDIT_EVENT.GROUP_UPDATED),
          authorId: actor.userId,
          timestamp: ctx.now,
          targetId: group.id,
          description: `Group ${updated.name} has been updated.`,
          before,
          after: groupSnapshot(db, updated),
        });
        return updated;
      });
      return { data: serializeGroup(ctx, after) };
    },
  }),

  "group.delete": endpoint(object({ group_id: id }), {
    auth: "logged_in",
    handle(ctx, { group_id }) {
      const db = ctx.deps.store.db;
      const group = findGroup(db, group_id);
      const actor = ctx.require("GROUP_DELETE", { groupId: group.id });
      transaction(db, () => {
        const before = groupSnapshot(db, group);
        deleteGroup(db, group.id);
        appendAudit(db, {
          kind: AUDIT_KIND.GROUP,
          mask: auditMask(AUDIT_EVENT.GROUP_DELETED),
          authorId: actor.userId,
          timestamp: ctx.now,
          targetId: group.id,
          description: `Group ${group.name} has been deleted.`,
          before,
        });
      });
      return null;
    },
  }),
};
