/**
 * `door.read` (Leosac §7.7): one door by id, or for id 0 every door the
 * caller may read (all of them from viewer up, else the doors mapped to the
 * caller).
 *
 * @module
 */
import { listDoors } from "../../../store/doors.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { findDoor, serializeDoor } from "./_door.ts";
import { localController } from "../_owner.ts";

/** The request content. */
const decode = object({ door_id: id });

/** The declaration. */
export const doorRead = defineEndpoint({
  names: ["door.read"],
  session: "required",
  permission: { action: "DOOR_READ", byHandler: true, also: ["DOOR_LIST_ALL"] },
  access: "read",
  audit: "failures",
  wiring: false,
  uses: ["site"],
  decode,
  handle(ctx, { door_id }) {
    const db = ctx.store.db;
    const local = localController(ctx);
    if (door_id === 0) {
      const all = ctx.can("DOOR_LIST_ALL");
      const doors = listDoors(db).filter((d) => all || ctx.can("DOOR_READ", { doorId: d.id }));
      return { data: doors.map((d) => serializeDoor(db, d, local)) };
    }
    const door = findDoor(db, door_id);
    ctx.require("DOOR_READ", { doorId: door.id });
    return { data: serializeDoor(db, door, local) };
  },
});
