/**
 * `access_point.create` (Leosac §7.8): adds a builtin access point
 * (`controller-module` `LEOSAC-BUILTIN-ACCESS-POINT`). In a site,
 * `controller` names the controller it is wired on (default: this one).
 *
 * @module
 */
import { BUILTIN_CONTROLLER_MODULE, createAccessPoint } from "../../../store/access_points.ts";
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { object } from "../../validate.ts";
import { localController, newRowController, withController } from "../_owner.ts";
import {
  auditAccessPoint,
  checkReader,
  newAccessPointAttributes,
  serializeAccessPoint,
} from "./_access_point.ts";

/** The request content. */
const decode = withController(object({ attributes: newAccessPointAttributes }));

/** The declaration. */
export const accessPointCreate = defineEndpoint({
  names: ["access_point.create"],
  session: "required",
  permission: { action: "ACCESS_POINT_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: true,
  uses: ["site"],
  decode,
  handle(ctx, { attributes, controller: requested }) {
    const db = ctx.store.db;
    const local = localController(ctx);
    const controller = newRowController(requested, local);
    checkReader(db, attributes, controller, local);
    const ap = ctx.transaction(() => {
      const created = createAccessPoint(db, {
        ...attributes,
        controllerModule: BUILTIN_CONTROLLER_MODULE,
        controller,
      });
      auditAccessPoint(ctx, AUDIT_EVENT.ACCESS_POINT_CREATED, null, created);
      return created;
    });
    return { data: serializeAccessPoint(ap, local) };
  },
});
