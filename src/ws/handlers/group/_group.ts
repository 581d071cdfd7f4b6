/**
 * What the group endpoints share (Leosac §7.3): the JSON:API shape (empty
 * `memberships` / `schedules` relationships are `{"data": null}`, and only
 * what the caller may read is listed), the name rules (3–50 characters of
 * `[A-Za-z0-9_.-]`, unique regardless of case (enforced by the store):
 * status 11 with pointer `data/attributes/name`
 * and Leosac's messages), the attributes decoders, the audit snapshot and
 * the lookup.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { NotFoundError, ValidationError } from "../../../errors.ts";
import { isUniqueViolation } from "../../../store/constraint.ts";
import { getGroup, type Group, groupNameTaken, type GroupPatch } from "../../../store/groups.ts";
import { listMembershipsOfGroup } from "../../../store/memberships.ts";
import { listScheduleIdsMappedTo } from "../../../store/schedules.ts";
import type { EndpointContext } from "../../endpoint.ts";
import { toMany } from "../../serialize.ts";
import { ATTR_POINTER, attributesOf, textAttr } from "../_entity_attrs.ts";

const NAME_POINTER = ATTR_POINTER + "name";
const NAME_CHARACTER = /^[A-Za-z0-9_.-]$/;
/** Longest accepted group description. */
const MAX_DESCRIPTION_LENGTH = 4096;

/** The actions a group's serialisation checks (which relationships the caller sees). */
export type GroupViewAction = "MEMBERSHIP_READ" | "SCHEDULE_READ";

/** The serialisation's `also` actions, for the declarations that return groups. */
export const GROUP_VIEW_ACTIONS = [
  "MEMBERSHIP_READ",
  "SCHEDULE_READ",
] as const satisfies readonly GroupViewAction[];

/** Serialises a group as a JSON:API resource, with the memberships the caller may read. */
export function serializeGroup(
  ctx: Pick<EndpointContext<GroupViewAction>, "store" | "can">,
  group: Group,
): Record<string, unknown> {
  const db = ctx.store.db;
  const memberships = listMembershipsOfGroup(db, group.id)
    .filter((m) => ctx.can("MEMBERSHIP_READ", { userId: m.userId, groupId: m.groupId }))
    .map((m) => ({ id: m.id, type: "user-group-membership" }));
  const schedules = listScheduleIdsMappedTo(db, "group", group.id)
    .filter((id) => ctx.can("SCHEDULE_READ", { scheduleId: id }))
    .map((id) => ({ id, type: "schedule" }));
  return {
    id: group.id,
    type: "group",
    attributes: { name: group.name, description: group.description, version: group.version },
    relationships: {
      memberships: toMany(memberships, true),
      schedules: toMany(schedules, true),
    },
  };
}

/** A group for audit snapshots, with its members. */
export function groupSnapshot(db: DatabaseSync, group: Group): Record<string, unknown> {
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
export function checkName(name: string): string {
  if (name.length < 3 || name.length > 50) {
    throw new ValidationError("Length must be >=3 and <=50.", NAME_POINTER);
  }
  const bad = [...name].find((c) => !NAME_CHARACTER.test(c));
  if (bad !== undefined) {
    throw new ValidationError(`Usage of unauthorized character: ${bad}`, NAME_POINTER);
  }
  return name;
}

/** Decodes the attributes of `group.update`: `name` and `description`, when sent. */
export function groupAttributes(value: unknown): GroupPatch {
  const attrs = attributesOf(value);
  const patch: GroupPatch = {};
  const name = textAttr(attrs, "name", 256, { wording: "Must be at most" });
  const description = textAttr(attrs, "description", MAX_DESCRIPTION_LENGTH, {
    wording: "Must be at most",
  });
  if (name !== undefined) patch.name = checkName(name);
  if (description !== undefined) patch.description = description;
  return patch;
}

/** Decodes the attributes of `group.create`: a name is required. */
export function newGroupAttributes(value: unknown): { name: string; description: string } {
  const patch = groupAttributes(value);
  return { name: patch.name ?? checkName(""), description: patch.description ?? "" };
}

/**
 * Runs a write that may hit the unique name constraint.
 *
 * @throws {ValidationError} naming `name` when another group has it.
 */
export function uniqueName<T>(name: string | undefined, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw groupNameTaken(name ?? "");
    }
    throw error;
  }
}

/** The group `groupId`. @throws {NotFoundError} when there is none. */
export function findGroup(db: DatabaseSync, groupId: number): Group {
  const group = getGroup(db, groupId);
  if (!group) throw new NotFoundError("group", groupId);
  return group;
}
