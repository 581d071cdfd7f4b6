/**
 * `import people`: a CSV of people into the database, all or nothing.
 *
 * 1. **Check** (nothing written): the header, then every row
 *    (`checkPersonRow`), the file's duplicates (a username or a card on two
 *    lines) and the database (`diffPerson`: a card owned by someone else).
 *    The result is the plan: people to add, to update, unchanged, cards,
 *    PINs, memberships and the groups to create. Any error, and nothing is
 *    written; `dryRun` stops here too.
 * 2. **Write**: the file is read again and each row diffed again and written,
 *    {@linkcode ImportOptions.batchRows} rows per transaction, so that a
 *    running controller's own writes (its access events) wait at most one
 *    batch. The import's one audit row (counts, no names) is written with the
 *    first batch. Every person changed gets its version bumped, as an edit
 *    from the UI would.
 *
 * A change made by someone else between the check and the write that makes
 * a row invalid (a card given to another person meanwhile) stops the write
 * at that row: the batches before it stay written, a second audit row says
 * where it stopped, and importing the same file again completes it (the
 * import is idempotent). With one batch (the People page), nothing stays.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { AuditEntry } from "../store/audit.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../store/audit.ts";
import { findFormat, type WiegandFormat } from "../hardware/wiegand/formats.ts";
import { definedFormats } from "./defined_formats.ts";
import { FingerprintMap } from "./_fingerprints.ts";
import { type CsvSource, readCsvRecords } from "./csv_records.ts";
import { type ColumnIndex, readHeader, type RowError } from "./columns.ts";
import { checkPersonRow, type PersonRow } from "./person_row.ts";
import {
  applyPersonChange,
  diffPerson,
  type GroupCache,
  type PersonChange,
  pinHasher,
} from "./person_change.ts";

/** Rows per write transaction unless told otherwise. */
export const DEFAULT_BATCH_ROWS = 2000;
/** Row errors listed before the list stops (the count goes on). */
export const DEFAULT_MAX_ERRORS = 100;
/** Rows diffed against the database in one read transaction while checking. */
const CHECK_BATCH_ROWS = 1000;
/** Changes listed in a plan's preview. */
export const PREVIEW_ROWS = 50;

/** Options for {@linkcode importPeople}. */
export interface ImportOptions {
  /** Skip unknown columns instead of refusing the file. @default false */
  ignoreUnknownColumns?: boolean;
  /** Check and plan only. @default false */
  dryRun?: boolean;
  /** Rows per write transaction; `Infinity` writes the whole file in one. @default 2000 */
  batchRows?: number;
  /** Row errors listed (the rest are counted). @default 100 */
  maxErrors?: number;
  /** Wall time of the import (Unix ms): membership timestamps and the audit row. */
  now: number;
  /** Called every few hundred rows and at the end of each phase. */
  onProgress?(phase: "check" | "write", rows: number): void;
}

/** Where the import writes and who it is. */
export interface ImportTarget {
  db: DatabaseSync;
  /** The installation secret (PINs are stored as its HMAC). */
  secret: Uint8Array;
  /** Runs `fn` in one write transaction. */
  transaction<T>(fn: () => T): T;
  /** Appends an audit row (inside the current transaction). */
  audit(entry: Omit<AuditEntry, "timestamp">): void;
  /** The user importing, or null (the command line). */
  authorId: number | null;
  /** What is imported, for the audit row: a file name, "upload". */
  sourceName: string;
}

/** One line of the plan's preview. */
export interface PlannedRow {
  line: number;
  username: string;
  action: "add" | "update";
}

/** What an import found and did. */
export interface ImportReport {
  /** Data rows read (the header not counted). */
  rows: number;
  add: number;
  update: number;
  unchanged: number;
  /** New card credentials. */
  cardsAdd: number;
  /** Stored cards given to their person (they had no owner) or corrected. */
  cardsAssign: number;
  /** PIN codes created or replaced. */
  pins: number;
  /** Memberships added. */
  memberships: number;
  /** Groups the file names that do not exist yet. */
  groupsToCreate: string[];
  /** Unknown columns skipped (with `ignoreUnknownColumns`). */
  ignoredColumns: string[];
  /** The first row errors, in file order. */
  errors: RowError[];
  /** Every row error, listed or not. */
  errorCount: number;
  /** The first changes, in file order. */
  preview: PlannedRow[];
  /** Whether the changes were written. */
  applied: boolean;
  /** Rows written (less than `rows` only when the write stopped). */
  written: number;
  /** People whose validity changed (their sessions must be re-checked). */
  validityChanged: number;
  /** Why the write stopped part-way, or null. */
  stopped: RowError | null;
}

/** The file opened afresh: the import reads it twice (check, then write). */
export type OpenSource = () => CsvSource;

/**
 * Imports people: checks every row, then writes them unless there is an
 * error or `dryRun`.
 *
 * @throws {CsvSyntaxError} when the file is not readable CSV (nothing written).
 */
export async function importPeople(
  open: OpenSource,
  target: ImportTarget,
  options: ImportOptions,
): Promise<ImportReport> {
  const report = emptyReport();
  const formats = formatFinder(target.db);
  const groups: GroupCache = new Map();
  const pinHash = pinHasher(target.secret);
  const maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  const addError = (error: RowError): void => {
    report.errorCount++;
    if (report.errors.length < maxErrors) report.errors.push(error);
  };
  const usernames = new FingerprintMap();
  const cards = new FingerprintMap();
  let pending: PersonRow[] = [];
  const diffPending = (): void => {
    const rows = pending;
    pending = [];
    inSnapshot(target.db, () => {
      for (const row of rows) {
        const change = diffPerson(target.db, pinHash, row, groups);
        if ("message" in change) addError(change);
        else count(report, change);
      }
    });
  };
  for await (const row of checkedRows(open, formats, options, report, addError)) {
    if (isDuplicate(row, usernames, cards, addError)) continue;
    pending.push(row);
    if (pending.length >= CHECK_BATCH_ROWS) diffPending();
  }
  diffPending();
  report.groupsToCreate = [...groups.values()].filter((g) => g.id === null).map((g) => g.name);
  options.onProgress?.("check", report.rows);
  if (report.errorCount > 0 || options.dryRun || report.add + report.update === 0) return report;
  await write(open, target, options, formats, report);
  return report;
}

/** Whether the row's username or one of its cards is on an earlier line (reported). */
function isDuplicate(
  row: PersonRow,
  usernames: FingerprintMap,
  cards: FingerprintMap,
  addError: (error: RowError) => void,
): boolean {
  const seen = usernames.addIfAbsent(row.username, row.line);
  if (seen !== undefined) {
    addError({
      line: row.line,
      column: "username",
      message: `"${row.username}" is also on line ${seen}`,
    });
    return true;
  }
  let duplicate = false;
  for (const card of row.cards) {
    const other = cards.addIfAbsent(card.cardId, row.line);
    if (other !== undefined) {
      addError({
        line: row.line,
        column: cardColumn(row),
        message: `card ${card.cardId} is also on line ${other}`,
      });
      duplicate = true;
    }
  }
  return duplicate;
}

/** Runs `fn` in one read transaction (one snapshot, one lock), unless one is open. */
function inSnapshot(db: DatabaseSync, fn: () => void): void {
  if (db.isTransaction) return fn();
  db.exec("BEGIN");
  try {
    fn();
  } finally {
    if (db.isTransaction) db.exec("COMMIT");
  }
}

function emptyReport(): ImportReport {
  return {
    rows: 0,
    add: 0,
    update: 0,
    unchanged: 0,
    cardsAdd: 0,
    cardsAssign: 0,
    pins: 0,
    memberships: 0,
    groupsToCreate: [],
    ignoredColumns: [],
    errors: [],
    errorCount: 0,
    preview: [],
    applied: false,
    written: 0,
    validityChanged: 0,
    stopped: null,
  };
}

function count(report: ImportReport, change: PersonChange): void {
  if (change.action === "unchanged") {
    report.unchanged++;
    return;
  }
  report[change.action]++;
  report.cardsAdd += change.cardsToCreate.length;
  report.cardsAssign += change.cardsToAssign.length;
  report.memberships += change.groupsToJoin.length;
  if (change.pin !== null) report.pins++;
  if (change.validityChanged && change.user !== undefined) report.validityChanged++;
  if (report.preview.length < PREVIEW_ROWS) {
    report.preview.push({
      line: change.row.line,
      username: change.row.username,
      action: change.action,
    });
  }
}

function cardColumn(row: PersonRow): "card_number" | "card_hex" {
  return row.cardColumn ?? "card_number";
}

/** The rows of the file that pass their own checks; the others go to `addError`. */
async function* checkedRows(
  open: OpenSource,
  findFormat: (name: string) => WiegandFormat | undefined,
  options: Pick<ImportOptions, "ignoreUnknownColumns" | "onProgress">,
  report: ImportReport | null,
  addError: (error: RowError) => void,
): AsyncGenerator<PersonRow> {
  let index: ColumnIndex | null = null;
  let width = 0;
  let rows = 0;
  for await (const record of readCsvRecords(open())) {
    if (index === null) {
      const header = readHeader(record.fields, options);
      if (Array.isArray(header)) {
        header.forEach(addError);
        return;
      }
      index = header.index;
      width = record.fields.length;
      if (report !== null) report.ignoredColumns = header.ignored;
      continue;
    }
    rows++;
    if (report !== null) report.rows = rows;
    if (rows % 500 === 0) options.onProgress?.(report === null ? "write" : "check", rows);
    const row = checkPersonRow(record, { index, width, findFormat });
    if (Array.isArray(row)) row.forEach(addError);
    else yield row;
  }
  if (index === null) {
    addError({ line: 1, column: null, message: "the file is empty: it needs a header row" });
  }
}

/** Catalogue formats first, then the formats defined on readers. */
function formatFinder(db: DatabaseSync): (name: string) => WiegandFormat | undefined {
  const defined = definedFormats(db);
  return (name) => findFormat(name) ?? defined.get(name.toLowerCase());
}

async function write(
  open: OpenSource,
  target: ImportTarget,
  options: ImportOptions,
  formats: (name: string) => WiegandFormat | undefined,
  report: ImportReport,
): Promise<void> {
  const { db } = target;
  const pinHash = pinHasher(target.secret);
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  const groups: GroupCache = new Map();
  let batch: PersonRow[] = [];
  let first = true;
  const flush = (): void => {
    const rows = batch;
    batch = [];
    target.transaction(() => {
      if (first) target.audit(importAudit(target, report));
      first = false;
      for (const row of rows) {
        const change = diffPerson(db, pinHash, row, groups);
        if ("message" in change) throw new StoppedError(change);
        applyPersonChange(db, change, groups, options.now);
      }
    });
    report.written += rows.length;
    options.onProgress?.("write", report.written);
  };
  const invalid = (error: RowError): never => {
    throw new StoppedError({
      ...error,
      message: `the file changed while it was imported: ${error.message}`,
    });
  };
  try {
    for await (const row of checkedRows(open, formats, options, null, invalid)) {
      batch.push(row);
      if (batch.length >= batchRows) flush();
    }
    if (batch.length > 0) flush();
    report.applied = true;
  } catch (error) {
    if (!(error instanceof StoppedError)) throw error;
    report.stopped = error.row;
    report.applied = report.written > 0;
    if (report.written > 0) {
      target.transaction(() =>
        target.audit({
          kind: AUDIT_KIND.USER,
          mask: auditMask(AUDIT_EVENT.USER_EDITED),
          authorId: target.authorId,
          description: `The import of people from ${target.sourceName} stopped at line ` +
            `${error.row.line} after ${report.written} rows: ${error.row.message}.`,
          data: {
            source: target.sourceName,
            written: report.written,
            stopped_line: error.row.line,
          },
        })
      );
    }
  }
}

/** A row that became invalid between the check and the write. */
class StoppedError extends Error {
  readonly row: RowError;
  constructor(row: RowError) {
    super(row.message);
    this.name = "StoppedError";
    this.row = row;
  }
}

function importAudit(target: ImportTarget, report: ImportReport): Omit<AuditEntry, "timestamp"> {
  const events = [
    ...(report.add > 0 ? [AUDIT_EVENT.USER_CREATED] : []),
    ...(report.update > 0 ? [AUDIT_EVENT.USER_EDITED] : []),
    ...(report.groupsToCreate.length > 0 ? [AUDIT_EVENT.GROUP_CREATED] : []),
    ...(report.memberships > 0 ? [AUDIT_EVENT.GROUP_MEMBERSHIP_JOINED] : []),
    ...(report.cardsAdd + report.pins > 0 ? [AUDIT_EVENT.CREDENTIAL_CREATED] : []),
    ...(report.cardsAssign > 0 ? [AUDIT_EVENT.CREDENTIAL_UPDATED] : []),
  ];
  return {
    kind: AUDIT_KIND.USER,
    mask: auditMask(...events),
    authorId: target.authorId,
    description: `People imported from ${target.sourceName}: ${planSummary(report)}.`,
    data: {
      source: target.sourceName,
      rows: report.rows,
      added: report.add,
      updated: report.update,
      unchanged: report.unchanged,
      cards_added: report.cardsAdd,
      cards_assigned: report.cardsAssign,
      pins_set: report.pins,
      memberships_added: report.memberships,
      groups_created: report.groupsToCreate.length,
    },
  };
}

/**
 * The plan in one sentence: `2 people to add, 1 to update, 5 unchanged, 3
 * cards to add, 1 PIN to set, 4 memberships to add, 1 group to create
 * (Staff)`; with `done`, what was done: `2 people added, 1 updated …`.
 */
export function planSummary(report: ImportReport, done = false): string {
  const verb = (plan: string, past: string): string => done ? past : plan;
  const plural = (n: number, one: string, many = `${one}s`): string =>
    `${n} ${n === 1 ? one : many}`;
  const groups = report.groupsToCreate;
  const shown = groups.slice(0, 10).join(", ") + (groups.length > 10 ? ", …" : "");
  return [
    `${plural(report.add, "person", "people")} ${verb("to add", "added")}`,
    `${report.update} ${verb("to update", "updated")}`,
    `${report.unchanged} unchanged`,
    `${plural(report.cardsAdd, "card")} ${verb("to add", "added")}` +
    (report.cardsAssign > 0
      ? ` and ${plural(report.cardsAssign, "card")} ${verb("to assign", "assigned")}`
      : ""),
    `${plural(report.pins, "PIN")} ${verb("to set", "set")}`,
    `${plural(report.memberships, "membership")} ${verb("to add", "added")}`,
    `${plural(groups.length, "group")} ${verb("to create", "created")}` +
    (groups.length > 0 ? ` (${shown})` : ""),
  ].join(", ");
}
