/**
 * The simulator's per-reader queue: `hardware.simulate` calls on one reader
 * are played one after the other, each followed by the reader's
 * inter-frame gap, as a real reader leaves silence between two cards. Without
 * it, calls sent at once overlap on D0/D1 and the assembler merges them into
 * one bad read. Different readers play independently. Time comes from the
 * injected {@linkcode Clock}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "../clock.ts";
 * import { ReaderPlayQueue } from "./sim_queue.ts";
 * const clock = new FakeClock(0);
 * const queue = new ReaderPlayQueue(clock);
 * const played: number[] = [];
 * const job = { gapMs: 35, play: () => played.push(clock.monotonic()) };
 * void queue.enqueue("r1", "front", job); // plays at once
 * void queue.enqueue("r1", "front", job); // waits for the gap
 * await Promise.resolve(); // the first frame's end is noted
 * clock.advance(34);
 * assert.deepEqual(played, [0]);
 * clock.advance(1);
 * assert.deepEqual(played, [0, 35]);
 * ```
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { CONTROLLER_ERROR, ControllerError } from "./protocol.ts";

/**
 * Most calls waiting (or playing) on one reader. A card with its gap takes
 * under 0.1 s, so 32 is a few seconds of work, well inside the 30 s the
 * supervisor gives a `simulate` request; beyond, a client is piling up work.
 */
export const MAX_PENDING_PER_READER = 32;

/** One call to play on a reader. */
export interface PlayJob<T> {
  /** Silence the reader must keep after this job before the next one starts, ms. */
  gapMs: number;
  /**
   * How far before the moment it is played the job stamps its first edge, ms
   * (`instant` frames are stamped as if played in real time and ending now):
   * the job waits this much longer so its edges still follow the gap.
   * @default 0
   */
  backdateMs?: number;
  /** Plays the frames; resolves once the last edge is driven. */
  play(): Promise<T> | T;
}

interface Entry {
  job: PlayJob<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Lane {
  readonly entries: Entry[];
  /** A job is playing. */
  busy: boolean;
  /** Monotonic ms from which the reader is silent long enough for a new frame. */
  idleAt: number;
  timer: unknown;
}

/** Per-reader FIFO queues of simulated frames, with the gap between them. */
export class ReaderPlayQueue {
  readonly #clock: Clock;
  readonly #maxPending: number;
  readonly #lanes = new Map<string, Lane>();

  constructor(clock: Clock, maxPending: number = MAX_PENDING_PER_READER) {
    this.#clock = clock;
    this.#maxPending = maxPending;
  }

  /** Calls queued or playing on `key`. */
  pending(key: string): number {
    const lane = this.#lanes.get(key);
    return lane === undefined ? 0 : lane.entries.length + (lane.busy ? 1 : 0);
  }

  /**
   * Queues `job` on reader `key` (`label` names it in errors). It plays once
   * every earlier job on the reader has played and the gap after the last
   * one has passed; the promise settles with `play`'s outcome (once the last
   * edge is driven, as a call that did not wait).
   *
   * @throws {ControllerError} `BAD_REQUEST` when the reader already has
   * {@linkcode MAX_PENDING_PER_READER} calls pending
   */
  enqueue<T>(key: string, label: string, job: PlayJob<T>): Promise<T> {
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = { entries: [], busy: false, idleAt: -Infinity, timer: null };
      this.#lanes.set(key, lane);
    }
    if (this.pending(key) >= this.#maxPending) {
      throw new ControllerError(
        CONTROLLER_ERROR.BAD_REQUEST,
        `reader "${label}" already has ${this.#maxPending} simulated reads waiting; ` +
          "send more once they have been played",
      );
    }
    const target = lane;
    return new Promise<T>((resolve, reject) => {
      target.entries.push({ job, resolve: resolve as (value: unknown) => void, reject });
      this.#pump(key, target);
    });
  }

  #pump(key: string, lane: Lane): void {
    if (lane.busy || lane.timer !== null) return;
    // An idle lane is kept (one small record per reader): an `instant` job
    // that comes later still needs to know when the last frame ended.
    const entry = lane.entries[0];
    if (entry === undefined) return;
    const waitMs = lane.idleAt + (entry.job.backdateMs ?? 0) - this.#clock.monotonic();
    if (waitMs > 0) {
      lane.timer = this.#clock.setTimeout(() => {
        lane.timer = null;
        this.#pump(key, lane);
      }, waitMs);
      return;
    }
    lane.entries.shift();
    lane.busy = true;
    let played: Promise<unknown>;
    try {
      played = Promise.resolve(entry.job.play());
    } catch (error) {
      played = Promise.reject(error);
    }
    // The call is answered once played; the next one waits for the gap.
    const settle = (outcome: () => void): void => {
      lane.idleAt = this.#clock.monotonic() + entry.job.gapMs;
      lane.busy = false;
      outcome();
      this.#pump(key, lane);
    };
    played.then(
      (value) => settle(() => entry.resolve(value)),
      (error) => settle(() => entry.reject(error)),
    );
  }
}
