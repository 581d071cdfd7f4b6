/**
 * `access_point.read` (Leosac §7.8): one access point by id, or every
 * access point for id 0.
 *
 * @module
 */
import { listAccessPoints } from "../../../store/access_points.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { findAccessPoint, serializeAccessPoint } from "./_access_point.ts";
import { localController } from "../_owner.ts";

/** The request content. */
const decode = object({ access_point_id: id });

/** The declaration. */
export const accessPointRead = defineEndpoint({
  names: ["access_point.read"],
  session: "required",
  permission: { action: "ACCESS_POINT_READ" },
  access: "read",
  audit: "failures",
  wiring: false,
  uses: ["site"],
  decode,
  handle(ctx, { access_point_id }) {
    const db = ctx.store.db;
    const local = localController(ctx);
    if (access_point_id === 0) {
      return { data: listAccessPoints(db).map((ap) => serializeAccessPoint(ap, local)) };
    }
    return { data: serializeAccessPoint(findAccessPoint(db, access_point_id), local) };
  },
});
