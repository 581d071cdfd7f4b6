/**
 * `leosac service install`: writes the systemd unit (`leosac.service`, see
 * `service_unit.ts`) and the udev rule that gives the GPIO chips to the
 * `gpio` group, creating their directories; makes sure that group (and a
 * named `--user`) exists; reloads systemd and udev when something changed.
 * It prints each thing it did, and a second run with the same options
 * changes nothing and says the installation is up to date.
 *
 * `--root DIR` installs into an image or a test tree: every path is taken
 * under DIR, and no command (groupadd, systemctl, udevadm) is run; what
 * would be needed on the target is printed instead.
 *
 * Starting the service is left to the operator (`systemctl enable --now
 * leosac`), printed as the next step.
 *
 * Exit status: 0 installed or up to date, 1 failed, 2 usage.
 *
 * @module
 */
import { dirname, isAbsolute, join } from "node:path";
import { parseCommandLine, UsageError } from "./args.ts";
import { parseListen } from "./flags.ts";
import {
  DEFAULT_BIN,
  DEFAULT_GPIO_GROUP,
  DEFAULT_SERVICE_LISTEN,
  renderUdevRule,
  renderUnit,
} from "./service_unit.ts";

/** Where units go by default. */
export const DEFAULT_UNIT_DIR = "/etc/systemd/system";
/** Where the udev rule goes by default. */
export const DEFAULT_UDEV_DIR = "/etc/udev/rules.d";
/** File name of the unit. */
export const UNIT_NAME = "leosac.service";
/** File name of the udev rule. */
export const UDEV_RULE_NAME = "60-leosac-gpio.rules";

/** `leosac service install`. */
export interface ServiceInstallCommand {
  command: "service-install";
  bin: string;
  unitDir: string;
  udevDir: string;
  user: string | null;
  gpioGroup: string;
  listen: string;
  hardware: "gpio" | "sim";
  /** Prefix of every path; "/" is the running system. */
  root: string;
}

/** Usage of `leosac service`. */
export const SERVICE_USAGE = `Usage: leosac service install [options]

Writes the systemd unit ${UNIT_NAME} and the udev rule ${UDEV_RULE_NAME}
(the GPIO chips for the gpio group), creates the gpio group (and --user)
if missing, and reloads systemd and udev. Running it again changes nothing.
Then: systemctl enable --now leosac

Options:
  --bin PATH          the installed leosac binary (default ${DEFAULT_BIN})
  --unit-dir DIR      where to write the unit (default ${DEFAULT_UNIT_DIR})
  --udev-dir DIR      where to write the udev rule (default ${DEFAULT_UDEV_DIR})
  --user NAME         run as this system user instead of DynamicUser=yes
  --gpio-group NAME   the group that may open /dev/gpiochip* (default ${DEFAULT_GPIO_GROUP})
  --listen HOST:PORT  the controller's address (default ${DEFAULT_SERVICE_LISTEN}, HTTPS)
  --hardware gpio|sim (default gpio)
  --root DIR          install under DIR (an image, a test); runs no command

Exit status: 0 installed or up to date, 1 failed, 2 usage.`;

const ACCOUNT_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/**
 * Parses the arguments after `service`.
 *
 * @throws {UsageError} on an unknown subcommand, flag or a bad value.
 */
export function parseServiceFlags(args: string[]): ServiceInstallCommand | { command: "help" } {
  const { values, positionals } = parseCommandLine(args, {
    bin: { type: "string" },
    "unit-dir": { type: "string" },
    "udev-dir": { type: "string" },
    user: { type: "string" },
    "gpio-group": { type: "string" },
    listen: { type: "string" },
    hardware: { type: "string" },
    root: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return { command: "help" };
  const [sub, ...rest] = positionals;
  if (sub !== "install") {
    throw new UsageError(
      sub === undefined ? "missing subcommand: install" : `unknown subcommand: "${sub}"`,
    );
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument: "${rest[0]}"`);
  const absolute = (name: string, value: string): string => {
    if (!isAbsolute(value) || /[\0\s"'\\$%;]/.test(value)) {
      throw new UsageError(`invalid value for --${name}: "${value}" (an absolute path)`);
    }
    return value;
  };
  const account = (name: string, value: string): string => {
    if (!ACCOUNT_NAME.test(value)) {
      throw new UsageError(`invalid value for --${name}: "${value}" (a system account name)`);
    }
    return value;
  };
  const listen = values.listen ?? DEFAULT_SERVICE_LISTEN;
  parseListen(listen);
  const hardware = values.hardware ?? "gpio";
  if (hardware !== "gpio" && hardware !== "sim") {
    throw new UsageError(`invalid value for --hardware: "${hardware}" (expected gpio, sim)`);
  }
  return {
    command: "service-install",
    bin: absolute("bin", values.bin ?? DEFAULT_BIN),
    unitDir: absolute("unit-dir", values["unit-dir"] ?? DEFAULT_UNIT_DIR),
    udevDir: absolute("udev-dir", values["udev-dir"] ?? DEFAULT_UDEV_DIR),
    user: values.user === undefined ? null : account("user", values.user),
    gpioGroup: account("gpio-group", values["gpio-group"] ?? DEFAULT_GPIO_GROUP),
    listen,
    hardware,
    root: values.root === undefined ? "/" : absolute("root", values.root),
  };
}

/** What `service install` needs from its caller. */
export interface ServiceIo {
  print(line: string): void;
  error(line: string): void;
  /** Runs a system command; resolves with its exit code. @default Deno.Command */
  run?(cmd: string, args: string[]): Promise<number>;
}

/** Runs `leosac service install`; returns the exit status. */
export async function runServiceInstall(
  command: ServiceInstallCommand,
  io: ServiceIo,
): Promise<number> {
  const onTarget = command.root === "/";
  const under = (path: string): string => onTarget ? path : join(command.root, path);
  const run = io.run ?? runCommand;
  let changed = 0;
  try {
    if (!onTarget) io.print(`Installing under ${command.root} (no command is run)`);
    changed += await ensureAccount("group", command.gpioGroup, under, onTarget, io, run);
    if (command.user !== null) {
      changed += await ensureAccount("user", command.user, under, onTarget, io, run);
    }
    const unitChanged = writeIfChanged(
      under(join(command.unitDir, UNIT_NAME)),
      renderUnit({
        bin: command.bin,
        user: command.user,
        listen: command.listen,
        gpioGroup: command.gpioGroup,
        hardware: command.hardware,
      }),
      io,
    );
    const ruleChanged = writeIfChanged(
      under(join(command.udevDir, UDEV_RULE_NAME)),
      renderUdevRule(command.gpioGroup),
      io,
    );
    if (onTarget && unitChanged && isDir("/run/systemd/system")) {
      await step(io, run, "systemctl", ["daemon-reload"]);
    }
    if (onTarget && ruleChanged && isDir("/run/udev")) {
      await step(io, run, "udevadm", ["control", "--reload"]);
      await step(io, run, "udevadm", ["trigger", "--subsystem-match=gpio"]);
    }
    changed += Number(unitChanged) + Number(ruleChanged);
    if (!exists(under(command.bin))) {
      io.print(
        `Note: ${command.bin} does not exist yet: copy the leosac binary there (mode 0755).`,
      );
    }
    if (changed === 0) io.print("The installation is up to date: nothing changed.");
    io.print("Next: systemctl enable --now leosac, then journalctl -u leosac for the");
    io.print("TLS fingerprint and the first administrator's password.");
    return 0;
  } catch (error) {
    io.error(`leosac service install: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
}

async function ensureAccount(
  kind: "group" | "user",
  name: string,
  under: (path: string) => string,
  onTarget: boolean,
  io: ServiceIo,
  run: (cmd: string, args: string[]) => Promise<number>,
): Promise<number> {
  const file = under(kind === "group" ? "/etc/group" : "/etc/passwd");
  let text = "";
  try {
    text = await Deno.readTextFile(file);
  } catch {
    // No such file in the tree: the account is missing.
  }
  if (text.split("\n").some((line) => line.split(":")[0] === name)) return 0;
  const [cmd, args] = kind === "group" ? ["groupadd", ["--system", name]] : ["useradd", [
    "--system",
    "--user-group",
    "--no-create-home",
    "--home-dir",
    "/nonexistent",
    "--shell",
    "/usr/sbin/nologin",
    name,
  ]];
  if (!onTarget) {
    io.print(
      `The ${kind} "${name}" is not in ${file}: on the target run: ${cmd} ${args.join(" ")}`,
    );
    return 0;
  }
  await step(io, run, cmd, args);
  return 1;
}

async function step(
  io: ServiceIo,
  run: (cmd: string, args: string[]) => Promise<number>,
  cmd: string,
  args: string[],
): Promise<void> {
  const code = await run(cmd, args);
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${code})`);
  io.print(`Ran: ${cmd} ${args.join(" ")}`);
}

/** Writes `text` to `path` (0644, parent directories 0755) unless it already holds it. */
function writeIfChanged(path: string, text: string, io: ServiceIo): boolean {
  let current: string | null = null;
  try {
    current = Deno.readTextFileSync(path);
  } catch {
    // absent
  }
  if (current === text && (Deno.statSync(path).mode! & 0o777) === 0o644) {
    io.print(`Up to date: ${path}`);
    return false;
  }
  const dir = dirname(path);
  if (!isDir(dir)) {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o755 });
    io.print(`Created directory ${dir}`);
  }
  const partial = `${path}.partial-${crypto.randomUUID()}`;
  Deno.writeTextFileSync(partial, text, { mode: 0o644 });
  Deno.chmodSync(partial, 0o644);
  Deno.renameSync(partial, path);
  io.print(`${current === null ? "Wrote" : "Updated"} ${path}`);
  return true;
}

async function runCommand(cmd: string, args: string[]): Promise<number> {
  try {
    const { code } = await new Deno.Command(cmd, { args, stdout: "null", stderr: "inherit" })
      .output();
    return code;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 127;
    throw error;
  }
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
