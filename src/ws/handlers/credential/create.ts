/**
 * `credential.create` (Leosac §7.5): an RFID card (`card-id`, `nb-bits`) or
 * a PIN code (`code`, stored only as its keyed hash), per `credential-type`.
 *
 * @module
 */
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import { createCredential } from "../../../store/credentials.ts";
import { hashPin } from "../../../store/secrets.ts";
import { defineEndpoint } from "../../endpoint.ts";
import {
  credentialSnapshot,
  newCredentialContent,
  ownerOf,
  serializeCredential,
  uniqueCard,
} from "./_credential.ts";

/** The request content. */
const decode = newCredentialContent;

/** The declaration. */
export const credentialCreate = defineEndpoint({
  names: ["credential.create"],
  session: "required",
  permission: { action: "CREDENTIAL_WRITE", also: ["SCHEDULE_READ"] },
  access: "write",
  scope: "site",
  audit: "always",
  wiring: false,
  decode,
  handle(ctx, request) {
    const actor = ctx.require("CREDENTIAL_WRITE");
    const { db, secret } = ctx.store;
    const { common } = request;
    const base = {
      alias: common.alias ?? "",
      description: common.description ?? "",
      ownerId: common.ownerId === undefined ? null : ownerOf(db, common.ownerId),
      validity: request.validity,
    };
    const card = request.type === "rfid-card" ? request.cardId : undefined;
    const credential = ctx.transaction(() => {
      const created = uniqueCard(
        card,
        () =>
          request.type === "rfid-card"
            ? createCredential(db, {
              type: request.type,
              ...base,
              cardId: request.cardId,
              nbBits: request.nbBits,
            })
            : createCredential(db, {
              type: request.type,
              ...base,
              pinHash: hashPin(secret, request.code),
            }),
      );
      ctx.audit({
        kind: AUDIT_KIND.CREDENTIAL,
        mask: auditMask(AUDIT_EVENT.CREDENTIAL_CREATED),
        authorId: actor.userId,
        targetId: created.id,
        description: `Credential ${created.alias} (${created.type}) has been created.`,
        after: credentialSnapshot(created),
      });
      return created;
    });
    return { data: serializeCredential(ctx, credential) };
  },
});
