/**
 * `get_leosac_version`: the server version, before or after login.
 *
 * @module
 */
import { LEOSAC_VERSION, VERSION_STRING } from "../../../version.ts";
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
  // `version`: the same string as `leosac --version`, /healthz and system_overview.
  handle: () => ({ version: VERSION_STRING, version_short: LEOSAC_VERSION }),
});
