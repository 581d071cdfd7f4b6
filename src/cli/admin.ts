/**
 * `leosac admin reset-password --data DIR [--user NAME] [--enable]`: the
 * recovery path for someone with a shell on the box who lost the
 * administrator's password.
 *
 * - Sets a generated password (20 characters, ~116 bits) and prints
 *   `New password for "NAME": …` once, on stdout; it is stored only as its
 *   scrypt hash and never logged.
 * - Deletes the user's session tokens, writes one audit row (no password in
 *   it) in the same transaction.
 * - When a controller runs on DIR (its lock is held), sends it `SIGUSR2`: it
 *   re-checks every open session at once, so the user's sessions end now,
 *   not at their next request.
 * - Works on the last usable administrator (no "last administrator" guard:
 *   this is how one gets back in). A disabled or out-of-validity account
 *   keeps its state unless `--enable` is given, which enables it and clears
 *   its validity window.
 * - Without `--user`, the only administrator is chosen; with several, the
 *   command names them and asks for one.
 *
 * Exit status: 0 done, 1 refused or failed (nothing changed), 2 usage.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { StoreError } from "../errors.ts";
import { isValidAt } from "../policy/validity.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../store/audit.ts";
import { openDatabase, SCHEMA_VERSION, schemaVersion, transaction } from "../store/db.ts";
import { refuseSiteMember } from "../site/membership.ts";
import { acquireDataLock, DataDirInUseError, type DataLock } from "../store/lock.ts";
import { hashPassword, randomPassword } from "../store/secrets.ts";
import { DATA_FILES } from "../store/store.ts";
import { deleteUserTokens } from "../store/tokens.ts";
import { getUserByUsername, listUsers, updateUser, type User, USER_RANK } from "../store/users.ts";
import { userSnapshot } from "../ws/serialize.ts";
import { chownToDirOwner } from "./_ownership.ts";
import { parseCommandLine, UsageError } from "./args.ts";

/** The signal a running controller takes as "re-check every open session". */
export const RECHECK_SESSIONS_SIGNAL: Deno.Signal = "SIGUSR2";

/** Length of the generated password. */
const PASSWORD_LENGTH = 20;
/** Longest accepted `--user`. */
const MAX_USERNAME_LENGTH = 256;

/** `leosac admin reset-password`. */
export interface ResetPasswordCommand {
  command: "admin-reset-password";
  dataDir: string;
  /** The user, or null for the only administrator. */
  username: string | null;
  enable: boolean;
}

/** Usage of `leosac admin`. */
export const ADMIN_USAGE = `Usage: leosac admin reset-password --data DIR [--user NAME] [--enable]

Recovery with shell access: gives NAME (default: the only administrator) a new
generated password, printed once as: New password for "NAME": ...
The user's sessions end, on the running controller too, and an audit row
records the reset. A disabled account stays disabled unless --enable is given
(which also clears its validity dates).

Exit status: 0 done, 1 refused or failed (nothing changed), 2 usage.`;

/** What the admin commands need from their caller. */
export interface AdminIo {
  print(line: string): void;
  error(line: string): void;
  /** Wall time, Unix ms. */
  now(): number;
  /** Sends a signal to a process (Deno.kill). */
  kill?(pid: number, signal: Deno.Signal): void;
}

/**
 * Parses the arguments after `admin`.
 *
 * @throws {UsageError} on an unknown subcommand or flag.
 */
export function parseAdminFlags(args: string[]): ResetPasswordCommand | { command: "help" } {
  const { values, positionals } = parseCommandLine(args, {
    data: { type: "string" },
    user: { type: "string" },
    enable: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return { command: "help" };
  const [sub, ...rest] = positionals;
  if (sub !== "reset-password") {
    throw new UsageError(
      sub === undefined ? "missing subcommand: reset-password" : `unknown subcommand: "${sub}"`,
    );
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument: "${rest[0]}"`);
  if (values.data === undefined) throw new UsageError("--data is required");
  if (values.data === "" || values.data.includes("\0")) {
    throw new UsageError(`invalid value for --data: "${values.data}"`);
  }
  const username = values.user ?? null;
  if (username !== null && (username === "" || username.length > MAX_USERNAME_LENGTH)) {
    throw new UsageError(`invalid value for --user: "${username.slice(0, 64)}"`);
  }
  return {
    command: "admin-reset-password",
    dataDir: values.data,
    username,
    enable: values.enable ?? false,
  };
}

/** Runs `leosac admin reset-password`; returns the exit status. */
export async function runResetPassword(
  command: ResetPasswordCommand,
  io: AdminIo,
): Promise<number> {
  const databasePath = join(command.dataDir, DATA_FILES.database);
  let lock: DataLock | null = null;
  let controllerPid: number | null = null;
  let db: DatabaseSync | null = null;
  try {
    if (!isFile(databasePath)) {
      throw new StoreError(`There is no database in "${command.dataDir}" (${DATA_FILES.database})`);
    }
    try {
      // Held while we write, so that no controller starts (and migrates) meanwhile.
      lock = acquireDataLock(command.dataDir);
    } catch (error) {
      if (!(error instanceof DataDirInUseError)) throw error;
      controllerPid = error.pid;
    }
    const running = lock === null;
    // Under a running controller the schema is its own: never migrate under it.
    db = openDatabase(databasePath, { migrate: !running });
    if (running && schemaVersion(db) !== SCHEMA_VERSION) {
      throw new StoreError(
        `The running controller uses schema version ${schemaVersion(db)}, this build ` +
          `${SCHEMA_VERSION}: run the reset with the controller's own leosac binary`,
      );
    }
    refuseSiteMember(
      db,
      "leosac admin reset-password",
      "Reset the password from another administrator's session on any controller of the site",
    );
    const user = chooseUser(db, command.username);
    const now = io.now();
    const password = randomPassword(PASSWORD_LENGTH);
    const passwordHash = await hashPassword(password);
    const enable = command.enable && !isValidAt(user.validity, now);
    transaction(db, () => {
      const after = updateUser(db!, user.id, {
        passwordHash,
        ...(enable ? { validity: { enabled: true, start: null, end: null } } : {}),
      })!;
      deleteUserTokens(db!, user.id);
      appendAudit(db!, {
        kind: AUDIT_KIND.USER,
        mask: auditMask(AUDIT_EVENT.USER_EDITED, AUDIT_EVENT.USER_PASSWORD_CHANGED),
        authorId: null,
        targetId: user.id,
        timestamp: now,
        description: `Password of user ${user.username} was reset from the command line ` +
          `(leosac admin reset-password)${enable ? "; the account was enabled" : ""}.`,
        before: userSnapshot(user),
        after: userSnapshot(after),
        data: { source: "cli", enabled: enable },
      });
    });
    db.close();
    db = null;
    if (lock !== null) {
      chownToDirOwner(command.dataDir, [DATA_FILES.database]);
    }
    io.print(`New password for "${user.username}": ${password}`);
    io.print("It is shown once and stored only as a hash: write it down now.");
    if (!isValidAt(user.validity, now) && !enable) {
      io.print(
        `The account "${user.username}" is disabled or outside its validity dates and stays so: ` +
          "run again with --enable to enable it.",
      );
    } else if (enable) io.print(`The account "${user.username}" was enabled.`);
    if (running) notifyController(controllerPid, user.username, io);
    return 0;
  } catch (error) {
    io.error(`leosac admin reset-password: ${error instanceof Error ? error.message : error}`);
    return 1;
  } finally {
    if (db?.isOpen) db.close();
    lock?.release();
  }
}

function chooseUser(db: DatabaseSync, username: string | null): User {
  if (username !== null) {
    const user = getUserByUsername(db, username);
    if (!user) throw new StoreError(`There is no user "${username}"`);
    return user;
  }
  const admins = listUsers(db).filter((u) => u.rank === USER_RANK.ADMIN);
  if (admins.length === 1) return admins[0]!;
  if (admins.length === 0) {
    throw new StoreError("There is no administrator: name the user with --user NAME");
  }
  const names = admins.slice(0, 10).map((u) => `"${u.username}"`).join(", ");
  throw new StoreError(
    `There are ${admins.length} administrators (${names}${admins.length > 10 ? ", …" : ""}): ` +
      "choose one with --user NAME",
  );
}

function notifyController(pid: number | null, username: string, io: AdminIo): void {
  const later = "its sessions end at their next request";
  if (pid === null) {
    io.print(`A controller is running but its PID is unknown: ${later}.`);
    return;
  }
  try {
    (io.kill ?? Deno.kill)(pid, RECHECK_SESSIONS_SIGNAL);
    io.print(`Closed the sessions of "${username}" on the running controller (pid ${pid}).`);
  } catch (error) {
    io.print(
      `Could not signal the running controller (pid ${pid}: ${
        error instanceof Error ? error.message : error
      }): ${later}.`,
    );
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
