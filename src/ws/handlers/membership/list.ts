/**
 * `user-group-membership.list` (our extension; Leosac clients never send it): one page
 * of a group's memberships, by the member's username, optionally only
 * members found by what was typed (as `user.list`). Needs the right to list
 * the group's members (viewer rank, or operator of the group). Items are
 * `user-group-membership` resources; `meta.usernames` maps each member's id
 * to their username.
 *
 * @module
 */
import { searchGroupMembersPage } from "../../../store/search.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { pagedFields, runSearch, searchQuery } from "../search/_paged.ts";
import { findGroup } from "../group/_group.ts";
import { serializeMembership } from "./_membership.ts";

const decode = object({ ...pagedFields, group_id: id });

/** The declaration. */
export const membershipList = defineEndpoint({
  names: ["user-group-membership.list"],
  session: "required",
  permission: { action: "GROUP_LIST_MEMBERSHIP" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode,
  handle(ctx, request) {
    const db = ctx.store.db;
    const group = findGroup(db, request.group_id);
    ctx.require("GROUP_LIST_MEMBERSHIP", { groupId: group.id });
    const page = runSearch(() => searchGroupMembersPage(db, group.id, searchQuery(request)));
    const usernames: Record<string, string> = {};
    for (const { membership, username } of page.rows) usernames[membership.userId] = username;
    return {
      data: page.rows.map(({ membership }) => serializeMembership(membership)),
      meta: { next: page.next, usernames },
    };
  },
});
