/**
 * A {@linkcode GpioChip} whose input lines are pipes read by the real
 * character-device {@linkcode EventPump} (poll off the JS thread, then
 * non-blocking drains of `gpio_v2_line_event` records), so the reader loop
 * can be benchmarked without a GPIO chip: the benchmark writes recorded
 * event records into a line's pipe as the kernel would into the line fd.
 *
 * `shared: true` puts every line on one pipe (one pump, events of both
 * offsets in timestamp order, like one multi-line request); otherwise each
 * line has its own pipe and pump, as `ChardevChip` does.
 *
 * @module
 */
import { EventPump } from "../src/hardware/chardev/event_pump.ts";
import { type Libc, loadLibc } from "../src/hardware/chardev/libc.ts";
import {
  decodeTimespecNs,
  LIBC,
  LINE_EVENT_ID,
  OFFSET,
  SIZEOF,
} from "../src/hardware/chardev/uapi.ts";
import {
  type ChipInfo,
  type EdgeListener,
  type GpioChip,
  GpioError,
  type InputLine,
  type LineInfo,
} from "../src/hardware/types.ts";

const F_SETPIPE_SZ = 1031;
/** Pipe capacity asked for (the unprivileged maximum is usually 1 MiB). */
export const PIPE_BYTES = 1 << 20;

interface Pipe {
  readFd: number;
  writeFd: number;
  pump: EventPump;
  listeners: Set<EdgeListener>;
}

/** Encodes falling/rising edge records for `offset`. */
export function encodeEdges(
  edges: readonly { offset: number; timestampNs: bigint; rising?: boolean }[],
): Uint8Array<ArrayBuffer> {
  const size = SIZEOF.gpio_v2_line_event;
  const buffer = new Uint8Array(size * edges.length);
  const dv = new DataView(buffer.buffer);
  edges.forEach((e, i) => {
    const at = i * size;
    dv.setBigUint64(at + OFFSET["gpio_v2_line_event.timestamp_ns"], e.timestampNs, true);
    dv.setUint32(
      at + OFFSET["gpio_v2_line_event.id"],
      e.rising === true
        ? LINE_EVENT_ID.GPIO_V2_LINE_EVENT_RISING_EDGE
        : LINE_EVENT_ID.GPIO_V2_LINE_EVENT_FALLING_EDGE,
      true,
    );
    dv.setUint32(at + OFFSET["gpio_v2_line_event.offset"], e.offset, true);
    dv.setUint32(at + OFFSET["gpio_v2_line_event.seqno"], i + 1, true);
  });
  return buffer;
}

/** Pipe-backed chip for benchmarks. */
export class PipeChip implements GpioChip {
  readonly libc: Libc;
  readonly #pipe2: Deno.DynamicLibrary<{
    pipe2: { parameters: ["buffer", "i32"]; result: "i32" };
  }>;
  readonly #shared: boolean;
  readonly #pipes = new Map<number, Pipe>();
  #sharedPipe: Pipe | null = null;

  constructor(options: { shared?: boolean } = {}) {
    this.libc = loadLibc();
    this.#pipe2 = Deno.dlopen("libc.so.6", {
      pipe2: { parameters: ["buffer", "i32"], result: "i32" },
    });
    this.#shared = options.shared ?? false;
  }

  info(): ChipInfo {
    return { name: "pipechip", label: "benchmark pipes", lines: 64 };
  }

  lineInfo(offset: number): LineInfo {
    const used = this.#pipes.has(offset);
    return {
      offset,
      name: "",
      consumer: used ? "bench" : "",
      used,
      direction: "input",
      activeLow: false,
    };
  }

  nowNs(): bigint {
    const ts = new Uint8Array(SIZEOF.timespec);
    this.libc.symbols.clock_gettime(LIBC.CLOCK_MONOTONIC, ts);
    return decodeTimespecNs(ts);
  }

  /** The write end of the pipe carrying `offset`'s events. */
  writeFd(offset: number): number {
    const pipe = this.#pipes.get(offset);
    if (pipe === undefined) throw new Error(`line ${offset} is not requested`);
    return pipe.writeFd;
  }

  /** Writes records without blocking; returns the bytes written (0 when the pipe is full). */
  write(offset: number, bytes: Uint8Array<ArrayBuffer>): number {
    const n = Number(this.libc.symbols.write(this.writeFd(offset), bytes, BigInt(bytes.length)));
    return n < 0 ? 0 : n;
  }

  #open(): Pipe {
    const s = this.libc.symbols;
    const fds = new Int32Array(2);
    if (this.#pipe2.symbols.pipe2(fds, LIBC.O_CLOEXEC) !== 0) throw new Error("pipe2 failed");
    const [readFd, writeFd] = [fds[0]!, fds[1]!];
    s.fcntl(writeFd, F_SETPIPE_SZ, PIPE_BYTES);
    s.fcntl(writeFd, LIBC.F_SETFL, s.fcntl(writeFd, LIBC.F_GETFL, 0) | LIBC.O_NONBLOCK);
    const listeners = new Set<EdgeListener>();
    const pump = new EventPump({
      libc: this.libc,
      fd: readFd,
      listeners,
      errorOf: (errno, what) => new GpioError(errno, `Cannot ${what} (pipe)`, { chip: "pipechip" }),
      onError: (error) => reportError(error),
    });
    return { readFd, writeFd, pump, listeners };
  }

  requestInput(offset: number): InputLine {
    if (this.#pipes.has(offset)) throw new Error(`line ${offset} busy`);
    const pipe = this.#shared ? (this.#sharedPipe ??= this.#open()) : this.#open();
    this.#pipes.set(offset, pipe);
    const mine = new Set<EdgeListener>();
    const filter: EdgeListener = (event) => {
      if (event.offset !== offset) return;
      for (const listener of mine) listener(event);
    };
    pipe.listeners.add(filter);
    const close = async (): Promise<void> => {
      pipe.listeners.delete(filter);
      this.#pipes.delete(offset);
      if ([...this.#pipes.values()].includes(pipe)) return;
      await pipe.pump.stop();
      this.libc.symbols.close(pipe.readFd);
      this.libc.symbols.close(pipe.writeFd);
      if (pipe === this.#sharedPipe) this.#sharedPipe = null;
    };
    return {
      offset,
      get: () => false,
      onEdge(listener) {
        mine.add(listener);
        return () => mine.delete(listener);
      },
      readPendingEvents: () => pipe.pump.readPending(),
      close,
      [Symbol.asyncDispose]: close,
    };
  }

  requestOutput(): never {
    throw new Error("PipeChip has no outputs");
  }

  async close(): Promise<void> {
    const pipes = new Set(this.#pipes.values());
    this.#pipes.clear();
    for (const pipe of pipes) {
      await pipe.pump.stop();
      this.libc.symbols.close(pipe.readFd);
      this.libc.symbols.close(pipe.writeFd);
    }
    this.#pipe2.close();
    this.libc.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
