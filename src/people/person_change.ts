/**
 * One checked row against the database: what would change
 * ({@linkcode diffPerson}) and the change itself ({@linkcode applyPersonChange}).
 * The import runs the diff twice: once to plan (nothing written), and again
 * inside each write transaction, so that a change made meanwhile (by the
 * running controller's administrators) is seen, never overwritten blindly.
 *
 * What a row does to a person: it creates the user (no password: a
 * cardholder, who cannot log in) or updates the fields whose columns the file
 * has; it adds the memberships, cards and PIN it names and never removes any.
 * A card is matched by its card id (its format and number give the same id):
 * it must be free or already this person's. A PIN replaces the person's
 * first PIN code, or becomes their PIN code.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { prepared } from "../store/db.ts";
import { createCredential, updateCredential } from "../store/credentials.ts";
import { createGroup } from "../store/groups.ts";
import { createMembership } from "../store/memberships.ts";
import { hashPin } from "../store/secrets.ts";

/** Most PIN hashes an import remembers (PINs repeat: 4 digits make 10,000). */
const PIN_CACHE_SIZE = 20_000;

/**
 * `hashPin` with the installation secret, remembering recent PINs: the HMAC
 * costs ~15 µs, and an import hashes each row's PIN twice (check, write).
 */
export function pinHasher(secret: Uint8Array): (pin: string) => string {
  const cache = new Map<string, string>();
  return (pin) => {
    let hash = cache.get(pin);
    if (hash === undefined) {
      if (cache.size >= PIN_CACHE_SIZE) cache.clear();
      hash = hashPin(secret, pin);
      cache.set(pin, hash);
    }
    return hash;
  };
}
import {
  createUser,
  getUserByUsername,
  updateUser,
  type User,
  type UserPatch,
} from "../store/users.ts";
import type { Validity } from "../policy/validity.ts";
import type { RowError } from "./columns.ts";
import type { CardRef, PersonRow } from "./person_row.ts";

/** Longest alias given to an imported card or PIN. */
const MAX_ALIAS_LENGTH = 50;

/** What a row changes. */
export interface PersonChange {
  row: PersonRow;
  action: "add" | "update" | "unchanged";
  /** The stored user, for an update. */
  user: User | undefined;
  /** The fields to set (every field for an add). */
  patch: UserPatch;
  /** Whether the validity changes (sessions must be re-checked). */
  validityChanged: boolean;
  cardsToCreate: CardRef[];
  /** Stored cards to give to this person (free) or to correct (bit count). */
  cardsToAssign: { id: number; nbBits: number }[];
  /** Lower-case names of the groups to join. */
  groupsToJoin: string[];
  /** The PIN hash to store: in a new PIN code (`id` null) or in credential `id`. */
  pin: { id: number | null; hash: string } | null;
}

/** The groups by lower-case name, as the import has found or created them. */
export type GroupCache = Map<string, { id: number | null; name: string }>;

interface CardRow {
  id: number;
  owner_id: number | null;
  nb_bits: number;
}

/** Looks a group up (regardless of case), once per import. */
export function groupOf(
  db: DatabaseSync,
  groups: GroupCache,
  name: string,
): { id: number | null; name: string } {
  const key = name.toLowerCase();
  let found = groups.get(key);
  if (found === undefined) {
    const row = prepared(db, "SELECT id, name FROM groups WHERE lower(name) = ? LIMIT 1").get(
      key,
    ) as
      | { id: number; name: string }
      | undefined;
    found = row === undefined ? { id: null, name } : { id: row.id, name: row.name };
    groups.set(key, found);
  }
  return found;
}

/**
 * What `row` changes in the database, or the error that forbids it (a card
 * owned by someone else).
 */
export function diffPerson(
  db: DatabaseSync,
  pinHash: (pin: string) => string,
  row: PersonRow,
  groups: GroupCache,
): PersonChange | RowError {
  const user = getUserByUsername(db, row.username);
  const cardsToCreate: CardRef[] = [];
  const cardsToAssign: { id: number; nbBits: number }[] = [];
  for (const card of row.cards) {
    const stored = prepared(
      db,
      "SELECT id, owner_id, nb_bits FROM credentials WHERE card_id = ? AND type = 'rfid-card'",
    ).get(card.cardId) as CardRow | undefined;
    if (stored === undefined) cardsToCreate.push(card);
    else if (stored.owner_id !== null && stored.owner_id !== user?.id) {
      const owner = prepared(db, "SELECT username FROM users WHERE id = ?").get(stored.owner_id) as
        | { username: string }
        | undefined;
      return {
        line: row.line,
        column: row.cardColumn ?? null,
        message: `card ${card.cardId} already belongs to ${
          owner ? `"${owner.username}"` : "someone else"
        }`,
      };
    } else if (stored.owner_id === null || stored.nb_bits !== card.nbBits) {
      cardsToAssign.push({ id: stored.id, nbBits: card.nbBits });
    }
  }
  const groupsToJoin = (row.groups ?? []).filter((name) => {
    const group = groupOf(db, groups, name);
    if (group.id === null || user === undefined) return true;
    return prepared(db, "SELECT 1 FROM memberships WHERE user_id = ? AND group_id = ?")
      .get(user.id, group.id) === undefined;
  }).map((name) => name.toLowerCase());
  const pin = row.pin === undefined ? null : pinChange(db, pinHash(row.pin), user);
  const { patch, validityChanged } = userPatch(row, user);
  const changed = Object.keys(patch).length > 0 || cardsToCreate.length > 0 ||
    cardsToAssign.length > 0 || groupsToJoin.length > 0 || pin !== null;
  return {
    row,
    action: user === undefined ? "add" : changed ? "update" : "unchanged",
    user,
    patch,
    validityChanged,
    cardsToCreate,
    cardsToAssign,
    groupsToJoin,
    pin,
  };
}

function pinChange(
  db: DatabaseSync,
  hash: string,
  user: User | undefined,
): { id: number | null; hash: string } | null {
  if (user === undefined) return { id: null, hash };
  const pins = prepared(
    db,
    // A PIN bound to a card (a Leosac WiegandCardPin) is not the person's own PIN.
    `SELECT id, pin_hash FROM credentials WHERE owner_id = ? AND type = 'pin-code'
       AND NOT EXISTS (SELECT 1 FROM credentials b WHERE b.required_pin_id = credentials.id)
     ORDER BY id`,
  ).all(user.id) as { id: number; pin_hash: string }[];
  if (pins.some((p) => p.pin_hash === hash)) return null;
  return { id: pins[0]?.id ?? null, hash };
}

function userPatch(
  row: PersonRow,
  user: User | undefined,
): { patch: UserPatch; validityChanged: boolean } {
  const patch: UserPatch = {};
  for (const field of ["firstname", "lastname", "email"] as const) {
    const value = row[field];
    if (value !== undefined && value !== (user?.[field] ?? "")) patch[field] = value;
  }
  const old: Validity = user?.validity ?? { enabled: true, start: null, end: null };
  const validity: Validity = {
    enabled: row.enabled ?? old.enabled,
    start: row.validFrom === undefined ? old.start : row.validFrom,
    end: row.validUntil === undefined ? old.end : row.validUntil,
  };
  const validityChanged = validity.enabled !== old.enabled || validity.start !== old.start ||
    validity.end !== old.end;
  if (validityChanged) patch.validity = validity;
  return { patch, validityChanged };
}

/** Writes a change (inside the caller's transaction). */
export function applyPersonChange(
  db: DatabaseSync,
  change: PersonChange,
  groups: GroupCache,
  now: number,
): void {
  if (change.action === "unchanged") return;
  const { row } = change;
  const user = change.user === undefined
    ? createUser(db, { username: row.username, passwordHash: null, ...change.patch })
    : Object.keys(change.patch).length > 0
    ? updateUser(db, change.user.id, change.patch)!
    : change.user;
  for (const key of change.groupsToJoin) {
    const group = groups.get(key)!;
    if (group.id === null) group.id = createGroup(db, { name: group.name }).id;
    createMembership(db, { userId: user.id, groupId: group.id, timestamp: now });
  }
  const alias = (kind: string): string => `${kind} of ${user.username}`.slice(0, MAX_ALIAS_LENGTH);
  for (const card of change.cardsToCreate) {
    createCredential(db, { type: "rfid-card", ...card, ownerId: user.id, alias: alias("card") });
  }
  for (const card of change.cardsToAssign) {
    updateCredential(db, card.id, { ownerId: user.id, nbBits: card.nbBits });
  }
  if (change.pin !== null) {
    if (change.pin.id === null) {
      createCredential(db, {
        type: "pin-code",
        pinHash: change.pin.hash,
        ownerId: user.id,
        alias: alias("PIN"),
      });
    } else updateCredential(db, change.pin.id, { pinHash: change.pin.hash });
  }
}
