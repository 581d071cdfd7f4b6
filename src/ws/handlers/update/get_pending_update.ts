/**
 * `get_pending_update`: Lists the pending updates (always none).
 *
 * @module
 */
import { defineEndpoint } from "../../endpoint.ts";
import { ignored } from "../../validate.ts";

/** The declaration. */
export const getPendingUpdate = defineEndpoint({
  names: ["get_pending_update"],
  session: "required",
  permission: { action: "UPDATE_MANAGE" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: ignored,
  handle: () => ({ data: [] }),
});
