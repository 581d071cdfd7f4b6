/**
 * One CSV record of people → a checked {@linkcode PersonRow}, or the errors
 * of its cells, each naming the line and the column. Pure: the formats the
 * store defines come in through {@linkcode RowContext.findFormat}.
 *
 * A column missing from the header leaves that field of an existing person
 * as it is; a column present with an empty cell sets the empty value (no
 * name, no validity bound, enabled) or, for the card, PIN and group
 * columns, adds nothing.
 *
 * @module
 */
import { cardIdFromFields, cardIdProblem, normalizeTypedCardId } from "../shared/card_id.js";
import { checkParity, MAX_FRAME_BITS, type WiegandFormat } from "../hardware/wiegand/formats.ts";
import { bitsFromCardId } from "../store/credentials.ts";
import { EMAIL, USERNAME } from "../ws/handlers/user/_user.ts";
import { checkName } from "../ws/handlers/group/_group.ts";
import { PIN, PIN_MESSAGE } from "../ws/handlers/credential/_credential.ts";
import type { ColumnIndex, PeopleColumn, RowError } from "./columns.ts";
import { ValidationError } from "../errors.ts";

/** Longest first or last name. */
const MAX_NAME_LENGTH = 128;
/** Longest e-mail address. */
const MAX_EMAIL_LENGTH = 254;
/** Most groups or cards in one row. */
export const MAX_LIST_ITEMS = 64;

/** A card as stored: Leosac's card id and bit count. */
export interface CardRef {
  cardId: string;
  nbBits: number;
}

/** A checked row. Absent fields were not in the header (keep what is stored). */
export interface PersonRow {
  line: number;
  /** Lower-case, as stored. */
  username: string;
  firstname?: string;
  lastname?: string;
  email?: string;
  /** Group names as written (matched regardless of case). */
  groups?: string[];
  cards: CardRef[];
  /** The column the cards were given in (for errors about them). */
  cardColumn?: "card_number" | "card_hex";
  /** The clear PIN (hashed before it is stored or compared). */
  pin?: string;
  enabled?: boolean;
  /** Unix ms, or null for no bound. */
  validFrom?: number | null;
  validUntil?: number | null;
}

/** What checking a row needs besides the record. */
export interface RowContext {
  index: ColumnIndex;
  /** The header's field count. */
  width: number;
  /** A catalogue format or one defined on a reader, by name (case-insensitive). */
  findFormat(name: string): WiegandFormat | undefined;
}

/**
 * Checks one record.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPersonRow } from "./person_row.ts";
 * import { findFormat } from "../hardware/wiegand/formats.ts";
 * const ctx = { index: { username: 0, card_format: 1, facility: 2, card_number: 3 }, width: 4, findFormat };
 * const row = checkPersonRow({ line: 2, fields: ["Ann", "H10301", "1", "103"] }, ctx);
 * assert.deepEqual(row, {
 *   line: 2,
 *   username: "ann",
 *   cards: [{ cardId: "80:80:33:80", nbBits: 26 }],
 *   cardColumn: "card_number",
 * });
 * const bad = checkPersonRow({ line: 3, fields: ["bob", "H10301", "256", "1"] }, ctx);
 * assert.deepEqual(bad, [{ line: 3, column: "facility", message: "facility 256 does not fit in 8 bits of H10301" }]);
 * ```
 */
export function checkPersonRow(
  record: { line: number; fields: string[] },
  ctx: RowContext,
): PersonRow | RowError[] {
  const { line, fields } = record;
  const errors: RowError[] = [];
  const fail = (column: PeopleColumn | null, message: string): undefined => {
    errors.push({ line, column, message });
    return undefined;
  };
  if (fields.length !== ctx.width) {
    fail(null, `the row has ${fields.length} fields, the header ${ctx.width}`);
    return errors;
  }
  const cell = (column: PeopleColumn): string | undefined => {
    const at = ctx.index[column];
    return at === undefined ? undefined : fields[at]!.trim();
  };
  const username = cell("username") ?? "";
  if (username === "") fail("username", "the username is empty");
  else if (!USERNAME.test(username)) {
    fail("username", "a username is 1 to 64 letters, digits, '.', '_' or '-'");
  }
  const row: PersonRow = { line, username: username.toLowerCase(), cards: [] };
  for (const column of ["firstname", "lastname"] as const) {
    const value = cell(column);
    if (value === undefined) continue;
    if (value.length > MAX_NAME_LENGTH) fail(column, `longer than ${MAX_NAME_LENGTH} characters`);
    else row[column] = value;
  }
  const email = cell("email");
  if (email !== undefined) {
    if (email !== "" && (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email))) {
      fail("email", `not an e-mail address: "${email.slice(0, 64)}"`);
    } else row.email = email;
  }
  const groups = cell("groups");
  if (groups !== undefined) row.groups = checkGroups(groups, fail);
  const pin = cell("pin");
  if (pin !== undefined && pin !== "") {
    if (!PIN.test(pin)) fail("pin", PIN_MESSAGE.replace(/\.$/, ""));
    else row.pin = pin;
  }
  const enabled = cell("enabled");
  if (enabled !== undefined) {
    const value = ENABLED[enabled.toLowerCase()];
    if (value === undefined) {
      fail("enabled", `expected true or false, got "${enabled.slice(0, 16)}"`);
    } else row.enabled = value;
  }
  for (const [column, end] of [["valid_from", false], ["valid_until", true]] as const) {
    const value = cell(column);
    if (value === undefined) continue;
    const ms = value === "" ? null : parseIsoTime(value, end);
    if (ms === undefined) {
      fail(
        column,
        `not an ISO 8601 date or time: "${
          value.slice(0, 40)
        }" (e.g. 2025-01-31 or 2025-01-31T08:00:00Z)`,
      );
    } else row[column === "valid_from" ? "validFrom" : "validUntil"] = ms;
  }
  if (
    typeof row.validFrom === "number" && typeof row.validUntil === "number" &&
    row.validUntil < row.validFrom
  ) fail("valid_until", "valid_until is before valid_from");
  row.cards = checkCards(cell, ctx, fail);
  if (row.cards.length > 0) {
    row.cardColumn = (cell("card_number") ?? "") === "" ? "card_hex" : "card_number";
  }
  return errors.length > 0 ? errors : row;
}

const ENABLED: Record<string, boolean> = {
  "": true,
  true: true,
  false: false,
  "1": true,
  "0": false,
  yes: true,
  no: false,
};

type Fail = (column: PeopleColumn | null, message: string) => undefined;

function splitList(text: string): string[] {
  return text === "" ? [] : text.split(";").map((item) => item.trim());
}

function checkGroups(text: string, fail: Fail): string[] {
  const names = splitList(text).filter((name) => name !== "");
  if (names.length > MAX_LIST_ITEMS) {
    fail("groups", `more than ${MAX_LIST_ITEMS} groups`);
    return [];
  }
  for (const name of names) {
    try {
      checkName(name);
    } catch (error) {
      const detail = error instanceof ValidationError
        ? error.errors.map((e) => e.detail.replace(/\.$/, "")).join("; ")
        : String(error);
      fail("groups", `group "${name.slice(0, 64)}": ${detail}`);
    }
  }
  return [...new Map(names.map((n) => [n.toLowerCase(), n])).values()];
}

/** The cards of a row: `card_number` (with format and facility) and/or `card_hex` + `card_bits`. */
function checkCards(
  cell: (column: PeopleColumn) => string | undefined,
  ctx: RowContext,
  fail: Fail,
): CardRef[] {
  const numbers = splitList(cell("card_number") ?? "");
  const hexes = splitList(cell("card_hex") ?? "");
  const formats = splitList(cell("card_format") ?? "");
  const facilities = splitList(cell("facility") ?? "");
  const bits = splitList(cell("card_bits") ?? "");
  const count = Math.max(numbers.length, hexes.length);
  if (count === 0) {
    if (facilities.length > 0) fail("facility", "a facility code without a card_number");
    if (bits.length > 0) fail("card_bits", "card_bits without a card_hex");
    return [];
  }
  if (count > MAX_LIST_ITEMS) {
    fail(
      numbers.length > hexes.length ? "card_number" : "card_hex",
      `more than ${MAX_LIST_ITEMS} cards`,
    );
    return [];
  }
  const lists = {
    card_number: numbers,
    card_hex: hexes,
    card_format: formats,
    facility: facilities,
    card_bits: bits,
  } as const;
  for (const [column, list] of Object.entries(lists)) {
    if (list.length > 1 && list.length !== count) {
      fail(column as PeopleColumn, `lists ${list.length} values for ${count} cards`);
      return [];
    }
  }
  const pick = (
    list: string[],
    i: number,
  ): string => (list.length === 1 ? list[0]! : list[i] ?? "");
  const cards: CardRef[] = [];
  for (let i = 0; i < count; i++) {
    const card = checkCard(
      {
        number: pick(numbers, i),
        hex: pick(hexes, i),
        format: pick(formats, i),
        facility: pick(facilities, i),
        bits: pick(bits, i),
      },
      ctx,
      fail,
    );
    if (card !== undefined) cards.push(card);
  }
  return cards;
}

interface CardCells {
  number: string;
  hex: string;
  format: string;
  facility: string;
  bits: string;
}

function checkCard(cells: CardCells, ctx: RowContext, fail: Fail): CardRef | undefined {
  let format: WiegandFormat | undefined;
  if (cells.format !== "") {
    format = ctx.findFormat(cells.format);
    if (format === undefined) {
      return fail(
        "card_format",
        `unknown card format "${
          cells.format.slice(0, 64)
        }" (a catalogue name such as H10301, raw-N, or a format defined on a reader)`,
      );
    }
  }
  const fromNumber = cells.number === "" ? undefined : cardFromNumber(cells, format, fail);
  const fromHex = cells.hex === "" ? undefined : cardFromHex(cells, format, fail);
  if (cells.number !== "" && cells.hex !== "") {
    if (fromNumber === undefined || fromHex === undefined) return undefined;
    if (fromNumber.cardId !== fromHex.cardId || fromNumber.nbBits !== fromHex.nbBits) {
      return fail(
        "card_hex",
        `card_hex ${fromHex.cardId} is not card_number ${cells.number} (${fromNumber.cardId})`,
      );
    }
  }
  return fromNumber ?? fromHex;
}

function cardFromNumber(
  cells: CardCells,
  format: WiegandFormat | undefined,
  fail: Fail,
): CardRef | undefined {
  if (format === undefined) {
    return fail(
      "card_format",
      "a card_number needs its card_format (or give card_hex and card_bits)",
    );
  }
  if (!/^\d{1,40}$/.test(cells.number)) {
    return fail("card_number", `not a card number: "${cells.number.slice(0, 40)}"`);
  }
  if (cells.facility !== "" && !/^\d{1,12}$/.test(cells.facility)) {
    return fail("facility", `not a facility code: "${cells.facility.slice(0, 20)}"`);
  }
  if (format.length === null) {
    return fail("card_format", `"${format.name}" has no fixed length: use raw-N`);
  }
  const facility = cells.facility === "" ? null : Number(cells.facility);
  if (facility !== null && format.facility === null && facility !== 0) {
    return fail("facility", `${format.name} has no facility code`);
  }
  if (format.facility !== null && facility === null) {
    return fail("facility", `${format.name} needs a facility code`);
  }
  const number = BigInt(cells.number);
  if (format.facility !== null && facility! >= 2 ** format.facility.length) {
    return fail(
      "facility",
      `facility ${facility} does not fit in ${format.facility.length} bits of ${format.name}`,
    );
  }
  const width = format.number?.length ?? format.length;
  if (number >= 1n << BigInt(width)) {
    return fail(
      "card_number",
      `card number ${number} does not fit in ${width} bits of ${format.name}`,
    );
  }
  try {
    return { cardId: cardIdFromFields(format, facility, number), nbBits: format.length };
  } catch (error) {
    return fail("card_number", (error as Error).message);
  }
}

function cardFromHex(
  cells: CardCells,
  format: WiegandFormat | undefined,
  fail: Fail,
): CardRef | undefined {
  const cardId = normalizeTypedCardId(cells.hex);
  if (cardId === null) {
    return fail("card_hex", `not a card id: "${cells.hex.slice(0, 40)}" (e.g. 80:80:33:80)`);
  }
  let nbBits: number;
  if (cells.bits !== "") {
    nbBits = Number(cells.bits);
    if (!/^\d{1,3}$/.test(cells.bits) || nbBits < 1 || nbBits > MAX_FRAME_BITS) {
      return fail(
        "card_bits",
        `card_bits must be 1 to ${MAX_FRAME_BITS}, got "${cells.bits.slice(0, 8)}"`,
      );
    }
  } else if (format !== undefined && format.length !== null) nbBits = format.length;
  else return fail("card_bits", "a card_hex needs its card_bits (or a card_format with a length)");
  if (format !== undefined && format.length !== null && format.length !== nbBits) {
    return fail("card_bits", `${format.name} cards have ${format.length} bits, not ${nbBits}`);
  }
  const problem = cardIdProblem(cardId, nbBits);
  if (problem !== null) return fail("card_hex", problem.replace(/\.$/, ""));
  if (format !== undefined) {
    if (!checkParity(format, bitsFromCardId(cardId, nbBits), nbBits)) {
      return fail("card_hex", `${cardId} has bad parity for ${format.name}`);
    }
  }
  return { cardId, nbBits };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An ISO 8601 date or date-time as Unix ms; a time without offset is UTC.
 * A bare date is its first millisecond, or its last when `endOfDay`.
 * Undefined when the text is not one (or names no real day).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIsoTime } from "./person_row.ts";
 * assert.equal(parseIsoTime("2025-01-31", false), Date.UTC(2025, 0, 31));
 * assert.equal(parseIsoTime("2025-01-31", true), Date.UTC(2025, 1, 1) - 1);
 * assert.equal(parseIsoTime("2025-01-31T08:00+01:00", false), Date.UTC(2025, 0, 31, 7));
 * assert.equal(parseIsoTime("2025-02-30", false), undefined);
 * ```
 */
export function parseIsoTime(text: string, endOfDay: boolean): number | undefined {
  const date = ISO_DATE.exec(text);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const ms = Date.UTC(y, m - 1, d);
    if (!sameDay(ms, y, m, d)) return undefined;
    return endOfDay ? ms + 86_400_000 - 1 : ms;
  }
  const time = ISO_TIME.exec(text);
  if (!time) return undefined;
  const [y, m, d, hh, mm, ss] = [1, 2, 3, 4, 5, 6].map((i) => Number(time[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const frac = Number((time[7] ?? "").padEnd(3, "0"));
  if (hh > 23 || mm > 59 || ss > 59) return undefined;
  const day = Date.UTC(y, m - 1, d);
  if (!sameDay(day, y, m, d)) return undefined;
  const zone = time[8] ?? "Z";
  const offset = zone === "Z"
    ? 0
    : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2))) *
      60_000;
  return day + ((hh * 60 + mm) * 60 + ss) * 1000 + frac - offset;
}

function sameDay(ms: number, y: number, m: number, d: number): boolean {
  const at = new Date(ms);
  return at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d;
}
