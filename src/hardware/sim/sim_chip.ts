/**
 * An in-memory GPIO chip with the same contract as the character-device chip,
 * plus test controls: {@linkcode SimChip.drive} changes what the outside world
 * puts on a line (and emits edges), {@linkcode SimChip.level} and
 * {@linkcode SimChip.recordedWrites} show what outputs did.
 *
 * Like the kernel, edges are detected on the *logical* value (after
 * `activeLow`), and edge listeners are called synchronously from `drive()`.
 *
 * Size: a little over 300 lines: the contract's chip plus its test controls,
 * which share the line state.
 *
 * @module
 */

import {
  badOffsetError,
  busyLineError,
  type ChipInfo,
  closedError,
  type EdgeListener,
  type GpioChip,
  type InputLine,
  type InputOptions,
  type LineInfo,
  type OutputLine,
  type OutputOptions,
} from "../types.ts";

/** Options of {@linkcode SimChip}. */
export interface SimChipOptions {
  /** Number of lines, or their names. @default 8 */
  lines?: number | readonly string[];
  /** @default "gpiochip-sim" */
  name?: string;
  /** @default "gpio-sim" */
  label?: string;
  /** Time source for timestamps, in nanoseconds. @default a monotonic clock from `performance.now()` */
  clock?: () => bigint;
}

/** One write to an output line, as recorded by the simulator. */
export interface RecordedWrite {
  offset: number;
  /** The logical value written. */
  value: boolean;
  /** The physical level that resulted (differs from `value` for active-low lines). */
  level: boolean;
  timestampNs: bigint;
}

interface Request {
  consumer: string;
  direction: "input" | "output";
  activeLow: boolean;
  edges: InputOptions["edges"];
  listeners: Set<EdgeListener>;
  seqno: number;
  /** Logical output value (outputs only). */
  value: boolean;
  closed: boolean;
}

interface SimLine {
  name: string;
  /** Level the outside world drives, `null` when floating (then the bias decides). */
  external: boolean | null;
  pullUp: boolean;
  request: Request | null;
  /** Consumer of a holder outside this chip object (see {@linkcode SimChip.holdLine}). */
  foreignConsumer: string | null;
}

function monotonicNs(): bigint {
  return BigInt(Math.round(performance.now() * 1e6));
}

/**
 * In-memory GPIO chip.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SimChip } from "./sim_chip.ts";
 * await using chip = new SimChip({ lines: ["D0", "D1", "STRIKE"] });
 * const d0 = chip.requestInput(0, { consumer: "reader", edges: "falling", bias: "pull-up" });
 * const edges: boolean[] = [];
 * d0.onEdge((e) => edges.push(e.rising)); // called synchronously by drive()
 * chip.drive(0, false); // one falling edge
 * assert.deepEqual(edges, [false]);
 * ```
 */
export class SimChip implements GpioChip {
  /** Every write to an output line, oldest first (test control). */
  readonly recordedWrites: RecordedWrite[] = [];
  readonly #name: string;
  readonly #label: string;
  readonly #clock: () => bigint;
  readonly #lines: SimLine[];
  readonly #pendingSources = new Set<() => void>();
  #pullingSources = false;
  #closed = false;

  constructor(options: SimChipOptions = {}) {
    const lines = options.lines ?? 8;
    const names = typeof lines === "number" ? Array.from({ length: lines }, () => "") : [...lines];
    this.#name = options.name ?? "gpiochip-sim";
    this.#label = options.label ?? "gpio-sim";
    this.#clock = options.clock ?? monotonicNs;
    this.#lines = names.map((name) => ({
      name,
      external: null,
      pullUp: false,
      request: null,
      foreignConsumer: null,
    }));
  }

  /** Chip identity. */
  info(): ChipInfo {
    return { name: this.#name, label: this.#label, lines: this.#lines.length };
  }

  /** The offset of the line called `name`, or `undefined`. */
  offsetOf(name: string): number | undefined {
    const offset = this.#lines.findIndex((l) => l.name === name);
    return offset < 0 ? undefined : offset;
  }

  /** State of one line. */
  lineInfo(offset: number): LineInfo {
    if (this.#closed) throw closedError(this.#name);
    const line = this.#line(offset);
    const request = line.request;
    return {
      offset,
      name: line.name,
      consumer: request?.consumer ?? line.foreignConsumer ?? "",
      used: request !== null || line.foreignConsumer !== null,
      direction: request?.direction ?? "input",
      activeLow: request?.activeLow ?? false,
    };
  }

  /** Current simulated time. */
  nowNs(): bigint {
    return this.#clock();
  }

  /** Requests an input line. */
  requestInput(offset: number, options: InputOptions): InputLine {
    const request = this.#claim(offset, {
      consumer: options.consumer,
      direction: "input",
      activeLow: options.activeLow ?? false,
      edges: options.edges,
      listeners: new Set(),
      seqno: 0,
      value: false,
      closed: false,
    });
    const line = this.#line(offset);
    if (options.bias !== undefined) line.pullUp = options.bias === "pull-up";
    const release = (): Promise<void> => this.#release(offset, request);
    const read = (): boolean => {
      if (request.closed) throw closedError(this.#name, offset);
      return this.#physical(line) !== request.activeLow;
    };
    return {
      offset,
      get: read,
      onEdge(listener: EdgeListener): () => void {
        request.listeners.add(listener);
        return () => request.listeners.delete(listener);
      },
      readPendingEvents: (): number => {
        const before = request.seqno;
        this.#runPendingSources();
        return request.seqno - before;
      },
      close: release,
      [Symbol.asyncDispose]: release,
    };
  }

  /** Requests an output line driven to `options.initial`. */
  requestOutput(offset: number, options: OutputOptions): OutputLine {
    const request = this.#claim(offset, {
      consumer: options.consumer,
      direction: "output",
      activeLow: options.activeLow ?? false,
      edges: "none",
      listeners: new Set(),
      seqno: 0,
      value: options.initial,
      closed: false,
    });
    this.#record(offset, options.initial, request.activeLow);
    const release = (): Promise<void> => this.#release(offset, request);
    const name = this.#name;
    const record = (value: boolean): void => this.#record(offset, value, request.activeLow);
    return {
      offset,
      set(value: boolean): void {
        if (request.closed) throw closedError(name, offset);
        request.value = value;
        record(value);
      },
      get(): boolean {
        if (request.closed) throw closedError(name, offset);
        return request.value;
      },
      close: release,
      [Symbol.asyncDispose]: release,
    };
  }

  /**
   * Test control: the outside world drives the line to a physical `level`. On a
   * requested input whose logical value changes, listeners get an edge event
   * stamped `timestampNs` (default: {@linkcode SimChip.nowNs}).
   */
  drive(offset: number, level: boolean, timestampNs?: bigint): void {
    const line = this.#line(offset);
    const before = this.#physical(line);
    line.external = level;
    const request = line.request;
    if (request === null || request.direction !== "input" || before === level) return;
    const rising = level !== request.activeLow;
    const wanted = request.edges === "both" ||
      (request.edges === "rising" && rising) ||
      (request.edges === "falling" && !rising);
    if (!wanted) return;
    request.seqno++;
    const event = {
      offset,
      rising,
      timestampNs: timestampNs ?? this.#clock(),
      seqno: request.seqno,
    };
    for (const listener of [...request.listeners]) listener(event);
  }

  /**
   * Test control: `source` is called whenever a line's `readPendingEvents()`
   * is, so it can drive the edges whose time has already come. That is what a
   * kernel queue holds for real hardware while JavaScript is busy: a reader
   * asks for pending events before it decides that a line was silent, and a
   * simulator whose timer runs late (after the reader's) must not leave a gap
   * there. Returns a function that removes the source.
   */
  addPendingSource(source: () => void): () => void {
    this.#pendingSources.add(source);
    return () => this.#pendingSources.delete(source);
  }

  #runPendingSources(): void {
    if (this.#pullingSources) return;
    this.#pullingSources = true;
    try {
      for (const source of [...this.#pendingSources]) source();
    } finally {
      this.#pullingSources = false;
    }
  }

  /** Test control: stops driving the line; its level then follows the bias. */
  release(offset: number): void {
    const line = this.#line(offset);
    const floating = line.pullUp;
    if (line.external !== floating) this.drive(offset, floating);
    line.external = null;
  }

  /**
   * Test control: the physical level of a line (for an output, what it drives;
   * for an input, what is driven onto it or its bias).
   */
  level(offset: number): boolean {
    const line = this.#line(offset);
    const request = line.request;
    if (request?.direction === "output") return request.value !== request.activeLow;
    return this.#physical(line);
  }

  /** Test control: marks a line as held by another process (`null` frees it). */
  holdLine(offset: number, consumer: string | null): void {
    this.#line(offset).foreignConsumer = consumer;
  }

  /** Releases every line. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const line of this.#lines) {
      if (line.request !== null) line.request.closed = true;
      line.request = null;
    }
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #line(offset: number): SimLine {
    const line = Number.isInteger(offset) ? this.#lines[offset] : undefined;
    if (line === undefined) throw badOffsetError(this.#name, offset, this.#lines.length);
    return line;
  }

  #physical(line: SimLine): boolean {
    return line.external ?? line.pullUp;
  }

  #claim(offset: number, request: Request): Request {
    if (this.#closed) throw closedError(this.#name);
    const line = this.#line(offset);
    const holder = line.request?.consumer ?? line.foreignConsumer;
    if (holder !== null && holder !== undefined) throw busyLineError(this.#name, offset, holder);
    line.request = request;
    return request;
  }

  #release(offset: number, request: Request): Promise<void> {
    request.closed = true;
    request.listeners.clear();
    const line = this.#lines[offset];
    if (line !== undefined && line.request === request) line.request = null;
    return Promise.resolve();
  }

  #record(offset: number, value: boolean, activeLow: boolean): void {
    this.recordedWrites.push({
      offset,
      value,
      level: value !== activeLow,
      timestampNs: this.#clock(),
    });
  }
}
