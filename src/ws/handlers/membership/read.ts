/**
 * `user-group-membership.read` (Leosac §7.4): one membership (there is no
 * list mode: id 0 is not found).
 *
 * @module
 */
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { findMembership, serializeMembership } from "./_membership.ts";

/** The request content. */
const decode = object({ membership_id: id });

/** The declaration. */
export const membershipRead = defineEndpoint({
  names: ["user-group-membership.read"],
  session: "required",
  permission: { action: "MEMBERSHIP_READ", byHandler: true },
  access: "read",
  audit: "failures",
  wiring: false,
  decode,
  handle(ctx, { membership_id }) {
    const membership = findMembership(ctx.store.db, membership_id);
    ctx.require("MEMBERSHIP_READ", { userId: membership.userId, groupId: membership.groupId });
    return { data: serializeMembership(membership) };
  },
});
