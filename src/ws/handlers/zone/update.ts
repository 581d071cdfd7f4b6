/**
 * `zone.update` (Leosac §7.9): changes the attributes sent and replaces the
 * door and child lists. The graph rules are checked inside the transaction,
 * which is rolled back when they fail.
 *
 * @module
 */
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { listZones, updateZone } from "../../../store/zones.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { auditZone, findZone, serializeZone, zoneAttributes, zonePatch } from "./_zone.ts";
import { checkZoneGraph } from "./_zone_graph.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(object({ zone_id: id, attributes: zoneAttributes }), "attributes");

/** The declaration. */
export const zoneUpdate = defineEndpoint({
  names: ["zone.update"],
  session: "required",
  permission: { action: "ZONE_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: true,
  decode,
  handle(ctx, { zone_id, attributes, version }) {
    const db = ctx.store.db;
    const zone = findZone(db, zone_id);
    const patch = zonePatch(db, attributes);
    const after = ctx.transaction(() => {
      checkVersion(db, "zone", zone.id, version);
      const updated = updateZone(db, zone.id, patch)!;
      checkZoneGraph(listZones(db));
      auditZone(ctx, AUDIT_EVENT.ZONE_UPDATED, zone, updated);
      return updated;
    });
    return { data: serializeZone(db, after) };
  },
});
