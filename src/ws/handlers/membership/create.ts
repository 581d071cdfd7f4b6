/**
 * `user-group-membership.create` (Leosac §7.4): a user joins a group with a
 * rank. The permission is checked on the ids sent, before they are looked up.
 *
 * @module
 */
import { BadRequestError, NotFoundError } from "../../../errors.ts";
import { groupRankName } from "../../../shared/ranks.js";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { getGroup } from "../../../store/groups.ts";
import { createMembership, getMembershipOf } from "../../../store/memberships.ts";
import { getUser } from "../../../store/users.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { membershipSnapshot, newMembershipContent, serializeMembership } from "./_membership.ts";

/** The request content. */
const decode = newMembershipContent;

/** The declaration. */
export const membershipCreate = defineEndpoint({
  names: ["user-group-membership.create"],
  session: "required",
  permission: { action: "MEMBERSHIP_CREATE", byHandler: true },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { groupId, userId, rank }) {
    const actor = ctx.require("MEMBERSHIP_CREATE", { groupId, userId, membershipRank: rank });
    const db = ctx.store.db;
    const membership = ctx.transaction(() => {
      const group = getGroup(db, groupId);
      if (!group) throw new NotFoundError("group", groupId);
      const user = getUser(db, userId);
      if (!user) throw new NotFoundError("user", userId);
      if (getMembershipOf(db, userId, groupId)) {
        throw new BadRequestError(`User ${user.username} is already in group ${group.name}`);
      }
      const created = createMembership(db, { userId, groupId, rank, timestamp: ctx.now });
      ctx.audit({
        kind: AUDIT_KIND.USER_GROUP_MEMBERSHIP,
        mask: auditMask(AUDIT_EVENT.GROUP_MEMBERSHIP_JOINED),
        authorId: actor.userId,
        targetId: userId,
        target2Id: groupId,
        description: `User ${user.username} joined group ${group.name} as ${groupRankName(rank)}.`,
        after: membershipSnapshot(created),
      });
      return created;
    });
    return { data: serializeMembership(membership) };
  },
});
