/**
 * `export people`: every user as a row of the people CSV
 * (`columns.ts`), in id order, streamed from one read snapshot.
 *
 * Cards are written as `card_hex` + `card_bits` (the stored form: exact,
 * whatever the format), several separated by `;`; `card_format`, `facility`
 * and `card_number` stay empty. Validity bounds are ISO 8601 UTC times.
 * PIN codes are never exported: only their keyed hash is stored, so the
 * `pin` column is empty and the caller says how many people have one.
 * Importing the export into an empty controller gives back the people, their
 * cards, groups and validity (not their passwords, ranks or PINs).
 * A card bound to a PIN (a Leosac `WiegandCardPin`) is not exported: without
 * its PIN it would come back as a card that opens alone.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { PEOPLE_COLUMNS, type PeopleColumn } from "./columns.ts";

/** Rows of CSV text gathered into one chunk. */
const ROWS_PER_CHUNK = 256;

interface ExportRow {
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  validity_enabled: number;
  validity_start: number | null;
  validity_end: number | null;
  groups: string | null;
  cards: string | null;
  bits: string | null;
  pins: number;
}

/** Totals of an export. */
export interface ExportTotals {
  people: number;
  cards: number;
  /** People with at least one PIN code (not exported). */
  withPin: number;
}

/** Quotes a field when it needs it (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n;]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * The CSV text of every person, in chunks; `totals` is filled as it goes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDatabase } from "../store/db.ts";
 * import { createUser } from "../store/users.ts";
 * import { exportPeople } from "./export_people.ts";
 * const db = openDatabase(":memory:");
 * createUser(db, { username: "ann", firstname: "Ann, Jr." });
 * const totals = { people: 0, cards: 0, withPin: 0 };
 * const text = [...exportPeople(db, totals)].join("");
 * assert.equal(text.split("\n")[1], 'ann,"Ann, Jr.",,,,,,,,,,,,true');
 * assert.equal(totals.people, 1);
 * db.close();
 * ```
 */
export function* exportPeople(db: DatabaseSync, totals: ExportTotals): Generator<string> {
  yield PEOPLE_COLUMNS.join(",") + "\n";
  const statement = db.prepare(
    `SELECT u.username, u.firstname, u.lastname, u.email, u.validity_enabled,
       u.validity_start, u.validity_end,
       (SELECT group_concat(g.name, ';' ORDER BY g.name) FROM memberships m
          JOIN groups g ON g.id = m.group_id WHERE m.user_id = u.id) AS groups,
       (SELECT group_concat(c.card_id, ';' ORDER BY c.id) FROM credentials c
          WHERE c.owner_id = u.id AND c.type = 'rfid-card' AND c.required_pin_id IS NULL) AS cards,
       (SELECT group_concat(c.nb_bits, ';' ORDER BY c.id) FROM credentials c
          WHERE c.owner_id = u.id AND c.type = 'rfid-card' AND c.required_pin_id IS NULL) AS bits,
       (SELECT count(*) FROM credentials c WHERE c.owner_id = u.id AND c.type = 'pin-code') AS pins
     FROM users u ORDER BY u.id`,
  );
  let chunk = "";
  let inChunk = 0;
  for (const raw of statement.iterate()) {
    const row = raw as unknown as ExportRow;
    totals.people++;
    if (row.cards !== null) totals.cards += row.cards.split(";").length;
    if (row.pins > 0) totals.withPin++;
    chunk += csvRow(row) + "\n";
    if (++inChunk === ROWS_PER_CHUNK) {
      yield chunk;
      chunk = "";
      inChunk = 0;
    }
  }
  if (chunk !== "") yield chunk;
}

function csvRow(row: ExportRow): string {
  const cells: Record<PeopleColumn, string> = {
    username: row.username,
    firstname: row.firstname,
    lastname: row.lastname,
    email: row.email,
    groups: row.groups ?? "",
    card_format: "",
    facility: "",
    card_number: "",
    card_hex: row.cards ?? "",
    card_bits: row.bits ?? "",
    pin: "",
    valid_from: row.validity_start === null ? "" : new Date(row.validity_start).toISOString(),
    valid_until: row.validity_end === null ? "" : new Date(row.validity_end).toISOString(),
    enabled: row.validity_enabled ? "true" : "false",
  };
  return PEOPLE_COLUMNS.map((column) => csvField(cells[column])).join(",");
}
