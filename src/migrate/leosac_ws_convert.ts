/**
 * The replies of a running Leosac's WebSocket API → a {@linkcode MigrationPlan}.
 * Pure: the replies are read by `leosac_ws.ts` (or recorded, in tests).
 *
 * What each entity becomes:
 *
 * - users keep their names, rank and validity and get a new random password
 *   (Leosac never returns password hashes); a rank outside 0–4 is read as
 *   Leosac read it (2 and above is a manager);
 * - groups keep their name and description; memberships their rank;
 * - cards keep their id (lower-cased, the stored form) and bit count; PIN
 *   codes, which Leosac returns in clear, are re-hashed with this
 *   installation's key when written. An empty `code` (this controller's API
 *   never returns PINs) is a PIN nobody knows: it is carried over disabled,
 *   with its owner and mappings, and listed so that a new PIN is given;
 * - schedules keep their timeframes (`day` 0 = Monday, the web client's
 *   convention, which both sides use). A frame ending before it starts
 *   crosses midnight here; Leosac never matched one, so from a Leosac it is
 *   dropped and listed, from this controller it is kept;
 * - mappings name users, groups, credentials, doors and zones by the plan's
 *   names and keys;
 * - zones and doors keep alias, description and type; what this
 *   controller's API adds (unlock duration and schedule, held-open
 *   threshold, mode, anti-passback) is carried when present. Access points
 *   and GPIO lines are not: they are listed, to be wired here.
 *
 * Ids are the source's; a reference to an id that its list did not hold is
 * an error naming the reply and the path, and so is a missing field.
 *
 * @module
 */
import { cardIdProblem, normalizeCardId } from "../shared/card_id.js";
import { ValidationError } from "../errors.ts";
import type { Validity } from "../policy/validity.ts";
import { DOOR_MODES, type DoorMode } from "../store/doors.ts";
import { ANTIPASSBACK_MODES, type AntipassbackMode } from "../store/zones.ts";
import type { Timeframe } from "../store/schedules.ts";
import type { UserRank } from "../store/users.ts";
import { parseDate } from "../ws/serialize.ts";
import { USERNAME } from "../ws/handlers/user/_user.ts";
import {
  at,
  bool,
  type Found,
  id,
  int,
  items,
  optionalStr,
  relationIds,
  replyOf,
  str,
  wrongAt,
} from "./_reply_reader.ts";
import {
  emptyPlan,
  type MigrationPlan,
  type PlanCredential,
  type PlanDoor,
  type PlanMapping,
} from "./plan.ts";

/** The contents of the replies a migration reads (each as the reply's `content`). */
export interface LeosacReplies {
  /** `get_leosac_version`. */
  version: unknown;
  /** `user.read {user_id: 0}`. */
  users: unknown;
  /** `group.read {group_id: 0}`. */
  groups: unknown;
  /** `user-group-membership.read`, one per membership the users list. */
  memberships: unknown[];
  /** `credential.read {credential_id: 0}`. */
  credentials: unknown;
  /** `schedule.read {schedule_id: 0}` (with `included` mappings). */
  schedules: unknown;
  /** `zone.read {zone_id: 0}`. */
  zones: unknown;
  /** `door.read {door_id: 0}`. */
  doors: unknown;
}

/** Options of {@linkcode planFromLeosacReplies}. */
export interface ConvertOptions {
  /** Where the replies came from (the URL), for the report and the audit row. */
  source: string;
  /** Makes a user's new password. */
  newPassword(): string;
}

/** Longest user, group and alias names, as the API accepts them. */
const MAX_NAME = 64;
/** Group and schedule names (Leosac's rule). */
const GROUP_NAME = /^[A-Za-z0-9_.-]{3,50}$/;
/** `H:M` or `HH:MM`. */
const TIME = /^(\d{1,2}):(\d{1,2})$/;

/** Whether the source is this controller (its version reads `0.8.0-deno-…`), not a Leosac. */
export function isThisController(version: unknown): boolean {
  return typeof version === "string" && version.includes("-deno-");
}

/** The membership ids the users' replies list (read one by one: Leosac has no membership list). */
export function membershipIds(users: unknown): number[] {
  const ids = new Set<number>();
  for (const user of items(at(replyOf("user.read", users), "data"))) {
    for (const m of relationIds(at(user, "relationships"), "memberships", true)) ids.add(m);
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * Converts the replies into a plan.
 *
 * @throws {LeosacSourceError} naming the reply and the path of a missing or
 * mistyped field, or of a reference to an id its list did not hold.
 */
export function planFromLeosacReplies(
  replies: LeosacReplies,
  options: ConvertOptions,
): MigrationPlan {
  const version = str(at(replyOf("get_leosac_version", replies.version), "version"));
  const plan = emptyPlan(options.source);
  const ours = isThisController(version);
  const users = readUsers(plan, replies.users, options);
  const groups = readGroups(plan, replies.groups);
  readMemberships(plan, replies.memberships, users, groups);
  const credentials = readCredentials(plan, replies.credentials, users);
  const schedules = readSchedules(plan, replies.schedules, ours);
  const doors = readDoors(plan, replies.doors, schedules.keys);
  const zones = readZones(plan, replies.zones, doors);
  for (const { schedule, found } of schedules.mappings) {
    const rel = at(found, "relationships");
    const pick = <T>(name: string, map: Map<number, T>): T[] =>
      relationIds(rel, name).map((ref) => known(map, ref, at(rel, name), name));
    const mapping: PlanMapping = {
      schedule,
      alias: optionalStr(at(at(found, "attributes"), "alias"), ""),
      users: pick("users", users),
      groups: pick("groups", groups),
      credentials: pick("credentials", credentials),
      doors: pick("doors", doors),
      zones: pick("zones", zones),
    };
    plan.mappings.push(mapping);
  }
  return plan;
}

function known<T>(map: Map<number, T>, ref: number, where: Found, what: string): T {
  const value = map.get(ref);
  if (value === undefined) {
    throw wrongAt(where, `names ${what} ${ref}, which its list does not hold`);
  }
  return value;
}

function data(call: string, content: unknown): Found[] {
  return items(at(replyOf(call, content), "data"));
}

function validityOf(attributes: Found): Validity {
  const date = (key: string, unbounded: "min" | "max"): number | null => {
    const found = at(attributes, key);
    try {
      return parseDate(found.value, key, unbounded);
    } catch (error) {
      if (error instanceof ValidationError) {
        throw wrongAt(found, error.errors.map((e) => e.detail).join("; "));
      }
      throw error;
    }
  };
  return {
    enabled: bool(at(attributes, "validity-enabled")),
    start: date("validity-start", "min"),
    end: date("validity-end", "max"),
  };
}

function readUsers(plan: MigrationPlan, content: unknown, options: ConvertOptions) {
  const users = new Map<number, string>();
  for (const item of data("user.read", content)) {
    const a = at(item, "attributes");
    const username = str(at(a, "username"), MAX_NAME).toLowerCase();
    if (!USERNAME.test(username)) throw wrongAt(at(a, "username"), "not a valid username");
    const rankValue = int(at(a, "rank"), Number.MIN_SAFE_INTEGER);
    let rank = rankValue as UserRank;
    if (rankValue < 0 || rankValue > 4) {
      rank = rankValue > 4 ? 2 : 0;
      plan.notes.push(
        `user "${username}" has rank ${rankValue}, which Leosac treated as ${
          rank === 2 ? "a manager" : "a user"
        }: imported with that rank`,
      );
    }
    users.set(id(at(item, "id")), username);
    plan.users.push({
      username,
      firstname: str(at(a, "firstname")),
      lastname: str(at(a, "lastname")),
      email: optionalStr(at(a, "email"), ""),
      rank,
      validity: validityOf(a),
      password: options.newPassword(),
    });
  }
  return users;
}

function readGroups(plan: MigrationPlan, content: unknown) {
  const groups = new Map<number, string>();
  for (const item of data("group.read", content)) {
    const a = at(item, "attributes");
    const name = str(at(a, "name"), MAX_NAME);
    if (!GROUP_NAME.test(name)) throw wrongAt(at(a, "name"), "not a valid group name");
    groups.set(id(at(item, "id")), name);
    plan.groups.push({ name, description: optionalStr(at(a, "description"), ""), members: [] });
  }
  return groups;
}

function readMemberships(
  plan: MigrationPlan,
  contents: unknown[],
  users: Map<number, string>,
  groups: Map<number, string>,
): void {
  for (const content of contents) {
    const item = at(replyOf("user-group-membership.read", content), "data");
    const rel = at(item, "relationships");
    const user = known(users, id(at(at(at(rel, "user"), "data"), "id")), rel, "user");
    const group = known(groups, id(at(at(at(rel, "group"), "data"), "id")), rel, "group");
    const rank = int(at(at(item, "attributes"), "rank"), 0, 2) as 0 | 1 | 2;
    plan.groups.find((g) => g.name === group)!.members.push({ username: user, rank });
  }
}

function readCredentials(plan: MigrationPlan, content: unknown, users: Map<number, string>) {
  const keys = new Map<number, string>();
  for (const item of data("credential.read", content)) {
    const sourceId = id(at(item, "id"));
    const a = at(item, "attributes");
    const rel = at(item, "relationships");
    const ownerIds = relationIds(rel, "owner", true);
    const owner = ownerIds.length === 0 ? null : known(users, ownerIds[0]!, rel, "owner");
    const base = {
      key: `credential:${sourceId}`,
      alias: optionalStr(at(a, "alias"), ""),
      description: optionalStr(at(a, "description"), ""),
      owner,
      validity: validityOf(a),
    };
    const type = str(at(item, "type"));
    const who = `${owner === null ? "without owner" : `of "${owner}"`}`;
    let credential: PlanCredential;
    if (type === "rfid-card") {
      const text = str(at(a, "card-id"), 400);
      const cardId = normalizeCardId(text);
      if (cardId === null) throw wrongAt(at(a, "card-id"), "not a card id (aa:bb:cc:dd)");
      const nbBits = int(at(a, "nb-bits"), 1, 1024);
      const problem = cardIdProblem(cardId, nbBits);
      if (problem !== null) {
        plan.notes.push(
          `card "${base.alias}" ${who} (${cardId}, ${nbBits} bits): ${problem} A reader never reads it; carried over as it is`,
        );
      }
      credential = { ...base, type, cardId, nbBits };
    } else if (type === "pin-code") {
      const code = str(at(a, "code"), 64);
      if (code !== "" && !/^\d+$/.test(code)) {
        throw wrongAt(at(a, "code"), "a PIN code holds digits only");
      }
      if (code === "") {
        plan.notes.push(
          `PIN "${base.alias}" ${who}: its code is not known (the source did not send it); ` +
            "carried over disabled: give a new PIN and enable it",
        );
      }
      credential = code === ""
        ? { ...base, validity: { ...base.validity, enabled: false }, type, pin: null }
        : { ...base, type, pin: code };
    } else {
      throw wrongAt(at(item, "type"), `unknown credential type "${type.slice(0, 32)}"`);
    }
    keys.set(sourceId, credential.key);
    plan.credentials.push(credential);
  }
  return keys;
}

function readSchedules(plan: MigrationPlan, content: unknown, ours: boolean) {
  const keys = new Map<number, string>();
  const mappingOf = new Map<number, string>();
  for (const item of data("schedule.read", content)) {
    const sourceId = id(at(item, "id"));
    const a = at(item, "attributes");
    const name = str(at(a, "name"), MAX_NAME);
    const key = `schedule:${sourceId}`;
    const timeframes: Timeframe[] = [];
    for (const frame of items(at(a, "timeframes"), true)) {
      const tf = {
        day: int(at(frame, "day"), 0, 6),
        startMinute: minuteOf(at(frame, "start-time")),
        endMinute: minuteOf(at(frame, "end-time")),
      };
      if (tf.endMinute < tf.startMinute && !ours) {
        plan.notes.push(
          `schedule "${name}": a frame on day ${tf.day} ends before it starts; Leosac never matched it ` +
            "(here it would cross midnight): dropped",
        );
      } else timeframes.push(tf);
    }
    const holidays = at(a, "applies-on-holidays");
    plan.schedules.push({
      key,
      name,
      description: optionalStr(at(a, "description"), ""),
      timeframes,
      ...(holidays.value === undefined ? {} : { appliesOnHolidays: bool(holidays) }),
    });
    keys.set(sourceId, key);
    for (const m of relationIds(at(item, "relationships"), "mapping", true)) mappingOf.set(m, key);
  }
  const included = at(replyOf("schedule.read", content), "included");
  const mappings: { schedule: string; found: Found }[] = [];
  for (const found of included.value === undefined ? [] : items(included, true)) {
    if (at(found, "type").value !== "schedule-mapping") continue;
    const schedule = known(mappingOf, id(at(found, "id")), found, "mapping");
    mappings.push({ schedule, found });
  }
  return { keys, mappings };
}

function minuteOf(found: Found): number {
  const match = TIME.exec(str(found, 8));
  const hours = Number(match?.[1]), minutes = Number(match?.[2]);
  if (!match || hours > 23 || minutes > 59) throw wrongAt(found, "expected a time H:M");
  return hours * 60 + minutes;
}

/** A unique alias: a repeated one gets the source id (plans name doors and zones by alias). */
function uniqueAlias(
  plan: MigrationPlan,
  seen: Set<string>,
  alias: string,
  what: string,
  sourceId: number,
) {
  if (!seen.has(alias)) {
    seen.add(alias);
    return alias;
  }
  const renamed = `${alias} (${sourceId})`;
  plan.notes.push(`two ${what}s are named "${alias}": the one with id ${sourceId} is "${renamed}"`);
  seen.add(renamed);
  return renamed;
}

function readDoors(plan: MigrationPlan, content: unknown, schedules: Map<number, string>) {
  const doors = new Map<number, string>();
  const seen = new Set<string>();
  for (const item of data("door.read", content)) {
    const sourceId = id(at(item, "id"));
    const a = at(item, "attributes");
    const alias = uniqueAlias(plan, seen, str(at(a, "alias"), MAX_NAME), "door", sourceId);
    const optional = <T>(key: string, read: (f: Found) => T): T | undefined => {
      const found = at(a, key);
      return found.value === undefined || found.value === null ? undefined : read(found);
    };
    const unlockSchedule = optional("unlock-schedule", id);
    const mode = optional("mode", (f) => {
      const m = str(f) as DoorMode;
      if (!DOOR_MODES.includes(m)) throw wrongAt(f, `unknown door mode "${m.slice(0, 32)}"`);
      return m;
    });
    const door: PlanDoor = {
      alias,
      description: optionalStr(at(a, "description"), ""),
      reader: null,
      readerMode: "card",
      pinTimeoutMs: 5000,
      strike: null,
      contact: null,
      rex: null,
      unlockMs: optional("unlock-duration", (f) => int(f, 100, 600_000)) ?? 5000,
      unlockSchedule: unlockSchedule === undefined
        ? null
        : known(schedules, unlockSchedule, at(a, "unlock-schedule"), "schedule"),
    };
    const heldOpenMs = optional("held-open-threshold", (f) => int(f));
    if (heldOpenMs !== undefined) door.heldOpenMs = heldOpenMs;
    const afterFirst = optional("unlock-after-first-card", bool);
    if (afterFirst !== undefined) door.unlockAfterFirstCard = afterFirst;
    if (mode !== undefined) door.mode = mode;
    if (mode !== undefined && mode !== "normal") {
      plan.notes.push(`door "${alias}" is in mode ${mode}, as at the source`);
    }
    const wired = ["strike-gpio", "contact-gpio", "rex-gpio"].filter((k) =>
      optional(k, (f) => f.value)
    );
    if (relationIds(at(item, "relationships"), "access-point", true).length > 0) {
      wired.unshift("access point (reader)");
    }
    if (wired.length > 0) {
      plan.notes.push(
        `door "${alias}": its ${wired.join(", ")} are not carried over: wire them here`,
      );
    }
    doors.set(sourceId, alias);
    plan.doors.push(door);
  }
  return doors;
}

function readZones(plan: MigrationPlan, content: unknown, doors: Map<number, string>) {
  const zones = new Map<number, string>();
  const seen = new Set<string>();
  const found = data("zone.read", content);
  for (const item of found) {
    const sourceId = id(at(item, "id"));
    const alias = str(at(at(item, "attributes"), "alias"), MAX_NAME);
    zones.set(sourceId, uniqueAlias(plan, seen, alias, "zone", sourceId));
  }
  for (const item of found) {
    const a = at(item, "attributes");
    const rel = at(item, "relationships");
    const antipassback = at(a, "antipassback");
    const reset = at(a, "antipassback-reset");
    let mode: AntipassbackMode | undefined;
    if (antipassback.value !== undefined) {
      mode = str(antipassback) as AntipassbackMode;
      if (!ANTIPASSBACK_MODES.includes(mode)) {
        throw wrongAt(antipassback, "unknown anti-passback mode");
      }
    }
    plan.zones.push({
      alias: zones.get(id(at(item, "id")))!,
      description: optionalStr(at(a, "description"), ""),
      type: int(at(a, "type"), 0, 1) as 0 | 1,
      doors: relationIds(rel, "doors").map((d) => known(doors, d, at(rel, "doors"), "door")),
      children: relationIds(rel, "children").map((z) =>
        known(zones, z, at(rel, "children"), "zone")
      ),
      ...(mode === undefined ? {} : { antipassback: mode }),
      ...(reset.value === undefined ? {} : { antipassbackResetS: int(reset) }),
    });
  }
  return zones;
}
