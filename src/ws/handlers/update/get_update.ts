/**
 * `get_update`: Reads one update (none exists).
 *
 * @module
 */
import { defineEndpoint } from "../../endpoint.ts";
import { unknownUpdate, updateIdRequest } from "./_update.ts";

/** The declaration. */
export const getUpdate = defineEndpoint({
  names: ["get_update"],
  session: "required",
  permission: { action: "UPDATE_MANAGE" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: updateIdRequest,
  handle(_ctx, { update_id }) {
    throw unknownUpdate(update_id);
  },
});
