/**
 * `group.create` (Leosac §7.3): any logged-in user may create a group
 * (audit `GROUP_CREATED`).
 *
 * Leosac made every creator the group's ADMIN member. A membership is also
 * what the group's schedule mappings open doors for, so that rule handed out
 * physical access nobody chose. Here the creator becomes an ADMIN member
 * (audit `GROUP_MEMBERSHIP_JOINED`) only when that membership is the one way
 * they can manage the group, i.e. their account rank is below Manager
 * (Managers and above manage every group by rank). Such a group has no
 * mapping yet, and only a Manager can map it to doors, with its members shown.
 *
 * @module
 */
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { createGroup } from "../../../store/groups.ts";
import { createMembership, GROUP_RANK } from "../../../store/memberships.ts";
import { USER_RANK } from "../../../store/users.ts";
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
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { attributes }) {
    const actor = ctx.require("GROUP_CREATE");
    const db = ctx.store.db;
    const group = ctx.transaction(() => {
      const created = uniqueName(attributes.name, () => createGroup(db, attributes));
      ctx.audit({
        kind: AUDIT_KIND.GROUP,
        mask: auditMask(AUDIT_EVENT.GROUP_CREATED),
        authorId: actor.userId,
        targetId: created.id,
        description: `Group ${created.name} has been created.`,
        after: groupSnapshot(db, created),
      });
      if (actor.rank >= USER_RANK.MANAGER) return created;
      const membership = createMembership(db, {
        userId: actor.userId,
        groupId: created.id,
        rank: GROUP_RANK.ADMIN,
        timestamp: ctx.now,
      });
      ctx.audit({
        kind: AUDIT_KIND.USER_GROUP_MEMBERSHIP,
        mask: auditMask(AUDIT_EVENT.GROUP_MEMBERSHIP_JOINED),
        authorId: actor.userId,
        targetId: actor.userId,
        target2Id: created.id,
        description:
          `The creator of group ${created.name} joined it as Administrator (their account rank cannot manage groups otherwise).`,
        after: membershipSnapshot(membership),
      });
      return created;
    });
    return { data: serializeGroup(ctx, group) };
  },
});
