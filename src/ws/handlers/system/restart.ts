/**
 * `restart`: restarts the server in-process on the same address.
 *
 * @module
 */
import { defineEndpoint } from "../../endpoint.ts";
import { ignored } from "../../validate.ts";

/** The declaration. */
export const restart = defineEndpoint({
  names: ["restart"],
  session: "required",
  permission: { action: "RESTART" },
  access: "write",
  scope: "local",
  audit: "always",
  wiring: false,
  uses: ["system"],
  decode: ignored,
  handle(ctx) {
    ctx.services.system.requestRestart();
    return null;
  },
});
