/**
 * `leosac hardware probe --osdp PORT [--baud N] [--addresses A-B] [--json]`:
 * scans an OSDP bus (`src/hardware/osdp/probe.ts`) and prints what answers:
 * address, CRC or checksum, vendor, model, version, serial, firmware, and
 * whether it offers Secure Channel. Exit status: 0 when a reader answered,
 * 1 when none did or the port cannot be opened, 2 usage.
 *
 * @module
 */
import { BAUD_RATES } from "../hardware/osdp/codes.ts";
import { probeBus, type ProbedPd } from "../hardware/osdp/probe.ts";
import { loadSerialLibc } from "../hardware/osdp/serial_libc.ts";
import { type ByteLink, openSerialPort } from "../hardware/osdp/serial_port.ts";
import { UsageError } from "./args.ts";

/** `leosac hardware probe --osdp`. */
export interface OsdpProbeCommand {
  command: "hardware-probe-osdp";
  port: string;
  baud: number;
  addresses: number[];
  json: boolean;
}

/**
 * Reads `--baud` and `--addresses` (`A-B` or `A`, 0-126).
 *
 * @throws {UsageError} for a bad value
 */
export function osdpProbeCommand(
  port: string,
  options: { baud?: string | undefined; addresses?: string | undefined; json: boolean },
): OsdpProbeCommand {
  if (port === "" || port.includes("\0")) {
    throw new UsageError(`invalid value for --osdp: "${port}"`);
  }
  const baud = Number(options.baud ?? "9600");
  if (!(BAUD_RATES as readonly number[]).includes(baud)) {
    throw new UsageError(`invalid value for --baud: "${options.baud}" (${BAUD_RATES.join(", ")})`);
  }
  const range = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(options.addresses ?? "0-126");
  const from = Number(range?.[1]);
  const to = Number(range?.[2] ?? range?.[1]);
  if (range === null || from > to || to > 126) {
    throw new UsageError(`invalid value for --addresses: "${options.addresses}" (e.g. 0-15)`);
  }
  return {
    command: "hardware-probe-osdp",
    port,
    baud,
    addresses: Array.from({ length: to - from + 1 }, (_, i) => from + i),
    json: options.json,
  };
}

function describe(pd: ProbedPd): string {
  const id = pd.identity;
  const who = id === null
    ? "(no osdp_PDID)"
    : `vendor ${id.vendor} model ${id.model} v${id.version} serial ${id.serial} firmware ${id.firmware}`;
  return `  ${String(pd.address).padStart(3)}  ${pd.crc ? "CRC     " : "checksum"}  ${
    pd.secureChannel ? "SC " : "-  "
  }  ${who}`;
}

/** Runs the scan. `openLink` opens the port (tests pass a pty). */
export async function runOsdpProbe(
  command: OsdpProbeCommand,
  io: { print(line: string): void; error(line: string): void },
  openLink?: (port: string, baud: number) => ByteLink,
): Promise<number> {
  const libc = openLink === undefined ? loadSerialLibc() : null;
  let link: ByteLink;
  try {
    link = openLink?.(command.port, command.baud) ??
      openSerialPort(command.port, { baud: command.baud, libc: libc! });
  } catch (error) {
    libc?.close();
    io.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
  try {
    const found = await probeBus(link, { addresses: command.addresses });
    if (command.json) {
      io.print(JSON.stringify({ port: command.port, baud: command.baud, readers: found }));
    } else if (found.length === 0) {
      io.error(
        `No OSDP reader answered on "${command.port}" at ${command.baud} baud ` +
          `(addresses ${command.addresses[0]}-${command.addresses.at(-1)}).`,
      );
    } else {
      io.print(`${command.port} at ${command.baud} baud: ${found.length} reader(s)`);
      io.print("  addr  check     SC   identity");
      for (const pd of found) io.print(describe(pd));
    }
    return found.length > 0 ? 0 : 1;
  } finally {
    await link.close();
    libc?.close();
  }
}
