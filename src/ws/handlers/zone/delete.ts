/**
 * `zone.delete` (Leosac §7.9): removes a zone.
 *
 * @module
 */
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { deleteZone } from "../../../store/zones.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { auditZone, findZone } from "./_zone.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(object({ zone_id: id }), "content");

/** The declaration. */
export const zoneDelete = defineEndpoint({
  names: ["zone.delete"],
  session: "required",
  permission: { action: "ZONE_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: true,
  decode,
  handle(ctx, { zone_id, version }) {
    const db = ctx.store.db;
    const zone = findZone(db, zone_id);
    ctx.transaction(() => {
      checkVersion(db, "zone", zone.id, version);
      deleteZone(db, zone.id);
      auditZone(ctx, AUDIT_EVENT.ZONE_DELETED, zone, null);
    });
    return null;
  },
});
