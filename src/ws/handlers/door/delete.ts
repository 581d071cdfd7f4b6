/**
 * `door.delete` (Leosac §7.7): removes a door (its zone links and
 * schedule-mapping rows go with it).
 *
 * @module
 */
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { deleteDoor } from "../../../store/doors.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { auditDoor, findDoor } from "./_door.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(object({ door_id: id }), "content");

/** The declaration. */
export const doorDelete = defineEndpoint({
  names: ["door.delete"],
  session: "required",
  permission: { action: "DOOR_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: true,
  decode,
  handle(ctx, { door_id, version }) {
    const db = ctx.store.db;
    const door = findDoor(db, door_id);
    ctx.transaction(() => {
      checkVersion(db, "door", door.id, version);
      deleteDoor(db, door.id);
      auditDoor(ctx, AUDIT_EVENT.DOOR_DELETED, door, null);
    });
    return null;
  },
});
