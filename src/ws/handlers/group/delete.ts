/**
 * `group.delete` (Leosac §7.3): managers and the group's administrators may;
 * its memberships go with it.
 *
 * @module
 */
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { deleteGroup } from "../../../store/groups.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { findGroup, groupSnapshot } from "./_group.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(object({ group_id: id }), "content");

/** The declaration. */
export const groupDelete = defineEndpoint({
  names: ["group.delete"],
  session: "required",
  permission: { action: "GROUP_DELETE", byHandler: true },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { group_id, version }) {
    const db = ctx.store.db;
    const group = findGroup(db, group_id);
    const actor = ctx.require("GROUP_DELETE", { groupId: group.id });
    ctx.transaction(() => {
      checkVersion(db, "group", group.id, version);
      const before = groupSnapshot(db, group);
      deleteGroup(db, group.id);
      ctx.audit({
        kind: AUDIT_KIND.GROUP,
        mask: auditMask(AUDIT_EVENT.GROUP_DELETED),
        authorId: actor.userId,
        targetId: group.id,
        description: `Group ${group.name} has been deleted.`,
        before,
      });
    });
    return null;
  },
});
