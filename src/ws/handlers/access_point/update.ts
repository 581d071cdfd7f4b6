/**
 * `access_point.update` (Leosac §7.8): changes the attributes sent; the
 * others stay. Only builtin access points can be changed.
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

/** The request content. */
const decode = withVersion(
  object({ access_point_id: id, attributes: accessPointAttributes }),
  "attributes",
);

/** The declaration. */
export const accessPointUpdate = defineEndpoint({
  names: ["access_point.update"],
  session: "required",
  permission: { action: "ACCESS_POINT_WRITE" },
  access: "write",
  audit: "always",
  wiring: true,
  decode,
  handle(ctx, { access_point_id, attributes, version }) {
    const db = ctx.store.db;
    const ap = findAccessPoint(db, access_point_id);
    checkBackend(ap.controllerModule);
    checkReader(db, attributes);
    const after = ctx.transaction(() => {
      checkVersion(db, "access-point", ap.id, version);
      const updated = updateAccessPoint(db, ap.id, attributes)!;
      auditAccessPoint(ctx, AUDIT_EVENT.ACCESS_POINT_UPDATED, ap, updated);
      return updated;
    });
    return { data: serializeAccessPoint(after) };
  },
});
