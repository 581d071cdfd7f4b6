/**
 * The worker's hardware: a chip per configured chip name, behind an
 * injectable factory. `sim` gives one in-memory {@linkcode SimChip} (every
 * chip name maps to it) whose output levels are mirrored into a
 * `SharedArrayBuffer`, so the main thread sees them and can force them to the
 * safe state when the worker dies. `gpio` opens `/dev/<chip name>` through
 * the character-device driver on first use.
 *
 * @module
 */
import { listChips, openChardevChip } from "../hardware/chardev/chardev_chip.ts";
import { LineRegistry } from "../hardware/chardev/line_registry.ts";
import { SimChip } from "../hardware/sim/sim_chip.ts";
import { ERRNO, GpioError } from "../hardware/types.ts";
import type {
  ChipInfo,
  GpioChip,
  InputLine,
  InputOptions,
  LineInfo,
  OutputLine,
  OutputOptions,
} from "../hardware/types.ts";
import type { ChipSummary, HardwareKind } from "./protocol.ts";

/** Mirror value of a line no output drives. */
export const MIRROR_UNDRIVEN = -1;

/** The kernel name the simulated chip answers to in device configurations. */
export const SIM_CHIP_NAME = "gpiochip0";

/** Default number of simulated lines. */
export const DEFAULT_SIM_LINES = 64;

/** The chips the controller uses. */
export interface Hardware {
  /** The chip called `name` (opened on first use). @throws when it cannot be opened */
  chip(name: string): GpioChip;
  /** The simulated chip, in sim mode (for `hardware.simulate`); else null. */
  readonly sim: SimChip | null;
  /**
   * The chips device configurations may name, by kernel name. The simulated
   * chip answers as `gpiochip0` (the name device configurations default to).
   */
  chips?(): ChipSummary[];
  /** Releases every line and chip. */
  close(): Promise<void>;
}

/** Options of {@linkcode createHardware}. */
export interface HardwareOptions {
  /** Sim: number of lines. @default DEFAULT_SIM_LINES */
  simLines?: number;
  /** Sim: the shared output mirror ({@linkcode createMirror}). */
  mirror?: SharedArrayBuffer | null;
  /** Sim: the chip clock, in ns (tests use a fake one). */
  clockNs?: () => bigint;
  /** GPIO: where the driver records its fds for the supervisor (`line_registry.ts`). */
  lineRegistry?: SharedArrayBuffer | null;
}

/** Creates a mirror for `lines` lines, every line undriven. */
export function createMirror(lines: number = DEFAULT_SIM_LINES): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(lines * Int32Array.BYTES_PER_ELEMENT);
  new Int32Array(buffer).fill(MIRROR_UNDRIVEN);
  return buffer;
}

/** The physical level an output drives on `offset`, or null when no output drives it. */
export function mirrorLevel(mirror: SharedArrayBuffer, offset: number): boolean | null {
  const value = Atomics.load(new Int32Array(mirror), offset);
  return value === MIRROR_UNDRIVEN ? null : value === 1;
}

/** Forces the physical level of `offset` (the supervisor's safe state). */
export function forceMirror(mirror: SharedArrayBuffer, offset: number, level: boolean): void {
  const view = new Int32Array(mirror);
  if (offset >= 0 && offset < view.length) Atomics.store(view, offset, level ? 1 : 0);
}

/**
 * Opens the hardware of `kind` (chips are opened lazily, by
 * {@linkcode Hardware.chip}, which throws a `GpioError` for a missing chip).
 */
export function createHardware(kind: HardwareKind, options: HardwareOptions = {}): Hardware {
  if (kind === "gpio") return chardevHardware(options.lineRegistry ?? null);
  const sim = new SimChip({
    lines: options.simLines ?? DEFAULT_SIM_LINES,
    name: "gpiochip-sim",
    ...(options.clockNs === undefined ? {} : { clock: options.clockNs }),
  });
  const mirror = options.mirror ?? null;
  const chip: GpioChip = mirror === null ? sim : mirroredChip(sim, mirror);
  return {
    chip(name: string): GpioChip {
      // Only the one simulated chip exists: a line on "gpiochip9" cannot be wired.
      if (name.replace(/^\/dev\//, "") !== SIM_CHIP_NAME) {
        throw new GpioError(
          ERRNO.ENOENT,
          `chip "${name}" does not exist (the simulated controller has ${SIM_CHIP_NAME} only)`,
          { chip: name },
        );
      }
      return chip;
    },
    sim,
    chips: () => [{ name: SIM_CHIP_NAME, lines: sim.info().lines }],
    close: () => sim.close(),
  };
}

/** Character-device chips, opened on first use: `gpiochip0` is `/dev/gpiochip0`. */
function chardevHardware(lineRegistry: SharedArrayBuffer | null): Hardware {
  const chips = new Map<string, GpioChip>();
  const registry = lineRegistry === null ? null : new LineRegistry(lineRegistry);
  return {
    chip(name: string): GpioChip {
      let chip = chips.get(name);
      if (chip === undefined) {
        chip = openChardevChip(
          name.startsWith("/") ? name : `/dev/${name}`,
          registry === null ? {} : { registry },
        );
        chips.set(name, chip);
      }
      return chip;
    },
    sim: null,
    chips(): ChipSummary[] {
      try {
        return listChips().map((c) => ({ name: c.path.replace(/^.*\//, ""), lines: c.lines }));
      } catch {
        return []; // no /dev to read: nothing can be checked
      }
    },
    async close(): Promise<void> {
      await Promise.all([...chips.values()].map((chip) => chip.close()));
      chips.clear();
    },
  };
}

/** Wraps a sim chip so that every output write also lands in the shared mirror. */
function mirroredChip(sim: SimChip, mirror: SharedArrayBuffer): GpioChip {
  const view = new Int32Array(mirror);
  const store = (offset: number, level: boolean): void => {
    if (offset < view.length) Atomics.store(view, offset, level ? 1 : 0);
  };
  return {
    info: (): ChipInfo => sim.info(),
    lineInfo: (offset: number): LineInfo => sim.lineInfo(offset),
    nowNs: (): bigint => sim.nowNs(),
    requestInput: (offset: number, options: InputOptions): InputLine =>
      sim.requestInput(offset, options),
    requestOutput(offset: number, options: OutputOptions): OutputLine {
      const line = sim.requestOutput(offset, options);
      const activeLow = options.activeLow ?? false;
      store(offset, options.initial !== activeLow);
      return {
        offset,
        set(value: boolean): void {
          line.set(value);
          store(offset, value !== activeLow);
        },
        get: () => line.get(),
        close: () => line.close(),
        [Symbol.asyncDispose]: () => line.close(),
      };
    },
    close: () => sim.close(),
    [Symbol.asyncDispose]: () => sim.close(),
  };
}
