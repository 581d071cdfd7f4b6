/**
 * The GPIO driver contract shared by every chip implementation (the in-memory
 * {@linkcode SimChip} and the Linux character-device chip), plus the
 * {@linkcode GpioError} they throw.
 *
 * Offsets are raw line numbers: only `chardev/`, `sim/` and the code that maps
 * configured pin *names* to offsets should see them.
 *
 * @module
 */
import type { Clock } from "../clock.ts";

/** Which edges of an input line produce events. */
export type EdgeDetection = "rising" | "falling" | "both" | "none";

/** Input bias (pull resistor) configuration. */
export type Bias = "pull-up" | "pull-down" | "disabled";

/** Direction of a line as reported by {@linkcode GpioChip.lineInfo}. */
export type LineDirection = "input" | "output";

/** Identity of a chip. */
export interface ChipInfo {
  /** Kernel name, e.g. `gpiochip0`. */
  name: string;
  /** Driver label, e.g. `gpio-sim.0-node0` or `pinctrl-bcm2711`. */
  label: string;
  /** Number of lines the chip has. */
  lines: number;
}

/** State of one line of a chip. */
export interface LineInfo {
  offset: number;
  /** The line's name from the device tree / driver; `""` when unnamed. */
  name: string;
  /** The consumer label of whoever holds the line; `""` when free. */
  consumer: string;
  /** Whether the line is requested (by this or another process, or the kernel). */
  used: boolean;
  direction: LineDirection;
  activeLow: boolean;
}

/** Options of {@linkcode GpioChip.requestInput}. */
export interface InputOptions {
  /** Consumer label shown to other users of the line (max 31 bytes). */
  consumer: string;
  /** Edges that produce {@linkcode EdgeEvent}s. */
  edges: EdgeDetection;
  /** Pull resistor; left as configured by the platform when omitted. */
  bias?: Bias;
  /** Invert the logical value (and therefore which edge is "rising"). @default false */
  activeLow?: boolean;
  /** Debounce period in microseconds; 0 or omitted disables debouncing. */
  debounceUs?: number;
}

/** Options of {@linkcode GpioChip.requestOutput}. */
export interface OutputOptions {
  /** Consumer label shown to other users of the line (max 31 bytes). */
  consumer: string;
  /** Logical level the line takes when it is requested. */
  initial: boolean;
  /** Invert the logical value. @default false */
  activeLow?: boolean;
  /**
   * Logical level to force if the thread that holds the line dies (the
   * character-device driver records it in its line registry; the simulator
   * ignores it). @default false
   */
  safeLevel?: boolean;
}

/** One edge seen on an input line, timestamped by the kernel (or the simulator). */
export interface EdgeEvent {
  /** Line offset on its chip. */
  offset: number;
  /** `true` for a logical rising edge (inactive → active), `false` for falling. */
  rising: boolean;
  /** Timestamp in nanoseconds, in the clock of {@linkcode GpioChip.nowNs}. */
  timestampNs: bigint;
  /** Sequence number of the event within its line request (starts at 1). */
  seqno: number;
}

/** A listener for edge events. */
export type EdgeListener = (event: EdgeEvent) => void;

/** A requested input line. */
export interface InputLine extends AsyncDisposable {
  readonly offset: number;
  /** Reads the current logical level. @throws {GpioError} when the line is closed */
  get(): boolean;
  /**
   * Subscribes to edge events. Events are delivered in the order the chip saw
   * them; listeners must not throw. Events seen while nobody listens are dropped.
   *
   * @returns a function that removes the listener
   */
  onEdge(listener: EdgeListener): () => void;
  /**
   * Synchronously delivers the events the chip has already queued but not yet
   * delivered (the character device reads its kernel buffer; the simulator
   * delivers synchronously and returns 0). Call it before deciding that a line
   * has been silent, since events may wait in the kernel while JavaScript is busy.
   *
   * @returns the number of events delivered
   */
  readPendingEvents(): number;
  /**
   * Releases the line. When the returned promise settles the line can be
   * requested again and no further events are delivered. Idempotent.
   */
  close(): Promise<void>;
}

/** A requested output line. */
export interface OutputLine extends AsyncDisposable {
  readonly offset: number;
  /** Sets the logical level. @throws {GpioError} when the line is closed */
  set(value: boolean): void;
  /** Reads back the logical level. @throws {GpioError} when the line is closed */
  get(): boolean;
  /** Releases the line (its physical level is then up to the platform). Idempotent. */
  close(): Promise<void>;
}

/**
 * A GPIO chip. Implementations: `SimChip` (in-memory) and `ChardevChip`
 * (Linux GPIO character device v2).
 */
export interface GpioChip extends AsyncDisposable {
  /** Chip identity. */
  info(): ChipInfo;
  /** State of one line. @throws {GpioError} `EINVAL` for an offset out of range */
  lineInfo(offset: number): LineInfo;
  /**
   * Requests a line as an input.
   *
   * @throws {GpioError} `EBUSY` when the line is already requested, `EINVAL` for a bad offset
   */
  requestInput(offset: number, options: InputOptions): InputLine;
  /**
   * Requests a line as an output driven to `options.initial`.
   *
   * @throws {GpioError} `EBUSY` when the line is already requested, `EINVAL` for a bad offset
   */
  requestOutput(offset: number, options: OutputOptions): OutputLine;
  /**
   * Current time in nanoseconds, in the clock used by {@linkcode EdgeEvent.timestampNs}
   * (CLOCK_MONOTONIC for the character device). Use it as `now` for the Wiegand assembler.
   */
  nowNs(): bigint;
  /** Releases every line requested through this chip, then the chip itself. Idempotent. */
  close(): Promise<void>;
}

/** Errno values the drivers report (Linux x86_64/arm64 numbering). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  ENOTTY: 25,
  EOPNOTSUPP: 95,
} as const;

/** Symbolic name of an errno value, e.g. `"EBUSY"`, or `"errno 123"` when unknown. */
export function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(ERRNO)) {
    if (value === errno) return name;
  }
  return `errno ${errno}`;
}

/** Options of the {@linkcode GpioError} constructor. */
export interface GpioErrorOptions {
  /** The chip name (e.g. `gpiochip0`) or device path. */
  chip: string;
  /** The line concerned, if any. */
  offset?: number;
  cause?: unknown;
}

/** A failure of a GPIO operation; `errno` is the Linux errno (the simulator uses the same values). */
export class GpioError extends Error {
  /** Linux errno value, see {@linkcode ERRNO}. */
  readonly errno: number;
  /** Symbolic errno, e.g. `"EBUSY"`. */
  readonly code: string;
  /** The chip name or device path. */
  readonly chip: string;
  /** The line offset, or `null` when the error concerns the chip. */
  readonly offset: number | null;

  /**
   * @param errno Linux errno value
   * @param message sentence-case description naming the chip and line
   */
  constructor(errno: number, message: string, options: GpioErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GpioError";
    this.errno = errno;
    this.code = errnoName(errno);
    this.chip = options.chip;
    this.offset = options.offset ?? null;
  }
}

/**
 * Builds the `EBUSY` error for a line held by someone else.
 *
 * @example
 * ```ts
 * import { busyLineError } from "./types.ts";
 * const error = busyLineError("gpiochip0", 2, "door-relay");
 * // error.message === 'line 2 of chip "gpiochip0" is used by consumer "door-relay"'
 * ```
 */
export function busyLineError(chip: string, offset: number, consumer: string): GpioError {
  return new GpioError(
    ERRNO.EBUSY,
    `line ${offset} of chip "${chip}" is used by consumer "${consumer}"`,
    { chip, offset },
  );
}

/** Builds the `EINVAL` error for an offset outside the chip. */
export function badOffsetError(chip: string, offset: number, lines: number): GpioError {
  return new GpioError(
    ERRNO.EINVAL,
    `line ${offset} does not exist on chip "${chip}": it has ${lines} lines`,
    { chip, offset },
  );
}

/** Builds the error for an operation on a released line or chip. */
export function closedError(chip: string, offset?: number): GpioError {
  const what = offset === undefined ? `chip "${chip}"` : `line ${offset} of chip "${chip}"`;
  return new GpioError(
    ERRNO.EBADF,
    `${what} is closed`,
    offset === undefined ? { chip } : {
      chip,
      offset,
    },
  );
}

/**
 * The timer half of the one time source, {@linkcode Clock} (`src/clock.ts`):
 * hardware code takes `systemClock` by default and tests a `FakeClock`.
 */
export type Scheduler = Pick<Clock, "setTimeout" | "clearTimeout">;
