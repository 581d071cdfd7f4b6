/**
 * `leosac import people FILE.csv [--data DIR] [--dry-run] [--ignore-unknown-columns]`
 * and `leosac export people FILE.csv [--data DIR]`: people, cards, PINs,
 * groups and validity from and to a CSV file (columns in
 * `src/people/columns.ts`, the import in `src/people/import_people.ts`).
 *
 * Both work whether or not a controller runs on DIR: they open the same
 * SQLite file (WAL, busy timeout) and never take the controller's lock, so a
 * controller may start meanwhile. The running controller's worker reads
 * policy from the database at every card read, so an import takes effect
 * at the next read. When the import changed an existing person's validity,
 * the controller (its PID from the lock file) is sent `SIGUSR2` to re-check
 * open sessions, as `leosac admin reset-password` does.
 *
 * Exit status: 0 done (or nothing to change), 1 refused (row errors, a file
 * that is not CSV, no database) or failed, 2 usage.
 *
 * @module
 */
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { errorText, StoreError } from "../errors.ts";
import { appendAudit } from "../store/audit.ts";
import { openDatabase, SCHEMA_VERSION, schemaVersion, transaction } from "../store/db.ts";
import { refuseSiteMember } from "../site/membership.ts";
import { acquireDataLock, DataDirInUseError, LOCK_FILE } from "../store/lock.ts";
import { chownToDirOwner } from "./_ownership.ts";
import { DATA_FILES } from "../store/store.ts";
import { CsvSyntaxError } from "../people/csv_records.ts";
import { formatRowError } from "../people/columns.ts";
import { importPeople, type ImportReport, planSummary } from "../people/import_people.ts";
import { exportPeople, type ExportTotals } from "../people/export_people.ts";
import { RECHECK_SESSIONS_SIGNAL } from "./admin.ts";
import { parseCommandLine, UsageError } from "./args.ts";
import { Progress } from "./progress.ts";

/** SQLite page cache of the import's connection, KiB. */
const CACHE_KIB = 32 * 1024;

/** `leosac import people`. */
export interface ImportPeopleCommand {
  command: "import-people";
  file: string;
  dataDir: string;
  dryRun: boolean;
  ignoreUnknownColumns: boolean;
}

/** `leosac export people`. */
export interface ExportPeopleCommand {
  command: "export-people";
  file: string;
  dataDir: string;
}

/** Usage of `leosac import` and `leosac export`. */
export const PEOPLE_USAGE =
  `Usage: leosac import people FILE.csv [--data DIR] [--dry-run] [--ignore-unknown-columns]
       leosac export people FILE.csv [--data DIR]

Imports people from a CSV file, or exports them to one. The header row names
the columns, in any order: username, firstname, lastname, email, groups (";"
between names), card_format (H10301, 34-bit, raw-N ... or a format defined on
a reader), facility, card_number, or card_hex + card_bits, pin, valid_from,
valid_until (ISO 8601, UTC), enabled. Separator "," or ";", UTF-8.

A row is matched to a person by username: new people are added, changed ones
updated, cards and groups added (never removed); groups named are created.
Every row is checked first and nothing is written unless all are valid; each
error names its line and column. Works while a controller runs on DIR.

Options:
  --data DIR                 data directory (default ./data)
  --dry-run                  check the file and print the plan; write nothing
  --ignore-unknown-columns   skip columns this version does not know
  -h, --help                 show this help

PINs are never exported: only their keyed hash is stored.
Exit status: 0 done, 1 refused or failed (nothing written), 2 usage.`;

/** What the commands need from their caller. */
export interface PeopleIo {
  print(line: string): void;
  error(line: string): void;
  /** Wall time, Unix ms. */
  now(): number;
  /** Progress output (stderr); a terminal gets a redrawn bar. */
  progress?: { write(text: string): void; isTerminal: boolean };
  /** Sends a signal to a process (Deno.kill). */
  kill?(pid: number, signal: Deno.Signal): void;
}

/**
 * Parses the arguments after `import` or `export`.
 *
 * @throws {UsageError} on a missing file, an unknown subject or flag.
 */
export function parsePeopleFlags(
  verb: "import" | "export",
  args: string[],
  defaultDataDir: string,
): ImportPeopleCommand | ExportPeopleCommand | { command: "help" } {
  const { values, positionals } = parseCommandLine(args, {
    data: { type: "string" },
    "dry-run": { type: "boolean" },
    "ignore-unknown-columns": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return { command: "help" };
  const [subject, file, ...rest] = positionals;
  if (subject !== "people") {
    throw new UsageError(
      subject === undefined
        ? `${verb} what? (leosac ${verb} people FILE.csv)`
        : `cannot ${verb} "${subject}": only people`,
    );
  }
  if (file === undefined || file === "") throw new UsageError("missing FILE.csv");
  if (rest.length > 0) throw new UsageError(`unexpected argument: "${rest[0]}"`);
  const dataDir = values.data ?? defaultDataDir;
  if (dataDir === "" || dataDir.includes("\0")) {
    throw new UsageError(`invalid value for --data: "${dataDir}"`);
  }
  if (verb === "export") {
    if (values["dry-run"] || values["ignore-unknown-columns"]) {
      throw new UsageError("--dry-run and --ignore-unknown-columns are options of import");
    }
    return { command: "export-people", file, dataDir };
  }
  return {
    command: "import-people",
    file,
    dataDir,
    dryRun: values["dry-run"] ?? false,
    ignoreUnknownColumns: values["ignore-unknown-columns"] ?? false,
  };
}

/** The database of DIR and the running controller's PID (null: none, or unknown). */
interface Opened {
  db: DatabaseSync;
  secret: Uint8Array;
  running: boolean;
  controllerPid: number | null;
}

function openData(dataDir: string): Opened {
  const databasePath = join(dataDir, DATA_FILES.database);
  try {
    if (!Deno.statSync(databasePath).isFile) throw new Error("not a file");
  } catch {
    throw new StoreError(
      `There is no database in "${dataDir}" (${DATA_FILES.database}): start the controller ` +
        `on it once (leosac serve --data ${dataDir}), then import`,
    );
  }
  const secret = readKey(dataDir);
  let running = false;
  let controllerPid: number | null = null;
  let db: DatabaseSync;
  try {
    // Only while opening: a database no controller uses may be migrated.
    const lock = acquireDataLock(dataDir);
    try {
      db = openDatabase(databasePath, { migrate: true });
    } finally {
      lock.release();
    }
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    running = true;
    controllerPid = error.pid;
    // Under a running controller the schema is its own: never migrate under it.
    db = openDatabase(databasePath, { migrate: false });
    if (schemaVersion(db) !== SCHEMA_VERSION) {
      db.close();
      throw new StoreError(
        `The running controller uses schema version ${schemaVersion(db)}, this build ` +
          `${SCHEMA_VERSION}: use the controller's own leosac binary`,
      );
    }
  }
  // Index pages of a large import stay in memory (SQLite's default is 2 MiB).
  db.exec(`PRAGMA cache_size = -${CACHE_KIB}`);
  return { db, secret, running, controllerPid };
}

function readKey(dataDir: string): Uint8Array {
  const path = join(dataDir, DATA_FILES.secret);
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (cause) {
    throw new StoreError(`Cannot read the installation key "${path}": ${errorText(cause)}`, {
      cause,
    });
  }
  if (bytes.length !== 32) throw new StoreError(`The installation key "${path}" is damaged`);
  return bytes;
}

/** Runs `leosac import people`; returns the exit status. */
export async function runImportPeople(command: ImportPeopleCommand, io: PeopleIo): Promise<number> {
  const name = "leosac import people";
  let opened: Opened | null = null;
  try {
    const size = fileSize(command.file);
    opened = openData(command.dataDir);
    const { db, secret } = opened;
    if (!command.dryRun) {
      refuseSiteMember(
        db,
        "leosac import people",
        "Import the file on the People page or with people.import on any controller of the site",
      );
    }
    const now = io.now();
    const progress = new Progress(io.progress ?? null, now);
    const report = await importPeople(
      () => fileChunks(command.file),
      {
        db,
        secret,
        transaction: (fn) => transaction(db, fn),
        audit: (entry) => appendAudit(db, { ...entry, timestamp: io.now() }),
        authorId: null,
        sourceName: `the command line (file ${basename(command.file)}, ${size} bytes)`,
      },
      {
        now,
        dryRun: command.dryRun,
        ignoreUnknownColumns: command.ignoreUnknownColumns,
        onProgress: (phase, rows) => progress.update(phase, rows, io.now()),
      },
    );
    progress.done();
    return finish(report, command, opened, io);
  } catch (error) {
    const text = error instanceof CsvSyntaxError
      ? `${command.file}: ${error.message}`
      : errorText(error);
    io.error(`${name}: ${text}; nothing was written`);
    return 1;
  } finally {
    if (opened?.db.isOpen) opened.db.close();
    if (opened !== null) keepOwner(command.dataDir);
  }
}

function finish(
  report: ImportReport,
  command: ImportPeopleCommand,
  opened: Opened,
  io: PeopleIo,
): number {
  if (report.ignoredColumns.length > 0) {
    io.print(`Ignored columns: ${report.ignoredColumns.join(", ")}`);
  }
  if (report.errorCount > 0) {
    for (const error of report.errors) io.error(`${command.file}: ${formatRowError(error)}`);
    if (report.errorCount > report.errors.length) {
      io.error(`... and ${report.errorCount - report.errors.length} more errors`);
    }
    io.error(
      `leosac import people: ${report.errorCount} errors in ${report.rows} rows; nothing was written`,
    );
    return 1;
  }
  if (report.add + report.update === 0) {
    io.print(`Nothing to change: the ${report.rows} people of ${command.file} already match.`);
    return 0;
  }
  if (command.dryRun) {
    io.print(`Plan for ${report.rows} rows: ${planSummary(report)}.`);
    io.print("Dry run: nothing was written.");
    return 0;
  }
  if (report.stopped !== null) {
    io.error(`leosac import people: stopped at ${formatRowError(report.stopped)}`);
    io.error(
      `${report.written} of ${report.rows} rows were written; fix the conflict and import the ` +
        "same file again to finish (rows already written are unchanged)",
    );
    return 1;
  }
  io.print(`Imported ${report.rows} rows: ${planSummary(report, true)}.`);
  if (opened.running) {
    io.print("The running controller uses them from its next card read.");
    if (report.validityChanged > 0 && opened.controllerPid !== null) {
      try {
        (io.kill ?? Deno.kill)(opened.controllerPid, RECHECK_SESSIONS_SIGNAL);
      } catch {
        // Sessions are re-checked at their next request anyway.
      }
    }
  }
  return 0;
}

/** Runs `leosac export people`; returns the exit status. */
export async function runExportPeople(command: ExportPeopleCommand, io: PeopleIo): Promise<number> {
  let opened: Opened | null = null;
  let file: Deno.FsFile | null = null;
  try {
    opened = openData(command.dataDir);
    file = await Deno.open(command.file, {
      write: true,
      create: true,
      truncate: true,
      mode: 0o600,
    });
    const totals: ExportTotals = { people: 0, cards: 0, withPin: 0 };
    const encoder = new TextEncoder();
    for (const chunk of exportPeople(opened.db, totals)) {
      const bytes = encoder.encode(chunk);
      for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
    }
    file.close();
    file = null;
    io.print(`Exported ${totals.people} people and ${totals.cards} cards to ${command.file}.`);
    io.print(
      `PINs are not exported (only their keyed hash is stored)` +
        (totals.withPin > 0
          ? `: ${totals.withPin} people have a PIN to set again after an import.`
          : "."),
    );
    return 0;
  } catch (error) {
    io.error(`leosac export people: ${errorText(error)}`);
    return 1;
  } finally {
    file?.close();
    if (opened?.db.isOpen) opened.db.close();
    if (opened !== null) keepOwner(command.dataDir);
  }
}

/**
 * Run as root on a service's directory, the files SQLite or the lock may have
 * created (a WAL left by a crash, the lock file) stay the service user's.
 */
function keepOwner(dataDir: string): void {
  const db = DATA_FILES.database;
  chownToDirOwner(dataDir, [db, `${db}-wal`, `${db}-shm`, LOCK_FILE]);
}

function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch (cause) {
    throw new StoreError(`Cannot read "${path}": ${errorText(cause)}`, { cause });
  }
}

async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(256 * 1024);
  for (;;) {
    const n = await file.read(buffer);
    if (n === null) return;
    yield buffer.slice(0, n);
  }
}

function basename(path: string): string {
  return path.split("/").pop() ?? path;
}
