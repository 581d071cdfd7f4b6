/**
 * `door.create` (Leosac §7.7): adds a door, optionally linked to an access
 * point and wired to its strike, contact and request-to-exit lines.
 *
 * @module
 */
import { AUDIT_EVENT } from "../../../store/audit.ts";
import { createDoor } from "../../../store/doors.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { object } from "../../validate.ts";
import { auditDoor, checkDoorReferences, doorAttributes, serializeDoor } from "./_door.ts";

/** The request content. */
const decode = object({ attributes: doorAttributes });

/** The declaration. */
export const doorCreate = defineEndpoint({
  names: ["door.create"],
  session: "required",
  permission: { action: "DOOR_WRITE" },
  access: "write",
  audit: "always",
  wiring: true,
  decode,
  handle(ctx, { attributes }) {
    const db = ctx.store.db;
    checkDoorReferences(db, attributes, null);
    const door = ctx.transaction(() => {
      const created = createDoor(db, attributes);
      auditDoor(ctx, AUDIT_EVENT.DOOR_CREATED, null, created);
      return created;
    });
    return { data: serializeDoor(db, door) };
  },
});
