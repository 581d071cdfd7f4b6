/**
 * `search.access_point_alias`: access points, whose name contains `partial_name`.
 *
 * @module
 */
import { searchAccessPoints } from "../../../store/access_points.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { partialNameRequest } from "./_search.ts";

/** The declaration. */
export const searchAccessPointAlias = defineEndpoint({
  names: ["search.access_point_alias"],
  session: "required",
  permission: { action: "ACCESS_POINT_READ" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: partialNameRequest,
  handle(ctx, { partial_name }) {
    return searchAccessPoints(ctx.store.db, partial_name).map((a) => ({
      id: a.id,
      alias: a.alias,
    }));
  },
});
