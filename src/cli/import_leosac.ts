/**
 * `leosac import-leosac --kernel FILE | --from ws://HOST:PORT --user NAME
 * --password-env VAR [--data DIR] [--dry-run]`: migrates a Leosac 0.8
 * installation, from its XML files (`src/migrate/leosac_xml.ts`) or from a
 * running Leosac's WebSocket API (`src/migrate/leosac_ws.ts`), into the data
 * directory, in one transaction (`src/migrate/plan.ts`).
 *
 * The controller must be stopped: doors and readers are wired when it
 * starts, so the command takes the data directory's lock (and creates the
 * directory, its database and installation key when they do not exist yet).
 *
 * Exit status: 0 done (or checked, with `--dry-run`), 1 refused (bad input,
 * a conflict, a controller running; nothing written) or failed, 2 usage.
 *
 * @module
 */
import { systemOffsetProvider, type TimeZoneOffsetProvider } from "../engine/schedule.ts";
import { StoreError } from "../errors.ts";
import { hashPassword } from "../store/secrets.ts";
import { acquireDataLock, DataDirInUseError } from "../store/lock.ts";
import { openStore } from "../store/store.ts";
import { LeosacImportError } from "../migrate/_xml_tree.ts";
import { planFromKernelXml } from "../migrate/leosac_xml.ts";
import { LeosacSourceError, planFromLeosacWs } from "../migrate/leosac_ws.ts";
import {
  applyMigrationPlan,
  MigrationConflictError,
  type MigrationPlan,
  planCounts,
} from "../migrate/plan.ts";
import { parseCommandLine, UsageError } from "./args.ts";

/** `leosac import-leosac`. */
export interface ImportLeosacCommand {
  command: "import-leosac";
  /** The kernel.xml to read, or null with `from`. */
  kernel: string | null;
  /** `ws://` or `wss://` URL of a running Leosac, or null with `kernel`. */
  from: string | null;
  /** Login name at `from`. */
  user: string | null;
  /** The password at `from` (read from the environment variable named by --password-env). */
  password: string | null;
  dataDir: string;
  dryRun: boolean;
}

/** Usage of `leosac import-leosac`. */
export const IMPORT_LEOSAC_USAGE =
  `Usage: leosac import-leosac --kernel /etc/leosac.d/kernel.xml [--data DIR] [--dry-run]
       leosac import-leosac --from ws://HOST:PORT --user NAME --password-env VAR [--data DIR] [--dry-run]

Migrates a Leosac 0.8 installation. From its XML files: GPIO pins (SYSFS_GPIO,
LIBGPIOD), LED_BUZZER devices, Wiegand readers, one door per AUTH_FILE instance
(DOORMAN strike, exit request, contact, always-open windows), and the AUTH_FILE
permission files' users, groups, cards, PINs, schedules and mappings. From a
running Leosac: users (with new random passwords, printed once), groups and
memberships, credentials (PINs re-hashed), schedules and mappings, zones and
doors. Decisions stay as Leosac's AUTH_FILE made them; whatever cannot be carried
over is listed. Everything is written in one transaction, or nothing is.
Stop the controller first: doors and readers are wired when it starts.

Options:
  --kernel FILE          Leosac's main XML file (permission files are read beside it)
  --from URL             ws://HOST:PORT of a running Leosac
  --user NAME            login there
  --password-env VAR     the environment variable holding that password
  --data DIR             data directory (default ./data)
  --dry-run              read and check everything, print the report, write nothing
  -h, --help             show this help

Exit status: 0 done, 1 refused or failed (nothing written), 2 usage.`;

/**
 * Parses the arguments after `import-leosac`.
 *
 * @param env Reads an environment variable (only the one --password-env names).
 * @throws {UsageError} on a missing or contradictory option.
 */
export function parseImportLeosacFlags(
  args: string[],
  defaultDataDir: string,
  env: (name: string) => string | undefined,
): ImportLeosacCommand | { command: "help" } {
  const { values, positionals } = parseCommandLine(args, {
    kernel: { type: "string" },
    from: { type: "string" },
    user: { type: "string" },
    "password-env": { type: "string" },
    data: { type: "string" },
    "dry-run": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return { command: "help" };
  if (positionals.length > 0) throw new UsageError(`unexpected argument: "${positionals[0]}"`);
  const dataDir = values.data ?? defaultDataDir;
  if (dataDir === "" || dataDir.includes("\0")) {
    throw new UsageError(`invalid value for --data: "${dataDir}"`);
  }
  const base = { command: "import-leosac" as const, dataDir, dryRun: values["dry-run"] ?? false };
  if ((values.kernel === undefined) === (values.from === undefined)) {
    throw new UsageError("give --kernel FILE or --from ws://HOST:PORT");
  }
  if (values.kernel !== undefined) {
    if (values.user !== undefined || values["password-env"] !== undefined) {
      throw new UsageError("--user and --password-env go with --from");
    }
    if (values.kernel === "") throw new UsageError("invalid value for --kernel: empty path");
    return { ...base, kernel: values.kernel, from: null, user: null, password: null };
  }
  const from = values.from!;
  if (!/^wss?:\/\/[^/\s]+(\/\S*)?$/.test(from)) {
    throw new UsageError(`invalid value for --from: "${from}" (expected ws://HOST:PORT)`);
  }
  if (values.user === undefined || values.user === "") {
    throw new UsageError("--from needs --user NAME");
  }
  const variable = values["password-env"];
  if (variable === undefined) throw new UsageError("--from needs --password-env VAR");
  const password = env(variable);
  if (password === undefined || password === "") {
    throw new UsageError(`the environment variable ${variable} (--password-env) is not set`);
  }
  return { ...base, kernel: null, from, user: values.user, password };
}

/** What the command needs from its caller. */
export interface ImportLeosacIo {
  print(line: string): void;
  error(line: string): void;
  /** Wall time, Unix ms. */
  now(): number;
  /** Reads a file's text. @default Deno.readTextFileSync */
  readFile?(path: string): string;
  /** The controller's time zone. @default systemOffsetProvider */
  offset?: TimeZoneOffsetProvider;
}

/** Runs `leosac import-leosac`; returns the exit status. */
export async function runImportLeosac(
  command: ImportLeosacCommand,
  io: ImportLeosacIo,
): Promise<number> {
  let plan: MigrationPlan;
  try {
    plan = command.kernel !== null
      ? planFromKernelXml(command.kernel, {
        readFile: io.readFile ?? ((path) => Deno.readTextFileSync(path)),
        offset: io.offset ?? systemOffsetProvider,
      })
      : await planFromLeosacWs({
        url: command.from!,
        username: command.user!,
        password: command.password!,
      });
  } catch (error) {
    if (error instanceof LeosacImportError || error instanceof LeosacSourceError) {
      io.error(`leosac import-leosac: ${error.message}; nothing was written`);
      return 1;
    }
    throw error;
  }
  let lock;
  try {
    lock = acquireDataLock(command.dataDir);
  } catch (error) {
    if (!(error instanceof DataDirInUseError || error instanceof StoreError)) throw error;
    io.error(
      `leosac import-leosac: ${error.message}` +
        (error instanceof DataDirInUseError
          ? "; stop the controller first (doors and readers are wired when it starts)"
          : "") +
        "; nothing was written",
    );
    return 1;
  }
  try {
    using _ = lock;
    const store = openStore(command.dataDir);
    try {
      const passwords = new Map<string, string>();
      for (const user of plan.users) {
        if (user.password !== null) passwords.set(user.username, await hashPassword(user.password));
      }
      const result = applyMigrationPlan(store.db, plan, {
        secret: store.secret,
        nowMs: io.now(),
        dryRun: command.dryRun,
        passwordHashes: passwords,
      });
      printReport(plan, io, command.dryRun);
      for (const name of result.reusedUsers) {
        io.print(`  user "${name}" exists here: kept as it is`);
      }
      for (const name of result.reusedGroups) {
        io.print(`  group "${name}" exists here: kept as it is`);
      }
      return 0;
    } finally {
      store.close();
    }
  } catch (error) {
    if (error instanceof MigrationConflictError || error instanceof StoreError) {
      io.error(`leosac import-leosac: ${error.message}\nNothing was written.`);
      return 1;
    }
    throw error;
  }
}

function printReport(plan: MigrationPlan, io: ImportLeosacIo, dryRun: boolean): void {
  const counts = Object.entries(planCounts(plan)).map(([k, n]) => `${n} ${k.replace("_", "/")}`);
  io.print(`${dryRun ? "Would import" : "Imported"} from ${plan.source}: ${counts.join(", ")}.`);
  const passwords = plan.users.filter((u) => u.password !== null);
  if (passwords.length > 0 && !dryRun) {
    io.print("New passwords (shown once; Leosac's are not readable):");
    for (const u of passwords) io.print(`  ${u.username}: ${u.password}`);
  }
  if (plan.notes.length === 0) {
    io.print("Everything was carried over.");
    return;
  }
  io.print(`Not carried over, or carried over differently (${plan.notes.length}):`);
  for (const note of plan.notes) io.print(`  - ${note}`);
}
