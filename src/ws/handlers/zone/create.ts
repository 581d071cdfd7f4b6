/**
 * `zone.create` (Leosac §7.9): adds a zone (logical unless `type` says
 * physical). The graph rules are checked inside the transaction, which is
 * rolled back when they fail.
 *
 * @module
 */
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { createZone, listZones, ZONE_TYPE } from "../../../store/zones.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { object } from "../../validate.ts";
import { auditZone, serializeZone, zoneAttributes, zonePatch } from "./_zone.ts";
import { checkZoneGraph } from "./_zone_graph.ts";

/** The request content. */
const decode = object({ attributes: zoneAttributes });

/** The declaration. */
export const zoneCreate = defineEndpoint({
  names: ["zone.create"],
  session: "required",
  permission: { action: "ZONE_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: true,
  decode,
  handle(ctx, { attributes }) {
    const db = ctx.store.db;
    const fields = zonePatch(db, attributes);
    const zone = ctx.transaction(() => {
      const created = createZone(db, { type: ZONE_TYPE.LOGICAL, ...fields });
      checkZoneGraph(listZones(db));
      auditZone(ctx, AUDIT_EVENT.ZONE_CREATED, null, created);
      return created;
    });
    return { data: serializeZone(db, zone) };
  },
});
