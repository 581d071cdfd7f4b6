/**
 * `door.create` (Leosac §7.7): adds a door, optionally linked to an access
 * point and wired to its strike, contact and request-to-exit lines. In a
 * site, `controller` names the controller it is wired on (default: this
 * one); its lines and access point must be that controller's.
 *
 * @module
 */
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { createDoor } from "../../../store/doors.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { object } from "../../validate.ts";
import { localController, newRowController, withController } from "../_owner.ts";
import { auditDoor, checkDoorReferences, doorAttributes, serializeDoor } from "./_door.ts";

/** The request content. */
const decode = withController(object({ attributes: doorAttributes }));

/** The declaration. */
export const doorCreate = defineEndpoint({
  names: ["door.create"],
  session: "required",
  permission: { action: "DOOR_WRITE" },
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
    checkDoorReferences(db, attributes, null, { controller, local });
    const door = ctx.transaction(() => {
      const created = createDoor(db, { ...attributes, controller });
      auditDoor(ctx, AUDIT_EVENT.DOOR_CREATED, null, created);
      return created;
    });
    return { data: serializeDoor(db, door, local) };
  },
});
