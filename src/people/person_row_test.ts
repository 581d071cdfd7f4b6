import assert from "node:assert/strict";
import { findFormat } from "../hardware/wiegand/formats.ts";
import { type ColumnIndex, PEOPLE_COLUMNS, readHeader, type RowError } from "./columns.ts";
import { checkPersonRow, type PersonRow } from "./person_row.ts";

const INDEX: ColumnIndex = Object.fromEntries(PEOPLE_COLUMNS.map((c, i) => [c, i]));

/** A full-width record from the cells given by column name. */
function record(
  cells: Partial<Record<string, string>>,
  line = 7,
): { line: number; fields: string[] } {
  return { line, fields: PEOPLE_COLUMNS.map((c) => cells[c] ?? "") };
}

function check(cells: Partial<Record<string, string>>): PersonRow | RowError[] {
  return checkPersonRow(record({ username: "ann", ...cells }), {
    index: INDEX,
    width: PEOPLE_COLUMNS.length,
    findFormat,
  });
}

Deno.test("checkPersonRow() names the line and the column of each error", () => {
  const cases: [Partial<Record<string, string>>, string, RegExp][] = [
    [{ username: "" }, "username", /empty/],
    [{ username: "a b" }, "username", /1 to 64 letters/],
    [{ email: "nope" }, "email", /not an e-mail address/],
    [{ firstname: "x".repeat(129) }, "firstname", /longer than 128/],
    [{ groups: "ok-group;x" }, "groups", /group "x": Length must be >=3 and <=50/],
    [{ pin: "12" }, "pin", /PIN code must be 4 to 12 digits/],
    [{ pin: "12ab" }, "pin", /4 to 12 digits/],
    [{ enabled: "maybe" }, "enabled", /expected true or false/],
    [{ valid_from: "31/12/2025" }, "valid_from", /not an ISO 8601 date/],
    [{ valid_until: "2025-02-30" }, "valid_until", /not an ISO 8601 date/],
    [{ valid_from: "2026-01-01", valid_until: "2025-01-01" }, "valid_until", /before valid_from/],
    [{ card_number: "12" }, "card_format", /needs its card_format/],
    [{ card_format: "H99999", card_number: "1" }, "card_format", /unknown card format "H99999"/],
    [{ card_format: "H10301", card_number: "1" }, "facility", /H10301 needs a facility code/],
    [
      { card_format: "H10301", facility: "256", card_number: "1" },
      "facility",
      /does not fit in 8 bits/,
    ],
    [
      { card_format: "H10301", facility: "1", card_number: "70000" },
      "card_number",
      /does not fit in 16 bits/,
    ],
    [
      { card_format: "H10301", facility: "1", card_number: "1x" },
      "card_number",
      /not a card number/,
    ],
    [
      { card_format: "raw-26", facility: "1", card_number: "1" },
      "facility",
      /raw-26 has no facility code/,
    ],
    [{ card_hex: "80:80:33:80" }, "card_bits", /needs its card_bits/],
    [{ card_hex: "zz", card_bits: "8" }, "card_hex", /not a card id/],
    [{ card_hex: "ff:ff:ff:ff", card_bits: "26" }, "card_hex", /last 6 bits zero/],
    [{ card_hex: "80:80:33:80", card_bits: "200" }, "card_bits", /1 to 128/],
    // H10301 1/103 is 80:80:33:80; flipping the last parity bit breaks the odd parity.
    [
      { card_format: "H10301", card_hex: "80:80:33:00", card_bits: "26" },
      "card_hex",
      /bad parity for H10301/,
    ],
    [
      { card_format: "H10301", card_hex: "80:80:33:80", card_bits: "34" },
      "card_bits",
      /H10301 cards have 26 bits, not 34/,
    ],
    [
      {
        card_format: "H10301",
        facility: "1",
        card_number: "104",
        card_hex: "80:80:33:80",
        card_bits: "26",
      },
      "card_hex",
      /is not card_number 104/,
    ],
    [
      { card_format: "H10301", facility: "1;2", card_number: "1;2;3" },
      "facility",
      /lists 2 values for 3 cards/,
    ],
    [{ facility: "3" }, "facility", /without a card_number/],
  ];
  for (const [cells, column, message] of cases) {
    const result = check(cells);
    assert.ok(Array.isArray(result), `${JSON.stringify(cells)} should fail`);
    assert.equal(result.length, 1, JSON.stringify(result));
    assert.equal(result[0]!.line, 7);
    assert.equal(result[0]!.column, column, JSON.stringify(cells));
    assert.match(result[0]!.message, message);
  }
});

Deno.test("checkPersonRow() reads every column", () => {
  const row = check({
    username: "Ann.Lee",
    firstname: " Ann ",
    lastname: "Lee",
    email: "ann@example.com",
    groups: "Staff; night ;staff",
    card_format: "H10301",
    facility: "1",
    card_number: "103;104",
    pin: "0042",
    valid_from: "2025-01-01",
    valid_until: "2025-12-31T18:30:00+01:00",
    enabled: "No",
  });
  assert.deepEqual(row, {
    line: 7,
    username: "ann.lee",
    firstname: "Ann",
    lastname: "Lee",
    email: "ann@example.com",
    groups: ["staff", "night"],
    cards: [{ cardId: "80:80:33:80", nbBits: 26 }, { cardId: "80:80:34:00", nbBits: 26 }],
    cardColumn: "card_number",
    pin: "0042",
    enabled: false,
    validFrom: Date.UTC(2025, 0, 1),
    validUntil: Date.UTC(2025, 11, 31, 17, 30),
  });
  const hex = check({ card_hex: "8080 3380", card_bits: "26", enabled: "" });
  assert.deepEqual(hex, {
    line: 7,
    username: "ann",
    firstname: "",
    lastname: "",
    email: "",
    groups: [],
    cards: [{ cardId: "80:80:33:80", nbBits: 26 }],
    cardColumn: "card_hex",
    enabled: true,
    validFrom: null,
    validUntil: null,
  });
});

Deno.test("checkPersonRow() leaves out the columns the header does not have", () => {
  const header = readHeader(["username", "pin"]);
  assert.ok(!Array.isArray(header));
  const row = checkPersonRow({ line: 2, fields: ["bo", ""] }, {
    index: header.index,
    width: 2,
    findFormat,
  });
  assert.deepEqual(row, { line: 2, username: "bo", cards: [] });
  const short = checkPersonRow({ line: 3, fields: ["bo"] }, {
    index: header.index,
    width: 2,
    findFormat,
  });
  assert.deepEqual(short, [{
    line: 3,
    column: null,
    message: "the row has 1 fields, the header 2",
  }]);
});

Deno.test("readHeader() refuses unknown and repeated columns, and a header without username", () => {
  assert.deepEqual(readHeader(["username", "badge", "PIN", "pin"]), [
    {
      line: 1,
      column: "badge",
      message:
        "unknown column (the columns are username, firstname, lastname, email, groups, card_format, facility, card_number, card_hex, card_bits, pin, valid_from, valid_until, enabled; --ignore-unknown-columns skips others)",
    },
    { line: 1, column: "pin", message: "the column is named twice" },
  ]);
  assert.deepEqual(readHeader(["firstname"]), [
    { line: 1, column: "username", message: "the header has no username column" },
  ]);
  assert.deepEqual(readHeader(["username", "badge"], { ignoreUnknownColumns: true }), {
    index: { username: 0 },
    ignored: ["badge"],
  });
});
