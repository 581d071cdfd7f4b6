/**
 * `get_leosac_version`: the server version, before or after login.
 *
 * @module
 */
import { LEOSAC_VERSION, VERSION } from "../../../version.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { ignored } from "../../validate.ts";

/** The declaration. */
export const getLeosacVersion = defineEndpoint({
  names: ["get_leosac_version"],
  session: "optional",
  permission: null,
  access: "read",
  audit: "failures",
  wiring: false,
  decode: ignored,
  handle: () => ({ version: `${LEOSAC_VERSION}-deno-${VERSION}`, version_short: LEOSAC_VERSION }),
});
