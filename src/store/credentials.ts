/**
 * Credential repository: RFID cards and PIN codes.
 *
 * Card ids are stored normalised (`aa:bb:cc:dd`: lower-case hex byte pairs
 * joined by `:`), so lookups are exact string matches as in Leosac. A PIN is
 * never stored: callers pass `pinHash` (computed with `hashPin` from
 * `secrets.ts`) and look PINs up by that hash.
 *
 * A card may be bound to one PIN of its owner (`requiredPinId`, Leosac's
 * `WiegandCardPin`; migration 8): the pair then only works together (see
 * `decideAccess()`). {@linkcode bindCardToPin} makes the binding; deleting
 * the card deletes its PIN, and the PIN cannot be deleted alone.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { ATTR_POINTER, ValidationError } from "../errors.ts";
import type { Validity } from "../policy/validity.ts";
import { normalizeCardId } from "../shared/card_id.js";
import { prepared } from "./db.ts";
import { bool, int, nullableInt, nullableText, oneOf, rowReader, text } from "./rows.ts";

/** Credential types (Leosac's JSON:API type names). */
export type CredentialType = "rfid-card" | "pin-code";

/** Fields every credential has. */
export interface CredentialBase {
  id: number;
  alias: string;
  description: string;
  /** The owning user, or null. */
  ownerId: number | null;
  validity: Validity;
  /** 1 after create, +1 per update. */
  version: number;
}

/** A stored RFID card. */
export interface RfidCard extends CredentialBase {
  type: "rfid-card";
  /** Normalised card id, e.g. `aa:bb:cc:dd`. */
  cardId: string;
  nbBits: number;
  /**
   * The PIN credential this card must be presented with (a Leosac
   * `WiegandCardPin`), or null for an ordinary card.
   */
  requiredPinId: number | null;
}

/** A stored PIN code (its keyed hash only). */
export interface PinCode extends CredentialBase {
  type: "pin-code";
  pinHash: string;
}

/** A stored credential. */
export type Credential = RfidCard | PinCode;

/** Fields common to both kinds of new credential. */
export interface NewCredentialBase {
  alias?: string;
  description?: string;
  /** The owning user; null or 0 means none. */
  ownerId?: number | null;
  validity?: Validity;
}

/** Fields for creating an RFID card. `cardId` may be `AA:BB:cc:dd` or `aabbccdd`. */
export interface NewRfidCard extends NewCredentialBase {
  type: "rfid-card";
  cardId: string;
  nbBits: number;
}

/** Fields for creating a PIN code. */
export interface NewPinCode extends NewCredentialBase {
  type: "pin-code";
  pinHash: string;
}

/** Fields for creating a credential. */
export type NewCredential = NewRfidCard | NewPinCode;

/**
 * Fields an update may change; absent fields keep their value. `cardId` and
 * `nbBits` apply to cards only, `pinHash` to PIN codes only.
 */
export interface CredentialPatch {
  alias?: string;
  description?: string;
  /** null or 0 clears the owner. */
  ownerId?: number | null;
  validity?: Validity;
  cardId?: string;
  nbBits?: number;
  pinHash?: string;
}

const readCredential = rowReader("credentials", {
  id: int,
  type: oneOf(["rfid-card", "pin-code"]),
  alias: text,
  description: text,
  owner_id: nullableInt,
  validity_enabled: bool,
  validity_start: nullableInt,
  validity_end: nullableInt,
  version: int,
  card_id: nullableText,
  nb_bits: nullableInt,
  pin_hash: nullableText,
  required_pin_id: nullableInt,
});

function toCredential(raw: unknown): Credential {
  const row = readCredential(raw);
  const base: CredentialBase = {
    id: row.id,
    alias: row.alias,
    description: row.description,
    ownerId: row.owner_id,
    validity: {
      enabled: row.validity_enabled,
      start: row.validity_start,
      end: row.validity_end,
    },
    version: row.version,
  };
  if (row.type === "rfid-card") {
    return {
      ...base,
      type: "rfid-card",
      cardId: row.card_id ?? "",
      nbBits: row.nb_bits ?? 0,
      requiredPinId: row.required_pin_id,
    };
  }
  return { ...base, type: "pin-code", pinHash: row.pin_hash ?? "" };
}

function toCredentials(rows: unknown[]): Credential[] {
  return rows.map(toCredential);
}

/**
 * The card-id codec the store applies (one home, shared with the decoder and
 * the UI): `normalizeCardId` gives the stored form of a card id (`AA:BB:cc:dd`
 * or `aabbccdd` → `aa:bb:cc:dd`, null if not a card id); `cardIdFromBits` and
 * `bitsFromCardId` convert between raw reader bits and that text.
 */
export { bitsFromCardId, cardIdFromBits, normalizeCardId } from "../shared/card_id.js";

function cardIdOrThrow(text: string): string {
  const cardId = normalizeCardId(text);
  if (cardId === null) {
    throw new ValidationError("Card id must have aa:bb:cc:11 format.", ATTR_POINTER + "cardId");
  }
  return cardId;
}

function ownerOrNull(ownerId: number | null | undefined): number | null {
  return ownerId === undefined || ownerId === null || ownerId === 0 ? null : ownerId;
}

/**
 * Inserts a credential and returns it.
 *
 * @throws {ValidationError} if a card id is malformed (pointer `data/attributes/cardId`).
 * @throws {Error} a SQLite UNIQUE violation when the card id is taken, a
 * FOREIGN KEY violation for an unknown owner, a CHECK violation when `nbBits <= 0`.
 */
export function createCredential(db: DatabaseSync, credential: NewCredential): Credential {
  const validity = credential.validity ?? { enabled: true, start: null, end: null };
  const isCard = credential.type === "rfid-card";
  const row = prepared(
    db,
    `INSERT INTO credentials (type, alias, description, owner_id, validity_enabled,
       validity_start, validity_end, card_id, nb_bits, pin_hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  ).all(
    credential.type,
    credential.alias ?? "",
    credential.description ?? "",
    ownerOrNull(credential.ownerId),
    validity.enabled ? 1 : 0,
    validity.start,
    validity.end,
    isCard ? cardIdOrThrow(credential.cardId) : null,
    isCard ? credential.nbBits : null,
    isCard ? null : credential.pinHash,
  )[0];
  return toCredential(row);
}

/** Finds a credential by id. */
export function getCredential(db: DatabaseSync, id: number): Credential | undefined {
  const row = prepared(db, "SELECT * FROM credentials WHERE id = ?").get(id);
  return row && toCredential(row);
}

/** Lists every credential, by id. */
export function listCredentials(db: DatabaseSync): Credential[] {
  return toCredentials(prepared(db, "SELECT * FROM credentials ORDER BY id").all());
}

/** The credentials owned by `userId`, by id. */
export function listCredentialsOfUser(db: DatabaseSync, userId: number): Credential[] {
  return toCredentials(
    prepared(db, "SELECT * FROM credentials WHERE owner_id = ? ORDER BY id").all(userId),
  );
}

/**
 * Finds the card with this id (any accepted spelling; the bit count is not
 * part of the key, as in Leosac). Undefined if none or the text is not a card id.
 */
export function findCardByCardId(db: DatabaseSync, cardIdHex: string): RfidCard | undefined {
  const cardId = normalizeCardId(cardIdHex);
  if (cardId === null) return undefined;
  const row = prepared(db, "SELECT * FROM credentials WHERE card_id = ? AND type = 'rfid-card'")
    .get(cardId);
  return row && (toCredential(row) as RfidCard);
}

/** The PIN codes whose stored hash is `hash` (PINs are not unique), by id. */
export function findPinsByHash(db: DatabaseSync, hash: string): PinCode[] {
  return toCredentials(
    prepared(db, "SELECT * FROM credentials WHERE pin_hash = ? AND type = 'pin-code' ORDER BY id")
      .all(hash),
  ) as PinCode[];
}

/**
 * Applies a patch and bumps the version. Returns the updated credential, or
 * undefined if missing.
 *
 * @throws {TypeError} if the patch sets a field of the other credential type.
 * @throws {ValidationError} if a card id is malformed.
 * @throws {Error} SQLite UNIQUE / FOREIGN KEY / CHECK violations as for create.
 */
export function updateCredential(
  db: DatabaseSync,
  id: number,
  patch: CredentialPatch,
): Credential | undefined {
  const current = getCredential(db, id);
  if (!current) return undefined;
  if (current.type === "rfid-card" && patch.pinHash !== undefined) {
    throw new TypeError(`Cannot set a PIN hash on rfid-card credential ${id}`);
  }
  if (current.type === "pin-code" && (patch.cardId !== undefined || patch.nbBits !== undefined)) {
    throw new TypeError(`Cannot set a card id or bit count on pin-code credential ${id}`);
  }
  const validity = patch.validity ?? current.validity;
  const row = prepared(
    db,
    `UPDATE credentials SET alias = ?, description = ?, owner_id = ?, validity_enabled = ?,
       validity_start = ?, validity_end = ?, card_id = ?, nb_bits = ?, pin_hash = ?,
       version = version + 1
     WHERE id = ? RETURNING *`,
  ).all(
    patch.alias ?? current.alias,
    patch.description ?? current.description,
    patch.ownerId === undefined ? current.ownerId : ownerOrNull(patch.ownerId),
    validity.enabled ? 1 : 0,
    validity.start,
    validity.end,
    current.type === "rfid-card" ? cardIdOrThrow(patch.cardId ?? current.cardId) : null,
    current.type === "rfid-card" ? patch.nbBits ?? current.nbBits : null,
    current.type === "pin-code" ? patch.pinHash ?? current.pinHash : null,
    id,
  )[0];
  return toCredential(row);
}

/**
 * Deletes a credential (its schedule-mapping rows cascade). A card bound to
 * a PIN takes that PIN with it (one statement): left alone, the PIN would
 * open PIN-only doors the pair never opened. True if a row was deleted.
 *
 * @throws {ValidationError} when `id` is a PIN bound to a card: delete the card.
 */
export function deleteCredential(db: DatabaseSync, id: number): boolean {
  const cardId = cardRequiringPin(db, id);
  if (cardId !== null) {
    throw new ValidationError(
      `PIN credential ${id} is bound to card credential ${cardId}: delete the card, ` +
        "which deletes its PIN too.",
    );
  }
  return Number(
    prepared(
      db,
      `DELETE FROM credentials
       WHERE id = ? OR id = (SELECT required_pin_id FROM credentials WHERE id = ?)`,
    ).run(id, id).changes,
  ) > 0;
}

/** The card bound to PIN credential `pinId` (its `required_pin_id`), or null. */
export function cardRequiringPin(db: DatabaseSync, pinId: number): number | null {
  const row = prepared(db, "SELECT id FROM credentials WHERE required_pin_id = ?").get(pinId);
  return row === undefined ? null : Number(row.id);
}

/**
 * Binds card `cardId` to PIN `pinId` (Leosac's `WiegandCardPin`): from then
 * on the card opens only with that PIN, and the PIN only with that card.
 * Returns the updated card (its version bumped).
 *
 * @throws {ValidationError} unless `cardId` is a card and `pinId` a PIN of
 * the same owner (not none), the card is not bound yet, and the PIN is not
 * bound to another card.
 */
export function bindCardToPin(db: DatabaseSync, cardId: number, pinId: number): RfidCard {
  const card = getCredential(db, cardId);
  const pin = getCredential(db, pinId);
  const problem = card?.type !== "rfid-card"
    ? `credential ${cardId} is not a card`
    : pin?.type !== "pin-code"
    ? `credential ${pinId} is not a PIN code`
    : card.ownerId === null || card.ownerId !== pin.ownerId
    ? `card ${cardId} and PIN ${pinId} must have the same owner`
    : card.requiredPinId !== null
    ? `card ${cardId} is already bound to PIN ${card.requiredPinId}`
    : cardRequiringPin(db, pinId) !== null
    ? `PIN ${pinId} is already bound to card ${cardRequiringPin(db, pinId)}`
    : null;
  if (problem !== null) {
    throw new ValidationError(`Cannot bind: ${problem}.`, ATTR_POINTER + "requiredPinId");
  }
  const row = prepared(
    db,
    "UPDATE credentials SET required_pin_id = ?, version = version + 1 WHERE id = ? RETURNING *",
  ).all(pinId, cardId)[0];
  return toCredential(row) as RfidCard;
}

/** Credentials whose alias contains `partial` (case-insensitive, no wildcards), by id. */
export function searchCredentials(db: DatabaseSync, partial: string): Credential[] {
  return toCredentials(
    prepared(db, "SELECT * FROM credentials WHERE instr(lower(alias), lower(?)) > 0 ORDER BY id")
      .all(partial),
  );
}
