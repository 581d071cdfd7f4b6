/**
 * What the `user-group-membership` endpoints share (Leosac §7.4): the
 * JSON:API shape (`timestamp` in Unix seconds, as in Leosac), the audit
 * snapshot, the rank attribute, the create decoder and the lookups.
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
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { BadRequestError, NotFoundError } from "../../../errors.ts";
import { getGroup } from "../../../store/groups.ts";
import {
  getMembership,
  GROUP_RANK,
  type GroupRank,
  type Membership,
} from "../../../store/memberships.ts";
import { getUser } from "../../../store/users.ts";
import { id, object } from "../../validate.ts";
import { type Attributes, attributesOf, intAttr } from "../_entity_attrs.ts";

/** Serialises a membership as a JSON:API resource (timestamp in Unix seconds). */
export function serializeMembership(membership: Membership): Record<string, unknown> {
  return {
    id: membership.id,
    type: "user-group-membership",
    attributes: {
      rank: membership.rank,
      timestamp: Math.floor(membership.timestamp / 1000),
      version: membership.version,
    },
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

function rankOf(attrs: Attributes): GroupRank | undefined {
  return intAttr(attrs, "rank", {
    min: GROUP_RANK.MEMBER,
    max: GROUP_RANK.ADMIN,
    message: "Rank must be 0 (member), 1 (operator) or 2 (administrator).",
    numericStrings: true,
  }) as GroupRank | undefined;
}

/** The attributes of `user-group-membership.update`: the new rank, if sent. */
export function membershipAttributes(value: unknown): { readonly rank?: GroupRank } {
  const rank = rankOf(attributesOf(value));
  return rank === undefined ? {} : { rank };
}

/** A new membership: who joins which group, with what rank. */
export interface NewMembershipRequest {
  readonly groupId: number;
  readonly userId: number;
  readonly rank: GroupRank;
}

function requiredId(attrs: Attributes, key: string): number {
  const value = attrs[key];
  if (value === undefined || value === null) {
    throw new BadRequestError(`key 'attributes.${key}' not found`);
  }
  return id(value, `attributes.${key}`);
}

/**
 * The content of `user-group-membership.create`: `group_id`, `user_id` and
 * `rank` from `attributes`, or else from the top level of the content.
 */
export function newMembershipContent(value: unknown, path: string): NewMembershipRequest {
  object({})(value, path);
  const content = value as Record<string, unknown>;
  const attrs: Attributes = {
    group_id: content.group_id,
    user_id: content.user_id,
    rank: content.rank,
  };
  for (const [key, item] of Object.entries(attributesOf(content.attributes))) {
    if (item !== undefined && item !== null) attrs[key] = item;
  }
  return {
    groupId: requiredId(attrs, "group_id"),
    userId: requiredId(attrs, "user_id"),
    rank: rankOf(attrs) ?? GROUP_RANK.MEMBER,
  };
}

/** The membership `membershipId`. @throws {NotFoundError} when there is none. */
export function findMembership(db: DatabaseSync, membershipId: number): Membership {
  const membership = getMembership(db, membershipId);
  if (!membership) throw new NotFoundError("user-group-membership", membershipId);
  return membership;
}

/** The user's and the group's names, for audit descriptions. */
export function describeMembership(
  db: DatabaseSync,
  membership: Membership,
): { user: string; group: string } {
  return {
    user: getUser(db, membership.userId)?.username ?? `#${membership.userId}`,
    group: getGroup(db, membership.groupId)?.name ?? `#${membership.groupId}`,
  };
}
