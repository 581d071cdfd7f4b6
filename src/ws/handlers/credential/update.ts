/**
 * `credential.update` (Leosac §7.5): changes the attributes sent. A card
 * takes `card-id` and `nb-bits`, a PIN code `code` (`""` is unchanged); the
 * other kind's attributes are ignored.
 *
 * @module
 */
import { NotFoundError } from "../../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { type CredentialPatch, updateCredential } from "../../../store/credentials.ts";
import { hashPin } from "../../../store/secrets.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { id, object } from "../../validate.ts";
import { applyValidity, checkVersion, withVersion } from "../_entity_attrs.ts";
import {
  cardChange,
  credentialAttributes,
  credentialSnapshot,
  findCredential,
  ownerOf,
  uniqueCard,
  valueOf,
} from "./_credential.ts";

/** The request content. */
const decode = withVersion(
  object({ credential_id: id, attributes: credentialAttributes }),
  "attributes",
);

/** The declaration. */
export const credentialUpdate = defineEndpoint({
  names: ["credential.update"],
  session: "required",
  permission: { action: "CREDENTIAL_WRITE" },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, { credential_id, attributes, version }) {
    const actor = ctx.require("CREDENTIAL_WRITE");
    const { db, secret } = ctx.store;
    const credential = findCredential(db, credential_id);
    const { alias, description, ownerId, validity } = attributes.common;
    const patch: CredentialPatch = {
      ...(alias !== undefined ? { alias } : {}),
      ...(description !== undefined ? { description } : {}),
    };
    if (validity !== undefined) patch.validity = applyValidity(credential.validity, validity);
    if (ownerId !== undefined) patch.ownerId = ownerOf(db, ownerId);
    if (credential.type === "rfid-card") {
      Object.assign(patch, cardChange(credential, valueOf(attributes.card)));
    } else {
      const code = valueOf(attributes.code);
      if (code !== undefined) patch.pinHash = hashPin(secret, code);
    }
    ctx.transaction(() => {
      checkVersion(db, credential.type, credential.id, version);
      const after = uniqueCard(patch.cardId, () => updateCredential(db, credential.id, patch));
      if (!after) throw new NotFoundError("credential", credential.id);
      const pinChanged = patch.pinHash !== undefined ? " Its PIN code was changed." : "";
      ctx.audit({
        kind: AUDIT_KIND.CREDENTIAL,
        mask: auditMask(AUDIT_EVENT.CREDENTIAL_UPDATED),
        authorId: actor.userId,
        targetId: credential.id,
        description: `Credential ${after.alias} (${after.type}) has been updated.${pinChanged}`,
        before: credentialSnapshot(credential),
        after: credentialSnapshot(after),
      });
    });
    return null;
  },
});
