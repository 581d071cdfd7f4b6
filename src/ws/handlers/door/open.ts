/**
 * `door.open`: a remote opening (the strike for `duration_ms`, else the
 * door's unlock duration), refused in locked and lockdown modes. The
 * controller records the opening with its author. In a site, a door wired
 * on another controller is opened by that controller (`src/site/doors.ts`):
 * it checks the author's permission against its copy of the accounts and
 * records the opening; this controller's call row records the request.
 *
 * @module
 */
import { defineEndpoint } from "../../endpoint.ts";
import { id, int, object, optional } from "../../validate.ts";
import { findDoor, MAX_REMOTE_OPEN_MS } from "./_door.ts";
import { openDoor } from "./_commands.ts";
import { remoteOwner, sendToOwner } from "./_remote.ts";

/** The request content. */
const decode = object({ door_id: id, duration_ms: optional(int(100, MAX_REMOTE_OPEN_MS)) });

/** The declaration. */
export const doorOpen = defineEndpoint({
  names: ["door.open"],
  session: "required",
  permission: { action: "DOOR_OPEN", byHandler: true },
  access: "write",
  scope: "local",
  audit: "always",
  wiring: false,
  uses: ["site"],
  decode,
  async handle(ctx, { door_id, duration_ms }, signal) {
    const actor = ctx.require("DOOR_OPEN", { doorId: door_id });
    const door = findDoor(ctx.store.db, door_id);
    const owner = remoteOwner(ctx, door);
    if (owner !== null) {
      return await sendToOwner(ctx, owner, {
        op: "open",
        door_id,
        ...(duration_ms === undefined ? {} : { duration_ms }),
      }, actor.userId);
    }
    return await openDoor(
      ctx.controller,
      { door, authorId: actor.userId, durationMs: duration_ms },
      signal,
    );
  },
});
