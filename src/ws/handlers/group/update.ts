/**
 * `group.update` (Leosac §7.3): changes the name or description; managers
 * and the group's administrators may.
 *
 * @module
 */
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { updateGroup } from "../../../store/groups.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import {
  findGroup,
  GROUP_VIEW_ACTIONS,
  groupAttributes,
  groupSnapshot,
  serializeGroup,
  uniqueName,
} from "./_group.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(object({ group_id: id, attributes: groupAttributes }), "attributes");

/** The declaration. */
export const groupUpdate = defineEndpoint({
  names: ["group.update"],
  session: "required",
  permission: { action: "GROUP_UPDATE", byHandler: true, also: GROUP_VIEW_ACTIONS },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { group_id, attributes, version }) {
    const db = ctx.store.db;
    const group = findGroup(db, group_id);
    const actor = ctx.require("GROUP_UPDATE", { groupId: group.id });
    const after = ctx.transaction(() => {
      checkVersion(db, "group", group.id, version);
      const before = groupSnapshot(db, group);
      const updated = uniqueName(attributes.name, () => updateGroup(db, group.id, attributes)!);
      ctx.audit({
        kind: AUDIT_KIND.GROUP,
        mask: auditMask(AUDIT_EVENT.GROUP_UPDATED),
        authorId: actor.userId,
        targetId: group.id,
        description: `Group ${updated.name} has been updated.`,
        before,
        after: groupSnapshot(db, updated),
      });
      return updated;
    });
    return { data: serializeGroup(ctx, after) };
  },
});
