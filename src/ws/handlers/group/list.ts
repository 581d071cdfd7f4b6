/**
 * `group.list` (our extension; Leosac clients never send it): one page of
 * groups whose name contains what was typed, by name. From viewer rank every
 * group; below, the caller's own groups. Items carry the group's attributes
 * and its number of members (`member-count`), and no relationships (a group's members are paged by `user-group-membership.list`).
 *
 * @module
 */
import { countMembers, searchGroupsPage } from "../../../store/search.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { pagedRequest, runSearch, searchQuery } from "../search/_paged.ts";

/** The declaration. */
export const groupList = defineEndpoint({
  names: ["group.list"],
  session: "required",
  permission: { action: "GROUP_LIST_ALL", byHandler: true },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: pagedRequest,
  handle(ctx, request) {
    const member = ctx.can("GROUP_LIST_ALL") ? undefined : ctx.session.actor!.userId;
    const page = runSearch(() => searchGroupsPage(ctx.store.db, searchQuery(request), member));
    return {
      data: page.rows.map((g) => ({
        id: g.id,
        type: "group",
        attributes: {
          name: g.name,
          description: g.description,
          version: g.version,
          "member-count": countMembers(ctx.store.db, g.id),
        },
      })),
      meta: { next: page.next },
    };
  },
});
