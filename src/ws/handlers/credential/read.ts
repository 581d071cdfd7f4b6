/**
 * `credential.read` (Leosac §7.5): one credential, or with id 0 every
 * credential the caller may read (all from viewer rank up, otherwise their own).
 *
 * @module
 */
import { listCredentials } from "../../../store/credentials.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { findCredential, serializeCredential } from "./_credential.ts";

/** The request content. */
const decode = object({ credential_id: id });

/** The declaration. */
export const credentialRead = defineEndpoint({
  names: ["credential.read"],
  session: "required",
  permission: {
    action: "CREDENTIAL_READ",
    byHandler: true,
    also: ["CREDENTIAL_LIST_ALL", "SCHEDULE_READ"],
  },
  access: "read",
  audit: "failures",
  wiring: false,
  decode,
  handle(ctx, { credential_id }) {
    const db = ctx.store.db;
    if (credential_id === 0) {
      const all = ctx.can("CREDENTIAL_LIST_ALL");
      const credentials = listCredentials(db)
        .filter((c) => all || ctx.can("CREDENTIAL_READ", { credentialId: c.id }));
      return { data: credentials.map((c) => serializeCredential(ctx, c)) };
    }
    const credential = findCredential(db, credential_id);
    ctx.require("CREDENTIAL_READ", { credentialId: credential.id });
    return { data: serializeCredential(ctx, credential) };
  },
});
