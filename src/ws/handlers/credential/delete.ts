/**
 * `credential.delete` (Leosac §7.5); id 0 deletes nothing and succeeds. A
 * card bound to a PIN takes that PIN with it; a bound PIN alone is refused
 * (a model error: delete its card).
 *
 * @module
 */
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { deleteCredential } from "../../../store/credentials.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { credentialSnapshot, findCredential } from "./_credential.ts";
import { checkVersion, withVersion } from "../_entity_attrs.ts";

/** The request content. */
const decode = withVersion(object({ credential_id: id }), "content");

/** The declaration. */
export const credentialDelete = defineEndpoint({
  names: ["credential.delete"],
  session: "required",
  permission: { action: "CREDENTIAL_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { credential_id, version }) {
    if (credential_id === 0) return null;
    const actor = ctx.require("CREDENTIAL_WRITE");
    const db = ctx.store.db;
    const credential = findCredential(db, credential_id);
    ctx.transaction(() => {
      checkVersion(db, credential.type, credential.id, version);
      deleteCredential(db, credential.id);
      ctx.audit({
        kind: AUDIT_KIND.CREDENTIAL,
        mask: auditMask(AUDIT_EVENT.CREDENTIAL_DELETED),
        authorId: actor.userId,
        targetId: credential.id,
        description: `Credential ${credential.alias} (${credential.type}) has been deleted.` +
          (credential.type === "rfid-card" && credential.requiredPinId !== null
            ? ` Its bound PIN credential ${credential.requiredPinId} too.`
            : ""),
        before: credentialSnapshot(credential),
      });
    });
    return null;
  },
});
