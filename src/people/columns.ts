/**
 * The people CSV's columns: the contract of `leosac import people`,
 * `leosac export people` and the People page's import. A header row names
 * them, in any order, case-insensitively; only `username` is required.
 *
 * | column        | meaning                                                                  |
 * | ------------- | ------------------------------------------------------------------------ |
 * | `username`    | the person's key: a row is matched to a user by it                       |
 * | `firstname`   | first name (at most 128 characters)                                      |
 * | `lastname`    | last name (at most 128 characters)                                       |
 * | `email`       | e-mail address                                                           |
 * | `groups`      | group names separated by `;` (created when missing)                      |
 * | `card_format` | a catalogue format (`H10301` …, `raw-N`) or one defined on a reader      |
 * | `facility`    | facility code, for a format that has one                                 |
 * | `card_number` | the card number in that format                                           |
 * | `card_hex`    | the card id in Leosac's notation (`80:80:33:80`), with `card_bits`       |
 * | `card_bits`   | the card's bit count                                                     |
 * | `pin`         | a PIN code, 4 to 12 digits (never exported)                              |
 * | `valid_from`  | ISO 8601 date or time; a date means 00:00 UTC                             |
 * | `valid_until` | ISO 8601 date or time; a date means the end of that day (UTC)           |
 * | `enabled`     | `true`/`false` (also `1`/`0`, `yes`/`no`); empty means true              |
 *
 * Several cards of one person: `card_number`, `card_hex` (and `card_bits`,
 * `facility`, `card_format` when they differ per card) list them separated
 * by `;`, position by position; a single value applies to every card.
 *
 * @module
 */

/** Every column, in the order an export writes them. */
export const PEOPLE_COLUMNS = [
  "username",
  "firstname",
  "lastname",
  "email",
  "groups",
  "card_format",
  "facility",
  "card_number",
  "card_hex",
  "card_bits",
  "pin",
  "valid_from",
  "valid_until",
  "enabled",
] as const;

/** A column name. */
export type PeopleColumn = typeof PEOPLE_COLUMNS[number];

/** Where each known column is in a record; absent columns are missing. */
export type ColumnIndex = Partial<Record<PeopleColumn, number>>;

/** A problem of one cell or row: its line in the file (1-based) and column. */
export interface RowError {
  /** Line of the file where the row starts (the header is line 1). */
  line: number;
  /** The column concerned, or null for the row as a whole. */
  column: string | null;
  /** What is wrong, in a sentence. */
  message: string;
}

/** A row error as one line: `line 3, column pin: PIN code must be 4 to 12 digits`. */
export function formatRowError(error: RowError): string {
  return `line ${error.line}${
    error.column === null ? "" : `, column ${error.column}`
  }: ${error.message}`;
}

/** Options for {@linkcode readHeader}. */
export interface ReadHeaderOptions {
  /** Skip columns that are not in {@linkcode PEOPLE_COLUMNS} instead of refusing them. */
  ignoreUnknownColumns?: boolean;
}

/** The header's column positions, and the unknown columns skipped. */
export interface Header {
  index: ColumnIndex;
  /** Unknown column names, when they were allowed. */
  ignored: string[];
}

/**
 * Reads the header row.
 *
 * @returns the column index, or the errors (all on line 1): an unknown column
 * (unless ignored), a column named twice, no `username` column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readHeader } from "./columns.ts";
 * const header = readHeader([" Username", "PIN"]);
 * assert.ok(!Array.isArray(header));
 * assert.deepEqual(header.index, { username: 0, pin: 1 });
 * assert.ok(Array.isArray(readHeader(["username", "badge"])));
 * ```
 */
export function readHeader(fields: string[], options: ReadHeaderOptions = {}): Header | RowError[] {
  const index: ColumnIndex = {};
  const ignored: string[] = [];
  const errors: RowError[] = [];
  const known = new Set<string>(PEOPLE_COLUMNS);
  fields.forEach((raw, position) => {
    const name = raw.trim().toLowerCase();
    if (!known.has(name)) {
      if (options.ignoreUnknownColumns) ignored.push(raw.trim());
      else {
        errors.push({
          line: 1,
          column: raw.trim().slice(0, 64),
          message: `unknown column (the columns are ${PEOPLE_COLUMNS.join(", ")}; ` +
            "--ignore-unknown-columns skips others)",
        });
      }
      return;
    }
    const column = name as PeopleColumn;
    if (index[column] !== undefined) {
      errors.push({ line: 1, column, message: "the column is named twice" });
      return;
    }
    index[column] = position;
  });
  if (index.username === undefined) {
    errors.push({ line: 1, column: "username", message: "the header has no username column" });
  }
  return errors.length > 0 ? errors : { index, ignored };
}
