/**
 * The one time source: wall time, monotonic time and timers, injected
 * everywhere time matters (session, recorder, supervisor, controller,
 * hardware) so that time-dependent logic is tested on {@linkcode FakeClock}
 * without sleeping.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "./clock.ts";
 * const clock = new FakeClock(0);
 * let fired = false;
 * clock.setTimeout(() => fired = true, 100);
 * clock.advance(99);
 * assert.equal(fired, false);
 * clock.advance(1);
 * assert.equal(fired, true);
 * assert.equal(clock.now(), 100);
 * ```
 *
 * @module
 */

/** A handle returned by {@linkcode Clock.setTimeout}. */
export type TimerHandle = unknown;

/** Wall time, monotonic time and one-shot timers. */
export interface Clock {
  /** Wall-clock time, Unix milliseconds (what is stored and shown). */
  now(): number;
  /** Monotonic milliseconds from an arbitrary origin (durations, deadlines). */
  monotonic(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The system clock: `Date.now`, `performance.now` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

interface FakeTimer {
  atMs: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock whose time moves only when a test says so. Wall and monotonic time
 * move together; timers fire in time order during {@linkcode FakeClock.advance}.
 */
export class FakeClock implements Clock {
  #wallMs: number;
  #monoMs = 0;
  #seq = 0;
  readonly #timers = new Map<number, FakeTimer>();

  /** Starts at `startMs` wall time (default 2026-01-05 12:00 UTC). */
  constructor(startMs: number = Date.UTC(2026, 0, 5, 12, 0, 0)) {
    this.#wallMs = startMs;
  }

  now(): number {
    return this.#wallMs;
  }

  monotonic(): number {
    return this.#monoMs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const seq = ++this.#seq;
    this.#timers.set(seq, { atMs: this.#monoMs + Math.max(0, ms), seq, fn });
    return seq;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === "number") this.#timers.delete(handle);
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward by `ms`, firing due timers in time order (timers they
   * schedule fire too if they fall due within the window).
   */
  advance(ms: number): void {
    const target = this.#monoMs + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.#timers.values()) {
        if (t.atMs <= target && (next === undefined || t.atMs < next.atMs)) next = t;
      }
      if (next === undefined) break;
      this.#timers.delete(next.seq);
      this.#wallMs += next.atMs - this.#monoMs;
      this.#monoMs = next.atMs;
      next.fn();
    }
    this.#wallMs += target - this.#monoMs;
    this.#monoMs = target;
  }

  /** Sets the wall time (a clock step); monotonic time and timers are not moved. */
  set(ms: number): void {
    this.#wallMs = ms;
  }
}
