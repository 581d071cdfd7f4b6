/**
 * Entry point: the only module that reads `Deno.args` and `Deno.env`.
 *
 * @module
 */
import { type Command, parseFlags, USAGE, UsageError } from "./src/cli/flags.ts";
import { runSimulate } from "./src/cli/simulate.ts";
import { watchLauncher } from "./src/cli/launcher.ts";
import { HARDWARE_USAGE, runProbe } from "./src/cli/probe.ts";
import { runOsdpProbe } from "./src/cli/osdp_probe.ts";
import { SIMULATE_USAGE } from "./src/cli/simulate_flags.ts";
import { AUDIT_USAGE, runAuditVerify } from "./src/cli/audit.ts";
import { ADMIN_USAGE, RECHECK_SESSIONS_SIGNAL, runResetPassword } from "./src/cli/admin.ts";
import { BACKUP_USAGE, runBackup, runRestore } from "./src/cli/backup.ts";
import { runServiceInstall, SERVICE_USAGE } from "./src/cli/service.ts";
import { PEOPLE_USAGE, runExportPeople, runImportPeople } from "./src/cli/people.ts";
import { IMPORT_LEOSAC_USAGE, runImportLeosac } from "./src/cli/import_leosac.ts";
import { logger, printLine, setupLogging } from "./src/log.ts";
import { startServer } from "./src/server.ts";
import { acquireDataLock, type DataLock } from "./src/store/lock.ts";
import { VERSION_STRING } from "./src/version.ts";

/** Runs the CLI; returns the exit status. */
export async function main(args: string[]): Promise<number> {
  let command: Command;
  try {
    command = parseFlags(args, {
      LEOSAC_ADMIN_PASSWORD: Deno.env.get("LEOSAC_ADMIN_PASSWORD"),
      LEOSAC_PASSWORD: Deno.env.get("LEOSAC_PASSWORD"),
      readEnv: (name) => Deno.env.get(name),
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // One line: what is wrong and where the options are listed.
    const help = ["simulate", "hardware", "backup", "service", "admin", "audit", "import"].includes(
        args[0] ?? "",
      )
      ? `leosac ${args[0]} --help`
      : args[0] === "restore"
      ? "leosac backup --help"
      : args[0] === "export"
      ? "leosac import --help"
      : "leosac --help";
    printError(`leosac: ${error.message} (${help} lists the options)`);
    return 2;
  }
  if (command.command === "help") {
    printLine(
      command.topic === "simulate"
        ? SIMULATE_USAGE
        : command.topic === "hardware"
        ? HARDWARE_USAGE
        : command.topic === "backup"
        ? BACKUP_USAGE
        : command.topic === "service"
        ? SERVICE_USAGE
        : command.topic === "admin"
        ? ADMIN_USAGE
        : command.topic === "audit"
        ? AUDIT_USAGE
        : command.topic === "people"
        ? PEOPLE_USAGE
        : command.topic === "import-leosac"
        ? IMPORT_LEOSAC_USAGE
        : USAGE,
    );
    return 0;
  }
  if (command.command === "hardware-probe") {
    return runProbe(command, { print: printLine, error: printError });
  }
  if (command.command === "hardware-probe-osdp") {
    return await runOsdpProbe(command, { print: printLine, error: printError });
  }
  if (command.command === "simulate") {
    return await runSimulate(command, { print: printLine, error: printError });
  }
  const cliIo = { print: printLine, error: printError, now: () => Date.now() };
  if (command.command === "backup") return runBackup(command, cliIo);
  if (command.command === "restore") return runRestore(command, cliIo);
  if (command.command === "admin-reset-password") return await runResetPassword(command, cliIo);
  if (command.command === "service-install") return await runServiceInstall(command, cliIo);
  if (command.command === "import-people" || command.command === "export-people") {
    const people = {
      ...cliIo,
      progress: {
        write: (text: string) => Deno.stderr.writeSync(new TextEncoder().encode(text)),
        isTerminal: Deno.stderr.isTerminal(),
      },
    };
    return command.command === "import-people"
      ? await runImportPeople(command, people)
      : await runExportPeople(command, people);
  }
  if (command.command === "import-leosac") return await runImportLeosac(command, cliIo);
  if (command.command === "audit-verify") {
    return runAuditVerify(command, { print: printLine, error: printError });
  }
  if (command.command === "version") {
    printLine(`leosac ${VERSION_STRING}`);
    return 0;
  }
  if (command.command !== "serve") return 2;
  await setupLogging({ level: command.logLevel, format: command.logFormat });
  const log = logger("main");
  // One controller per data directory, held across in-process restarts; the
  // kernel drops the lock if this process dies, so a crash never blocks a start.
  let dataLock: DataLock;
  try {
    dataLock = acquireDataLock(command.dataDir);
  } catch (error) {
    log.fatal("{message}", { message: error instanceof Error ? error.message : String(error) });
    return 1;
  }
  // Signals are caught before the server starts, so a stop request that
  // arrives while it is starting still ends in a clean shutdown.
  const { promise: stopRequested, resolve: requestStop } = Promise.withResolvers<void>();
  const onSignal = (): void => requestStop();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  // `leosac admin reset-password` signals a running controller: every open
  // session is checked against the database at once.
  let running: { recheckSessions(): void } | null = null;
  const onRecheck = (): void => running?.recheckSessions();
  Deno.addSignalListener(RECHECK_SESSIONS_SIGNAL, onRecheck);
  const stopWatch = command.stopWithLauncher
    ? watchLauncher((gone) => {
      log.info("The launching process {pid} exited: stopping", { pid: gone.pid });
      requestStop();
    })
    : () => {};
  try {
    let serve = command;
    for (let restarting = false;; restarting = true) {
      const { promise: restartRequested, resolve: requestRestart } = Promise.withResolvers<
        "restart"
      >();
      let server;
      try {
        server = await startServer(serve, {
          print: printLine,
          restarting,
          // Under systemd stdout is the journal, which keeps a printed password.
          toJournal: Deno.env.get("JOURNAL_STREAM") !== undefined,
          // Leave time for the reply to the `restart` call to reach its client.
          onRestart: () => setTimeout(() => requestRestart("restart"), 250),
        });
      } catch (error) {
        log.fatal("{message}", { message: error instanceof Error ? error.message : String(error) });
        return 1;
      }
      running = server;
      const why = await Promise.race([stopRequested, server.finished, restartRequested]);
      running = null;
      await server.shutdown();
      if (why !== "restart") break;
      log.info("Restarting on request");
      // Keep the same address when the first start picked a free port.
      serve = { ...serve, port: Number(new URL(server.url).port) };
    }
  } finally {
    stopWatch();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    Deno.removeSignalListener(RECHECK_SESSIONS_SIGNAL, onRecheck);
    dataLock.release();
  }
  return 0;
}

function printError(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
