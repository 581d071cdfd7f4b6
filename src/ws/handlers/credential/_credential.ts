/**
 * What the credential endpoints share (Leosac §7.5, RFID cards and PIN
 * codes): the JSON:API shape, the audit snapshot, the attributes decoders,
 * the owner and uniqueness checks against the store, and the lookup.
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
 * - a card id must fit its bit count, as a reader would produce it
 *   (ceil(nb-bits / 8) bytes, the unused low bits of the last byte zero;
 *   `cardIdProblem` in `src/shared/card_id.js`, which the UI uses too):
 *   otherwise a model error on `data/attributes/cardId` that shows the
 *   expected length. An update is checked only when it changes the pair, so
 *   a card stored before this rule keeps loading and can still be edited.
 *   Credentials name no format, so parity is not checked;
 * - the permission is checked before the credential is looked up for
 *   update and delete (manager-only actions reveal no ids);
 * - extension, read-only: a card carries `required-pin-id` (the PIN
 *   credential it is bound to, as a Leosac `WiegandCardPin`, or null) and a
 *   PIN `bound-card-id` (the card it is bound to, or null). Only
 *   `import-leosac` sets a binding.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { BadRequestError, NotFoundError, ValidationError } from "../../../errors.ts";
import { isUniqueViolation } from "../../../store/constraint.ts";
import {
  cardRequiringPin,
  type Credential,
  getCredential,
  normalizeCardId,
  type RfidCard,
} from "../../../store/credentials.ts";
import { cardIdProblem } from "../../../shared/card_id.js";
import { listScheduleIdsMappedTo } from "../../../store/schedules.ts";
import { getUser } from "../../../store/users.ts";
import type { Validity } from "../../../policy/validity.ts";
import type { EndpointContext } from "../../endpoint.ts";
import { toMany, validityAttributes } from "../../serialize.ts";
import { object, str } from "../../validate.ts";
import {
  applyValidity,
  ATTR_POINTER,
  type Attributes,
  attributesOf,
  intAttr,
  requiredKey,
  textAttr,
  validityAttr,
  type ValidityPatch,
} from "../_entity_attrs.ts";

const CARD_ID_MESSAGE = "Card id must have aa:bb:cc:11 format.";
const NB_BITS_MESSAGE = "Number of bits must be an integer from 1 to 128.";
/** Why a PIN is refused. */
export const PIN_MESSAGE = "PIN code must be 4 to 12 digits.";
/** A valid PIN code. */
export const PIN = /^\d{4,12}$/;
const UNBOUNDED: Validity = { enabled: true, start: null, end: null };
const MUST = { wording: "Must be at most" } as const;

/** Serialises a credential as a JSON:API resource (`code` is always `""`). */
export function serializeCredential(
  ctx: Pick<EndpointContext<"SCHEDULE_READ">, "store" | "can">,
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
    attributes["required-pin-id"] = credential.requiredPinId;
  } else {
    attributes.code = "";
    attributes["bound-card-id"] = cardRequiringPin(ctx.store.db, credential.id);
  }
  const schedules = listScheduleIdsMappedTo(ctx.store.db, "credential", credential.id)
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
export function credentialSnapshot(credential: Credential): Record<string, unknown> {
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
      ? {
        card_id: credential.cardId,
        nb_bits: credential.nbBits,
        required_pin_id: credential.requiredPinId,
      }
      : {}),
  };
}

/** The attributes both kinds have, as sent. */
export interface CommonAttributes {
  readonly alias?: string;
  readonly description?: string;
  /** `owner_id`: a user id, 0 for none (checked against the store by the handler). */
  readonly ownerId?: number;
  readonly validity?: ValidityPatch;
}

/** A card's `card-id` (normalised) and `nb-bits`, as sent. */
export interface CardAttributes {
  readonly cardId?: string;
  readonly nbBits?: number;
}

/**
 * A kind-specific part of an update, decoded before the credential (and so
 * its kind) is known: its value, or the error to answer if the kind needs it.
 */
export type Checked<T> = { readonly value: T } | { readonly error: ValidationError };

/** The attributes of `credential.update`. */
export interface CredentialAttributes {
  readonly common: CommonAttributes;
  /** Applies to a card. */
  readonly card: Checked<CardAttributes>;
  /** Applies to a PIN code: the new clear PIN, or undefined for unchanged. */
  readonly code: Checked<string | undefined>;
}

/** The content of `credential.create`. */
export type NewCredentialRequest =
  & { readonly common: CommonAttributes; readonly validity: Validity }
  & (
    | { readonly type: "rfid-card"; readonly cardId: string; readonly nbBits: number }
    | { readonly type: "pin-code"; readonly code: string }
  );

function commonAttributes(attrs: Attributes): CommonAttributes {
  const alias = textAttr(attrs, "alias", 50, MUST);
  const description = textAttr(attrs, "description", 4096, MUST);
  const ownerId = intAttr(attrs, "owner_id", {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    message: "Owner must be a user id (0 for none).",
    pointerKey: "owner",
    numericStrings: true,
  });
  const validity = validityAttr(attrs);
  return {
    ...(alias !== undefined ? { alias } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(ownerId !== undefined ? { ownerId } : {}),
    ...(validity !== undefined ? { validity } : {}),
  };
}

/** `card-id` and `nb-bits`; both required on create. */
function cardAttributes(attrs: Attributes, required: boolean): CardAttributes {
  const text = attrs["card-id"];
  let cardId: string | undefined;
  if (text !== undefined && text !== null) {
    const normal = typeof text === "string" && text.length <= 128 ? normalizeCardId(text) : null;
    if (normal === null) throw new ValidationError(CARD_ID_MESSAGE, ATTR_POINTER + "cardId");
    cardId = normal;
  } else if (required) {
    throw new ValidationError(CARD_ID_MESSAGE, ATTR_POINTER + "cardId");
  }
  const nbBits = intAttr(attrs, "nb-bits", {
    min: 1,
    max: 128,
    message: NB_BITS_MESSAGE,
    pointerKey: "nbBits",
    numericStrings: true,
  });
  if (nbBits === undefined && required) {
    throw new ValidationError(NB_BITS_MESSAGE, ATTR_POINTER + "nbBits");
  }
  return {
    ...(cardId !== undefined ? { cardId } : {}),
    ...(nbBits !== undefined ? { nbBits } : {}),
  };
}

/** The clear `code`; required on create, `""` means unchanged. The error never quotes it. */
function pinAttribute(attrs: Attributes, required: boolean): string | undefined {
  const code = attrs.code;
  if (code === undefined || code === null || code === "") {
    if (required) throw new ValidationError(PIN_MESSAGE, ATTR_POINTER + "code");
    return undefined;
  }
  if (typeof code !== "string" || !PIN.test(code)) {
    throw new ValidationError(PIN_MESSAGE, ATTR_POINTER + "code");
  }
  return code;
}

function checked<T>(read: () => T): Checked<T> {
  try {
    return { value: read() };
  } catch (error) {
    if (error instanceof ValidationError) return { error };
    throw error;
  }
}

/** The value of a kind-specific part. @throws {ValidationError} the one it was decoded with. */
export function valueOf<T>(part: Checked<T>): T {
  if ("error" in part) throw part.error;
  return part.value;
}

/** Decodes the attributes of `credential.update`. */
export function credentialAttributes(value: unknown): CredentialAttributes {
  const attrs = attributesOf(value);
  return {
    common: commonAttributes(attrs),
    card: checked(() => cardAttributes(attrs, false)),
    code: checked(() => pinAttribute(attrs, false)),
  };
}

/** Decodes the content of `credential.create`: its kind, then that kind's attributes. */
export function newCredentialContent(value: unknown, path: string): NewCredentialRequest {
  const type = object({ "credential-type": str(64) })(value, path)["credential-type"];
  const content = value as Record<string, unknown>;
  const attributes = requiredKey(content, "attributes");
  if (type !== "rfid-card" && type !== "pin-code") {
    throw new BadRequestError(`Credential ${type} are not supported.`);
  }
  const attrs = attributesOf(attributes);
  const common = commonAttributes(attrs);
  const validity = common.validity === undefined
    ? UNBOUNDED
    : applyValidity(UNBOUNDED, common.validity);
  if (type === "pin-code") return { type, common, validity, code: pinAttribute(attrs, true)! };
  const { cardId, nbBits } = cardAttributes(attrs, true);
  return { type, common, validity, cardId: fitting(cardId!, nbBits!), nbBits: nbBits! };
}

/** @throws {ValidationError} on `cardId` when the card id does not fit `nbBits`. */
function fitting(cardId: string, nbBits: number): string {
  const problem = cardIdProblem(cardId, nbBits);
  if (problem !== null) throw new ValidationError(problem, ATTR_POINTER + "cardId");
  return cardId;
}

/**
 * The card part of an update of `card`: what was sent, after checking that
 * the resulting pair (the new card id with the stored bit count, or the
 * other way round) fits. A pair equal to the stored one is not checked: a
 * card stored before the rule can still have its other attributes edited
 * (the web client sends `card-id` and `nb-bits` back unchanged).
 *
 * @throws {ValidationError} on `cardId` when the new pair does not fit.
 */
export function cardChange(card: RfidCard, sent: CardAttributes): CardAttributes {
  const cardId = sent.cardId ?? card.cardId, nbBits = sent.nbBits ?? card.nbBits;
  if (cardId !== card.cardId || nbBits !== card.nbBits) fitting(cardId, nbBits);
  return sent;
}

/**
 * The owner to store for `owner_id` (null for 0).
 *
 * @throws {NotFoundError} for an unknown user.
 */
export function ownerOf(db: DatabaseSync, ownerId: number): number | null {
  if (ownerId !== 0 && !getUser(db, ownerId)) throw new NotFoundError("user", ownerId);
  return ownerId === 0 ? null : ownerId;
}

/**
 * Runs a write that may hit the unique card id constraint.
 *
 * @throws {ValidationError} on `cardId` when another card has it.
 */
export function uniqueCard<T>(cardId: string | undefined, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ValidationError(
        `A card with id ${cardId} already exists.`,
        ATTR_POINTER + "cardId",
      );
    }
    throw error;
  }
}

/** The credential `credentialId`. @throws {NotFoundError} when there is none. */
export function findCredential(db: DatabaseSync, credentialId: number): Credential {
  const credential = getCredential(db, credentialId);
  if (!credential) throw new NotFoundError("credential", credentialId);
  return credential;
}
