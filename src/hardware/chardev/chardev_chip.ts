/**
 * {@linkcode GpioChip} over the Linux GPIO character device (uAPI v2) through
 * libc FFI: no libgpiod. Needs `--allow-ffi` (and `--allow-read` for
 * {@linkcode listChips}).
 *
 * Each line is its own request (its own fd). An input with edge detection
 * gets an event pump: it waits in `poll` on the line fd and an eventfd (used
 * to wake it at close) off the JavaScript thread, then drains the line with
 * synchronous non-blocking `read`s of up to 64 events until `EAGAIN`. An idle
 * line costs no CPU.
 *
 * Size: over 300 lines because it is the one driver that owns the line fds;
 * requests, reads, writes, edge pumps and close share that state.
 *
 * @module
 */

import {
  badOffsetError,
  busyLineError,
  type ChipInfo,
  closedError,
  type EdgeListener,
  ERRNO,
  errnoName,
  type GpioChip,
  GpioError,
  type InputLine,
  type InputOptions,
  type LineInfo,
  type OutputLine,
  type OutputOptions,
} from "../types.ts";
import { EventPump } from "./event_pump.ts";
import { type Libc, loadLibc } from "./libc.ts";
import { type LineRegistry, type RegistrySlot, SLOT_KIND } from "./line_registry.ts";
import {
  cString,
  decodeChipInfo,
  decodeLineInfo,
  decodeLineRequestFd,
  decodeLineValues,
  decodeTimespecNs,
  encodeLineInfoRequest,
  encodeLineRequest,
  encodeLineValues,
  IOCTL,
  LIBC,
  LINE_FLAG,
  lineFlags,
  SIZEOF,
} from "./uapi.ts";

/** Kernel event buffer per input line. */
export const DEFAULT_EVENT_BUFFER_SIZE = 256;

/** Options of {@linkcode openChardevChip}. */
export interface ChardevChipOptions {
  /** A loaded libc to share; by default the chip loads its own and unloads it on close. */
  libc?: Libc;
  /** Path of libc when the chip loads it. @default "libc.so.6" */
  libcPath?: string;
  /** Kernel event buffer (events) per input line. @default 256 */
  eventBufferSize?: number;
  /** Receives failures of an input's event pump (the pump then stops). @default reportError */
  onError?: (error: GpioError) => void;
  /**
   * Records every fd the chip opens (chip, lines, event-pump eventfds) in
   * shared memory, so that another thread can drive the outputs to their
   * safe values and release the lines if this one dies (`reclaim.ts`).
   */
  registry?: LineRegistry;
}

/**
 * Opens `/dev/gpiochipN` (or any GPIO character device path).
 *
 * @throws {GpioError} `ENOENT`, `EACCES`, `ENOTTY` (not a GPIO chip)…
 * @example
 * ```ts ignore
 * import { openChardevChip } from "./chardev_chip.ts";
 * await using chip = openChardevChip("/dev/gpiochip0");
 * const relay = chip.requestOutput(2, { consumer: "door-relay", initial: false });
 * relay.set(true);
 * ```
 */
export function openChardevChip(path: string, options: ChardevChipOptions = {}): ChardevChip {
  const ownsLibc = options.libc === undefined;
  const libc = options.libc ?? loadLibc(options.libcPath);
  const fd = libc.symbols.open(cString(path), LIBC.O_RDWR | LIBC.O_CLOEXEC, 0);
  if (fd < 0) {
    const errno = libc.errno();
    if (ownsLibc) libc.close();
    throw new GpioError(errno, `Cannot open GPIO chip "${path}": ${errnoName(errno)}`, {
      chip: path,
    });
  }
  const info = new Uint8Array(SIZEOF.gpiochip_info);
  if (libc.symbols.ioctl(fd, IOCTL.GPIO_GET_CHIPINFO_IOCTL, info) !== 0) {
    const errno = libc.errno();
    libc.symbols.close(fd);
    if (ownsLibc) libc.close();
    throw new GpioError(errno, `"${path}" is not a GPIO chip: ${errnoName(errno)}`, { chip: path });
  }
  let slot: RegistrySlot | null = null;
  try {
    slot = options.registry?.register({ kind: SLOT_KIND.CHIP, fd, chip: path }) ?? null;
  } catch (error) {
    libc.symbols.close(fd);
    if (ownsLibc) libc.close();
    throw error;
  }
  return new ChardevChip(libc, fd, decodeChipInfo(info), {
    path,
    registry: options.registry ?? null,
    slot,
    ownsLibc,
    eventBufferSize: options.eventBufferSize ?? DEFAULT_EVENT_BUFFER_SIZE,
    onError: options.onError ?? reportError,
  });
}

/** A chip found by {@linkcode listChips}. */
export interface ChipEntry extends ChipInfo {
  path: string;
}

/**
 * Lists the GPIO chips under `/dev` that this process can open, by number.
 */
export function listChips(options: { libc?: Libc; dir?: string } = {}): ChipEntry[] {
  const dir = options.dir ?? "/dev";
  const names = [...Deno.readDirSync(dir)]
    .map((e) => e.name)
    .filter((n) => /^gpiochip\d+$/.test(n))
    .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)));
  const libc = options.libc ?? loadLibc();
  const found: ChipEntry[] = [];
  try {
    for (const name of names) {
      const path = `${dir}/${name}`;
      try {
        const chip = openChardevChip(path, { libc });
        found.push({ path, ...chip.info() });
        chip.closeSync();
      } catch (error) {
        if (!(error instanceof GpioError)) throw error;
      }
    }
  } finally {
    if (options.libc === undefined) libc.close();
  }
  return found;
}

interface ChipSettings {
  path: string;
  registry: LineRegistry | null;
  /** The chip fd's registry slot. */
  slot: RegistrySlot | null;
  ownsLibc: boolean;
  eventBufferSize: number;
  onError: (error: GpioError) => void;
}

interface OpenLine {
  release(): Promise<void>;
}

/** A GPIO character device chip. Create with {@linkcode openChardevChip}. */
export class ChardevChip implements GpioChip {
  readonly #libc: Libc;
  readonly #fd: number;
  readonly #info: ChipInfo;
  readonly #settings: ChipSettings;
  readonly #open = new Set<OpenLine>();
  #closed = false;
  #fdClosed = false;

  /** @internal use {@linkcode openChardevChip} */
  constructor(libc: Libc, fd: number, info: ChipInfo, settings: ChipSettings) {
    this.#libc = libc;
    this.#fd = fd;
    this.#info = info;
    this.#settings = settings;
  }

  /** Chip identity from `GPIO_GET_CHIPINFO_IOCTL`. */
  info(): ChipInfo {
    return { ...this.#info };
  }

  /** Line state from `GPIO_V2_GET_LINEINFO_IOCTL`. */
  lineInfo(offset: number): LineInfo {
    this.#checkOffset(offset);
    const buffer = encodeLineInfoRequest(offset);
    this.#ioctl(this.#fd, IOCTL.GPIO_V2_GET_LINEINFO_IOCTL, buffer, offset, "read info of line");
    const raw = decodeLineInfo(buffer);
    return {
      offset,
      name: raw.name,
      consumer: raw.consumer,
      used: (raw.flags & LINE_FLAG.GPIO_V2_LINE_FLAG_USED) !== 0n,
      direction: (raw.flags & LINE_FLAG.GPIO_V2_LINE_FLAG_OUTPUT) !== 0n ? "output" : "input",
      activeLow: (raw.flags & LINE_FLAG.GPIO_V2_LINE_FLAG_ACTIVE_LOW) !== 0n,
    };
  }

  /** `CLOCK_MONOTONIC`, the clock of edge event timestamps. */
  nowNs(): bigint {
    const ts = new Uint8Array(SIZEOF.timespec);
    this.#libc.symbols.clock_gettime(LIBC.CLOCK_MONOTONIC, ts);
    return decodeTimespecNs(ts);
  }

  /** Requests an input line; starts its event pump when `edges` is not `"none"`. */
  requestInput(offset: number, options: InputOptions): InputLine {
    const withEdges = options.edges !== "none";
    const lineFd = this.#request(offset, options.consumer, {
      flags: lineFlags({ direction: "input", ...options }),
      ...(options.debounceUs === undefined ? {} : { debounceUs: options.debounceUs }),
      eventBufferSize: withEdges ? this.#settings.eventBufferSize : 0,
    });
    const listeners = new Set<EdgeListener>();
    let pump: EventPump | null = null;
    let slot: RegistrySlot | null = null;
    try {
      slot = this.#register(SLOT_KIND.INPUT, lineFd, offset, options.activeLow ?? false);
      if (withEdges) {
        const owned = slot;
        pump = new EventPump({
          libc: this.#libc,
          fd: lineFd,
          listeners,
          errorOf: (errno, what) => this.#error(errno, offset, what),
          onError: this.#settings.onError,
          ...(owned === null ? {} : {
            pollFds: owned.pollFds(),
            onWakeFd: (fd: number) => owned.setWakeFd(fd),
            ownsFds: () => owned.owned(),
          }),
        });
      }
    } catch (error) {
      if (slot === null || slot.beginRelease()) this.#libc.symbols.close(lineFd);
      slot?.free();
      throw error;
    }
    const state = this.#track(offset, lineFd, slot, () => pump?.stop() ?? Promise.resolve());
    return {
      offset,
      get: () => this.#getValue(state, offset),
      onEdge(listener: EdgeListener): () => void {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      readPendingEvents: () => (state.closed || pump === null ? 0 : pump.readPending()),
      close: state.release,
      [Symbol.asyncDispose]: state.release,
    };
  }

  /** Requests an output line driven to `options.initial`. */
  requestOutput(offset: number, options: OutputOptions): OutputLine {
    const lineFd = this.#request(offset, options.consumer, {
      flags: lineFlags({ direction: "output", ...options }),
      outputValues: options.initial ? 1n : 0n,
    });
    let slot: RegistrySlot | null;
    try {
      slot = this.#register(SLOT_KIND.OUTPUT, lineFd, offset, options.activeLow ?? false, {
        safeLevel: options.safeLevel ?? false,
      });
    } catch (error) {
      this.#libc.symbols.close(lineFd);
      throw error;
    }
    const state = this.#track(offset, lineFd, slot, () => Promise.resolve());
    return {
      offset,
      set: (value: boolean) => {
        if (state.closed || slot?.owned() === false) throw closedError(this.#info.name, offset);
        const values = encodeLineValues(value ? 1n : 0n, 1n);
        this.#ioctl(lineFd, IOCTL.GPIO_V2_LINE_SET_VALUES_IOCTL, values, offset, "set line");
      },
      get: () => this.#getValue(state, offset),
      close: state.release,
      [Symbol.asyncDispose]: state.release,
    };
  }

  /** Releases every line, then closes the chip (and libc when the chip loaded it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#open].map((line) => line.release()));
    this.closeSync();
  }

  /** Closes a chip that has no open line (as {@linkcode listChips} does). Idempotent. */
  closeSync(): void {
    if (this.#fdClosed) return;
    if (this.#open.size > 0) throw new Error("closeSync() called with lines still open");
    this.#closed = true;
    this.#fdClosed = true;
    const slot = this.#settings.slot;
    if (slot === null || slot.beginRelease()) this.#libc.symbols.close(this.#fd);
    slot?.free();
    if (this.#settings.ownsLibc) this.#libc.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #checkOffset(offset: number): void {
    if (this.#closed) throw closedError(this.#info.name);
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.#info.lines) {
      throw badOffsetError(this.#info.name, offset, this.#info.lines);
    }
  }

  #request(
    offset: number,
    consumer: string,
    spec: { flags: bigint; outputValues?: bigint; debounceUs?: number; eventBufferSize?: number },
  ): number {
    this.#checkOffset(offset);
    const request = encodeLineRequest({ offsets: [offset], consumer, ...spec });
    if (this.#libc.symbols.ioctl(this.#fd, IOCTL.GPIO_V2_GET_LINE_IOCTL, request) !== 0) {
      const errno = this.#libc.errno();
      if (errno === ERRNO.EBUSY) {
        let holder = "";
        try {
          holder = this.lineInfo(offset).consumer;
        } catch { /* keep the EBUSY */ }
        throw busyLineError(this.#info.name, offset, holder === "" ? "unknown" : holder);
      }
      throw this.#error(errno, offset, "request line");
    }
    return decodeLineRequestFd(request);
  }

  #register(
    kind: typeof SLOT_KIND.INPUT | typeof SLOT_KIND.OUTPUT,
    fd: number,
    offset: number,
    activeLow: boolean,
    extra: { safeLevel?: boolean } = {},
  ): RegistrySlot | null {
    const registry = this.#settings.registry;
    if (registry === null) return null;
    return registry.register({ kind, fd, chip: this.#settings.path, offset, activeLow, ...extra });
  }

  #track(
    offset: number,
    lineFd: number,
    slot: RegistrySlot | null,
    stopPump: () => Promise<void>,
  ) {
    const state = {
      closed: false,
      release: async (): Promise<void> => {
        if (state.closed) return;
        state.closed = true;
        // The main thread may have taken the fds (this worker was declared
        // dead): then they are no longer ours to wake, use or close.
        if (slot !== null && !slot.beginRelease()) {
          this.#open.delete(state);
          return;
        }
        try {
          await stopPump();
        } finally {
          this.#libc.symbols.close(lineFd);
          slot?.free();
          this.#open.delete(state);
        }
      },
      fd: lineFd,
      offset,
      owned: (): boolean => slot?.owned() ?? true,
    };
    this.#open.add(state);
    return state;
  }

  #getValue(state: { closed: boolean; fd: number; owned(): boolean }, offset: number): boolean {
    if (state.closed || !state.owned()) throw closedError(this.#info.name, offset);
    const values = encodeLineValues(0n, 1n);
    this.#ioctl(state.fd, IOCTL.GPIO_V2_LINE_GET_VALUES_IOCTL, values, offset, "read line");
    return (decodeLineValues(values) & 1n) === 1n;
  }

  #ioctl(
    fd: number,
    request: bigint,
    buffer: Uint8Array<ArrayBuffer>,
    offset: number,
    what: string,
  ): void {
    if (this.#libc.symbols.ioctl(fd, request, buffer) !== 0) {
      throw this.#error(this.#libc.errno(), offset, what);
    }
  }

  #error(errno: number, offset: number, what: string): GpioError {
    return new GpioError(
      errno,
      `Cannot ${what} ${offset} of chip "${this.#info.name}": ${errnoName(errno)}`,
      { chip: this.#info.name, offset },
    );
  }
}
