/**
 * `leosac backup --data DIR --out FILE [--force]` and
 * `leosac restore --data DIR --from FILE`: the command-line side of
 * `src/store/backup.ts` (file format and guarantees are documented there).
 *
 * Exit status: 0 done, 1 refused or failed (a clear line on stderr, nothing
 * changed), 2 usage.
 *
 * @module
 */
import { join } from "node:path";
import { openDatabase } from "../store/db.ts";
import { inspectBackup, readInstallationKey, restoreBackup, writeBackup } from "../store/backup.ts";
import { DATA_FILES } from "../store/store.ts";
import { chownToDirOwner } from "./_ownership.ts";
import { parseCommandLine, UsageError } from "./args.ts";
import { errorText, StoreError } from "../errors.ts";

/** `leosac backup`. */
export interface BackupCommand {
  command: "backup";
  dataDir: string;
  out: string;
  force: boolean;
}

/** `leosac restore`. */
export interface RestoreCommand {
  command: "restore";
  dataDir: string;
  from: string;
}

/** Usage of `leosac backup` and `leosac restore`. */
export const BACKUP_USAGE = `Usage: leosac backup --data DIR --out FILE [--force]
       leosac restore --data DIR --from FILE

backup   writes a consistent copy of the database and the installation key
         (without which PIN codes cannot be checked) to FILE, mode 0600, while
         the controller runs or not. Refuses an existing FILE unless --force.
restore  checks FILE (integrity, format, schema version), refuses while a
         controller uses DIR, moves the database and key found in DIR to
         DIR/replaced-<UTC time>/, then puts the backup in place. DIR is
         created if missing (a new box). Start the controller afterwards.

Exit status: 0 done, 1 refused or failed (nothing changed), 2 usage.`;

/** What the backup commands need from their caller. */
export interface BackupIo {
  print(line: string): void;
  error(line: string): void;
  /** Wall time, Unix ms. */
  now(): number;
}

/**
 * Parses the arguments after `backup` or `restore`.
 *
 * @throws {UsageError} on a missing or unknown flag.
 */
export function parseBackupFlags(
  command: "backup" | "restore",
  args: string[],
): BackupCommand | RestoreCommand | { command: "help" } {
  const { values, positionals } = parseCommandLine(args, {
    data: { type: "string" },
    out: { type: "string" },
    from: { type: "string" },
    force: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return { command: "help" };
  if (positionals.length > 0) throw new UsageError(`unexpected argument: "${positionals[0]}"`);
  const dataDir = path("data", values.data);
  if (command === "backup") {
    if (values.from !== undefined) {
      throw new UsageError("--from is for restore; backup takes --out");
    }
    return { command, dataDir, out: path("out", values.out), force: values.force ?? false };
  }
  if (values.out !== undefined) throw new UsageError("--out is for backup; restore takes --from");
  if (values.force !== undefined) throw new UsageError("restore takes no --force");
  return { command, dataDir, from: path("from", values.from) };
}

function path(name: string, value: string | undefined): string {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  if (value === "" || value.includes("\0")) {
    throw new UsageError(`invalid value for --${name}: "${value}"`);
  }
  return value;
}

/** Runs `leosac backup`; returns the exit status. */
export function runBackup(command: BackupCommand, io: BackupIo): number {
  const databasePath = join(command.dataDir, DATA_FILES.database);
  try {
    if (!isFile(databasePath)) {
      throw new StoreError(`There is no database in "${command.dataDir}" (${DATA_FILES.database})`);
    }
    const key = readInstallationKey(command.dataDir);
    const db = openDatabase(databasePath, { migrate: false });
    let size: number;
    try {
      size = writeBackup(db, key, command.out, { now: io.now(), overwrite: command.force });
    } finally {
      db.close();
    }
    const info = inspectBackup(command.out);
    io.print(
      `Backup written to ${command.out} (${size} bytes, schema version ${info.schemaVersion}, ` +
        "mode 0600): the database and the installation key.",
    );
    io.print("Keep it as safe as the controller: it holds the key that checks PIN codes.");
    return 0;
  } catch (error) {
    io.error(`leosac backup: ${errorText(error)}`);
    return 1;
  }
}

/** Runs `leosac restore`; returns the exit status. */
export function runRestore(command: RestoreCommand, io: BackupIo): number {
  try {
    const result = restoreBackup(command.from, command.dataDir, { now: io.now() });
    chownToDirOwner(command.dataDir, [
      DATA_FILES.database,
      DATA_FILES.secret,
      ...(result.replacedDir === null ? [] : [result.replacedDir]),
    ]);
    const taken = new Date(result.backup.createdAt).toISOString();
    io.print(
      `Restored ${command.from} (taken ${taken} by Leosac ${result.backup.leosacVersion}, ` +
        `schema version ${result.backup.schemaVersion}) into ${command.dataDir}.`,
    );
    if (result.replacedDir !== null) {
      io.print(
        `The replaced files (${
          result.replacedFiles.join(", ")
        }) were kept in ${result.replacedDir}.`,
      );
    }
    io.print("Start the controller to use it (systemctl start leosac).");
    return 0;
  } catch (error) {
    io.error(`leosac restore: ${errorText(error)}`);
    return 1;
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
