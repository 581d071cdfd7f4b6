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
import { join } from "node:path";
import { systemOffsetProvider, type TimeZoneOffsetProvider } from "../engine/schedule.ts";
import { StoreError } from "../errors.ts";
import { hashPassword } from "../store/secrets.ts";
import { acquireDataLock, DataDirInUseError } from "../store/lock.ts";
import { DATA_FILES, openStore } from "../store/store.ts";
import { refuseSiteMember } from "../site/membership.ts";
import { getUserByUsername } from "../store/users.ts";
import { LeosacImportError } from "../migrate/_xml_tree.ts";
import { planFromKernelXml } from "../migrate/leosac_xml.ts";
import { LeosacSourceError, planFromLeosacWs } from "../migrate/leosac_ws.ts";
import {
  applyMigrationPlan,
  MigrationConflictError,
  type MigrationPlan,
  planCounts,
  type PlanUser,
} from "../migrate/plan.ts";
import { parseCommandLine, UsageError } from "./args.ts";
import { parseTrustFlags } from "./trust.ts";

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
  /** `--ca FILE`: trust this PEM certificate for a `wss://` source. */
  caFile?: string;
  /** `--fingerprint`: trust exactly the certificate with this SHA-256 (`AA:BB:…`). */
  fingerprint?: string;
}

/** Usage of `leosac import-leosac`. */
export const IMPORT_LEOSAC_USAGE =
  `Usage: leosac import-leosac --kernel /etc/leosac.d/kernel.xml [--data DIR] [--dry-run]
       leosac import-leosac --from ws://HOST:PORT --user NAME --password-env VAR [--data DIR] [--dry-run]
                            [--ca FILE | --fingerprint FP]

Migrates a Leosac 0.8 installation. From its XML files: GPIO pins (SYSFS_GPIO,
LIBGPIOD), LED_BUZZER devices, Wiegand readers, one door per AUTH_FILE instance
(DOORMAN strike, exit request, contact, always-open windows), and the AUTH_FILE
permission files' users, groups, cards, PINs, schedules and mappings. From a
running Leosac: users (with new random passwords, printed once), groups and
memberships, credentials (PINs re-hashed; a PIN whose code the source does not
give is carried over disabled and listed), schedules and mappings, zones and
doors (their readers and GPIO lines are listed, to be wired here). Decisions stay as Leosac's AUTH_FILE made them; whatever cannot be carried
over is listed. Everything is written in one transaction, or nothing is.
Stop the controller first: doors and readers are wired when it starts.

Options:
  --kernel FILE          Leosac's main XML file (permission files are read beside it)
  --from URL             ws://HOST:PORT of a running Leosac
  --user NAME            login there
  --password-env VAR     the environment variable holding that password
  --ca FILE              for wss://: trust the certificate(s) in this PEM file
  --fingerprint FP       for wss://: trust exactly the certificate with this SHA-256
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
    ca: { type: "string" },
    fingerprint: { type: "string" },
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
    if (
      values.user !== undefined || values["password-env"] !== undefined ||
      values.ca !== undefined || values.fingerprint !== undefined
    ) {
      throw new UsageError("--user, --password-env, --ca and --fingerprint go with --from");
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
  const trust = parseTrustFlags(values.ca, values.fingerprint, from, "a wss:// --from");
  return { ...base, kernel: null, from, user: values.user, password, ...trust };
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
        trust: {
          ...(command.caFile === undefined ? {} : { caFile: command.caFile }),
          ...(command.fingerprint === undefined ? {} : { fingerprint: command.fingerprint }),
        },
      });
  } catch (error) {
    if (error instanceof LeosacImportError || error instanceof LeosacSourceError) {
      io.error(`leosac import-leosac: ${error.message}; nothing was written`);
      return 1;
    }
    throw error;
  }
  if (command.dryRun && !exists(join(command.dataDir, DATA_FILES.database))) {
    // Nothing to check against: check against an empty database, and leave no directory behind.
    const scratch = await Deno.makeTempDir({ prefix: "leosac-dry-run-" });
    try {
      return await applyTo(scratch, plan, command, io);
    } finally {
      await Deno.remove(scratch, { recursive: true });
    }
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
  using _ = lock;
  return await applyTo(command.dataDir, plan, command, io);
}

/** Password hashes computed at once (scrypt runs off the JS thread, 16 MiB each). */
const HASH_WINDOW = 4;

async function applyTo(
  dataDir: string,
  plan: MigrationPlan,
  command: ImportLeosacCommand,
  io: ImportLeosacIo,
): Promise<number> {
  try {
    const store = openStore(dataDir);
    try {
      if (!command.dryRun) {
        refuseSiteMember(
          store.db,
          "leosac import-leosac",
          "Import into a controller outside the site, then start it as the site's founder, or " +
            "enter the data through any controller's API",
        );
      }
      const fresh = plan.users.filter((u) =>
        u.password !== null && getUserByUsername(store.db, u.username) === undefined
      );
      const passwords = command.dryRun ? new Map<string, string>() : await hashAll(fresh);
      const result = applyMigrationPlan(store.db, plan, {
        secret: store.secret,
        nowMs: io.now(),
        dryRun: command.dryRun,
        passwordHashes: passwords,
      });
      printReport(plan, io, command.dryRun, new Set(result.reusedUsers));
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

async function hashAll(users: PlanUser[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const user = users[next++]!;
      hashes.set(user.username, await hashPassword(user.password!));
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_WINDOW, users.length) }, worker));
  return hashes;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function printReport(
  plan: MigrationPlan,
  io: ImportLeosacIo,
  dryRun: boolean,
  reused: ReadonlySet<string>,
): void {
  const counts = Object.entries(planCounts(plan)).map(([k, n]) => `${n} ${k.replace("_", "/")}`);
  io.print(`${dryRun ? "Would import" : "Imported"} from ${plan.source}: ${counts.join(", ")}.`);
  const passwords = plan.users.filter((u) => u.password !== null && !reused.has(u.username));
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
