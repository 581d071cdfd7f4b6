/**
 * `search.zone_alias`: zones; none is `null`, whose name contains `partial_name`.
 *
 * @module
 */
import { searchZones } from "../../../store/zones.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { orNull, partialNameRequest } from "./_search.ts";

/** The declaration. */
export const searchZoneAlias = defineEndpoint({
  names: ["search.zone_alias"],
  session: "required",
  permission: { action: "ZONE_READ" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: partialNameRequest,
  handle(ctx, { partial_name }) {
    return orNull(
      searchZones(ctx.store.db, partial_name).map((z) => ({ id: z.id, alias: z.alias })),
    );
  },
});
