/**
 * Command-line parsing (node:util parseArgs). Pure: takes the argument list
 * and the environment values it needs, returns a typed command or throws
 * {@linkcode UsageError}.
 *
 * @module
 */
import { LOG_FORMATS, LOG_LEVELS } from "../log.ts";
import { parseSimulateFlags, type SimulateCommand } from "./simulate_flags.ts";
import { parseHardwareFlags, type ProbeCommand } from "./probe.ts";
import type { OsdpProbeCommand } from "./osdp_probe.ts";
import { parseCommandLine, UsageError } from "./args.ts";
import {
  AUDIT_RETENTION_OPTIONS,
  AUDIT_RETENTION_USAGE,
  type AuditRetentionFlags,
  type AuditVerifyCommand,
  parseAuditFlags,
  parseAuditRetentionFlags,
} from "./audit.ts";
import { parseTlsFlags, TLS_OPTIONS, TLS_USAGE, type TlsSetting } from "./tls_flags.ts";
import { parseSiteFlags, SITE_OPTIONS, SITE_USAGE, type SiteSetting } from "./site_flags.ts";
import { type Cidr, parseCidr } from "../metrics/cidr.ts";
import { DEFAULT_RESERVE_MB, MAX_RESERVE_MB } from "../store/disk_reserve.ts";
import { DEFAULT_BACKUP_KEEP, MAX_BACKUP_KEEP } from "../store/backup_schedule.ts";
import { type BackupCommand, parseBackupFlags, type RestoreCommand } from "./backup.ts";
import { parseServiceFlags, type ServiceInstallCommand } from "./service.ts";
import { parseAdminFlags, type ResetPasswordCommand } from "./admin.ts";
import { type ExportPeopleCommand, type ImportPeopleCommand, parsePeopleFlags } from "./people.ts";
import { type ImportLeosacCommand, parseImportLeosacFlags } from "./import_leosac.ts";

export { UsageError };

/** Default listen address. */
export const DEFAULT_LISTEN = "127.0.0.1:8888";
/** Default data directory. */
export const DEFAULT_DATA_DIR = "./data";

/** Options shared by every command that logs. */
export interface LogFlags {
  logLevel: typeof LOG_LEVELS[number];
  logFormat: typeof LOG_FORMATS[number];
}

/** `leosac serve`. */
export interface ServeCommand extends LogFlags {
  command: "serve";
  hostname: string;
  port: number;
  dataDir: string;
  hardware: "sim" | "gpio";
  adminPassword: string | undefined;
  /** A file holding the first administrator's password (read at start; one trailing newline dropped). */
  adminPasswordFile: string | undefined;
  allowedOrigins: string[];
  /** HTTPS and WSS: off, a self-signed certificate in the data directory, or given files. */
  tls: TlsSetting;
  /** Plain HTTP on a non-loopback address was asked for explicitly. */
  insecureHttp: boolean;
  /** Ranges besides loopback that may read `/metrics`. */
  metricsAllow: Cidr[];
  durableSync: boolean;
  /** Start with an empty database although the data directory holds an installation key. */
  allowNewDatabase: boolean;
  /** Audit retention: keep periods, size bound, export (`src/store/audit_retention.ts`). */
  auditRetention: AuditRetentionFlags;
  /** Size of the free-space reserve file in the data directory, MiB (0: none). */
  diskReserveMb: number;
  /** Stop when a launching process dies (`src/cli/launcher.ts`; the `start` task sets it). */
  stopWithLauncher: boolean;
  /** Where the daily backups go, or null for none (`src/store/backup_schedule.ts`). */
  backupDir: string | null;
  /** How many daily backups are kept (the newest). */
  backupKeep: number;
  /** The site this controller joins, or null (it runs alone; `docs/site.md`). */
  site: SiteSetting | null;
}

/** `leosac --help` / `leosac --version`. */
export interface InfoCommand {
  command: "help" | "version";
  /** The command whose help is asked for. */
  topic?:
    | "simulate"
    | "hardware"
    | "audit"
    | "backup"
    | "service"
    | "admin"
    | "people"
    | "import-leosac";
}

/** Every parsed command. */
export type Command =
  | ServeCommand
  | InfoCommand
  | SimulateCommand
  | ProbeCommand
  | OsdpProbeCommand
  | AuditVerifyCommand
  | BackupCommand
  | RestoreCommand
  | ServiceInstallCommand
  | ResetPasswordCommand
  | ImportPeopleCommand
  | ExportPeopleCommand
  | ImportLeosacCommand;

/** The environment variables the CLI reads (passed in by main.ts). */
export interface CliEnv {
  LEOSAC_ADMIN_PASSWORD?: string | undefined;
  /** The password of `leosac simulate`. */
  LEOSAC_PASSWORD?: string | undefined;
  /** Reads the variable `leosac import-leosac --password-env` names. */
  readEnv?: (name: string) => string | undefined;
}

/** Usage text printed by `--help` and after a usage error. */
export const USAGE = `Usage: leosac [serve] [options]
       leosac simulate card|pin|input [options]   (see leosac simulate --help)
       leosac hardware probe [--chip PATH] [--json]  (see leosac hardware --help)
       leosac audit verify --data DIR | --export FILE  (see leosac audit --help)
       leosac backup --data DIR --out FILE | restore --data DIR --from FILE  (see leosac backup --help)
       leosac admin reset-password --data DIR [--user NAME] [--enable]  (see leosac admin --help)
       leosac service install [options]         (see leosac service --help)
       leosac import|export people FILE.csv [--data DIR]  (see leosac import --help)
       leosac import-leosac --kernel FILE | --from ws://HOST:PORT  (see leosac import-leosac --help)
       leosac --help | --version

Runs the Leosac access controller: the web UI and WebSocket API over HTTP(S),
the access engine and the door hardware.

Options:
  --listen HOST:PORT     address to listen on (default ${DEFAULT_LISTEN}; port 0 picks a free port)
  --data DIR             data directory: database and installation secret (default ${DEFAULT_DATA_DIR})
  --hardware sim|gpio    simulated hardware or the Linux GPIO character device (default sim)
  --admin-password PW    password of the first administrator, used only when the database
                         has none (or env LEOSAC_ADMIN_PASSWORD); without it a random
                         password is generated and printed once
  --admin-password-file FILE
                         read that password from FILE instead (keeps it off the command
                         line and out of the process list)
${TLS_USAGE}
${SITE_USAGE}
  --allow-origin ORIGIN  also accept browser WebSocket connections from ORIGIN (repeatable)
  --metrics-allow CIDR   also serve /metrics to the addresses in CIDR, IPv4 or IPv6, e.g.
                         10.0.0.0/8 or fd00::/8 (repeatable; loopback is always allowed)
  --durable              synchronous=FULL: survive power loss at the cost of slower event writes
  --allow-new-database   start with an empty database although the data directory holds an
                         installation key (its database was lost); refused without this flag
  --disk-reserve-mb N    keep N MiB of the disk in reserve.bin (default ${DEFAULT_RESERVE_MB}; 0: none),
                         released when the disk is full so that administrators can log in
  --stop-with-launcher   stop when a process that launched this one dies (the start task
                         passes it, so stopping npx stops the controller)
${AUDIT_RETENTION_USAGE}
  --backup-dir DIR       take a backup a day into DIR (leosac-<UTC time>.backup)
  --backup-keep N        keep the newest N of those (default ${DEFAULT_BACKUP_KEEP}; needs --backup-dir)
  --log-level LEVEL      ${LOG_LEVELS.join(", ")} (default info)
  --log-format FORMAT    pretty or json (default pretty)
  -h, --help             show this help
  -V, --version          show the version`;

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`invalid value for --${name}: "${value}" (expected ${allowed.join(", ")})`);
}

/** Parses `HOST:PORT` (IPv6 as `[::1]:PORT`). */
export function parseListen(value: string): { hostname: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new UsageError(`invalid value for --listen: "${value}" (expected HOST:PORT)`);
  }
  return { hostname: match[1] ?? match[2]!, port };
}

/** Parses `--disk-reserve-mb`: a whole number of MiB from 0 to {@linkcode MAX_RESERVE_MB}. */
function parseReserveMb(value: string | undefined): number {
  if (value === undefined) return DEFAULT_RESERVE_MB;
  const mb = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(mb <= MAX_RESERVE_MB)) {
    throw new UsageError(
      `invalid value for --disk-reserve-mb: "${value}" (expected a whole number of MiB from 0 to ${MAX_RESERVE_MB})`,
    );
  }
  return mb;
}

/** Parses `--backup-dir` and `--backup-keep` (1 to {@linkcode MAX_BACKUP_KEEP}, only with a directory). */
function parseBackupSchedule(
  dir: string | undefined,
  keep: string | undefined,
): { backupDir: string | null; backupKeep: number } {
  if (dir === undefined) {
    if (keep !== undefined) throw new UsageError("--backup-keep needs --backup-dir");
    return { backupDir: null, backupKeep: DEFAULT_BACKUP_KEEP };
  }
  if (dir === "" || dir.includes("\0")) {
    throw new UsageError(`invalid value for --backup-dir: "${dir}"`);
  }
  const n = keep === undefined ? DEFAULT_BACKUP_KEEP : /^\d{1,4}$/.test(keep) ? Number(keep) : NaN;
  if (!(n >= 1 && n <= MAX_BACKUP_KEEP)) {
    throw new UsageError(
      `invalid value for --backup-keep: "${keep}" (expected a whole number from 1 to ${MAX_BACKUP_KEEP})`,
    );
  }
  return { backupDir: dir, backupKeep: n };
}

/**
 * Parses the command line.
 *
 * @throws {UsageError} on an unknown flag, a missing or bad value, or an unknown command.
 */
export function parseFlags(args: string[], env: CliEnv = {}): Command {
  if (args[0] === "simulate") {
    if (args.includes("--help") || args.includes("-h")) {
      return { command: "help", topic: "simulate" };
    }
    return parseSimulateFlags(args.slice(1), env);
  }
  if (args[0] === "hardware") {
    const hardware = parseHardwareFlags(args.slice(1));
    return hardware.command === "help" ? { command: "help", topic: "hardware" } : hardware;
  }
  if (args[0] === "audit") {
    const parsed = parseAuditFlags(args.slice(1));
    return parsed.command === "help" ? { command: "help", topic: "audit" } : parsed;
  }
  if (args[0] === "backup" || args[0] === "restore") {
    const parsed = parseBackupFlags(args[0], args.slice(1));
    return parsed.command === "help" ? { command: "help", topic: "backup" } : parsed;
  }
  if (args[0] === "service") {
    const parsed = parseServiceFlags(args.slice(1));
    return parsed.command === "help" ? { command: "help", topic: "service" } : parsed;
  }
  if (args[0] === "import" || args[0] === "export") {
    const parsed = parsePeopleFlags(args[0], args.slice(1), DEFAULT_DATA_DIR);
    return parsed.command === "help" ? { command: "help", topic: "people" } : parsed;
  }
  if (args[0] === "import-leosac") {
    const parsed = parseImportLeosacFlags(
      args.slice(1),
      DEFAULT_DATA_DIR,
      (name) => env.readEnv?.(name),
    );
    return parsed.command === "help" ? { command: "help", topic: "import-leosac" } : parsed;
  }
  if (args[0] === "admin") {
    const parsed = parseAdminFlags(args.slice(1));
    return parsed.command === "help" ? { command: "help", topic: "admin" } : parsed;
  }
  const { values, positionals } = parseCommandLine(args, {
    listen: { type: "string" },
    data: { type: "string" },
    hardware: { type: "string" },
    "admin-password": { type: "string" },
    "admin-password-file": { type: "string" },
    "allow-origin": { type: "string", multiple: true },
    ...TLS_OPTIONS,
    ...SITE_OPTIONS,
    "metrics-allow": { type: "string", multiple: true },
    durable: { type: "boolean" },
    "allow-new-database": { type: "boolean" },
    ...AUDIT_RETENTION_OPTIONS,
    "disk-reserve-mb": { type: "string" },
    "stop-with-launcher": { type: "boolean" },
    "backup-dir": { type: "string" },
    "backup-keep": { type: "string" },
    "log-level": { type: "string" },
    "log-format": { type: "string" },
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "V" },
  });
  if (values.help) return { command: "help" };
  if (values.version) return { command: "version" };
  const [command = "serve", ...rest] = positionals;
  if (command !== "serve") throw new UsageError(`unknown command: "${command}"`);
  if (rest.length > 0) throw new UsageError(`unexpected argument: "${rest[0]}"`);
  const { hostname, port } = parseListen(values.listen ?? DEFAULT_LISTEN);
  const dataDir = values.data ?? DEFAULT_DATA_DIR;
  if (dataDir === "") throw new UsageError("invalid value for --data: empty path");
  const adminPassword = values["admin-password"] ?? env.LEOSAC_ADMIN_PASSWORD;
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new UsageError("the administrator password must have at least 8 characters");
  }
  const adminPasswordFile = values["admin-password-file"];
  if (adminPasswordFile !== undefined && values["admin-password"] !== undefined) {
    throw new UsageError("give --admin-password or --admin-password-file, not both");
  }
  if (adminPasswordFile === "") {
    throw new UsageError("invalid value for --admin-password-file: empty path");
  }
  const allowedOrigins = (values["allow-origin"] ?? []).map((origin) => {
    try {
      return new URL(origin).origin;
    } catch {
      throw new UsageError(`invalid value for --allow-origin: "${origin}" (expected a URL)`);
    }
  });
  return {
    command: "serve",
    hostname,
    port,
    dataDir,
    hardware: oneOf("hardware", values.hardware ?? "sim", ["sim", "gpio"] as const),
    adminPassword: adminPasswordFile === undefined ? adminPassword : undefined,
    adminPasswordFile,
    allowedOrigins,
    ...parseTlsFlags(values, hostname),
    metricsAllow: (values["metrics-allow"] ?? []).map((text) => {
      try {
        return parseCidr(text);
      } catch (error) {
        throw new UsageError(`invalid value for --metrics-allow: ${(error as Error).message}`);
      }
    }),
    durableSync: values.durable ?? false,
    allowNewDatabase: values["allow-new-database"] ?? false,
    diskReserveMb: parseReserveMb(values["disk-reserve-mb"]),
    stopWithLauncher: values["stop-with-launcher"] ?? false,
    ...parseAuditRetentionFlags(values),
    ...parseBackupSchedule(values["backup-dir"], values["backup-keep"]),
    site: parseSiteFlags(values, (name) => env.readEnv?.(name)),
    logLevel: oneOf("log-level", values["log-level"] ?? "info", LOG_LEVELS),
    logFormat: oneOf("log-format", values["log-format"] ?? "pretty", LOG_FORMATS),
  };
}
