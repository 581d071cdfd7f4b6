/**
 * `cancel_update`: Cancels an update (none exists).
 *
 * @module
 */
import { defineEndpoint } from "../../endpoint.ts";
import { unknownUpdate, updateIdRequest } from "./_update.ts";

/** The declaration. */
export const cancelUpdate = defineEndpoint({
  names: ["cancel_update"],
  session: "required",
  permission: { action: "UPDATE_MANAGE" },
  access: "write",
  scope: "local",
  audit: "always",
  wiring: false,
  decode: updateIdRequest,
  handle(_ctx, { update_id }) {
    throw unknownUpdate(update_id);
  },
});
