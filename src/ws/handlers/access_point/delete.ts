/**
 * `access_point.delete` (Leosac §7.8): removes an access point.
 *
 * @module
 */
import { deleteAccessPoint } from "../../../store/access_points.ts";
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { auditAccessPoint, findAccessPoint } from "./_access_point.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(object({ access_point_id: id }), "content");

/** The declaration. */
export const accessPointDelete = defineEndpoint({
  names: ["access_point.delete"],
  session: "required",
  permission: { action: "ACCESS_POINT_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: true,
  decode,
  handle(ctx, { access_point_id, version }) {
    const db = ctx.store.db;
    const ap = findAccessPoint(db, access_point_id);
    ctx.transaction(() => {
      checkVersion(db, "access-point", ap.id, version);
      deleteAccessPoint(db, ap.id);
      auditAccessPoint(ctx, AUDIT_EVENT.ACCESS_POINT_DELETED, ap, null);
    });
    return null;
  },
});
