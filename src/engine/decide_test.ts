import assert from "node:assert/strict";
import { decideAccess } from "./decide.ts";
import { isHolidayDate, localTimeOf } from "./schedule.ts";
import type {
  AccessFacts,
  AccessRequest,
  CredentialFact,
  Decision,
  MappedSchedule,
  Validity,
  ZoneFact,
} from "./types.ts";

// Fixed times, all UTC (offset 0). 2026-01-05 is a Monday.
const MINUTE = 60_000;
function at(iso: string): { ms: number; local: { day: number; minute: number } } {
  const ms = Date.parse(`${iso}:00Z`);
  const { day, minute } = localTimeOf(ms, 0);
  return { ms, local: { day, minute } };
}
const MON_10 = "2026-01-05T10:00";
const NOW = at(MON_10).ms;

const ALWAYS: Validity = { enabled: true, start: null, end: null };
const CARD: CredentialFact = { id: 7, type: "rfid-card", validity: ALWAYS, ownerId: 3 };
const PIN: CredentialFact = { id: 8, type: "pin-code", validity: ALWAYS, ownerId: 3 };
const OTHER_PIN: CredentialFact = { id: 9, type: "pin-code", validity: ALWAYS, ownerId: 4 };
// A bound pair (Leosac's WiegandCardPin): card 7 needs PIN 8, PIN 8 is bound to card 7.
const BOUND_CARD: CredentialFact = { ...CARD, requiredPinId: 8 };
const BOUND_PIN: CredentialFact = { ...PIN, boundCardId: 7 };
/** Another, ordinary PIN of the same owner, typed with the same digits. */
const FREE_PIN: CredentialFact = { id: 12, type: "pin-code", validity: ALWAYS, ownerId: 3 };
const OFFICE: MappedSchedule = {
  id: 10,
  appliesOnHolidays: false,
  // Monday to Friday, 08:00 to 18:00.
  timeframes: [0, 1, 2, 3, 4].map((day) => ({ day, startMinute: 480, endMinute: 1080 })),
  grantedVia: [{ kind: "user", userId: 3 }],
};

function baseFacts(): AccessFacts {
  return {
    door: { id: 1, mode: "normal", unlockSchedule: null, unlockAfterFirstCard: false },
    accessPoint: { id: 2, readerMode: "card", direction: "none", pinTimeoutMs: 10_000 },
    card: CARD,
    pinMatches: [],
    owner: { id: 3, validity: ALWAYS },
    schedules: [OFFICE],
    isHoliday: false,
    zones: [],
  };
}

type Presented = AccessRequest["presented"];
const WITH_CARD: Presented = { card: { cardId: "00:7a:b2:11", nbBits: 26 } };
const WITH_PIN: Presented = { pin: "1234" };
const WITH_BOTH: Presented = { ...WITH_CARD, ...WITH_PIN };

interface Case {
  name: string;
  presented?: Presented;
  facts?: (facts: AccessFacts) => AccessFacts;
  at?: string;
  expect: Partial<Decision> & Pick<Decision, "granted" | "reason">;
}

function zone(overrides: Partial<ZoneFact>): ZoneFact {
  return { id: 20, antipassback: "hard", antipassbackResetS: 0, state: null, ...overrides };
}
function direction(dir: "entry" | "exit", zones: ZoneFact[]) {
  return (f: AccessFacts): AccessFacts => ({
    ...f,
    accessPoint: { ...f.accessPoint, direction: dir },
    zones,
  });
}
function readerMode(mode: AccessFacts["accessPoint"]["readerMode"], pins: CredentialFact[] = []) {
  return (f: AccessFacts): AccessFacts => ({
    ...f,
    accessPoint: { ...f.accessPoint, readerMode: mode },
    pinMatches: pins,
  });
}
/** The bound card at a reader of `mode`, with these PIN matches. */
function bound(mode: AccessFacts["accessPoint"]["readerMode"], pins: CredentialFact[] = []) {
  return (f: AccessFacts): AccessFacts => readerMode(mode, pins)({ ...f, card: BOUND_CARD });
}
/** `f` at a `pairs-only` access point (Leosac's card+PIN readers). */
function pairsOnly(f: AccessFacts): AccessFacts {
  return { ...f, accessPoint: { ...f.accessPoint, pairsOnly: true } };
}
function schedule(overrides: Partial<MappedSchedule>) {
  return (f: AccessFacts): AccessFacts => ({ ...f, schedules: [{ ...OFFICE, ...overrides }] });
}
function card(overrides: Partial<CredentialFact>) {
  return (f: AccessFacts): AccessFacts => ({ ...f, card: { ...CARD, ...overrides } });
}
function owner(validity: Partial<Validity>) {
  return (f: AccessFacts): AccessFacts => ({
    ...f,
    owner: { id: 3, validity: { ...ALWAYS, ...validity } },
  });
}

const GRANTED = { granted: true, reason: "GRANTED" } as const;

const CASES: Case[] = [
  // --- credential and owner -------------------------------------------------
  {
    name: "grants a valid card inside its schedule",
    expect: { ...GRANTED, userId: 3, credentialId: 7, scheduleId: 10, antipassbackUpdates: [] },
  },
  {
    name: "denies an unknown card",
    facts: (f) => ({ ...f, card: null }),
    expect: { granted: false, reason: "UNKNOWN_CREDENTIAL" },
  },
  {
    name: "denies a disabled card",
    facts: card({ validity: { ...ALWAYS, enabled: false } }),
    expect: { granted: false, reason: "CREDENTIAL_DISABLED", credentialId: 7, userId: 3 },
  },
  {
    name: "grants a card exactly at its validity start",
    facts: card({ validity: { ...ALWAYS, start: NOW } }),
    expect: GRANTED,
  },
  {
    name: "denies a card one minute before its validity start",
    facts: card({ validity: { ...ALWAYS, start: NOW + MINUTE } }),
    expect: { granted: false, reason: "CREDENTIAL_OUT_OF_VALIDITY" },
  },
  {
    name: "grants a card exactly at its validity end",
    facts: card({ validity: { ...ALWAYS, end: NOW } }),
    expect: GRANTED,
  },
  {
    name: "denies a card one minute after its validity end",
    facts: card({ validity: { ...ALWAYS, end: NOW - MINUTE } }),
    expect: { granted: false, reason: "CREDENTIAL_OUT_OF_VALIDITY" },
  },
  {
    name: "denies a card whose owner is disabled",
    facts: owner({ enabled: false }),
    expect: { granted: false, reason: "OWNER_DISABLED", userId: 3 },
  },
  {
    name: "grants a card whose owner's validity starts exactly now",
    facts: owner({ start: NOW }),
    expect: GRANTED,
  },
  {
    name: "denies a card whose owner's validity starts in one minute",
    facts: owner({ start: NOW + MINUTE }),
    expect: { granted: false, reason: "OWNER_OUT_OF_VALIDITY" },
  },
  {
    name: "grants a card whose owner's validity ends exactly now",
    facts: owner({ end: NOW }),
    expect: GRANTED,
  },
  {
    name: "denies a card whose owner's validity ended one minute ago",
    facts: owner({ end: NOW - MINUTE }),
    expect: { granted: false, reason: "OWNER_OUT_OF_VALIDITY" },
  },
  {
    name: "checks the credential before its owner",
    facts: (f) => owner({ enabled: false })(card({ validity: { ...ALWAYS, enabled: false } })(f)),
    expect: { granted: false, reason: "CREDENTIAL_DISABLED" },
  },
  {
    name: "denies a card whose owner is missing from the facts",
    facts: (f) => ({ ...f, owner: null }),
    expect: { granted: false, reason: "NO_OWNER", credentialId: 7 },
  },
  {
    name: "grants an ownerless card through its own mapping",
    facts: (f) => ({
      ...card({ ownerId: null })(f),
      owner: null,
      schedules: [{ ...OFFICE, grantedVia: [{ kind: "credential", credentialId: 7 }] }],
    }),
    expect: { ...GRANTED, credentialId: 7, scheduleId: 10 },
  },
  {
    name: "denies an ownerless card user and group mappings cannot reach",
    facts: (f) => ({
      ...card({ ownerId: null })(f),
      owner: null,
      schedules: [{
        ...OFFICE,
        grantedVia: [{ kind: "user", userId: 3 }, { kind: "group", groupId: 1 }],
      }],
    }),
    expect: { granted: false, reason: "NO_SCHEDULE" },
  },
  // --- schedules ------------------------------------------------------------
  {
    name: "denies a card with no schedule mapped",
    facts: (f) => ({ ...f, schedules: [] }),
    expect: { granted: false, reason: "NO_SCHEDULE", userId: 3 },
  },
  {
    name: "ignores a schedule mapped to another user or credential",
    facts: schedule({
      grantedVia: [{ kind: "user", userId: 99 }, { kind: "credential", credentialId: 99 }],
    }),
    expect: { granted: false, reason: "NO_SCHEDULE" },
  },
  {
    name: "grants through a group mapping",
    facts: schedule({ grantedVia: [{ kind: "group", groupId: 5 }] }),
    expect: { ...GRANTED, scheduleId: 10 },
  },
  {
    name: "grants through a credential mapping",
    facts: schedule({ grantedVia: [{ kind: "credential", credentialId: 7 }] }),
    expect: { ...GRANTED, scheduleId: 10 },
  },
  {
    name: "reports the schedule that is active among several",
    facts: (f) => ({
      ...f,
      schedules: [
        { ...OFFICE, id: 11, timeframes: [{ day: 5, startMinute: 0, endMinute: 1439 }] },
        OFFICE,
      ],
    }),
    expect: { ...GRANTED, scheduleId: 10 },
  },
  {
    name: "denies a card outside its schedule",
    at: "2026-01-05T18:01",
    expect: { granted: false, reason: "OUTSIDE_SCHEDULE", userId: 3, credentialId: 7 },
  },
  {
    name: "grants at the last minute of a schedule",
    at: "2026-01-05T18:00",
    expect: GRANTED,
  },
  {
    name: "denies a card on a weekend day its schedule does not cover",
    at: "2026-01-10T10:00",
    expect: { granted: false, reason: "OUTSIDE_SCHEDULE" },
  },
  {
    name: "grants after midnight inside a frame that crosses midnight",
    facts: schedule({ timeframes: [{ day: 0, startMinute: 22 * 60, endMinute: 6 * 60 }] }),
    at: "2026-01-06T05:59",
    expect: GRANTED,
  },
  {
    name: "denies after the end of a frame that crosses midnight",
    facts: schedule({ timeframes: [{ day: 0, startMinute: 22 * 60, endMinute: 6 * 60 }] }),
    at: "2026-01-06T06:01",
    expect: { granted: false, reason: "OUTSIDE_SCHEDULE" },
  },
  {
    name: "grants on Monday morning inside a Sunday night frame",
    facts: schedule({ timeframes: [{ day: 6, startMinute: 22 * 60, endMinute: 2 * 60 }] }),
    at: "2026-01-12T01:00",
    expect: GRANTED,
  },
  {
    name: "denies on a holiday inside a schedule that does not apply on holidays",
    facts: (f) => ({ ...f, isHoliday: true }),
    expect: { granted: false, reason: "HOLIDAY" },
  },
  {
    name: "denies on a recurring holiday",
    facts: (f) => ({
      ...f,
      isHoliday: isHolidayDate([{ date: "2001-01-05", recurring: true }], "2026-01-05"),
    }),
    expect: { granted: false, reason: "HOLIDAY" },
  },
  {
    name: "grants on a holiday with a schedule that applies on holidays",
    facts: (f) => ({ ...schedule({ appliesOnHolidays: true })(f), isHoliday: true }),
    expect: GRANTED,
  },
  {
    name: "denies outside the schedule on a holiday as OUTSIDE_SCHEDULE",
    facts: (f) => ({ ...f, isHoliday: true }),
    at: "2026-01-05T20:00",
    expect: { granted: false, reason: "OUTSIDE_SCHEDULE" },
  },
  // --- door modes -------------------------------------------------------------
  {
    name: "denies a valid card at a locked door",
    facts: (f) => ({ ...f, door: { ...f.door, mode: "locked" } }),
    expect: { granted: false, reason: "DOOR_LOCKED", userId: 3, credentialId: 7 },
  },
  {
    name: "denies any card at a door in lockdown, before checking it",
    facts: (f) => ({ ...f, door: { ...f.door, mode: "lockdown" }, card: null }),
    expect: { granted: false, reason: "LOCKDOWN" },
  },
  {
    name: "grants a valid card outside its schedule at an unlocked door",
    facts: (f) => ({ ...f, door: { ...f.door, mode: "unlocked" } }),
    at: "2026-01-05T22:00",
    expect: { granted: true, reason: "GRANTED_DOOR_UNLOCKED", userId: 3 },
  },
  {
    name: "still denies an unknown card at an unlocked door",
    facts: (f) => ({ ...f, door: { ...f.door, mode: "unlocked" }, card: null }),
    expect: { granted: false, reason: "UNKNOWN_CREDENTIAL" },
  },
  {
    name: "grants GRANTED_DOOR_UNLOCKED while the door's unlock schedule is active",
    facts: (f) => ({
      ...f,
      door: { ...f.door, unlockSchedule: { ...OFFICE, id: 30 } },
      schedules: [],
    }),
    expect: { granted: true, reason: "GRANTED_DOOR_UNLOCKED" },
  },
  {
    name: "applies normal rules under an unlock schedule that waits for a first card",
    facts: (f) => ({
      ...f,
      door: { ...f.door, unlockSchedule: { ...OFFICE, id: 30 }, unlockAfterFirstCard: true },
      schedules: [],
    }),
    expect: { granted: false, reason: "NO_SCHEDULE" },
  },
  {
    name: "applies normal rules when the unlock schedule is inactive",
    facts: (f) => ({ ...f, door: { ...f.door, unlockSchedule: { ...OFFICE, id: 30 } } }),
    at: "2026-01-05T20:00",
    expect: { granted: false, reason: "OUTSIDE_SCHEDULE" },
  },
  // --- reader modes -----------------------------------------------------------
  {
    name: "denies a PIN alone on a card reader",
    presented: WITH_PIN,
    expect: { granted: false, reason: "READER_MODE_MISMATCH" },
  },
  {
    name: "requires a card on a card reader",
    presented: {},
    expect: { granted: false, reason: "CARD_REQUIRED" },
  },
  {
    name: "ignores a PIN typed with a card on a card reader",
    presented: WITH_BOTH,
    facts: readerMode("card", [OTHER_PIN]),
    expect: { ...GRANTED, credentialId: 7 },
  },
  {
    name: "grants a PIN on a PIN reader",
    presented: WITH_PIN,
    facts: readerMode("pin", [PIN]),
    expect: { ...GRANTED, credentialId: 8, userId: 3 },
  },
  {
    name: "denies a card alone on a PIN reader",
    facts: readerMode("pin", [PIN]),
    expect: { granted: false, reason: "READER_MODE_MISMATCH" },
  },
  {
    name: "requires a PIN on a PIN reader and treats an empty PIN as none",
    presented: { pin: "" },
    facts: readerMode("pin", [PIN]),
    expect: { granted: false, reason: "PIN_REQUIRED" },
  },
  {
    name: "denies an unknown PIN",
    presented: WITH_PIN,
    facts: readerMode("pin"),
    expect: { granted: false, reason: "UNKNOWN_CREDENTIAL" },
  },
  {
    name: "denies a malformed PIN as unknown",
    presented: { pin: "12a4" },
    facts: readerMode("pin", [PIN]),
    expect: { granted: false, reason: "UNKNOWN_CREDENTIAL" },
  },
  {
    name: "denies a PIN shared by several owners",
    presented: WITH_PIN,
    facts: readerMode("pin", [PIN, OTHER_PIN]),
    expect: { granted: false, reason: "AMBIGUOUS_PIN" },
  },
  {
    name: "picks the valid one of one owner's identical PINs",
    presented: WITH_PIN,
    facts: readerMode("pin", [{ ...PIN, id: 81, validity: { ...ALWAYS, enabled: false } }, PIN]),
    expect: { ...GRANTED, credentialId: 8 },
  },
  {
    name: "denies a disabled PIN on a PIN reader",
    presented: WITH_PIN,
    facts: readerMode("pin", [{ ...PIN, validity: { ...ALWAYS, enabled: false } }]),
    expect: { granted: false, reason: "CREDENTIAL_DISABLED", credentialId: 8 },
  },
  {
    name: "grants a card and its owner's PIN on a card-and-PIN reader",
    presented: WITH_BOTH,
    facts: readerMode("card_and_pin", [PIN]),
    expect: { ...GRANTED, credentialId: 7, pinCredentialId: 8, userId: 3 },
  },
  {
    name: "requires a PIN after a card on a card-and-PIN reader",
    facts: readerMode("card_and_pin", [PIN]),
    expect: { granted: false, reason: "PIN_REQUIRED", credentialId: 7, userId: 3 },
  },
  {
    name: "requires a card on a card-and-PIN reader",
    presented: WITH_PIN,
    facts: readerMode("card_and_pin", [PIN]),
    expect: { granted: false, reason: "CARD_REQUIRED" },
  },
  {
    name: "denies another owner's PIN on a card-and-PIN reader",
    presented: WITH_BOTH,
    facts: readerMode("card_and_pin", [OTHER_PIN]),
    expect: { granted: false, reason: "WRONG_PIN", credentialId: 7 },
  },
  {
    name: "denies a PIN that matches nothing on a card-and-PIN reader",
    presented: WITH_BOTH,
    facts: readerMode("card_and_pin"),
    expect: { granted: false, reason: "WRONG_PIN" },
  },
  {
    name: "denies a disabled PIN credential on a card-and-PIN reader",
    presented: WITH_BOTH,
    facts: readerMode("card_and_pin", [{ ...PIN, validity: { ...ALWAYS, enabled: false } }]),
    expect: { granted: false, reason: "CREDENTIAL_DISABLED", pinCredentialId: 8 },
  },
  {
    name: "denies an ownerless card on a card-and-PIN reader",
    presented: WITH_BOTH,
    facts: (f) => ({ ...readerMode("card_and_pin", [PIN])(card({ ownerId: null })(f)) }),
    expect: { granted: false, reason: "NO_OWNER" },
  },
  {
    name: "grants through a mapping of the PIN credential on a card-and-PIN reader",
    presented: WITH_BOTH,
    facts: (f) =>
      readerMode("card_and_pin", [PIN])(
        schedule({ grantedVia: [{ kind: "credential", credentialId: 8 }] })(f),
      ),
    expect: { ...GRANTED, scheduleId: 10 },
  },
  {
    name: "grants a card on a card-or-PIN reader",
    facts: readerMode("card_or_pin", [PIN]),
    expect: { ...GRANTED, credentialId: 7 },
  },
  {
    name: "grants a PIN on a card-or-PIN reader",
    presented: WITH_PIN,
    facts: readerMode("card_or_pin", [PIN]),
    expect: { ...GRANTED, credentialId: 8 },
  },
  {
    name: "requires something on a card-or-PIN reader",
    presented: {},
    facts: readerMode("card_or_pin", [PIN]),
    expect: { granted: false, reason: "CARD_REQUIRED" },
  },
  // --- a card bound to one PIN (Leosac's WiegandCardPin) ------------------------
  {
    name: "denies a bound card alone on a card reader",
    facts: bound("card"),
    expect: { granted: false, reason: "CARD_NEEDS_PIN", credentialId: 7, userId: 3 },
  },
  {
    name: "denies a bound card on a card reader even with its PIN (the reader takes no PIN)",
    presented: WITH_BOTH,
    facts: bound("card", [BOUND_PIN]),
    expect: { granted: false, reason: "CARD_NEEDS_PIN", credentialId: 7 },
  },
  {
    name: "reports a disabled bound card as disabled, not as needing its PIN",
    facts: (f) => ({
      ...bound("card")(f),
      card: { ...BOUND_CARD, validity: { ...ALWAYS, enabled: false } },
    }),
    expect: { granted: false, reason: "CREDENTIAL_DISABLED", credentialId: 7 },
  },
  {
    name: "denies a bound PIN alone on a PIN reader",
    presented: WITH_PIN,
    facts: readerMode("pin", [BOUND_PIN]),
    expect: { granted: false, reason: "PIN_NEEDS_CARD", credentialId: 8, userId: 3 },
  },
  {
    name: "denies a bound PIN alone on a PIN reader even when its owner has the same free PIN",
    presented: WITH_PIN,
    facts: readerMode("pin", [BOUND_PIN, FREE_PIN]),
    expect: { ...GRANTED, credentialId: 12, userId: 3 },
  },
  {
    name: "does not count a bound PIN when deciding whether a PIN is ambiguous",
    presented: WITH_PIN,
    facts: (f) => ({
      ...readerMode("pin", [BOUND_PIN, OTHER_PIN])(f),
      owner: { id: 4, validity: ALWAYS },
      schedules: [{ ...OFFICE, grantedVia: [{ kind: "user", userId: 4 }] }],
    }),
    expect: { ...GRANTED, credentialId: 9, userId: 4 },
  },
  {
    name: "denies a bound card on a PIN reader as a mismatch",
    facts: bound("pin", [BOUND_PIN]),
    expect: { granted: false, reason: "READER_MODE_MISMATCH" },
  },
  {
    name: "grants a bound card with its PIN on a card-and-PIN reader",
    presented: WITH_BOTH,
    facts: bound("card_and_pin", [BOUND_PIN]),
    expect: { ...GRANTED, credentialId: 7, pinCredentialId: 8, userId: 3 },
  },
  {
    name: "grants a bound pair through a mapping of its card only",
    presented: WITH_BOTH,
    facts: (f) =>
      bound("card_and_pin", [BOUND_PIN])(
        schedule({ grantedVia: [{ kind: "credential", credentialId: 7 }] })(f),
      ),
    expect: { ...GRANTED, scheduleId: 10 },
  },
  {
    name: "denies a bound card with another PIN of its owner on a card-and-PIN reader",
    presented: WITH_BOTH,
    facts: bound("card_and_pin", [FREE_PIN]),
    expect: { granted: false, reason: "WRONG_PIN", credentialId: 7, userId: 3 },
  },
  {
    name: "takes only the bound PIN when the owner's free PIN has the same digits",
    presented: WITH_BOTH,
    facts: bound("card_and_pin", [FREE_PIN, BOUND_PIN]),
    expect: { ...GRANTED, pinCredentialId: 8 },
  },
  {
    name: "requires the PIN after a bound card on a card-and-PIN reader",
    facts: bound("card_and_pin", [BOUND_PIN]),
    expect: { granted: false, reason: "PIN_REQUIRED", credentialId: 7 },
  },
  {
    name: "denies a bound card whose PIN belongs to someone else now",
    presented: WITH_BOTH,
    facts: bound("card_and_pin", [{ ...BOUND_PIN, ownerId: 4 }]),
    expect: { granted: false, reason: "WRONG_PIN" },
  },
  {
    name: "denies a bound card whose PIN credential is disabled",
    presented: WITH_BOTH,
    facts: bound("card_and_pin", [{ ...BOUND_PIN, validity: { ...ALWAYS, enabled: false } }]),
    expect: { granted: false, reason: "CREDENTIAL_DISABLED", pinCredentialId: 8 },
  },
  {
    name: "denies an ordinary card with a PIN bound to another card",
    presented: WITH_BOTH,
    facts: readerMode("card_and_pin", [{ ...BOUND_PIN, boundCardId: 70 }]),
    expect: { granted: false, reason: "WRONG_PIN", credentialId: 7 },
  },
  {
    name: "denies a bound card alone on a card-or-PIN reader",
    facts: bound("card_or_pin", [BOUND_PIN]),
    expect: { granted: false, reason: "CARD_NEEDS_PIN", credentialId: 7, userId: 3 },
  },
  {
    name: "grants a bound card presented with its PIN on a card-or-PIN reader",
    presented: WITH_BOTH,
    facts: bound("card_or_pin", [BOUND_PIN]),
    expect: { ...GRANTED, credentialId: 7, pinCredentialId: 8 },
  },
  {
    name: "denies a bound card with another PIN of its owner on a card-or-PIN reader",
    presented: WITH_BOTH,
    facts: bound("card_or_pin", [FREE_PIN]),
    expect: { granted: false, reason: "WRONG_PIN", credentialId: 7 },
  },
  {
    name: "denies a bound PIN alone on a card-or-PIN reader",
    presented: WITH_PIN,
    facts: readerMode("card_or_pin", [BOUND_PIN]),
    expect: { granted: false, reason: "PIN_NEEDS_CARD", credentialId: 8 },
  },
  {
    name: "still ignores a PIN typed with an ordinary card on a card-or-PIN reader",
    presented: WITH_BOTH,
    facts: readerMode("card_or_pin", [OTHER_PIN]),
    expect: { ...GRANTED, credentialId: 7 },
  },
  // --- pairs-only access points (Leosac's card+PIN readers) ----------------------
  {
    name: "pairs-only: denies an ordinary card with its owner's PIN",
    presented: WITH_BOTH,
    facts: (f) => pairsOnly(readerMode("card_and_pin", [PIN])(f)),
    expect: { granted: false, reason: "PAIR_REQUIRED", credentialId: 7, userId: 3 },
  },
  {
    name: "pairs-only: denies an ordinary card alone at once (no PIN can complete it)",
    facts: (f) => pairsOnly(readerMode("card_and_pin")(f)),
    expect: { granted: false, reason: "PAIR_REQUIRED", credentialId: 7 },
  },
  {
    name: "pairs-only: grants a bound card with its PIN",
    presented: WITH_BOTH,
    facts: (f) => pairsOnly(bound("card_and_pin", [BOUND_PIN])(f)),
    expect: { ...GRANTED, credentialId: 7, pinCredentialId: 8, userId: 3 },
  },
  {
    name: "pairs-only: denies a bound card with another PIN of its owner",
    presented: WITH_BOTH,
    facts: (f) => pairsOnly(bound("card_and_pin", [FREE_PIN])(f)),
    expect: { granted: false, reason: "WRONG_PIN", credentialId: 7 },
  },
  {
    name: "pairs-only: still waits for the PIN after a bound card",
    facts: (f) => pairsOnly(bound("card_and_pin", [BOUND_PIN])(f)),
    expect: { granted: false, reason: "PIN_REQUIRED", credentialId: 7 },
  },
  {
    name: "pairs-only: an unknown card is unknown, not unpaired",
    presented: WITH_BOTH,
    facts: (f) => ({ ...pairsOnly(readerMode("card_and_pin", [PIN])(f)), card: null }),
    expect: { granted: false, reason: "UNKNOWN_CREDENTIAL" },
  },
  {
    name: "pairs-only changes nothing on a card reader",
    facts: (f) => pairsOnly(readerMode("card")(f)),
    expect: { ...GRANTED, credentialId: 7 },
  },
  {
    name: "pairs-only changes nothing on a card-or-PIN reader (its PIN completes only bound cards)",
    presented: WITH_BOTH,
    facts: (f) => pairsOnly(readerMode("card_or_pin", [OTHER_PIN])(f)),
    expect: { ...GRANTED, credentialId: 7 },
  },
  // --- anti-passback ------------------------------------------------------------
  {
    name: "records entry into an anti-passback zone",
    facts: direction("entry", [zone({ state: { inside: false, atMs: NOW - 1000 } })]),
    expect: {
      ...GRANTED,
      antipassbackUpdates: [{ zoneId: 20, userId: 3, inside: true, atMs: NOW }],
    },
  },
  {
    name: "grants entry when the anti-passback state is unknown",
    facts: direction("entry", [zone({})]),
    expect: GRANTED,
  },
  {
    name: "denies re-entry into a hard anti-passback zone",
    facts: direction("entry", [zone({ state: { inside: true, atMs: NOW - 1000 } })]),
    expect: {
      granted: false,
      reason: "ANTI_PASSBACK",
      antipassback: { zoneIds: [20], soft: false },
      antipassbackUpdates: [],
    },
  },
  {
    name: "denies re-entry when the reset time is 0, however old the state",
    facts: direction("entry", [zone({ state: { inside: true, atMs: NOW - 365 * 86_400_000 } })]),
    expect: { granted: false, reason: "ANTI_PASSBACK" },
  },
  {
    name: "denies re-entry one second before the reset time",
    facts: direction("entry", [
      zone({ antipassbackResetS: 300, state: { inside: true, atMs: NOW - 299_000 } }),
    ]),
    expect: { granted: false, reason: "ANTI_PASSBACK" },
  },
  {
    name: "grants re-entry once the reset time has passed",
    facts: direction("entry", [
      zone({ antipassbackResetS: 300, state: { inside: true, atMs: NOW - 300_000 } }),
    ]),
    expect: GRANTED,
  },
  {
    name: "grants re-entry into a soft zone and flags it",
    facts: direction("entry", [
      zone({ antipassback: "soft", state: { inside: true, atMs: NOW - 1000 } }),
    ]),
    expect: {
      granted: true,
      reason: "GRANTED_ANTI_PASSBACK_SOFT",
      antipassback: { zoneIds: [20], soft: true },
      antipassbackUpdates: [{ zoneId: 20, userId: 3, inside: true, atMs: NOW }],
    },
  },
  {
    name: "denies an exit from a hard zone the user is not inside",
    facts: direction("exit", [zone({ state: { inside: false, atMs: NOW - 1000 } })]),
    expect: { granted: false, reason: "ANTI_PASSBACK" },
  },
  {
    name: "records an exit from a zone the user is inside",
    facts: direction("exit", [zone({ state: { inside: true, atMs: NOW - 1000 } })]),
    expect: {
      ...GRANTED,
      antipassbackUpdates: [{ zoneId: 20, userId: 3, inside: false, atMs: NOW }],
    },
  },
  {
    name: "ignores anti-passback zones at a reader without direction",
    facts: (f) => ({ ...f, zones: [zone({ state: { inside: true, atMs: NOW } })] }),
    expect: { ...GRANTED, antipassbackUpdates: [] },
  },
  {
    name: "ignores zones whose anti-passback is off",
    facts: direction("entry", [
      zone({ antipassback: "off", state: { inside: true, atMs: NOW - 1000 } }),
    ]),
    expect: { ...GRANTED, antipassbackUpdates: [] },
  },
  {
    name: "denies when any hard zone is violated and lists every violated zone",
    facts: direction("entry", [
      zone({ id: 21, antipassback: "soft", state: { inside: true, atMs: NOW - 1000 } }),
      zone({ id: 22, state: { inside: true, atMs: NOW - 1000 } }),
    ]),
    expect: {
      granted: false,
      reason: "ANTI_PASSBACK",
      antipassback: { zoneIds: [22, 21], soft: false },
    },
  },
  {
    name: "checks the schedule before anti-passback",
    facts: direction("entry", [zone({ state: { inside: true, atMs: NOW - 1000 } })]),
    at: "2026-01-05T20:00",
    expect: { granted: false, reason: "OUTSIDE_SCHEDULE" },
  },
  {
    name: "never denies on anti-passback at an unlocked door but flags and records",
    facts: (f) =>
      direction("entry", [zone({ state: { inside: true, atMs: NOW - 1000 } })])({
        ...f,
        door: { ...f.door, mode: "unlocked" },
      }),
    expect: {
      granted: true,
      reason: "GRANTED_DOOR_UNLOCKED",
      antipassback: { zoneIds: [20], soft: true },
      antipassbackUpdates: [{ zoneId: 20, userId: 3, inside: true, atMs: NOW }],
    },
  },
  {
    name: "denies an ownerless card crossing a hard anti-passback zone",
    facts: (f) => ({
      ...direction("entry", [zone({})])(card({ ownerId: null })(f)),
      owner: null,
      schedules: [{ ...OFFICE, grantedVia: [{ kind: "credential", credentialId: 7 }] }],
    }),
    expect: { granted: false, reason: "NO_OWNER" },
  },
  {
    name: "grants an ownerless card through a soft zone without tracking it",
    facts: (f) => ({
      ...direction("entry", [zone({ antipassback: "soft" })])(card({ ownerId: null })(f)),
      owner: null,
      schedules: [{ ...OFFICE, grantedVia: [{ kind: "credential", credentialId: 7 }] }],
    }),
    expect: { ...GRANTED, antipassbackUpdates: [] },
  },
];

for (const c of CASES) {
  Deno.test(`decideAccess() ${c.name}`, () => {
    const facts = (c.facts ?? ((f) => f))(baseFacts());
    const request: AccessRequest = {
      doorId: 1,
      accessPointId: 2,
      presented: c.presented ?? WITH_CARD,
    };
    const decision = decideAccess(request, facts, at(c.at ?? MON_10));
    const picked = Object.fromEntries(
      Object.keys(c.expect).map((key) => [key, decision[key as keyof Decision]]),
    );
    assert.deepEqual(picked, c.expect);
    if (!decision.granted) assert.deepEqual(decision.antipassbackUpdates, []);
  });
}

Deno.test("decideAccess() covers every deny and grant reason in its table", async () => {
  const { DENY_REASON, GRANT_REASON } = await import("./types.ts");
  const covered = new Set(CASES.map((c) => c.expect.reason));
  for (const reason of [...Object.values(DENY_REASON), ...Object.values(GRANT_REASON)]) {
    assert.ok(covered.has(reason), `no case for ${reason}`);
  }
});
