/**
 * `antipassback.forgive`: forgets where a user is, in one zone or (without
 * `zone_id`, or 0) in every zone, so their next badge is not refused as a
 * passback.
 *
 * @module
 */
import { NotFoundError } from "../../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { getUser } from "../../../store/users.ts";
import { getZone } from "../../../store/zones.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object, optional } from "../../validate.ts";

/** The request content. */
const decode = object({ user_id: id, zone_id: optional(id) });

/** The declaration. */
export const antipassbackForgive = defineEndpoint({
  names: ["antipassback.forgive"],
  session: "required",
  permission: { action: "ANTIPASSBACK_FORGIVE", byHandler: true },
  access: "write",
  scope: "local",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { user_id, zone_id }) {
    const actor = ctx.require("ANTIPASSBACK_FORGIVE", { userId: user_id });
    const db = ctx.store.db;
    if (getUser(db, user_id) === undefined) throw new NotFoundError("user", user_id);
    const zoneId = zone_id ?? 0;
    if (zoneId !== 0 && getZone(db, zoneId) === undefined) {
      throw new NotFoundError("zone", zoneId);
    }
    const forgiven = ctx.transaction(() => {
      const changes = Number(
        zoneId === 0
          ? db.prepare("DELETE FROM antipassback_state WHERE user_id = ?").run(user_id).changes
          : db.prepare("DELETE FROM antipassback_state WHERE user_id = ? AND zone_id = ?")
            .run(user_id, zoneId).changes,
      );
      ctx.audit({
        kind: AUDIT_KIND.USER,
        mask: auditMask(AUDIT_EVENT.ANTIPASSBACK_FORGIVEN),
        authorId: actor.userId,
        description: zoneId === 0
          ? `Anti-passback forgiven for user ${user_id} in every zone`
          : `Anti-passback forgiven for user ${user_id} in zone ${zoneId}`,
        targetId: user_id,
        target2Id: zoneId === 0 ? null : zoneId,
        data: { user: user_id, zone: zoneId, rows: changes },
      });
      return changes;
    });
    return { user_id, zone_id: zoneId, forgiven };
  },
});
