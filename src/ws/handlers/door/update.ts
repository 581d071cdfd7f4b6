/**
 * `door.update` (Leosac §7.7): changes the attributes sent; the others stay.
 *
 * @module
 */
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { updateDoor } from "../../../store/doors.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import {
  auditDoor,
  checkDoorReferences,
  doorAttributes,
  findDoor,
  serializeDoor,
} from "./_door.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(object({ door_id: id, attributes: doorAttributes }), "attributes");

/** The declaration. */
export const doorUpdate = defineEndpoint({
  names: ["door.update"],
  session: "required",
  permission: { action: "DOOR_WRITE" },
  access: "write",
  audit: "always",
  wiring: true,
  decode,
  handle(ctx, { door_id, attributes, version }) {
    const db = ctx.store.db;
    const door = findDoor(db, door_id);
    checkDoorReferences(db, attributes, door.id);
    const after = ctx.transaction(() => {
      checkVersion(db, "door", door.id, version);
      const updated = updateDoor(db, door.id, attributes)!;
      auditDoor(ctx, AUDIT_EVENT.DOOR_UPDATED, door, updated);
      return updated;
    });
    return { data: serializeDoor(db, after) };
  },
});
