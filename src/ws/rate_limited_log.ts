/**
 * A warning that an attacker can trigger at will (a refused origin, a full
 * server) is written at most once per interval: the first occurrence is
 * logged, the rest of the interval only counted, and at its end one line says
 * how many were suppressed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "../clock.ts";
 * import { RateLimitedLog } from "./rate_limited_log.ts";
 * const clock = new FakeClock(0);
 * const lines: string[] = [];
 * const refused = new RateLimitedLog(clock, 60_000, (n) => lines.push(`${n} more`));
 * for (let i = 0; i < 5; i++) refused.hit(() => lines.push(`refused ${i}`));
 * clock.advance(60_000);
 * assert.deepEqual(lines, ["refused 0", "4 more"]);
 * ```
 *
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";

/** Default interval between two lines of one kind. */
export const DEFAULT_LOG_INTERVAL_MS = 60_000;

/** One kind of repeated warning. */
export class RateLimitedLog {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #summary: (suppressed: number, intervalMs: number) => void;
  #timer: TimerHandle | null = null;
  #suppressed = 0;

  /** `summary` writes the line that reports `suppressed` occurrences at the end of an interval. */
  constructor(
    clock: Clock,
    intervalMs: number,
    summary: (suppressed: number, intervalMs: number) => void,
  ) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#summary = summary;
  }

  /** One occurrence: `write` runs if no line of this kind was written in the current interval. */
  hit(write: () => void): void {
    if (this.#timer !== null) {
      this.#suppressed++;
      return;
    }
    write();
    this.#startInterval();
  }

  /** Occurrences counted but not yet reported. */
  get suppressed(): number {
    return this.#suppressed;
  }

  /** Stops the timer (shutdown); what was suppressed is reported now. */
  close(): void {
    if (this.#timer === null) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#flush();
  }

  #startInterval(): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      // A summary line is a line: the next interval starts with it.
      if (this.#flush()) this.#startInterval();
    }, this.#intervalMs);
  }

  #flush(): boolean {
    if (this.#suppressed === 0) return false;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    this.#summary(suppressed, this.#intervalMs);
    return true;
  }
}
