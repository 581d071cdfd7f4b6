/**
 * `user-group-membership.update`: changes a member's rank (Leosac 0.8 did
 * not implement it). The permission depends on the rank given.
 *
 * @module
 */
import { NotFoundError } from "../../../errors.ts";
import { groupRankName } from "../../../shared/ranks.js";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { updateMembershipRank } from "../../../store/memberships.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";
import {
  describeMembership,
  findMembership,
  membershipAttributes,
  membershipSnapshot,
  serializeMembership,
} from "./_membership.ts";

/** The request content. */
const decode = withVersion(
  object({ membership_id: id, attributes: membershipAttributes }),
  "attributes",
);

/** The declaration. */
export const membershipUpdate = defineEndpoint({
  names: ["user-group-membership.update"],
  session: "required",
  permission: { action: "MEMBERSHIP_UPDATE", byHandler: true },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { membership_id, attributes: { rank }, version }) {
    const db = ctx.store.db;
    const membership = findMembership(db, membership_id);
    const actor = ctx.require("MEMBERSHIP_UPDATE", {
      userId: membership.userId,
      groupId: membership.groupId,
      membershipRank: rank ?? membership.rank,
    });
    const updated = ctx.transaction(() => {
      checkVersion(db, "user-group-membership", membership.id, version);
      if (rank === undefined || rank === membership.rank) return membership;
      const after = updateMembershipRank(db, membership.id, rank);
      if (!after) throw new NotFoundError("user-group-membership", membership.id);
      const names = describeMembership(db, membership);
      ctx.audit({
        kind: AUDIT_KIND.USER_GROUP_MEMBERSHIP,
        mask: auditMask(AUDIT_EVENT.GROUP_UPDATED),
        authorId: actor.userId,
        targetId: membership.userId,
        target2Id: membership.groupId,
        description: `User ${names.user} in group ${names.group} changed from ${
          groupRankName(membership.rank)
        } to ${groupRankName(rank)}.`,
        before: membershipSnapshot(membership),
        after: membershipSnapshot(after),
      });
      return after;
    });
    return { data: serializeMembership(updated) };
  },
});
