/**
 * `leosac hardware probe [--chip PATH] [--hardware sim|gpio] [--json]`: lists the GPIO chips and
 * their lines through the character-device driver (chip name, label, line
 * count; per line its offset, name, consumer, whether it is in use,
 * direction and active-low), which is what a person wiring a door needs to
 * pick `device` and `offset` for each gpio. Exit status: 0 when at least one
 * chip was read, 1 when there is none (or none could be opened), 2 usage.
 *
 * The chips are read through an injectable {@linkcode ProbeBackend}; the
 * default one opens `/dev/gpiochip*` with `openChardevChip` (needs
 * `--allow-ffi` and read access to `/dev`). With `--hardware sim` it lists
 * the simulated chip that `leosac serve --hardware sim` drives, and says so.
 *
 * @module
 */
import { openChardevChip } from "../hardware/chardev/chardev_chip.ts";
import { type Libc, loadLibc } from "../hardware/chardev/libc.ts";
import { type ChipInfo, errnoName, GpioError, type LineInfo } from "../hardware/types.ts";
import { SimChip } from "../hardware/sim/sim_chip.ts";
import { DEFAULT_SIM_LINES } from "../controller/hardware.ts";
import { parseCommandLine, UsageError } from "./args.ts";
import { type OsdpProbeCommand, osdpProbeCommand } from "./osdp_probe.ts";

/** `leosac hardware probe`. */
export interface ProbeCommand {
  command: "hardware-probe";
  /** One chip (`/dev/gpiochipN` or `gpiochipN`), or null for every chip. */
  chip: string | null;
  json: boolean;
  /** The real character devices, or the simulated chip of `serve --hardware sim`. @default "gpio" */
  hardware?: "sim" | "gpio";
}

/** The line that says the listing is of the simulated chip. */
export const SIMULATED_NOTE =
  "Simulated hardware (leosac serve --hardware sim): no real GPIO line is read or driven.";

/** Usage of `leosac hardware`. */
export const HARDWARE_USAGE =
  `Usage: leosac hardware probe [--chip /dev/gpiochipN] [--hardware sim|gpio] [--json]
       leosac hardware probe --osdp /dev/ttyUSB0 [--baud 9600] [--addresses 0-126] [--json]

Lists the GPIO character devices (/dev/gpiochip*) and, for each line, its
offset, name, consumer, whether it is in use, its direction and active-low
flag, as the kernel reports them. Use it to choose the "device" and
"offset" of each gpio before wiring a door.
Exit status: 0 chips listed, 1 no chip found or none readable, 2 usage.

Options:
  --chip PATH      probe only this chip (/dev/gpiochipN or gpiochipN)
  --hardware sim   list the simulated chip that serve --hardware sim drives (default gpio)
  --json           print {chips: [...], errors: [...]} as JSON (with simulated: true for sim)
  --osdp PORT      scan an OSDP (RS-485) bus instead: each address is sent osdp_ID and
                   osdp_CAP; prints address, CRC or checksum, Secure Channel, identity
                   (exit 0 when a reader answered, 1 when none did)
  --baud N         9600 (default), 19200, 38400, 57600 or 115200
  --addresses A-B  addresses to try (default 0-126; 200 ms each when nothing answers)`;

/**
 * Parses the arguments after `hardware`.
 *
 * @throws {UsageError} on an unknown subcommand or flag.
 */
export function parseHardwareFlags(
  args: string[],
): ProbeCommand | OsdpProbeCommand | { command: "help" } {
  const { values, positionals } = parseCommandLine(args, {
    osdp: { type: "string" },
    baud: { type: "string" },
    addresses: { type: "string" },
    chip: { type: "string" },
    json: { type: "boolean" },
    hardware: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return { command: "help" };
  const [sub, ...rest] = positionals;
  if (sub !== "probe") {
    throw new UsageError(
      sub === undefined ? "missing subcommand: probe" : `unknown subcommand: "${sub}"`,
    );
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument: "${rest[0]}"`);
  if (values.osdp !== undefined) {
    if (values.chip !== undefined || values.hardware !== undefined) {
      throw new UsageError("--osdp scans a serial port: not with --chip or --hardware");
    }
    return osdpProbeCommand(values.osdp, {
      baud: values.baud,
      addresses: values.addresses,
      json: values.json ?? false,
    });
  }
  if (values.baud !== undefined || values.addresses !== undefined) {
    throw new UsageError("--baud and --addresses go with --osdp");
  }
  const chip = values.chip ?? null;
  if (chip !== null && (chip === "" || chip.includes("\0"))) {
    throw new UsageError(`invalid value for --chip: "${chip}"`);
  }
  const hardware = values.hardware ?? "gpio";
  if (hardware !== "sim" && hardware !== "gpio") {
    throw new UsageError(`invalid value for --hardware: "${hardware}" (expected sim, gpio)`);
  }
  if (hardware === "sim" && chip !== null) {
    throw new UsageError("--chip names a real chip: not with --hardware sim");
  }
  return {
    command: "hardware-probe",
    chip,
    json: values.json ?? false,
    ...(hardware === "sim" ? { hardware } : {}),
  };
}

/** The simulated chip of `serve --hardware sim`, as the probe sees it. */
export function simProbeBackend(): ProbeBackend {
  return {
    chipPaths: () => ["gpiochip-sim"],
    read(path) {
      const chip = new SimChip({ lines: DEFAULT_SIM_LINES, name: "gpiochip-sim" });
      try {
        const info = chip.info();
        const lines = Array.from({ length: info.lines }, (_, offset) => chip.lineInfo(offset));
        return { path, ...info, lineInfo: lines };
      } finally {
        void chip.close();
      }
    },
    close() {},
  };
}

/** One probed chip. */
export interface ChipReport extends ChipInfo {
  path: string;
  lineInfo: LineInfo[];
}

/** A chip that could not be read. */
export interface ChipFailure {
  path: string;
  errno: number | null;
  error: string;
}

/** How the probe reaches the chips (injectable for tests). */
export interface ProbeBackend {
  /** Paths of the chips present (`/dev/gpiochipN`), by number. */
  chipPaths(): string[];
  /** Reads one chip. @throws {GpioError} when it cannot be opened */
  read(path: string): ChipReport;
  /** Releases what the backend holds. */
  close(): void;
}

/** The real backend: `/dev/gpiochip*` through the character-device driver. */
export function chardevProbeBackend(options: { dir?: string; libc?: Libc } = {}): ProbeBackend {
  const dir = options.dir ?? "/dev";
  let libc: Libc | null = options.libc ?? null;
  return {
    chipPaths() {
      let names: string[];
      try {
        names = [...Deno.readDirSync(dir)].map((e) => e.name);
      } catch {
        return [];
      }
      return names.filter((n) => /^gpiochip\d+$/.test(n))
        .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))
        .map((n) => `${dir}/${n}`);
    },
    read(path) {
      libc ??= loadLibc();
      const chip = openChardevChip(path, { libc });
      try {
        const info = chip.info();
        const lines = Array.from({ length: info.lines }, (_, offset) => chip.lineInfo(offset));
        return { path, ...info, lineInfo: lines };
      } finally {
        chip.closeSync();
      }
    },
    close() {
      if (options.libc === undefined) libc?.close();
      libc = null;
    },
  };
}

function failure(path: string, error: unknown): ChipFailure {
  if (error instanceof GpioError) {
    return { path, errno: error.errno, error: `${errnoName(error.errno)}: ${error.message}` };
  }
  return { path, errno: null, error: error instanceof Error ? error.message : String(error) };
}

/** Renders the chips as a table, one block per chip. */
export function formatProbe(chips: ChipReport[], failures: ChipFailure[]): string[] {
  const out: string[] = [];
  for (const chip of chips) {
    out.push(`${chip.path}  ${chip.name}  [${chip.label}]  ${chip.lines} lines`);
    const rows = chip.lineInfo.map((l) => [
      String(l.offset),
      l.name || "-",
      l.consumer || "-",
      l.used ? "yes" : "no",
      l.direction,
      l.activeLow ? "yes" : "no",
    ]);
    const head = ["line", "name", "consumer", "used", "direction", "active-low"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
      "  " + cells.map((c, i) => i === 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)).join("  ")
        .trimEnd();
    out.push(line(head), ...rows.map(line), "");
  }
  for (const f of failures) out.push(`${f.path}: cannot read: ${f.error}`);
  return out;
}

/**
 * Runs the probe and prints the result; returns the exit status.
 *
 * @example
 * ```ts ignore
 * import { runProbe } from "./probe.ts";
 * const status = await runProbe({ command: "hardware-probe", chip: null, json: false }, {
 *   print: (line) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n")),
 *   error: (line) => Deno.stderr.writeSync(new TextEncoder().encode(line + "\n")),
 * });
 * ```
 */
export function runProbe(
  command: ProbeCommand,
  io: { print(line: string): void; error(line: string): void },
  backend: ProbeBackend = command.hardware === "sim" ? simProbeBackend() : chardevProbeBackend(),
): number {
  const simulated = command.hardware === "sim";
  try {
    const paths = command.chip === null
      ? backend.chipPaths()
      : [command.chip.startsWith("/") ? command.chip : `/dev/${command.chip}`];
    if (paths.length === 0) {
      const message =
        "No GPIO character device found (no /dev/gpiochip*): this machine has no GPIO chip, " +
        "or its driver is not loaded, or /dev is not visible here. " +
        "(leosac hardware probe --hardware sim lists the simulated chip.)";
      if (command.json) io.print(JSON.stringify({ chips: [], errors: [], message }));
      else io.error(message);
      return 1;
    }
    const chips: ChipReport[] = [];
    const failures: ChipFailure[] = [];
    for (const path of paths) {
      try {
        chips.push(backend.read(path));
      } catch (error) {
        failures.push(failure(path, error));
      }
    }
    if (command.json) {
      const report = simulated
        ? { simulated: true, note: SIMULATED_NOTE, chips, errors: failures }
        : { chips, errors: failures };
      io.print(JSON.stringify(report, null, 2));
    } else {
      if (simulated) io.print(SIMULATED_NOTE);
      for (const line of formatProbe(chips, [])) io.print(line);
      for (const line of formatProbe([], failures)) io.error(line);
    }
    return chips.length > 0 ? 0 : 1;
  } finally {
    backend.close();
  }
}
