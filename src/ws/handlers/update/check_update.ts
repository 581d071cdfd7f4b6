/**
 * `check_update`: Lists the available updates (always none).
 *
 * @module
 */
import { defineEndpoint } from "../../endpoint.ts";
import { ignored } from "../../validate.ts";

/** The declaration. */
export const checkUpdate = defineEndpoint({
  names: ["check_update"],
  session: "required",
  permission: { action: "UPDATE_MANAGE" },
  access: "read",
  audit: "failures",
  wiring: false,
  decode: ignored,
  handle: () => [],
});
