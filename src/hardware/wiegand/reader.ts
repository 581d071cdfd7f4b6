/**
 * Glue between a {@linkcode GpioChip} and a {@linkcode WiegandAssembler}:
 * requests a reader's D0/D1 lines, feeds their edges to the assembler and
 * arms the silence timer, using the chip's clock as `now`.
 *
 * @module
 */

import { systemClock } from "../../clock.ts";
import type { Bias, EdgeEvent, GpioChip, InputLine, Scheduler } from "../types.ts";
import { type AssemblerOptions, WiegandAssembler, type WiegandFrame } from "./assembler.ts";

/** Options of {@linkcode openWiegandReader}. */
export interface WiegandReaderOptions extends AssemblerOptions {
  /** Called for every complete frame (including faulty ones). Must not throw. */
  onFrame: (frame: WiegandFrame) => void;
  /** Consumer label of the two lines. @default "wiegand" */
  consumer?: string;
  /** Bias of the data lines; left to the platform when omitted. */
  bias?: Bias;
  /** Invert the data lines (e.g. inverting level shifters). @default false */
  activeLow?: boolean;
  /** Timers for the silence deadline. @default systemClock */
  scheduler?: Scheduler;
}

/** An open reader; close it to release its lines. */
export interface WiegandReader extends AsyncDisposable {
  /** Frames dropped as noise so far. */
  readonly droppedFrames: number;
  /** Releases both lines and cancels the timer; a pending partial frame is discarded. */
  close(): Promise<void>;
}

/**
 * Opens a Wiegand reader on two lines of `chip`.
 *
 * @throws {GpioError} when a line cannot be requested (the other is released)
 * @example
 * ```ts
 * import { SimChip } from "../sim/sim_chip.ts";
 * import { openWiegandReader } from "./reader.ts";
 * await using chip = new SimChip({ lines: 2 });
 * await using reader = openWiegandReader(chip, { d0: 0, d1: 1, onFrame: (f) => f.nbBits });
 * ```
 */
export function openWiegandReader(chip: GpioChip, options: WiegandReaderOptions): WiegandReader {
  const assembler = new WiegandAssembler(options);
  const scheduler = options.scheduler ?? systemClock;
  const edge = options.edge ?? "falling";
  const lineOptions = {
    consumer: options.consumer ?? "wiegand",
    edges: edge,
    activeLow: options.activeLow ?? false,
    ...(options.bias === undefined ? {} : { bias: options.bias }),
  };
  const lines: InputLine[] = [];
  let timer: unknown = null;
  let closed = false;

  // One timer at a time: when it fires early (the deadline moved on), it re-arms.
  const arm = (): void => {
    const deadline = assembler.nextDeadlineNs();
    if (timer !== null || deadline === null || closed) return;
    const delayMs = Math.max(0, Number(deadline - chip.nowNs()) / 1e6);
    timer = scheduler.setTimeout(onTimer, Math.ceil(delayMs) + 1);
  };
  const onTimer = (): void => {
    timer = null;
    // Take the time first, then consume what the kernel already holds: an edge
    // queued while JavaScript was busy must extend the frame, not split it.
    const nowNs = chip.nowNs();
    pullOthers(null);
    feedHeldUpTo(null);
    const frame = assembler.flushIfSilent(nowNs);
    if (frame !== null) options.onFrame(frame);
    arm();
  };

  // D0 and D1 are separate kernel queues. When JavaScript was busy, one
  // line's backlog can be delivered before the other's, out of time order; a
  // long run of identical bits would then look like a silent gap and split
  // the frame. So before an edge is fed to the assembler, the other lines'
  // queued edges are pulled in, and every edge older than it goes first.
  // Pulled edges newer than it wait (for the next edge, a microtask, or the
  // silence timer). With in-order delivery nothing is ever pulled or held.
  const held: EdgeEvent[] = [];
  let pulling = false;
  let flushQueued = false;
  const feed = (event: EdgeEvent): void => {
    for (const frame of assembler.push(event)) options.onFrame(frame);
  };
  const feedHeldUpTo = (limitNs: bigint | null): void => {
    held.sort((
      a,
      b,
    ) => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0));
    while (held.length > 0 && (limitNs === null || held[0]!.timestampNs <= limitNs)) {
      feed(held.shift()!);
    }
  };
  const pullOthers = (except: InputLine | null): void => {
    pulling = true;
    try {
      for (const line of lines) if (line !== except) line.readPendingEvents();
    } finally {
      pulling = false;
    }
  };
  const flushHeld = (): void => {
    flushQueued = false;
    if (closed) return;
    pullOthers(null);
    feedHeldUpTo(null);
    arm();
  };

  try {
    for (const offset of [options.d0, options.d1]) {
      const line = chip.requestInput(offset, lineOptions);
      lines.push(line);
      line.onEdge((event) => {
        if (pulling) {
          held.push(event);
          return;
        }
        pullOthers(line);
        feedHeldUpTo(event.timestampNs);
        feed(event);
        if (held.length > 0 && !flushQueued) {
          flushQueued = true;
          queueMicrotask(flushHeld);
        }
        arm();
      });
    }
  } catch (error) {
    for (const line of lines) void line.close();
    throw error;
  }

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (timer !== null) scheduler.clearTimeout(timer);
    timer = null;
    assembler.reset();
    await Promise.all(lines.map((l) => l.close()));
  };
  return {
    get droppedFrames(): number {
      return assembler.droppedFrames;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
