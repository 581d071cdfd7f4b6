/**
 * Output drivers for LEDs, buzzers and door strikes: a steady state (on/off)
 * plus temporary effects (blink, pulse, patterns) timed by an injected
 * {@linkcode Scheduler}, and the access granted/denied feedback patterns.
 *
 * @module
 */

import { systemClock } from "../clock.ts";
import type { OutputLine, Scheduler } from "./types.ts";

/** One step of a pattern: hold `on` for `ms` milliseconds. */
export interface IndicatorStep {
  on: boolean;
  ms: number;
}

/** What an indicator is doing. */
export type IndicatorState = "on" | "off" | "effect";

/** Options of {@linkcode Indicator}. */
export interface IndicatorOptions {
  /** @default systemClock */
  scheduler?: Scheduler;
}

/** Default blink period (one on + one off). */
export const DEFAULT_BLINK_PERIOD_MS = 500;

/**
 * The steps of a blink: on for half a period, off for half, until `durationMs`
 * (rounded up to whole half-periods) has elapsed; endless when `durationMs` is
 * `Infinity`.
 */
export function* blinkSteps(durationMs: number, periodMs: number): Generator<IndicatorStep> {
  if (!(periodMs >= 2)) throw new RangeError(`periodMs must be >= 2, got ${periodMs}`);
  if (!(durationMs > 0)) throw new RangeError(`durationMs must be > 0, got ${durationMs}`);
  const half = periodMs / 2;
  for (let elapsed = 0, on = true; elapsed < durationMs; elapsed += half, on = !on) {
    yield { on, ms: half };
  }
}

/**
 * Drives one output line. `on()`/`off()` set the steady state and cancel any
 * effect; an effect (`blink`, `pulse`, `play`) runs on top of the steady state
 * and returns to it when done. Starting an effect replaces the previous one.
 *
 * @example
 * ```ts
 * import { Indicator } from "./indicator.ts";
 * import { FakeClock } from "../clock.ts";
 * import { SimChip } from "./sim/sim_chip.ts";
 * const chip = new SimChip({ lines: 1 });
 * const timers = new FakeClock();
 * const strike = new Indicator(chip.requestOutput(0, { consumer: "strike", initial: false }), {
 *   scheduler: timers,
 * });
 * strike.pulse(3000); // open the door for 3 s
 * timers.advance(3000); // chip.level(0) === false again
 * ```
 */
export class Indicator {
  readonly #line: OutputLine;
  readonly #scheduler: Scheduler;
  #steady = false;
  #current: boolean;
  #timer: unknown = null;
  #effect: Iterator<IndicatorStep> | null = null;

  constructor(line: OutputLine, options: IndicatorOptions = {}) {
    this.#line = line;
    this.#scheduler = options.scheduler ?? systemClock;
    this.#current = line.get();
    this.#steady = this.#current;
  }

  /** The steady state, or `"effect"` while an effect runs. */
  get state(): IndicatorState {
    return this.#effect !== null ? "effect" : this.#steady ? "on" : "off";
  }

  /** Whether the output is on right now. */
  get isOn(): boolean {
    return this.#current;
  }

  /** Turns on (steady). */
  on(): void {
    this.#setSteady(true);
  }

  /** Turns off (steady). */
  off(): void {
    this.#setSteady(false);
  }

  /** Flips the steady state. */
  toggle(): void {
    this.#setSteady(!this.#steady);
  }

  /** Blinks for `durationMs` (endless with `Infinity`), then returns to the steady state. */
  blink(durationMs: number = Infinity, periodMs: number = DEFAULT_BLINK_PERIOD_MS): void {
    this.play(blinkSteps(durationMs, periodMs));
  }

  /** Turns on for `ms`, then returns to the steady state (a strike opening, a beep). */
  pulse(ms: number): void {
    if (!(ms > 0)) throw new RangeError(`ms must be > 0, got ${ms}`);
    this.play([{ on: true, ms }]);
  }

  /** Plays a sequence of steps, then returns to the steady state. */
  play(steps: Iterable<IndicatorStep>): void {
    this.#cancel();
    this.#effect = steps[Symbol.iterator]();
    this.#step();
  }

  /** Ends the running effect, back to the steady state. */
  stop(): void {
    this.#cancel();
    this.#write(this.#steady);
  }

  /** Cancels timers and turns the output off. Does not release the line. */
  dispose(): void {
    this.#cancel();
    this.#steady = false;
    this.#write(false);
  }

  #setSteady(value: boolean): void {
    this.#cancel();
    this.#steady = value;
    this.#write(value);
  }

  #step(): void {
    this.#timer = null;
    const effect = this.#effect;
    if (effect === null) return;
    const next = effect.next();
    if (next.done === true) {
      this.#effect = null;
      this.#write(this.#steady);
      return;
    }
    this.#write(next.value.on);
    this.#timer = this.#scheduler.setTimeout(() => this.#step(), next.value.ms);
  }

  #cancel(): void {
    if (this.#timer !== null) this.#scheduler.clearTimeout(this.#timer);
    this.#timer = null;
    this.#effect = null;
  }

  #write(value: boolean): void {
    if (value === this.#current) return;
    this.#line.set(value);
    this.#current = value;
  }
}

/** The outputs of a reader that give access feedback. */
export interface FeedbackOutputs {
  led?: Indicator;
  buzzer?: Indicator;
}

/** A feedback pattern per output. */
export interface FeedbackPattern {
  led: readonly IndicatorStep[];
  buzzer: readonly IndicatorStep[];
}

/** Access granted: LED on 1.5 s (Leosac's `GREEN_LED ON 1500`), one short beep. */
export const GRANTED_FEEDBACK: FeedbackPattern = {
  led: [{ on: true, ms: 1500 }],
  buzzer: [{ on: true, ms: 100 }],
};

/** Access denied: LED blinks fast for 1.2 s, buzzer on 500 ms (Leosac's `ON 500`). */
export const DENIED_FEEDBACK: FeedbackPattern = {
  led: [...blinkSteps(1200, 200)],
  buzzer: [{ on: true, ms: 500 }],
};

/** Plays the granted or denied feedback on whichever outputs the reader has. */
export function signalAccess(granted: boolean, outputs: FeedbackOutputs): void {
  const pattern = granted ? GRANTED_FEEDBACK : DENIED_FEEDBACK;
  outputs.led?.play(pattern.led);
  outputs.buzzer?.play(pattern.buzzer);
}
