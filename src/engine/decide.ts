/**
 * The access decision: a pure function of the request, the facts gathered
 * from the store, and the time.
 *
 * Rule order (the first rule that fails gives the reason):
 *
 * 1. Door `lockdown` → `LOCKDOWN`.
 * 2. Door `locked` → `DOOR_LOCKED`. Nobody overrides this, administrators
 *    included; change the door's mode instead.
 * 3. Reader mode:
 *    - `card`: a card is required (`CARD_REQUIRED`); a PIN alone is
 *      `READER_MODE_MISMATCH`; a PIN typed with a card is ignored.
 *    - `pin`: a PIN is required (`PIN_REQUIRED`); a card alone is
 *      `READER_MODE_MISMATCH`; a card presented with a PIN is ignored.
 *    - `card_and_pin`: card first (`CARD_REQUIRED`), then PIN (`PIN_REQUIRED`).
 *      A `pairsOnly` access point (Leosac's card+PIN readers) takes only a card
 *      bound to a PIN: an ordinary known card is `PAIR_REQUIRED`, PIN or not.
 *    - `card_or_pin`: the card when there is one, else the PIN, else `CARD_REQUIRED`.
 *      A PIN presented with an ordinary card is ignored; with a card bound to a
 *      PIN it is that card's second factor, as in `card_and_pin`.
 * 4. Credential: found (`UNKNOWN_CREDENTIAL`; PIN only: matches of several
 *    owners give `AMBIGUOUS_PIN`), enabled (`CREDENTIAL_DISABLED`), now within
 *    its validity, bounds inclusive (`CREDENTIAL_OUT_OF_VALIDITY`).
 *    Card + PIN: the card needs an owner (`NO_OWNER`), the PIN must be one of
 *    that owner's PIN credentials (`WRONG_PIN`), and that PIN credential must be
 *    enabled and valid too.
 *    Bound pairs (a card with `requiredPinId`, Leosac's `WiegandCardPin`): the
 *    card works only with exactly that PIN (another PIN is `WRONG_PIN`; the
 *    card alone, at any reader, is `CARD_NEEDS_PIN`), and the PIN only with
 *    that card: alone it is `PIN_NEEDS_CARD`, and it never completes another
 *    card (`WRONG_PIN`). A bound PIN never makes a PIN alone ambiguous.
 * 5. Owner, if any: enabled (`OWNER_DISABLED`), within validity
 *    (`OWNER_OUT_OF_VALIDITY`). An ownerless credential is allowed: only the
 *    schedules mapped to the credential itself can grant it, and it cannot
 *    pass a hard anti-passback zone (`NO_OWNER`), since there is nobody to track.
 * 6. Door already unlocked (mode `unlocked`, or its unlock schedule is active
 *    without "unlock after first card") → `GRANTED_DOOR_UNLOCKED`: schedules
 *    are skipped and anti-passback never denies (but is flagged and recorded).
 * 7. Schedules: none applicable → `NO_SCHEDULE`; any active → granted; a
 *    schedule covering now but suspended by a holiday → `HOLIDAY`; else
 *    `OUTSIDE_SCHEDULE`.
 * 8. Anti-passback, for `entry`/`exit` access points, in each zone directly
 *    containing the door whose mode is not `off`: entering while the last
 *    state is "inside", or exiting while it is "outside", and that state is
 *    younger than the zone's reset time (0 = never expires), is a violation.
 *    An unknown state (never seen, or forgiven) is never a violation. A hard
 *    violation denies (`ANTI_PASSBACK`); soft ones grant with
 *    `GRANTED_ANTI_PASSBACK_SOFT` and are flagged.
 *
 * On a grant the decision lists the anti-passback rows to record
 * (`inside` = entry, at `now.ms`) for every non-`off` zone. "Forgiving" a user
 * (`antipassbackForgive`) is a store operation: it deletes their
 * `antipassback_state` rows (all zones, or one), which makes their state
 * unknown, so their next passage in either direction is allowed.
 *
 * Timeouts between a card and its PIN are the caller's: it calls
 * `decideAccess()` once it has the card, the PIN, or both.
 *
 * Size: over 300 lines because the rules above are one ordered function
 * with its identification and anti-passback steps; split, the order would
 * no longer read from top to bottom.
 *
 * @module
 */
import { isValidAt, validityProblem } from "../policy/validity.ts";
import { isPinFormatValid } from "./credential.ts";
import { isScheduleActive, isWithinTimeframes } from "./schedule.ts";
import type {
  AccessFacts,
  AccessRequest,
  AntipassbackUpdate,
  CredentialFact,
  Decision,
  DecisionReason,
  DecisionTime,
  DenyReason,
  MappedSchedule,
  UserFact,
} from "./types.ts";
import { DENY_REASON, GRANT_REASON } from "./types.ts";

/** The ids a decision carries for the audit. */
type IdentityFields = Pick<Decision, "userId" | "credentialId" | "pinCredentialId">;

type Identification =
  | { ok: false; reason: DenyReason; fields: IdentityFields }
  | {
    ok: true;
    credential: CredentialFact;
    pinCredential: CredentialFact | null;
    owner: UserFact | null;
    fields: IdentityFields;
  };

/**
 * Decides whether a request is granted, following the rule order in this
 * module's documentation.
 *
 * @param request What was presented, where.
 * @param facts What the lookup layer found for it.
 * @param now The instant, in Unix ms and local time (see `localTimeOf()`).
 * @returns The decision, with a stable reason code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decideAccess } from "./decide.ts";
 * const always = { enabled: true, start: null, end: null };
 * const decision = decideAccess(
 *   { doorId: 1, accessPointId: 1, presented: { card: { cardId: "aa:bb", nbBits: 26 } } },
 *   {
 *     door: { id: 1, mode: "normal", unlockSchedule: null, unlockAfterFirstCard: false },
 *     accessPoint: { id: 1, readerMode: "card", direction: "none", pinTimeoutMs: 10_000 },
 *     card: { id: 7, type: "rfid-card", validity: always, ownerId: 3 },
 *     pinMatches: [],
 *     owner: { id: 3, validity: always },
 *     schedules: [{
 *       id: 1,
 *       appliesOnHolidays: false,
 *       timeframes: [{ day: 0, startMinute: 0, endMinute: 1439 }],
 *       grantedVia: [{ kind: "user", userId: 3 }],
 *     }],
 *     isHoliday: false,
 *     zones: [],
 *   },
 *   { ms: 0, local: { day: 0, minute: 600 } },
 * );
 * assert.ok(decision.granted && decision.reason === "GRANTED");
 * ```
 */
export function decideAccess(
  request: AccessRequest,
  facts: AccessFacts,
  now: DecisionTime,
): Decision {
  const identity = identify(request, facts, now.ms);
  if (facts.door.mode === "lockdown") return deny(DENY_REASON.LOCKDOWN, identity.fields);
  if (facts.door.mode === "locked") return deny(DENY_REASON.DOOR_LOCKED, identity.fields);
  if (!identity.ok) return deny(identity.reason, identity.fields);

  const applicable = facts.schedules.filter((schedule) =>
    schedule.grantedVia.some((source) => {
      switch (source.kind) {
        case "user":
          return identity.owner !== null && source.userId === identity.owner.id;
        case "group":
          return identity.owner !== null;
        case "credential":
          return source.credentialId === identity.credential.id ||
            source.credentialId === identity.pinCredential?.id;
      }
    })
  );
  const active = applicable.find((schedule) =>
    isScheduleActive(schedule, now.local, facts.isHoliday)
  );
  const fields: IdentityFields & Pick<Decision, "scheduleId"> = {
    ...identity.fields,
    ...(active === undefined ? {} : { scheduleId: active.id }),
  };

  const unlocked = isDoorUnlocked(facts, now);
  if (!unlocked && active === undefined) {
    return deny(scheduleDenial(applicable, facts, now), fields);
  }

  const antipassback = evaluateAntipassback(facts, identity.owner, now.ms);
  if (!unlocked && antipassback.ownerRequired) return deny(DENY_REASON.NO_OWNER, fields);
  const violated = [...antipassback.hard, ...antipassback.soft];
  const violation = violated.length === 0
    ? {}
    : { antipassback: { zoneIds: violated, soft: unlocked || antipassback.hard.length === 0 } };
  if (!unlocked && antipassback.hard.length > 0) {
    return deny(DENY_REASON.ANTI_PASSBACK, { ...fields, ...violation });
  }
  const reason = unlocked
    ? GRANT_REASON.GRANTED_DOOR_UNLOCKED
    : violated.length > 0
    ? GRANT_REASON.GRANTED_ANTI_PASSBACK_SOFT
    : GRANT_REASON.GRANTED;
  return {
    granted: true,
    reason,
    ...fields,
    ...violation,
    antipassbackUpdates: antipassback.updates,
  };
}

function deny(
  reason: DecisionReason,
  fields: Omit<Decision, "granted" | "reason" | "antipassbackUpdates">,
): Decision {
  return { granted: false, reason, ...fields, antipassbackUpdates: [] };
}

function isDoorUnlocked(facts: AccessFacts, now: DecisionTime): boolean {
  const door = facts.door;
  if (door.mode === "unlocked") return true;
  return door.unlockSchedule !== null && !door.unlockAfterFirstCard &&
    isScheduleActive(door.unlockSchedule, now.local, facts.isHoliday);
}

function scheduleDenial(
  applicable: readonly MappedSchedule[],
  facts: AccessFacts,
  now: DecisionTime,
): DenyReason {
  if (applicable.length === 0) return DENY_REASON.NO_SCHEDULE;
  const suspended = facts.isHoliday &&
    applicable.some((schedule) =>
      !schedule.appliesOnHolidays && isWithinTimeframes(schedule.timeframes, now.local)
    );
  return suspended ? DENY_REASON.HOLIDAY : DENY_REASON.OUTSIDE_SCHEDULE;
}

// --- identification (rules 3 to 5) ---------------------------------------

function identify(request: AccessRequest, facts: AccessFacts, nowMs: number): Identification {
  const card = request.presented.card;
  const pin = request.presented.pin === "" ? undefined : request.presented.pin;
  switch (facts.accessPoint.readerMode) {
    case "card":
      if (card === undefined) {
        return failure(
          pin === undefined ? DENY_REASON.CARD_REQUIRED : DENY_REASON.READER_MODE_MISMATCH,
          {},
        );
      }
      return identifyByCard(facts, nowMs, undefined);
    case "pin":
      if (pin === undefined) {
        return failure(
          card === undefined ? DENY_REASON.PIN_REQUIRED : DENY_REASON.READER_MODE_MISMATCH,
          {},
        );
      }
      return identifyByPin(pin, facts, nowMs);
    case "card_and_pin":
      if (card === undefined) return failure(DENY_REASON.CARD_REQUIRED, {});
      if (facts.accessPoint.pairsOnly === true && facts.card !== null && !isBoundCard(facts.card)) {
        return failure(DENY_REASON.PAIR_REQUIRED, cardFields(facts));
      }
      if (pin === undefined) return failure(DENY_REASON.PIN_REQUIRED, cardFields(facts));
      return identifyByCard(facts, nowMs, pin);
    case "card_or_pin":
      if (card !== undefined) {
        return identifyByCard(facts, nowMs, isBoundCard(facts.card) ? pin : undefined);
      }
      if (pin !== undefined) return identifyByPin(pin, facts, nowMs);
      return failure(DENY_REASON.CARD_REQUIRED, {});
  }
}

/** Whether `card` must be presented with its bound PIN. */
function isBoundCard(card: CredentialFact | null): boolean {
  return (card?.requiredPinId ?? null) !== null;
}

function failure(reason: DenyReason, fields: IdentityFields): Identification {
  return { ok: false, reason, fields };
}

function cardFields(facts: AccessFacts): IdentityFields {
  return facts.card === null ? {} : credentialFields(facts.card);
}

function credentialFields(credential: CredentialFact): IdentityFields {
  return {
    credentialId: credential.id,
    ...(credential.ownerId === null ? {} : { userId: credential.ownerId }),
  };
}

function credentialDenial(credential: CredentialFact, nowMs: number): DenyReason | null {
  const problem = validityProblem(credential.validity, nowMs);
  if (problem === "disabled") return DENY_REASON.CREDENTIAL_DISABLED;
  return problem === null ? null : DENY_REASON.CREDENTIAL_OUT_OF_VALIDITY;
}

function ownerDenial(owner: UserFact | null, nowMs: number): DenyReason | null {
  const problem = owner === null ? null : validityProblem(owner.validity, nowMs);
  if (problem === "disabled") return DENY_REASON.OWNER_DISABLED;
  return problem === null ? null : DENY_REASON.OWNER_OUT_OF_VALIDITY;
}

/** The owner fact of a credential; undefined when it has an owner the facts lack. */
function ownerOf(credential: CredentialFact, facts: AccessFacts): UserFact | null | undefined {
  if (credential.ownerId === null) return null;
  return facts.owner !== null && facts.owner.id === credential.ownerId ? facts.owner : undefined;
}

function identifyByCard(
  facts: AccessFacts,
  nowMs: number,
  pin: string | undefined,
): Identification {
  const card = facts.card;
  if (card === null) return failure(DENY_REASON.UNKNOWN_CREDENTIAL, {});
  let fields = credentialFields(card);
  const cardReason = credentialDenial(card, nowMs);
  if (cardReason !== null) return failure(cardReason, fields);
  const owner = ownerOf(card, facts);
  if (owner === undefined) return failure(DENY_REASON.NO_OWNER, fields);

  const requiredPinId = card.requiredPinId ?? null;
  if (pin === undefined && requiredPinId !== null) {
    return failure(DENY_REASON.CARD_NEEDS_PIN, fields);
  }
  let pinCredential: CredentialFact | null = null;
  if (pin !== undefined) {
    if (owner === null) return failure(DENY_REASON.NO_OWNER, fields);
    // A bound card takes its own PIN only; any other card takes no bound PIN.
    const matches = isPinFormatValid(pin)
      ? facts.pinMatches.filter((c) =>
        c.type === "pin-code" && c.ownerId === owner.id &&
        (requiredPinId === null ? (c.boundCardId ?? null) === null : c.id === requiredPinId)
      )
      : [];
    pinCredential = preferValid(matches, nowMs);
    if (pinCredential === null) return failure(DENY_REASON.WRONG_PIN, fields);
    fields = { ...fields, pinCredentialId: pinCredential.id };
    const pinReason = credentialDenial(pinCredential, nowMs);
    if (pinReason !== null) return failure(pinReason, fields);
  }

  const ownerReason = ownerDenial(owner, nowMs);
  if (ownerReason !== null) return failure(ownerReason, fields);
  return { ok: true, credential: card, pinCredential, owner, fields };
}

function identifyByPin(pin: string, facts: AccessFacts, nowMs: number): Identification {
  const found = isPinFormatValid(pin) ? facts.pinMatches.filter((c) => c.type === "pin-code") : [];
  const matches = found.filter((c) => (c.boundCardId ?? null) === null);
  if (matches.length === 0 && found.length > 0) {
    const owners = new Set(found.map((c) => c.ownerId));
    return failure(
      DENY_REASON.PIN_NEEDS_CARD,
      owners.size === 1 ? credentialFields(found[0]!) : {},
    );
  }
  const owners = new Set(matches.map((c) => c.ownerId ?? `credential ${c.id}`));
  if (owners.size > 1) return failure(DENY_REASON.AMBIGUOUS_PIN, {});
  const credential = preferValid(matches, nowMs);
  if (credential === null) return failure(DENY_REASON.UNKNOWN_CREDENTIAL, {});
  const fields = credentialFields(credential);
  const credentialReason = credentialDenial(credential, nowMs);
  if (credentialReason !== null) return failure(credentialReason, fields);
  const owner = ownerOf(credential, facts);
  if (owner === undefined) return failure(DENY_REASON.NO_OWNER, fields);
  const ownerReason = ownerDenial(owner, nowMs);
  if (ownerReason !== null) return failure(ownerReason, fields);
  return { ok: true, credential, pinCredential: null, owner, fields };
}

/** The first valid credential, else the first one (to report why it fails), else null. */
function preferValid(
  credentials: readonly CredentialFact[],
  nowMs: number,
): CredentialFact | null {
  return credentials.find((c) => isValidAt(c.validity, nowMs)) ?? credentials[0] ?? null;
}

// --- anti-passback (rule 8) ----------------------------------------------

interface AntipassbackEvaluation {
  hard: number[];
  soft: number[];
  /** A hard zone was crossed by an ownerless credential. */
  ownerRequired: boolean;
  updates: AntipassbackUpdate[];
}

function evaluateAntipassback(
  facts: AccessFacts,
  owner: UserFact | null,
  nowMs: number,
): AntipassbackEvaluation {
  const result: AntipassbackEvaluation = { hard: [], soft: [], ownerRequired: false, updates: [] };
  const direction = facts.accessPoint.direction;
  if (direction === "none") return result;
  const entering = direction === "entry";
  for (const zone of facts.zones) {
    if (zone.antipassback === "off") continue;
    if (owner === null) {
      if (zone.antipassback === "hard") result.ownerRequired = true;
      continue;
    }
    const state = zone.state;
    const fresh = state !== null &&
      (zone.antipassbackResetS <= 0 || nowMs - state.atMs < zone.antipassbackResetS * 1000);
    if (fresh && state.inside === entering) result[zone.antipassback].push(zone.id);
    result.updates.push({ zoneId: zone.id, userId: owner.id, inside: entering, atMs: nowMs });
  }
  return result;
}
