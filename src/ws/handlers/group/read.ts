/**
 * `group.read` (Leosac §7.3): one group, or with id 0 the groups the caller
 * may read: all of them from viewer rank up, otherwise the caller's own.
 *
 * @module
 */
import { listGroups } from "../../../store/groups.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { findGroup, GROUP_VIEW_ACTIONS, serializeGroup } from "./_group.ts";

/** The request content. */
const decode = object({ group_id: id });

/** The declaration. */
export const groupRead = defineEndpoint({
  names: ["group.read"],
  session: "required",
  permission: {
    action: "GROUP_READ",
    byHandler: true,
    also: ["GROUP_LIST_ALL", ...GROUP_VIEW_ACTIONS],
  },
  access: "read",
  audit: "failures",
  wiring: false,
  decode,
  handle(ctx, { group_id }) {
    const db = ctx.store.db;
    if (group_id === 0) {
      const all = ctx.can("GROUP_LIST_ALL");
      const groups = listGroups(db).filter((g) => all || ctx.can("GROUP_READ", { groupId: g.id }));
      return { data: groups.map((g) => serializeGroup(ctx, g)) };
    }
    const group = findGroup(db, group_id);
    ctx.require("GROUP_READ", { groupId: group.id });
    return { data: serializeGroup(ctx, group) };
  },
});
