/**
 * `create_update`: Starts an update from a descriptor (none exists).
 *
 * @module
 */
import { BadRequestError } from "../../../errors.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { object, str } from "../../validate.ts";

const decode = object({ descriptor_uuid: str(64) });

/** The declaration. */
export const createUpdate = defineEndpoint({
  names: ["create_update"],
  session: "required",
  permission: { action: "UPDATE_MANAGE" },
  access: "write",
  scope: "local",
  audit: "always",
  wiring: false,
  decode,
  handle() {
    throw new BadRequestError("UpdateDescriptor doesn't exist anymore.");
  },
});
