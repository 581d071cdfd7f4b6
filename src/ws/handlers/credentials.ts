/**
 * `credential.create`, `credential.read`, `credential.update`,
 * `credential.delete` (Leosac §7.5): RFID cards and PIN codes.
 *
 * PIN codes: the database keeps only `hashPin(installation secret, code)`,
 * so the clear PIN cannot be sent back, and a `pin-code` resource always
 * carries `"code": ""`. The attribute stays present because the web client's
 * pin-code model reads it; the client sends that `""` back on update, which
 * therefore means "unchanged" (as do a missing key and `null`). A PIN never
 * appears in a reply, an error message, a log line or an audit row (the
 * snapshots leave out both the PIN and its hash).
 *
 * Differences from Leosac 0.8, on purpose:
 * - a PIN must be 4 to 12 digits (Leosac: any digits), `nb-bits` at most 128;
 * - an unknown `owner_id` is ENTITY_NOT_FOUND (`user`), not a database error;
 * - a duplicate card id is a model error on `data/attributes/cardId`;
 * - the permission is checked before the credential is looked up for
 *   update and delete (manager-only actions reveal no ids).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { BadRequestError, NotFoundError, ValidationError } from "../../errors.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../store/audit.ts";
import { isUniqueViolation } from "../../store/constraint.ts";
import {
  createCredential,
  type Credential,
  type CredentialPatch,
  deleteCredential,
  getCredential,
  listCredentials,
  normalizeCardId,
  updateCredential,
} from "../../store/credentials.ts";
import { transaction } from "../../store/db.ts";
import { listScheduleIdsMappedTo } from "../../store/schedules.ts";
import { hashPin } from "../../store/secrets.ts";
import { getUser } from "../../store/users.ts";
import type { Validity } from "../../store/validity.ts";
import { type Endpoint, endpoint, type RequestContext } from "../context.ts";
import { toMany, validityAttributes } from "../serialize.ts";
import { any, id, object, str } from "../validate.ts";
import {
  ATTRIBUTE_POINTER as P,
  type Attributes,
  attributesOf,
  intAttribute,
  textAttribute,
  validityAttribute,
} from "./_attributes.ts";

const CARD_ID_MESSAGE = "Card id must have aa:bb:cc:11 format.";
const NB_BITS_MESSAGE = "Number of bits must be an integer from 1 to 128.";
const PIN_MESSAGE = "PIN code must be 4 to 12 digits.";
const PIN = /^\d{4,12}$/;
const UNBOUNDED: Validity = { enabled: true, start: null, end: null };

/** Serialises a credential as a JSON:API resource (`code` is always `""`). */
export function serializeCredential(
  ctx: RequestContext,
  credential: Credential,
): Record<string, unknown> {
  const attributes: Record<string, unknown> = {
    version: credential.version,
    alias: credential.alias,
    description: credential.description,
    ...validityAttributes(credential.validity),
  };
  if (credential.type === "rfid-card") {
    attributes["card-id"] = credential.cardId;
    attributes["nb-bits"] = credential.nbBits;
  } else {
    attributes.code = "";
  }
  const schedules = listScheduleIdsMappedTo(ctx.deps.store.db, "credential", credential.id)
    .filter((id) => ctx.can("SCHEDULE_READ", { scheduleId: id }))
    .map((id) => ({ id, type: "schedule" }));
  const relationships: Record<string, unknown> = {};
  if (credential.ownerId !== null) {
    relationships.owner = { data: { id: credential.ownerId, type: "user" } };
  }
  relationships.schedules = toMany(schedules, true);
  return { id: credential.id, type: credential.type, attributes, relationships };
}

/** A credential for audit snapshots: no PIN, no PIN hash. */
function credentialSnapshot(credential: Credential): Record<string, unknown> {
  return {
    id: credential.id,
    type: credential.type,
    alias: credential.alias,
    description: credential.description,
    owner_id: credential.ownerId,
    validity_enabled: credential.validity.enabled,
    validity_start: credential.validity.start,
    validity_end: credential.validity.end,
    version: credential.version,
    ...(credential.type === "rfid-card"
      ? { card_id: credential.cardId, nb_bits: credential.nbBits }
      : {}),
  };
}

/** Alias, description, owner and validity, over `current` validity. */
function commonPatch(db: DatabaseSync, attrs: Attributes, current: Validity): CredentialPatch {
  const patch: CredentialPatch = {};
  const alias = textAttribute(attrs, "alias", 50);
  const description = textAttribute(attrs, "description", 4096);
  const ownerId = intAttribute(attrs, "owner_id", {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    message: "Owner must be a user id (0 for none).",
    pointerKey: "owner",
  });
  const validity = validityAttribute(attrs, current);
  if (alias !== undefined) patch.alias = alias;
  if (description !== undefined) patch.description = description;
  if (ownerId !== undefined) {
    if (ownerId !== 0 && !getUser(db, ownerId)) throw new NotFoundError("user", ownerId);
    patch.ownerId = ownerId === 0 ? null : ownerId;
  }
  if (validity !== undefined) patch.validity = validity;
  return patch;
}

/** `card-id` and `nb-bits`; both required on create. */
function cardPatch(attrs: Attributes, required: boolean): CredentialPatch {
  const patch: CredentialPatch = {};
  const text = attrs["card-id"];
  if (text !== undefined && text !== null) {
    const cardId = typeof text === "string" && text.length <= 128 ? normalizeCardId(text) : null;
    if (cardId === null) throw new ValidationError(CARD_ID_MESSAGE, P + "cardId");
    patch.cardId = cardId;
  } else if (required) {
    throw new ValidationError(CARD_ID_MESSAGE, P + "cardId");
  }
  const range = { min: 1, max: 128, message: NB_BITS_MESSAGE, pointerKey: "nbBits" };
  const nbBits = intAttribute(attrs, "nb-bits", range);
  if (nbBits !== undefined) patch.nbBits = nbBits;
  else if (required) throw new ValidationError(NB_BITS_MESSAGE, P + "nbBits");
  return patch;
}

/**
 * The hashed `code`; required on create. `""` means unchanged on update. The
 * error never quotes the value.
 */
function pinPatch(secret: Uint8Array, attrs: Attributes, required: boolean): CredentialPatch {
  const code = attrs.code;
  if (code === undefined || code === null || code === "") {
    if (required) throw new ValidationError(PIN_MESSAGE, P + "code");
    return {};
  }
  if (typeof code !== "string" || !PIN.test(code)) {
    throw new ValidationError(PIN_MESSAGE, P + "code");
  }
  return { pinHash: hashPin(secret, code) };
}

/** Runs a write that may hit the unique card id constraint. */
function uniqueCard<T>(cardId: string | undefined, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ValidationError(`A card with id ${cardId} already exists.`, P + "cardId");
    }
    throw error;
  }
}

function findCredential(db: DatabaseSync, credentialId: number): Credential {
  const credential = getCredential(db, credentialId);
  if (!credential) throw new NotFoundError("credential", credentialId);
  return credential;
}

/** The credential endpoints, by wire name. */
export const CREDENTIAL_ENDPOINTS: Record<string, Endpoint> = {
  "credential.create": endpoint(object({ "credential-type": str(64), attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("CREDENTIAL_WRITE");
      const type = request["credential-type"];
      if (type !== "rfid-card" && type !== "pin-code") {
        throw new BadRequestError(`Credential ${type} are not supported.`);
      }
      const { db, secret } = ctx.deps.store;
      const attrs = attributesOf(request.attributes);
      const common = commonPatch(db, attrs, UNBOUNDED);
      const base = {
        alias: common.alias ?? "",
        description: common.description ?? "",
        ownerId: common.ownerId ?? null,
        validity: common.validity ?? UNBOUNDED,
      };
      const card = type === "rfid-card" ? cardPatch(attrs, true) : {};
      const pin = type === "pin-code" ? pinPatch(secret, attrs, true) : {};
      const credential = transaction(db, () => {
        const created = uniqueCard(
          card.cardId,
          () =>
            type === "rfid-card"
              ? createCredential(db, { type, ...base, cardId: card.cardId!, nbBits: card.nbBits! })
              : createCredential(db, { type, ...base, pinHash: pin.pinHash! }),
        );
        appendAudit(db, {
          kind: AUDIT_KIND.CREDENTIAL,
          mask: auditMask(AUDIT_EVENT.CREDENTIAL_CREATED),
          authorId: actor.userId,
          timestamp: ctx.now,
          targetId: created.id,
          description: `Credential ${created.alias} (${created.type}) has been created.`,
          after: credentialSnapshot(created),
        });
        return created;
      });
      return { data: serializeCredential(ctx, credential) };
    },
  }),

  "credential.read": endpoint(object({ credential_id: id }), {
    auth: "logged_in",
    handle(ctx, { credential_id }) {
      const db = ctx.deps.store.db;
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
  }),

  "credential.update": endpoint(object({ credential_id: id, attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("CREDENTIAL_WRITE");
      const { db, secret } = ctx.deps.store;
      const credential = findCredential(db, request.credential_id);
      const attrs = attributesOf(request.attributes);
      const patch: CredentialPatch = {
        ...commonPatch(db, attrs, credential.validity),
        ...(credential.type === "rfid-card"
          ? cardPatch(attrs, false)
          : pinPatch(secret, attrs, false)),
      };
      transaction(db, () => {
        const after = uniqueCard(patch.cardId, () => updateCredential(db, credential.id, patch));
        if (!after) throw new NotFoundError("credential", credential.id);
        const pinChanged = patch.pinHash !== undefined ? " Its PIN code was changed." : "";
        appendAudit(db, {
          kind: AUDIT_KIND.CREDENTIAL,
          mask: auditMask(AUDIT_EVENT.CREDENTIAL_UPDATED),
          authorId: actor.userId,
          timestamp: ctx.now,
          targetId: credential.id,
          description: `Credential ${after.alias} (${after.type}) has been updated.${pinChanged}`,
          before: credentialSnapshot(credential),
          after: credentialSnapshot(after),
        });
      });
      return null;
    },
  }),

  "credential.delete": endpoint(object({ credential_id: id }), {
    auth: "logged_in",
    handle(ctx, { credential_id }) {
      const actor = ctx.require("CREDENTIAL_WRITE");
      if (credential_id === 0) return null;
      const db = ctx.deps.store.db;
      const credential = findCredential(db, credential_id);
      transaction(db, () => {
        deleteCredential(db, credential.id);
        appendAudit(db, {
          kind: AUDIT_KIND.CREDENTIAL,
          mask: auditMask(AUDIT_EVENT.CREDENTIAL_DELETED),
          authorId: actor.userId,
          timestamp: ctx.now,
          targetId: credential.id,
          description: `Credential ${credential.alias} (${credential.type}) has been deleted.`,
          before: credentialSnapshot(credential),
        });
      });
      return null;
    },
  }),
};
