/**
 * `zone.read` (Leosac §7.9): one zone by id, or every zone for id 0.
 *
 * @module
 */
import { listZones } from "../../../store/zones.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { findZone, serializeZone } from "./_zone.ts";

/** The request content. */
const decode = object({ zone_id: id });

/** The declaration. */
export const zoneRead = defineEndpoint({
  names: ["zone.read"],
  session: "required",
  permission: { action: "ZONE_READ" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode,
  handle(ctx, { zone_id }) {
    const db = ctx.store.db;
    if (zone_id === 0) return { data: listZones(db).map((z) => serializeZone(db, z)) };
    return { data: serializeZone(db, findZone(db, zone_id)) };
  },
});
