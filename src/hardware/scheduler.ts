/**
 * Timer sources for hardware code: {@linkcode systemScheduler} (the real
 * timers) and {@linkcode FakeScheduler}, a manual clock for tests.
 *
 * @module
 */

import type { Scheduler } from "./types.ts";

/** The global `setTimeout`/`clearTimeout`. */
export const systemScheduler: Scheduler = {
  setTimeout(fn: () => void, ms: number): unknown {
    return setTimeout(fn, ms);
  },
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as Parameters<typeof clearTimeout>[0]);
  },
};

interface FakeTimer {
  atMs: number;
  seq: number;
  fn: () => void;
}

/**
 * A scheduler whose time only moves when the test calls
 * {@linkcode FakeScheduler.advance}.
 *
 * @example
 * ```ts
 * import { FakeScheduler } from "./scheduler.ts";
 * const timers = new FakeScheduler();
 * let fired = false;
 * timers.setTimeout(() => fired = true, 100);
 * timers.advance(99); // fired === false
 * timers.advance(1); // fired === true
 * ```
 */
export class FakeScheduler implements Scheduler {
  #nowMs = 0;
  #seq = 0;
  #timers = new Map<number, FakeTimer>();

  /** Milliseconds elapsed since creation. */
  get nowMs(): number {
    return this.#nowMs;
  }

  /** Number of timers not yet fired or cancelled. */
  get pending(): number {
    return this.#timers.size;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const seq = ++this.#seq;
    this.#timers.set(seq, { atMs: this.#nowMs + Math.max(0, ms), seq, fn });
    return seq;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === "number") this.#timers.delete(handle);
  }

  /**
   * Moves time forward by `ms`, firing due timers in time order (timers they
   * schedule fire too if they fall due within the window).
   */
  advance(ms: number): void {
    const target = this.#nowMs + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.#timers.values()) {
        if (t.atMs <= target && (next === undefined || t.atMs < next.atMs)) next = t;
      }
      if (next === undefined) break;
      this.#timers.delete(next.seq);
      this.#nowMs = next.atMs;
      next.fn();
    }
    this.#nowMs = target;
  }
}
