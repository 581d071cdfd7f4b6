/**
 * `door.set_mode`: normal, unlocked, locked or lockdown. The controller
 * applies the mode and records DOOR_MODE_CHANGED with the author; without a
 * controller the mode is stored and the row written here. The mode is the
 * door's controller's own: in a site, a door wired on another controller
 * gets its mode from that controller (`src/site/doors.ts`), which checks
 * the author's permission and records the change; the others learn it from
 * the site's live door states.
 *
 * @module
 */
import { DOOR_MODES } from "../../../store/doors.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object, oneOf } from "../../validate.ts";
import { findDoor } from "./_door.ts";
import { changeDoorMode } from "./_commands.ts";
import { remoteOwner, sendToOwner } from "./_remote.ts";

/** The request content. */
const decode = object({ door_id: id, mode: oneOf(DOOR_MODES) });

/** The declaration. */
export const doorSetMode = defineEndpoint({
  names: ["door.set_mode"],
  session: "required",
  permission: { action: "DOOR_SET_MODE", byHandler: true },
  access: "write",
  scope: "local",
  audit: "always",
  wiring: false,
  uses: ["site"],
  decode,
  async handle(ctx, { door_id, mode }, signal) {
    const actor = ctx.require("DOOR_SET_MODE", { doorId: door_id });
    const door = findDoor(ctx.store.db, door_id);
    const owner = remoteOwner(ctx, door);
    if (owner !== null) {
      return await sendToOwner(ctx, owner, { op: "set_mode", door_id, mode }, actor.userId);
    }
    return await changeDoorMode(
      ctx.store.db,
      ctx.controller,
      {
        door,
        mode,
        authorId: actor.userId,
      },
      ctx,
      signal,
    );
  },
});
