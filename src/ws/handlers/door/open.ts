/**
 * `door.open`: a remote opening (the strike for `duration_ms`, else the
 * door's unlock duration), refused in locked and lockdown modes. The
 * controller records the opening with its author.
 *
 * @module
 */
import { BadRequestError } from "../../../errors.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, int, object, optional } from "../../validate.ts";
import { callController, requireController } from "../_controller.ts";
import { findDoor, MAX_REMOTE_OPEN_MS } from "./_door.ts";

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
  decode,
  async handle(ctx, { door_id, duration_ms }, signal) {
    const actor = ctx.require("DOOR_OPEN", { doorId: door_id });
    findDoor(ctx.store.db, door_id);
    const result = await callController(requireController(ctx), {
      type: "door.open",
      doorId: door_id,
      authorId: actor.userId,
      ...(duration_ms === undefined ? {} : { durationMs: duration_ms }),
    }, signal);
    if (!result.opened) {
      throw new BadRequestError(
        `Door ${door_id} is in ${result.refused ?? "locked"} mode: remote opening refused.`,
      );
    }
    return { door_id, opened: true };
  },
});
