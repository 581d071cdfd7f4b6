/**
 * `leosac audit verify`: checks the audit log's hash chains (see
 * `src/store/audit_chain.ts`) in a data directory, or an export file
 * written by retention, and the serve flags of audit retention.
 *
 * `--data DIR` opens the database read-only (it works while a controller
 * runs: one read transaction, a consistent snapshot) and walks every row
 * from the chains' anchors. Exit status 0 when every row verifies, 1 at the
 * first broken row (named, with what is wrong) or when the database cannot
 * be read, 2 on a usage error.
 *
 * @module
 */
import { join } from "node:path";
import { parseCommandLine, UsageError } from "./args.ts";
import { openDatabase, schemaVersion } from "../store/db.ts";
import { DATA_FILES } from "../store/store.ts";
import { type ChainReport, verifyAuditChain } from "../store/audit_verify.ts";
import { verifyExportFile } from "../store/audit_export.ts";
import {
  DEFAULT_AUDIT_KEEP_ACCESS_DAYS,
  DEFAULT_AUDIT_KEEP_OTHER_DAYS,
  DEFAULT_AUDIT_MAX_MB,
} from "../store/audit_retention.ts";

/** The schema that added the audit chains. */
const CHAIN_SCHEMA = 5;

/** `leosac audit verify`. */
export interface AuditVerifyCommand {
  command: "audit-verify";
  /** The data directory whose database is checked (null with `--export`). */
  dataDir: string | null;
  /** Export files to check instead. */
  exportFiles: string[];
}

/** Usage of `leosac audit`. */
export const AUDIT_USAGE = `Usage: leosac audit verify --data DIR
       leosac audit verify --export FILE [--export FILE ...]

Checks that the audit log is as it was written: every row carries a hash
chained to the previous row of its chain (access decisions, other rows), so
an edited, deleted or inserted row breaks the chain there. Rows removed by
retention are checked from their anchor (the last removed row's hash).
Works while the controller runs (the database is opened read-only).
With --export, checks files written to DIR/audit-export/ by retention.
Exit status: 0 all rows verify, 1 a row is broken or the file is unreadable, 2 usage.

Options:
  --data DIR      the data directory (holds leosac.db)
  --export FILE   an export file (audit-…jsonl.gz) instead (repeatable)`;

/**
 * Parses the arguments after `audit`.
 *
 * @throws {UsageError} on an unknown subcommand or flag, or neither or both of --data and --export.
 */
export function parseAuditFlags(args: string[]): AuditVerifyCommand | { command: "help" } {
  const { values, positionals } = parseCommandLine(args, {
    data: { type: "string" },
    export: { type: "string", multiple: true },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return { command: "help" };
  const [sub, ...rest] = positionals;
  if (sub !== "verify") {
    throw new UsageError(
      sub === undefined ? "missing subcommand: verify" : `unknown subcommand: "${sub}"`,
    );
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument: "${rest[0]}"`);
  const exportFiles = values.export ?? [];
  const dataDir = values.data ?? null;
  if ((dataDir === null) === (exportFiles.length === 0)) {
    throw new UsageError("give --data DIR or --export FILE");
  }
  if (dataDir === "" || exportFiles.includes("")) {
    throw new UsageError("invalid value: empty path");
  }
  return { command: "audit-verify", dataDir, exportFiles };
}

/** Where `runAuditVerify` prints. */
export interface AuditIo {
  print(line: string): void;
  error(line: string): void;
}

/** Runs `leosac audit verify`; returns the exit status. */
export function runAuditVerify(command: AuditVerifyCommand, io: AuditIo): number {
  if (command.dataDir === null) {
    return command.exportFiles.map((file) => verifyExport(file, io)).every((ok) => ok) ? 0 : 1;
  }
  const path = join(command.dataDir, DATA_FILES.database);
  let report: ChainReport;
  try {
    Deno.statSync(path);
    const db = openDatabase(path, { readOnly: true });
    try {
      const version = schemaVersion(db);
      if (version < CHAIN_SCHEMA) {
        io.error(
          `leosac: ${path} has schema ${version}, without audit chains: ` +
            "start leosac serve once to upgrade it",
        );
        return 1;
      }
      report = verifyAuditChain(db);
    } finally {
      db.close();
    }
  } catch (error) {
    io.error(`leosac: cannot read ${path}: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  if (!report.ok) {
    io.print(`Audit chain BROKEN at row ${report.rowId}: ${report.problem}`);
    io.print(`(${report.rows} rows before it verified)`);
    return 1;
  }
  io.print(
    report.firstId === null
      ? "Audit chain OK: 0 rows"
      : `Audit chain OK: ${report.rows} rows, ids ${report.firstId}..${report.lastId}`,
  );
  for (const [chain, label] of [["access", "access decisions"], ["other", "other rows"]] as const) {
    const { from, head, rows } = report.chains[chain];
    const start = from.id === 0 ? "the start" : `anchor row ${from.id} (removed by retention)`;
    io.print(`  ${label}: ${rows} rows from ${start}; head row ${head.id}, hash ${head.hash}`);
  }
  return 0;
}

function verifyExport(file: string, io: AuditIo): boolean {
  let report;
  try {
    report = verifyExportFile(file);
  } catch (error) {
    io.error(`leosac: cannot read ${file}: ${error instanceof Error ? error.message : error}`);
    return false;
  }
  if (!report.ok) {
    const where = report.rowId === null ? "" : ` at row ${report.rowId}`;
    io.print(`Export ${file} BROKEN${where}: ${report.problem}`);
    return false;
  }
  const { header, head, rows } = report;
  io.print(
    `Export ${file} OK: ${rows} rows of the ${header.chain} chain, ids ` +
      `${header.first_id}..${header.last_id}, following row ${header.after.id} ` +
      `(hash ${header.after.hash}); last hash ${head.hash}`,
  );
  return true;
}

/** The serve flags of audit retention (spread into the serve parser's options). */
export const AUDIT_RETENTION_OPTIONS = {
  "audit-keep-days": { type: "string" },
  "audit-keep-other-days": { type: "string" },
  "audit-max-mb": { type: "string" },
  "audit-export": { type: "string" },
} as const;

/** Their usage lines. */
export const AUDIT_RETENTION_USAGE =
  `  --audit-keep-days N    keep access decisions N days (default ${DEFAULT_AUDIT_KEEP_ACCESS_DAYS})
  --audit-keep-other-days N
                         keep every other audit row N days (default ${DEFAULT_AUDIT_KEEP_OTHER_DAYS})
  --audit-max-mb N       above N MiB of database pages remove the oldest audit rows
                         (default ${DEFAULT_AUDIT_MAX_MB}; 0: no size bound)
  --audit-export gzip|none
                         export removed audit rows to DATA/audit-export/ first (default gzip)`;

/** Audit retention as given on the serve command line. */
export interface AuditRetentionFlags {
  keepAccessDays: number;
  keepOtherDays: number;
  /** 0: no size bound. */
  maxMb: number;
  export: boolean;
}

/** Longest keep period accepted (100 years). */
const MAX_KEEP_DAYS = 36_500;
/** Largest size bound accepted (1 TiB). */
const MAX_AUDIT_MB = 1_048_576;

function wholeNumber(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) {
    throw new UsageError(
      `invalid value for --${name}: "${value}" (expected a whole number from ${min} to ${max})`,
    );
  }
  return n;
}

/**
 * Reads the retention flags of `leosac serve`.
 *
 * @throws {UsageError} on a value out of range.
 */
export function parseAuditRetentionFlags(
  values: { [K in keyof typeof AUDIT_RETENTION_OPTIONS]?: string | undefined },
): { auditRetention: AuditRetentionFlags } {
  const mode = values["audit-export"] ?? "gzip";
  if (mode !== "gzip" && mode !== "none") {
    throw new UsageError(`invalid value for --audit-export: "${mode}" (expected gzip, none)`);
  }
  return {
    auditRetention: {
      keepAccessDays: wholeNumber(
        "audit-keep-days",
        values["audit-keep-days"],
        1,
        MAX_KEEP_DAYS,
        DEFAULT_AUDIT_KEEP_ACCESS_DAYS,
      ),
      keepOtherDays: wholeNumber(
        "audit-keep-other-days",
        values["audit-keep-other-days"],
        1,
        MAX_KEEP_DAYS,
        DEFAULT_AUDIT_KEEP_OTHER_DAYS,
      ),
      maxMb: wholeNumber(
        "audit-max-mb",
        values["audit-max-mb"],
        0,
        MAX_AUDIT_MB,
        DEFAULT_AUDIT_MAX_MB,
      ),
      export: mode === "gzip",
    },
  };
}
