/**
 * `door.update` (Leosac §7.7): changes the attributes sent; the others stay.
 * A door does not move between controllers (`controller` may only repeat
 * its own), and its new references must be its controller's.
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
import { checkControllerUnchanged, localController, withController } from "../_owner.ts";
import { ownerOf } from "../../../store/owner.ts";

/** The request content. */
const decode = withController(
  withVersion(object({ door_id: id, attributes: doorAttributes }), "attributes"),
);

/** The declaration. */
export const doorUpdate = defineEndpoint({
  names: ["door.update"],
  session: "required",
  permission: { action: "DOOR_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: true,
  uses: ["site"],
  decode,
  handle(ctx, { door_id, attributes, version, controller }) {
    const db = ctx.store.db;
    const local = localController(ctx);
    const door = findDoor(db, door_id);
    checkControllerUnchanged(controller, door, local, `door ${door.id}`);
    checkDoorReferences(db, attributes, door.id, {
      controller: ownerOf(door.controller, local),
      local,
    });
    const after = ctx.transaction(() => {
      checkVersion(db, "door", door.id, version);
      const updated = updateDoor(db, door.id, attributes)!;
      auditDoor(ctx, AUDIT_EVENT.DOOR_UPDATED, door, updated);
      return updated;
    });
    return { data: serializeDoor(db, after, local) };
  },
});
