/**
 * `user-group-membership.delete` (Leosac §7.4): a user leaves a group.
 *
 * @module
 */
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { deleteMembership } from "../../../store/memberships.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { describeMembership, findMembership, membershipSnapshot } from "./_membership.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(object({ membership_id: id }), "content");

/** The declaration. */
export const membershipDelete = defineEndpoint({
  names: ["user-group-membership.delete"],
  session: "required",
  permission: { action: "MEMBERSHIP_DELETE", byHandler: true },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { membership_id, version }) {
    const db = ctx.store.db;
    const membership = findMembership(db, membership_id);
    const actor = ctx.require("MEMBERSHIP_DELETE", {
      userId: membership.userId,
      groupId: membership.groupId,
      membershipRank: membership.rank,
    });
    ctx.transaction(() => {
      checkVersion(db, "user-group-membership", membership.id, version);
      const names = describeMembership(db, membership);
      deleteMembership(db, membership.id);
      ctx.audit({
        kind: AUDIT_KIND.USER_GROUP_MEMBERSHIP,
        mask: auditMask(AUDIT_EVENT.GROUP_MEMBERSHIP_LEFT),
        authorId: actor.userId,
        targetId: membership.userId,
        target2Id: membership.groupId,
        description: `User ${names.user} left group ${names.group}.`,
        before: membershipSnapshot(membership),
      });
    });
    return null;
  },
});
