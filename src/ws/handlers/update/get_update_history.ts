/**
 * `get_update_history`: Lists the installed updates (always none).
 *
 * @module
 */
import { defineEndpoint } from "../../endpoint.ts";
import { ignored } from "../../validate.ts";

/** The declaration. */
export const getUpdateHistory = defineEndpoint({
  names: ["get_update_history"],
  session: "required",
  permission: { action: "UPDATE_MANAGE" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: ignored,
  handle: () => ({ data: [] }),
});
