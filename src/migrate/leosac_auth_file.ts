/**
 * Reads one AUTH_FILE permission file as Leosac 0.8.0 loads it
 * (`FileAuthSourceMapper.cpp`, `XmlScheduleLoader.cpp`, `ValidityInfo.cpp`):
 * users, group_mapping, credentials, schedules, schedules_mapping, in that
 * order, each later entry replacing an earlier one with the same key (user
 * name, group, card id, PIN, card+PIN pair, schedule name). What was
 * replaced, and what never matched in Leosac (an upper-case card id, a PIN
 * that is not digits, a frame ending before it starts) is kept out and said
 * in `notes`.
 *
 * @module
 */
import { isPinFormatValid } from "../engine/credential.ts";
import type { TimeZoneOffsetProvider } from "../engine/schedule.ts";
import type { Validity } from "../policy/validity.ts";
import { normalizeCardId } from "../shared/card_id.js";
import type { Timeframe } from "../store/schedules.ts";
import {
  boolOf,
  child,
  childrenNamed,
  errorAt,
  intOf,
  requiredText,
  textOf,
  type XmlElement,
} from "./_xml_tree.ts";

/** Leosac's weekday elements, Sunday = 0 as in `XmlScheduleLoader.cpp`. */
export const LEOSAC_WEEKDAYS = [
  "sunday",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
] as const;

/** A user of the file. */
export interface AuthFileUser {
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  validity: Validity;
  element: XmlElement;
}

/** A credential of the file (a WiegandCardPin has both `cardId` and `pin`). */
export interface AuthFileCredential {
  kind: "WiegandCard" | "PINCode" | "WiegandCardPin";
  owner: string;
  /** Leosac's `<id>` (the alias mappings use), or "". */
  alias: string;
  cardId: string | null;
  bits: number;
  pin: string | null;
  validity: Validity;
  element: XmlElement;
}

/** A schedule of the file. */
export interface AuthFileSchedule {
  name: string;
  /** This controller's convention (0 = Monday), frames that never matched removed. */
  timeframes: Timeframe[];
  element: XmlElement;
}

/** One `schedules_mapping/map`. */
export interface AuthFileMapping {
  schedules: string[];
  users: string[];
  groups: string[];
  credentials: string[];
  door: string;
  zone: string;
  element: XmlElement;
}

/** A permission file as Leosac would hold it in memory. */
export interface AuthFile {
  users: Map<string, AuthFileUser>;
  /** Group name → member user names. */
  groups: Map<string, { members: string[]; element: XmlElement }>;
  credentials: AuthFileCredential[];
  schedules: Map<string, AuthFileSchedule>;
  mappings: AuthFileMapping[];
  notes: string[];
}

/**
 * Reads a parsed permission file.
 *
 * @param offset The controller's time zone: validity dates are wall-clock
 * times written in it.
 * @throws {LeosacImportError} for a bad element, a bad date or time, the
 * older file format, or a reference to a missing user, group, schedule or
 * credential.
 */
export function readAuthFile(root: XmlElement, offset: TimeZoneOffsetProvider): AuthFile {
  for (const old of ["user_mapping", "permissions"]) {
    const found = child(root, old);
    if (found) {
      throw errorAt(
        found,
        "this is the older permission format, which Leosac 0.8 ignores (nobody gets in with " +
          "it); rewrite it as users, group_mapping, credentials, schedules, schedules_mapping",
      );
    }
  }
  const file: AuthFile = {
    users: new Map(),
    groups: new Map(),
    credentials: [],
    schedules: new Map(),
    mappings: [],
    notes: [],
  };
  readUsers(root, file, offset);
  readGroups(root, file);
  readCredentials(root, file, offset);
  const schedules = child(root, "schedules");
  if (schedules) {
    for (const [name, s] of readSchedules(schedules, file.notes)) file.schedules.set(name, s);
  }
  readMappings(root, file);
  return file;
}

function where(element: XmlElement): string {
  return `${element.file}:${element.line}`;
}

function readUsers(root: XmlElement, file: AuthFile, offset: TimeZoneOffsetProvider): void {
  for (const node of child(root, "users")?.children ?? []) {
    if (node.name !== "user") throw errorAt(node, "expected <user>");
    const username = requiredText(node, "name").toLowerCase();
    if (username === "unknown_user") throw errorAt(node, "UNKNOWN_USER is a reserved name");
    if (!/^[a-z0-9._-]{1,64}$/.test(username)) {
      throw errorAt(
        node,
        `user name "${username}" cannot be a user name here (1 to 64 of A-Z a-z 0-9 . _ -)`,
      );
    }
    const earlier = file.users.get(username);
    if (earlier) {
      file.notes.push(
        `user "${username}" at ${where(node)} replaces the one at ${where(earlier.element)} ` +
          "(Leosac keeps the last)",
      );
    }
    file.users.set(username, {
      username,
      firstname: textOf(node, "firstname", ""),
      lastname: textOf(node, "lastname", ""),
      email: textOf(node, "email", ""),
      validity: validityOf(node, offset, file.notes),
      element: node,
    });
  }
}

function userRef(file: AuthFile, at: XmlElement, name: string): string {
  const username = name.toLowerCase();
  if (!file.users.has(username)) throw errorAt(at, `unknown user "${name}"`);
  return username;
}

function readGroups(root: XmlElement, file: AuthFile): void {
  for (const node of child(root, "group_mapping")?.children ?? []) {
    if (node.name !== "map") throw errorAt(node, "expected <map>");
    const name = requiredText(node, "group");
    if (!/^[A-Za-z0-9_.-]{3,50}$/.test(name)) {
      throw errorAt(
        node,
        `group name "${name}" cannot be a group name here (3 to 50 of A-Z a-z 0-9 _ . -)`,
      );
    }
    const members = childrenNamed(node, "user").map((u) => userRef(file, u, u.text));
    const earlier = file.groups.get(name);
    if (earlier) {
      file.notes.push(
        `group "${name}" at ${where(node)} replaces the one at ${where(earlier.element)}: ` +
          "its earlier members are not in it (Leosac keeps the last)",
      );
    }
    file.groups.set(name, { members: [...new Set(members)], element: node });
  }
}

function readCredentials(root: XmlElement, file: AuthFile, offset: TimeZoneOffsetProvider): void {
  const byKey = new Map<string, AuthFileCredential>();
  for (const node of child(root, "credentials")?.children ?? []) {
    if (node.name !== "map") throw errorAt(node, "expected <map>");
    const owner = userRef(file, node, requiredText(node, "user"));
    const body = node.children.find((c) =>
      c.name === "WiegandCard" || c.name === "PINCode" || c.name === "WiegandCardPin"
    );
    if (body === undefined) {
      throw errorAt(node, "expected <WiegandCard>, <PINCode> or <WiegandCardPin>");
    }
    const kind = body.name as AuthFileCredential["kind"];
    const hasCard = kind !== "PINCode";
    const cardId = hasCard ? requiredText(body, "card_id") : null;
    const bits = hasCard ? intOf(body, "bits", 0, { min: 1, max: 128 }) : 0;
    if (hasCard && child(body, "bits") === undefined) throw errorAt(body, "missing <bits>");
    const pin = kind === "WiegandCard" ? null : requiredText(body, "pin");
    const credential: AuthFileCredential = {
      kind,
      owner,
      alias: textOf(body, "id", ""),
      cardId,
      bits,
      pin,
      validity: validityOf(body, offset, file.notes),
      element: body,
    };
    if (cardId !== null && normalizeCardId(cardId) !== cardId) {
      file.notes.push(
        `${kind} "${cardId}" at ${where(body)} never matched in Leosac (a read gives lower-case ` +
          'hex pairs joined by ":", compared as text): not imported',
      );
      continue;
    }
    if (pin !== null && !isPinFormatValid(pin)) {
      file.notes.push(
        `${kind} at ${where(body)} has a PIN that is not 1 to 32 digits, which no keypad ` +
          "sends: not imported",
      );
      continue;
    }
    const key = `${kind === "WiegandCardPin" ? "pair" : kind}:${cardId ?? ""}:${pin ?? ""}`;
    const earlier = byKey.get(key);
    if (earlier) {
      file.notes.push(
        `${kind} at ${where(body)} replaces the one at ${where(earlier.element)} (same ` +
          `${kind === "PINCode" ? "PIN" : kind === "WiegandCard" ? "card id" : "card and PIN"}; ` +
          "Leosac keeps the last)",
      );
    }
    byKey.set(key, credential);
  }
  file.credentials = [...byKey.values()];
}

function readMappings(root: XmlElement, file: AuthFile): void {
  const aliases = new Set(file.credentials.map((c) => c.alias).filter((a) => a !== ""));
  for (const node of child(root, "schedules_mapping")?.children ?? []) {
    if (node.name !== "map") throw errorAt(node, "expected <map>");
    const texts = (name: string): XmlElement[] => childrenNamed(node, name);
    const mapping: AuthFileMapping = {
      schedules: texts("schedule").map((s) => {
        if (!file.schedules.has(s.text)) throw errorAt(s, `unknown schedule "${s.text}"`);
        return s.text;
      }),
      users: texts("user").map((u) => userRef(file, u, u.text)),
      groups: texts("group").map((g) => {
        if (!file.groups.has(g.text)) throw errorAt(g, `unknown group "${g.text}"`);
        return g.text;
      }),
      credentials: texts("credential").map((c) => {
        if (!aliases.has(c.text)) throw errorAt(c, `unknown credential id "${c.text}"`);
        return c.text;
      }),
      door: textOf(node, "door", ""),
      zone: textOf(node, "zone", ""),
      element: node,
    };
    if (mapping.schedules.length === 0) {
      file.notes.push(`the mapping at ${where(node)} names no schedule: it grants nothing`);
    }
    file.mappings.push(mapping);
  }
}

/**
 * Reads `<schedule>` elements (AUTH_FILE's `schedules`, DOORMAN's
 * `on/schedules` and `off/schedules`): a later schedule with the same name
 * replaces an earlier one.
 *
 * @throws {LeosacImportError} for a bad element or time.
 */
export function readSchedules(parent: XmlElement, notes: string[]): Map<string, AuthFileSchedule> {
  const schedules = new Map<string, AuthFileSchedule>();
  for (const node of parent.children) {
    if (node.name !== "schedule") throw errorAt(node, "expected <schedule>");
    const name = requiredText(node, "name");
    const timeframes: Timeframe[] = [];
    for (const frame of node.children) {
      if (frame.name === "name") continue;
      const leosacDay = (LEOSAC_WEEKDAYS as readonly string[]).indexOf(frame.name);
      if (leosacDay < 0) throw errorAt(frame, "expected a weekday (sunday ... saturday)");
      const startMinute = minuteOf(frame, "start");
      const endMinute = minuteOf(frame, "end");
      if (endMinute < startMinute) {
        notes.push(
          `schedule "${name}": the ${frame.name} frame at ${where(frame)} ends before it starts, ` +
            "so it never matched in Leosac (a night is two frames there): not imported",
        );
        continue;
      }
      timeframes.push({ day: (leosacDay + 6) % 7, startMinute, endMinute });
    }
    if (schedules.has(name)) {
      notes.push(
        `schedule "${name}" at ${where(node)} replaces an earlier one (Leosac keeps the last)`,
      );
    }
    schedules.set(name, { name, timeframes, element: node });
  }
  return schedules;
}

function minuteOf(frame: XmlElement, name: string): number {
  const text = requiredText(frame, name);
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (!match || hours > 23 || minutes > 59) {
    throw errorAt(child(frame, name)!, `expected a time hh:mm, found "${text}"`);
  }
  return hours * 60 + minutes;
}

/**
 * Leosac's validity of `node` (`enabled`, `validity_start`, `validity_end`,
 * dates `%d/%m/%Y %H:%M`, both bounds inclusive), the wall-clock times read
 * in the controller's zone. A date in summer time is listed in `notes`:
 * Leosac (with `tm_isdst` 0) read it an hour later than written.
 */
function validityOf(
  node: XmlElement,
  offset: TimeZoneOffsetProvider,
  notes: string[],
): Validity {
  return {
    enabled: boolOf(node, "enabled", true),
    start: dateOf(node, "validity_start", offset, notes),
    end: dateOf(node, "validity_end", offset, notes),
  };
}

function dateOf(
  node: XmlElement,
  name: string,
  offset: TimeZoneOffsetProvider,
  notes: string[],
): number | null {
  const element = child(node, name);
  if (element === undefined || element.text === "") return null;
  const match = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})$/.exec(element.text);
  const [d, m, y, hh, mm] = (match?.slice(1) ?? []).map(Number) as number[];
  const wall = match ? Date.UTC(y!, m! - 1, d!, hh!, mm!) : NaN;
  const check = new Date(wall);
  if (
    !match || check.getUTCDate() !== d || check.getUTCMonth() !== m! - 1 || hh! > 23 || mm! > 59
  ) {
    throw errorAt(element, `expected a date dd/mm/yyyy hh:mm, found "${element.text}"`);
  }
  const utc = wallClockToUtc(wall, offset);
  const year = new Date(wall).getUTCFullYear();
  const standard = Math.min(offset(Date.UTC(year, 0, 1)), offset(Date.UTC(year, 6, 1)));
  if (offset(utc) !== standard) {
    notes.push(
      `${name} "${element.text}" at ${where(element)} is in summer time: imported as written; ` +
        "Leosac read it an hour later",
    );
  }
  return utc;
}

/** The instant whose local wall-clock time (in the zone of `offset`) is `wallMs` read as UTC. */
export function wallClockToUtc(wallMs: number, offset: TimeZoneOffsetProvider): number {
  let utc = wallMs - offset(wallMs) * 60_000;
  utc = wallMs - offset(utc) * 60_000;
  return utc;
}
