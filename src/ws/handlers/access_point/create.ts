/**
 * `access_point.create` (Leosac §7.8): adds a builtin access point
 * (`controller-module` `LEOSAC-BUILTIN-ACCESS-POINT`).
 *
 * @module
 */
import { BUILTIN_CONTROLLER_MODULE, createAccessPoint } from "../../../store/access_points.ts";
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { object } from "../../validate.ts";
import {
  auditAccessPoint,
  checkReader,
  newAccessPointAttributes,
  serializeAccessPoint,
} from "./_access_point.ts";

/** The request content. */
const decode = object({ attributes: newAccessPointAttributes });

/** The declaration. */
export const accessPointCreate = defineEndpoint({
  names: ["access_point.create"],
  session: "required",
  permission: { action: "ACCESS_POINT_WRITE" },
  access: "write",
  audit: "always",
  wiring: true,
  decode,
  handle(ctx, { attributes }) {
    const db = ctx.store.db;
    checkReader(db, attributes);
    const ap = ctx.transaction(() => {
      const created = createAccessPoint(db, {
        ...attributes,
        controllerModule: BUILTIN_CONTROLLER_MODULE,
      });
      auditAccessPoint(ctx, AUDIT_EVENT.ACCESS_POINT_CREATED, null, created);
      return created;
    });
    return { data: serializeAccessPoint(ap) };
  },
});
