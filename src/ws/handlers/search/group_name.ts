/**
 * `search.group_name`: groups the caller may read, whose name contains `partial_name`.
 *
 * @module
 */
import { searchGroups } from "../../../store/groups.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { partialNameRequest } from "./_search.ts";

/** The declaration. */
export const searchGroupName = defineEndpoint({
  names: ["search.group_name"],
  session: "required",
  permission: { action: "GROUP_SEARCH", also: ["GROUP_LIST_ALL", "GROUP_READ"] },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: partialNameRequest,
  handle(ctx, { partial_name }) {
    const all = ctx.can("GROUP_LIST_ALL");
    return searchGroups(ctx.store.db, partial_name)
      .filter((g) => all || ctx.can("GROUP_READ", { groupId: g.id }))
      .map((g) => ({ id: g.id, name: g.name }));
  },
});
