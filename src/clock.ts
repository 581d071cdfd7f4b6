/**
 * Time source, injected so that time-dependent logic is testable.
 *
 * @module
 */

/** Something that tells the time in Unix milliseconds. */
export interface Clock {
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that tests move by hand. */
export class FakeClock implements Clock {
  #now: number;
  constructor(startMs = Date.UTC(2026, 0, 5, 12, 0, 0)) {
    this.#now = startMs;
  }
  now(): number {
    return this.#now;
  }
  /** Moves the clock forward. */
  advance(ms: number): void {
    this.#now += ms;
  }
  /** Sets the clock. */
  set(ms: number): void {
    this.#now = ms;
  }
}
