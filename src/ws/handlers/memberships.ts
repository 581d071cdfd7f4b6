/**
 * `user-group-membership.create`, `.read`, `.update`, `.delete` (Leosac §7.4).
 *
 * Differences from Leosac 0.8, on purpose:
 * - create reads `group_id`, `user_id` and `rank` from `attributes` (what the
 *   web client sends) and falls back to the same keys at the top level of
 *   `content`; the permission check uses the same values, so group operators
 *   can add members (Leosac checked the top-level keys only, so every
 *   non-manager got "group 0 not found").
 * - The permission is checked before the group and user are looked up, so a
 *   caller without rights learns nothing about which ids exist.
 * - update is implemented (Leosac: always "Not implemented."): it changes the
 *   rank, needs `MEMBERSHIP_UPDATE`, returns `{data}`, and writes a
 *   membership audit row with the `GROUP_UPDATED` bit.
 *
 * `timestamp` is in Unix seconds on the wire, as in Leosac.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { BadRequestError, NotFoundError } from "../../errors.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../store/audit.ts";
import { transaction } from "../../store/db.ts";
import { getGroup } from "../../store/groups.ts";
import {
  createMembership,
  deleteMembership,
  getMembership,
  getMembershipOf,
  GROUP_RANK,
  type GroupRank,
  type Membership,
  updateMembershipRank,
} from "../../store/memberships.ts";
import { getUser } from "../../store/users.ts";
import { type Endpoint, endpoint } from "../context.ts";
import { any, id, object, optional } from "../validate.ts";
import { type Attributes, attributesOf, intAttribute } from "./_attributes.ts";

/** Serialises a membership as a JSON:API resource (timestamp in Unix seconds). */
export function serializeMembership(membership: Membership): Record<string, unknown> {
  return {
    id: membership.id,
    type: "user-group-membership",
    attributes: { rank: membership.rank, timestamp: Math.floor(membership.timestamp / 1000) },
    relationships: {
      user: { data: { id: membership.userId, type: "user" } },
      group: { data: { id: membership.groupId, type: "group" } },
    },
  };
}

/** A membership for audit snapshots. */
export function membershipSnapshot(membership: Membership): Record<string, unknown> {
  return {
    id: membership.id,
    user_id: membership.userId,
    group_id: membership.groupId,
    rank: membership.rank,
    timestamp: membership.timestamp,
  };
}

const RANK_RANGE = {
  min: GROUP_RANK.MEMBER,
  max: GROUP_RANK.ADMIN,
  message: "Rank must be 0 (member), 1 (operator) or 2 (administrator).",
};

function rankOf(attrs: Attributes): GroupRank | undefined {
  return intAttribute(attrs, "rank", RANK_RANGE) as GroupRank | undefined;
}

function requiredId(attrs: Attributes, key: string): number {
  const value = attrs[key];
  if (value === undefined || value === null) {
    throw new BadRequestError(`key 'attributes.${key}' not found`);
  }
  return id(value, `attributes.${key}`);
}

function findMembership(db: DatabaseSync, membershipId: number): Membership {
  const membership = getMembership(db, membershipId);
  if (!membership) throw new NotFoundError("user-group-membership", membershipId);
  return membership;
}

function describe(db: DatabaseSync, membership: Membership): { user: string; group: string } {
  return {
    user: getUser(db, membership.userId)?.username ?? `#${membership.userId}`,
    group: getGroup(db, membership.groupId)?.name ?? `#${membership.groupId}`,
  };
}

/** The membership endpoints, by wire name. */
export const MEMBERSHIP_ENDPOINTS: Record<string, Endpoint> = {
  "user-group-membership.create": endpoint(
    object({
      attributes: optional(any),
      group_id: optional(any),
      user_id: optional(any),
      rank: optional(any),
    }),
    {
      auth: "logged_in",
      handle(ctx, request) {
        const attrs: Attributes = {
          group_id: request.group_id,
          user_id: request.user_id,
          rank: request.rank,
        };
        for (const [key, value] of Object.entries(attributesOf(request.attributes))) {
          if (value !== undefined && value !== null) attrs[key] = value;
        }
        const groupId = requiredId(attrs, "group_id");
        const userId = requiredId(attrs, "user_id");
        const rank = rankOf(attrs) ?? GROUP_RANK.MEMBER;
        const actor = ctx.require("MEMBERSHIP_CREATE", { groupId, userId, membershipRank: rank });
        const db = ctx.deps.store.db;
        const membership = transaction(db, () => {
          const group = getGroup(db, groupId);
          if (!group) throw new NotFoundError("group", groupId);
          const user = getUser(db, userId);
          if (!user) throw new NotFoundError("user", userId);
          if (getMembershipOf(db, userId, groupId)) {
            throw new BadRequestError(`User ${user.username} is already in group ${group.name}`);
          }
          const created = createMembership(db, { userId, groupId, rank, timestamp: ctx.now });
          appendAudit(db, {
            kind: AUDIT_KIND.USER_GROUP_MEMBERSHIP,
            mask: auditMask(AUDIT_EVENT.GROUP_MEMBERSHIP_JOINED),
            authorId: actor.userId,
            timestamp: ctx.now,
            targetId: userId,
            target2Id: groupId,
            description: `User ${user.username} joined group ${group.name} with rank ${rank}.`,
            after: membershipSnapshot(created),
          });
          return created;
        });
        return { data: serializeMembership(membership) };
      },
    },
  ),

  "user-group-membership.read": endpoint(object({ membership_id: id }), {
    auth: "logged_in",
    handle(ctx, { membership_id }) {
      const membership = findMembership(ctx.deps.store.db, membership_id);
      ctx.require("MEMBERSHIP_READ", { userId: membership.userId, groupId: membership.groupId });
      return { data: serializeMembership(membership) };
    },
  }),

  "user-group-membership.update": endpoint(object({ membership_id: id, attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const db = ctx.deps.store.db;
      const membership = findMembership(db, request.membership_id);
      const rank = rankOf(attributesOf(request.attributes));
      const target = { userId: membership.userId, groupId: membership.groupId };
      const actor = ctx.require("MEMBERSHIP_UPDATE", {
        ...target,
        membershipRank: rank ?? membership.rank,
      });
      if (rank === undefined || rank === membership.rank) {
        return { data: serializeMembership(membership) };
      }
      const updated = transaction(db, () => {
        const after = updateMembershipRank(db, membership.id, rank);
        if (!after) throw new NotFoundError("user-group-membership", membership.id);
        const names = describe(db, membership);
        appendAudit(db, {
          kind: AUDIT_KIND.USER_GROUP_MEMBERSHIP,
          mask: auditMask(AUDIT_EVENT.GROUP_UPDATED),
          authorId: actor.userId,
          timestamp: ctx.now,
          targetId: membership.userId,
          target2Id: membership.groupId,
          description:
            `Rank of user ${names.user} in group ${names.group} changed from ${membership.rank} to ${rank}.`,
          before: membershipSnapshot(membership),
          after: membershipSnapshot(after),
        });
        return after;
      });
      return { data: serializeMembership(updated) };
    },
  }),

  "user-group-membership.delete": endpoint(object({ membership_id: id }), {
    auth: "logged_in",
    handle(ctx, { membership_id }) {
      const db = ctx.deps.store.db;
      const membership = findMembership(db, membership_id);
      const actor = ctx.require("MEMBERSHIP_DELETE", {
        userId: membership.userId,
        groupId: membership.groupId,
        membershipRank: membership.rank,
      });
      transaction(db, () => {
        const names = describe(db, membership);
        deleteMembership(db, membership.id);
        appendAudit(db, {
          kind: AUDIT_KIND.USER_GROUP_MEMBERSHIP,
          mask: auditMask(AUDIT_EVENT.GROUP_MEMBERSHIP_LEFT),
          authorId: actor.userId,
          timestamp: ctx.now,
          targetId: membership.userId,
          target2Id: membership.groupId,
          description: `User ${names.user} left group ${names.group}.`,
          before: membershipSnapshot(membership),
        });
      });
      return null;
    },
  }),
};
