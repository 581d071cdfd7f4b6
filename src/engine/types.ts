/**
 * Types of the pure access engine: what a reader presents, the facts the SQL
 * lookup layer gathers for one request, and the decision.
 *
 * Conventions (same as the database, migration 1):
 * - times are Unix milliseconds; a `null` validity bound means "unbounded";
 * - weekdays are 0 = Monday … 6 = Sunday;
 * - minutes of the day are 0 … 1439, local time.
 *
 * Size: over 300 lines because it is the engine's whole vocabulary (requests,
 * facts, decisions, reasons) in one place, types and their docs only.
 *
 * @module
 */
import type { Validity } from "../policy/validity.ts";

/** How an access point's reader identifies people (`access_points.reader_mode`). */
export type ReaderMode = "card" | "pin" | "card_and_pin" | "card_or_pin";

/** Which way an access point lets people through (`access_points.direction`). */
export type Direction = "none" | "entry" | "exit";

/**
 * The operating mode of a door (`doors.mode`).
 *
 * - `normal`: the strike opens on a grant, a REX press or a remote open.
 * - `unlocked`: the strike is held open; badges are only logged.
 * - `locked`: every badge is denied, remote opens are refused; REX still works.
 * - `lockdown`: like `locked`, and it also overrides the unlock schedule. REX still works.
 */
export type DoorMode = "normal" | "unlocked" | "locked" | "lockdown";

/** Anti-passback policy of a zone (`zones.antipassback`). */
export type AntipassbackMode = "off" | "soft" | "hard";

/** Credential kinds (`credentials.type`). */
export type CredentialType = "rfid-card" | "pin-code";

/** Leosac's `ValidityInfo` (the rule and its type live in `src/policy/validity.ts`). */
export type { Validity };

/** A card as read by a reader. */
export interface PresentedCard {
  /** Lower-case colon-separated hex pairs, e.g. `"00:7a:b2:11"` (the lookup key). */
  cardId: string;
  /** Number of bits in the Wiegand frame (informational; not part of the key). */
  nbBits: number;
}

/** What a person presented at an access point. */
export interface AccessRequest {
  /** `doors.id` of the door being requested. */
  doorId: number;
  /** `access_points.id` of the reader used. */
  accessPointId: number;
  /** The card and/or PIN collected by the caller. */
  presented: {
    card?: PresentedCard;
    /**
     * The PIN typed on the keypad, digits only. The engine only checks its
     * presence and format; matching is done by the lookup layer (HMAC).
     * An empty string counts as "no PIN".
     */
    pin?: string;
  };
}

/** A stored credential, as the lookup layer found it. */
export interface CredentialFact {
  /** `credentials.id`. */
  id: number;
  /** `credentials.type`. */
  type: CredentialType;
  /** `credentials.validity_*`. */
  validity: Validity;
  /** The owning user, or null for an ownerless credential. */
  ownerId: number | null;
  /**
   * Cards: the PIN credential this card must be presented with (a Leosac
   * `WiegandCardPin`, `credentials.required_pin_id`). Absent or null: an
   * ordinary card.
   */
  requiredPinId?: number | null;
  /**
   * PINs: the card this PIN is bound to (the card whose `requiredPinId` it
   * is); such a PIN is valid only with that card. Absent or null: an
   * ordinary PIN.
   */
  boundCardId?: number | null;
}

/** The owner of the identified credential. */
export interface UserFact {
  /** `users.id`. */
  id: number;
  /** `users.validity_*`. */
  validity: Validity;
}

/** One weekly window: a weekday and an inclusive minute range (end < start crosses midnight). */
export interface Timeframe {
  /** 0 = Monday … 6 = Sunday. */
  day: number;
  /** 0 … 1439, inclusive. */
  startMinute: number;
  /** 0 … 1439, inclusive. When less than `startMinute`, the frame ends on the next day. */
  endMinute: number;
}

/** A schedule: weekly timeframes, optionally suspended on holidays. */
export interface Schedule {
  /** `schedules.id`. */
  id: number;
  /** `schedule_timeframes` rows. */
  timeframes: readonly Timeframe[];
  /** When false (the default in the DB), the schedule is inactive on holidays. */
  appliesOnHolidays: boolean;
}

/** Why a schedule applies to a request: through which mapping member it was found. */
export type GrantSource =
  | { kind: "user"; userId: number }
  | { kind: "group"; groupId: number }
  | { kind: "credential"; credentialId: number };

/**
 * A schedule mapped to this door (directly, through a zone containing it, or
 * through a mapping with neither doors nor zones, which means "all doors"),
 * with the mapping members that brought it in.
 */
export interface MappedSchedule extends Schedule {
  /**
   * The members of the mapping(s) that matched: the owner, one of the owner's
   * groups, or one of the presented credentials. The engine re-checks user
   * and credential sources against the identified credential and owner;
   * group sources are trusted to be the owner's groups.
   */
  grantedVia: readonly GrantSource[];
}

/** The door the access point belongs to. */
export interface DoorFact {
  /** `doors.id`. */
  id: number;
  /** `doors.mode`. */
  mode: DoorMode;
  /** The schedule during which the door is held unlocked, if any. */
  unlockSchedule: Schedule | null;
  /** With an unlock schedule: stay locked until a first valid grant inside the window. */
  unlockAfterFirstCard: boolean;
}

/** The access point the request came from. */
export interface AccessPointFact {
  /** `access_points.id`. */
  id: number;
  /** `access_points.reader_mode`. */
  readerMode: ReaderMode;
  /** `access_points.direction`. */
  direction: Direction;
  /**
   * How long the caller waits for a PIN after a card in `card_and_pin` mode.
   * Not used by `decideAccess()`: assembling card + PIN is the caller's job.
   */
  pinTimeoutMs: number;
  /**
   * `access_points.pairs_only`: a `card_and_pin` access point grants only a
   * card bound to a PIN, with that PIN (`PAIR_REQUIRED` otherwise). Absent: false.
   */
  pairsOnly?: boolean;
}

/** The user's last recorded anti-passback state in a zone. */
export interface AntipassbackState {
  /** `antipassback_state.inside`. */
  inside: boolean;
  /** `antipassback_state.at` (Unix ms). */
  atMs: number;
}

/** A zone that directly contains the door, with its anti-passback policy. */
export interface ZoneFact {
  /** `zones.id`. */
  id: number;
  /** `zones.antipassback`. */
  antipassback: AntipassbackMode;
  /** A state older than this is ignored; 0 means it never expires. */
  antipassbackResetS: number;
  /** The owner's last state in this zone, or null when unknown (never seen or forgiven). */
  state: AntipassbackState | null;
}

/**
 * Everything `decideAccess()` needs, gathered by the SQL lookup layer.
 *
 * Gathering recipe:
 * - `card`: the `rfid-card` credential whose `card_id` equals the presented card id.
 * - `pinMatches`: the `pin-code` credentials whose `pin_hash` equals the HMAC of the
 *   presented PIN (all of them for PIN-only, or only the card owner's for card + PIN;
 *   the engine filters by owner anyway). The clear PIN never reaches the engine.
 *   Cards carry their `requiredPinId`, PINs their `boundCardId` (migration 8).
 * - `owner`: the owner of `card`, or of the PIN matches when they all share one owner.
 * - `schedules`: every schedule of a mapping that names the owner, one of the owner's
 *   groups, or one of the found credentials, AND names this door, a zone containing it,
 *   or no door and no zone at all (= all doors).
 * - `zones`: the zones listing this door in `zone_doors`, with the owner's
 *   `antipassback_state` row (parent zones are not entered through a child's door).
 */
export interface AccessFacts {
  /** The requested door. */
  door: DoorFact;
  /** The reader the request came from. */
  accessPoint: AccessPointFact;
  /** The card credential matching the presented card id, or null (also when no card was presented). */
  card: CredentialFact | null;
  /** PIN credentials whose stored HMAC matches the presented PIN (empty when no PIN). */
  pinMatches: readonly CredentialFact[];
  /** The owner of the identified credential, or null. */
  owner: UserFact | null;
  /** Schedules mapped to the owner, the owner's groups or the found credentials, for this door. */
  schedules: readonly MappedSchedule[];
  /** Whether the current local date is a holiday (see `isHolidayDate()`). */
  isHoliday: boolean;
  /** Zones listing this door (`zone_doors`), each with the owner's anti-passback state. */
  zones: readonly ZoneFact[];
}

/** A local wall-clock time: weekday and minute of the day. */
export interface LocalTime {
  /** 0 = Monday … 6 = Sunday. */
  day: number;
  /** 0 … 1439. */
  minute: number;
}

/** A local wall-clock time with its calendar date. */
export interface LocalDateTime extends LocalTime {
  /** `YYYY-MM-DD`. */
  date: string;
}

/** The instant of a decision: Unix ms and the matching local time. */
export interface DecisionTime {
  /** Unix milliseconds (validity and anti-passback times). */
  ms: number;
  /** Local wall-clock time (schedules). */
  local: LocalTime;
}

/** Stable codes for denials. */
export const DENY_REASON = {
  /** No stored credential matches what was presented. */
  UNKNOWN_CREDENTIAL: "UNKNOWN_CREDENTIAL",
  /** The credential's validity flag is off. */
  CREDENTIAL_DISABLED: "CREDENTIAL_DISABLED",
  /** Now is outside the credential's validity window. */
  CREDENTIAL_OUT_OF_VALIDITY: "CREDENTIAL_OUT_OF_VALIDITY",
  /** The owner's validity flag is off. */
  OWNER_DISABLED: "OWNER_DISABLED",
  /** Now is outside the owner's validity window. */
  OWNER_OUT_OF_VALIDITY: "OWNER_OUT_OF_VALIDITY",
  /** An owner is required (card + PIN, hard anti-passback) but the credential has none. */
  NO_OWNER: "NO_OWNER",
  /** No schedule is mapped to this credential/owner for this door. */
  NO_SCHEDULE: "NO_SCHEDULE",
  /** Schedules are mapped, but none covers now. */
  OUTSIDE_SCHEDULE: "OUTSIDE_SCHEDULE",
  /** A mapped schedule covers now but is suspended because today is a holiday. */
  HOLIDAY: "HOLIDAY",
  /** The door is in `locked` mode. */
  DOOR_LOCKED: "DOOR_LOCKED",
  /** The door is in `lockdown` mode. */
  LOCKDOWN: "LOCKDOWN",
  /** Hard anti-passback violation. */
  ANTI_PASSBACK: "ANTI_PASSBACK",
  /** The reader needs a PIN (card + PIN, or PIN only) and none was typed. */
  PIN_REQUIRED: "PIN_REQUIRED",
  /** Card + PIN: the PIN is not one of the card owner's PINs. */
  WRONG_PIN: "WRONG_PIN",
  /** The reader needs a card and none was presented. */
  CARD_REQUIRED: "CARD_REQUIRED",
  /** The card is bound to a PIN (a Leosac `WiegandCardPin`) and came without it. */
  CARD_NEEDS_PIN: "CARD_NEEDS_PIN",
  /** The PIN is bound to a card (a Leosac `WiegandCardPin`) and came without it. */
  PIN_NEEDS_CARD: "PIN_NEEDS_CARD",
  /** A `pairs-only` card+PIN reader: the card is not bound to a PIN, so no PIN completes it. */
  PAIR_REQUIRED: "PAIR_REQUIRED",
  /** PIN only: the PIN belongs to several owners, so nobody is identified. */
  AMBIGUOUS_PIN: "AMBIGUOUS_PIN",
  /** A PIN on a card-only reader, or a card on a PIN-only reader. */
  READER_MODE_MISMATCH: "READER_MODE_MISMATCH",
} as const;

/** A stable denial code. */
export type DenyReason = typeof DENY_REASON[keyof typeof DENY_REASON];

/** Stable codes for grants. */
export const GRANT_REASON = {
  /** Granted by an active schedule. */
  GRANTED: "GRANTED",
  /** The door is already unlocked (mode or unlock schedule); the valid credential is logged. */
  GRANTED_DOOR_UNLOCKED: "GRANTED_DOOR_UNLOCKED",
  /** Granted despite a soft anti-passback violation (which is flagged for the audit). */
  GRANTED_ANTI_PASSBACK_SOFT: "GRANTED_ANTI_PASSBACK_SOFT",
} as const;

/** A stable grant code. */
export type GrantReason = typeof GRANT_REASON[keyof typeof GRANT_REASON];

/** Any decision code. */
export type DecisionReason = DenyReason | GrantReason;

/** An anti-passback violation found while deciding. */
export interface AntipassbackViolation {
  /** The zones whose rule was violated. */
  zoneIds: readonly number[];
  /** True when every violated zone is soft (access granted anyway, flagged). */
  soft: boolean;
}

/** A row to upsert into `antipassback_state` once access is granted. */
export interface AntipassbackUpdate {
  /** `antipassback_state.zone_id`. */
  zoneId: number;
  /** `antipassback_state.user_id`. */
  userId: number;
  /** `antipassback_state.inside`: true after an entry, false after an exit. */
  inside: boolean;
  /** `antipassback_state.at`: the decision time. */
  atMs: number;
}

/** The outcome of `decideAccess()`. */
export interface Decision {
  /** Whether the door may open. */
  granted: boolean;
  /** The stable code explaining the outcome. */
  reason: DecisionReason;
  /** The identified owner, when known (also on most denials, for the audit). */
  userId?: number;
  /** The identified credential (the card, or the PIN in PIN-only mode). */
  credentialId?: number;
  /** The matching PIN credential in card + PIN mode. */
  pinCredentialId?: number;
  /** The active schedule that granted access. */
  scheduleId?: number;
  /** The anti-passback violation, when one was found (hard on a denial, soft on a grant). */
  antipassback?: AntipassbackViolation;
  /** State to record when granted; always empty when denied. */
  antipassbackUpdates: readonly AntipassbackUpdate[];
}
