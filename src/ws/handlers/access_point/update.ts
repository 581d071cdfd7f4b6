/**
 * `access_point.update` (Leosac §7.8): changes the attributes sent; the
 * others stay. Only builtin access points can be changed; an access point
 * does not move between controllers.
 *
 * @module
 */
import { updateAccessPoint } from "../../../store/access_points.ts";
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import {
  accessPointAttributes,
  auditAccessPoint,
  checkBackend,
  checkReader,
  findAccessPoint,
  serializeAccessPoint,
} from "./_access_point.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";
import { checkControllerUnchanged, localController, withController } from "../_owner.ts";
import { ownerOf } from "../../../store/owner.ts";

/** The request content. */
const decode = withController(withVersion(
  object({ access_point_id: id, attributes: accessPointAttributes }),
  "attributes",
));

/** The declaration. */
export const accessPointUpdate = defineEndpoint({
  names: ["access_point.update"],
  session: "required",
  permission: { action: "ACCESS_POINT_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: true,
  uses: ["site"],
  decode,
  handle(ctx, { access_point_id, attributes, version, controller }) {
    const db = ctx.store.db;
    const local = localController(ctx);
    const ap = findAccessPoint(db, access_point_id);
    checkBackend(ap.controllerModule);
    checkControllerUnchanged(controller, ap, local, `access point ${ap.id}`);
    checkReader(db, attributes, ownerOf(ap.controller, local), local);
    const after = ctx.transaction(() => {
      checkVersion(db, "access-point", ap.id, version);
      const updated = updateAccessPoint(db, ap.id, attributes)!;
      auditAccessPoint(ctx, AUDIT_EVENT.ACCESS_POINT_UPDATED, ap, updated);
      return updated;
    });
    return { data: serializeAccessPoint(after, local) };
  },
});
