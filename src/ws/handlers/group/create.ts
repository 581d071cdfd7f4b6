/**
 * `group.create` (Leosac §7.3): any logged-in user may create a group; the
 * creator becomes its ADMIN member in the same transaction (audit
 * `GROUP_CREATED` and `GROUP_MEMBERSHIP_JOINED`).
 *
 * @module
 */
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { createGroup } from "../../../store/groups.ts";
import { createMembership, GROUP_RANK } from "../../../store/memberships.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { object } from "../../validate.ts";
import { membershipSnapshot } from "../membership/_membership.ts";
import {
  GROUP_VIEW_ACTIONS,
  groupSnapshot,
  newGroupAttributes,
  serializeGroup,
  uniqueName,
} from "./_group.ts";

/** The request content. */
const decode = object({ attributes: newGroupAttributes });

/** The declaration. */
export const groupCreate = defineEndpoint({
  names: ["group.create"],
  session: "required",
  permission: { action: "GROUP_CREATE", also: GROUP_VIEW_ACTIONS },
  access: "write",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { attributes }) {
    const actor = ctx.require("GROUP_CREATE");
    const db = ctx.store.db;
    const group = ctx.transaction(() => {
      const created = uniqueName(attributes.name, () => createGroup(db, attributes));
      const membership = createMembership(db, {
        userId: actor.userId,
        groupId: created.id,
        rank: GROUP_RANK.ADMIN,
        timestamp: ctx.now,
      });
      ctx.audit({
        kind: AUDIT_KIND.GROUP,
        mask: auditMask(AUDIT_EVENT.GROUP_CREATED),
        authorId: actor.userId,
        targetId: created.id,
        description: `Group ${created.name} has been created.`,
        after: groupSnapshot(db, created),
      });
      ctx.audit({
        kind: AUDIT_KIND.USER_GROUP_MEMBERSHIP,
        mask: auditMask(AUDIT_EVENT.GROUP_MEMBERSHIP_JOINED),
        authorId: actor.userId,
        targetId: actor.userId,
        target2Id: created.id,
        description: `The creator of group ${created.name} joined it as administrator.`,
        after: membershipSnapshot(membership),
      });
      return created;
    });
    return { data: serializeGroup(ctx, group) };
  },
});
