/**
 * The event pump of an input line: waits in `poll` (off the JavaScript thread)
 * on the line fd and an eventfd, then drains the line with synchronous
 * non-blocking `read`s of up to {@linkcode EVENT_BATCH} events until `EAGAIN`.
 * Writing to the eventfd ({@linkcode EventPump.stop}) wakes and ends it.
 *
 * With a line registry (see `line_registry.ts`) the `pollfd` array lives in
 * shared memory that outlives the worker, the eventfd is recorded as soon as
 * it exists, and the pump stops touching its fds once the main thread has
 * taken them (after the worker died).
 *
 * @module
 */

import { type EdgeListener, ERRNO, type GpioError } from "../types.ts";
import type { Libc } from "./libc.ts";
import {
  decodeLineEvent,
  decodePollRevents,
  LIBC,
  LINE_EVENT_ID,
  SIZEOF,
  writePollFds,
} from "./uapi.ts";

/** Events read per `read` call. */
export const EVENT_BATCH = 64;

/** Options of {@linkcode EventPump}. */
export interface EventPumpOptions {
  libc: Libc;
  /** The line request fd (made non-blocking by the pump; closed by the caller after `stop()`). */
  fd: number;
  /** Receives the events; the set may change while the pump runs. */
  listeners: Set<EdgeListener>;
  /** Builds the error for a failed call, naming the chip and line. */
  errorOf: (errno: number, what: string) => GpioError;
  /** Called once if the pump fails after it started; it then stops. */
  onError: (error: GpioError) => void;
  /**
   * Memory for the two `struct pollfd` the blocking `poll` writes to; it must
   * outlive the worker (a registry slot's shared memory). @default a private buffer
   */
  pollFds?: Uint8Array;
  /** Told the wake eventfd once it exists, and -1 just before the pump closes it. */
  onWakeFd?: (fd: number) => void;
  /** Whether the fds are still the pump's to use and close. @default always */
  ownsFds?: () => boolean;
}

/**
 * Waits for events on one line fd and delivers them to listeners.
 *
 * @throws {GpioError} when the fd cannot be made non-blocking or the eventfd cannot be created
 */
export class EventPump {
  readonly #libc: Libc;
  readonly #fd: number;
  readonly #wakeFd: number;
  readonly #listeners: Set<EdgeListener>;
  readonly #fail: (errno: number, what: string) => void;
  readonly #buffer = new Uint8Array(SIZEOF.gpio_v2_line_event * EVENT_BATCH);
  readonly #view = new DataView(this.#buffer.buffer);
  readonly #done: Promise<void>;
  readonly #pollFds: Uint8Array;
  readonly #onWakeFd: (fd: number) => void;
  readonly #ownsFds: () => boolean;
  #stopping = false;
  #delivered = 0;

  constructor(options: EventPumpOptions) {
    const { libc, fd, errorOf } = options;
    this.#libc = libc;
    this.#fd = fd;
    this.#listeners = options.listeners;
    this.#fail = (errno, what) => options.onError(errorOf(errno, what));
    this.#onWakeFd = options.onWakeFd ?? (() => {});
    this.#ownsFds = options.ownsFds ?? (() => true);
    const s = libc.symbols;
    const flags = s.fcntl(fd, LIBC.F_GETFL, 0);
    if (flags < 0 || s.fcntl(fd, LIBC.F_SETFL, flags | LIBC.O_NONBLOCK) < 0) {
      throw errorOf(libc.errno(), "set O_NONBLOCK on line");
    }
    this.#wakeFd = s.eventfd(0, LIBC.EFD_CLOEXEC | LIBC.EFD_NONBLOCK);
    if (this.#wakeFd < 0) throw errorOf(libc.errno(), "create the wake-up eventfd for line");
    this.#onWakeFd(this.#wakeFd);
    this.#pollFds = options.pollFds ?? new Uint8Array(2 * SIZEOF.pollfd);
    writePollFds(this.#pollFds, [fd, this.#wakeFd]);
    this.#done = this.#run();
  }

  /**
   * Reads and delivers, synchronously, the events already queued on the line
   * (the pump may be waiting in `poll` meanwhile; that is harmless).
   *
   * @returns the number of events delivered
   */
  readPending(): number {
    if (this.#stopping) return 0;
    const before = this.#delivered;
    this.#drain();
    return this.#delivered - before;
  }

  /**
   * Wakes the pump and waits until it no longer uses the line fd. When the
   * fds were taken by another thread, only waits (that thread woke the pump).
   */
  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      if (!this.#ownsFds()) return await this.#done;
      const one = new Uint8Array(8);
      one[0] = 1;
      this.#libc.symbols.write(this.#wakeFd, one, 8n);
    }
    await this.#done;
  }

  async #run(): Promise<void> {
    const pollFds = this.#pollFds;
    let failures = 0;
    try {
      while (!this.#stopping) {
        const rc = await this.#libc.symbols.poll_async(pollFds as Uint8Array<ArrayBuffer>, 2n, -1);
        if (this.#stopping || !this.#ownsFds()) break;
        if (rc < 0) {
          // errno of the pool thread is not readable here; EINTR is the usual cause.
          if (++failures > 100) return this.#fail(ERRNO.EIO, "poll line");
          continue;
        }
        failures = 0;
        const revents = decodePollRevents(pollFds, 0);
        if ((revents & (LIBC.POLLERR | LIBC.POLLNVAL | LIBC.POLLHUP)) !== 0) {
          return this.#fail(ERRNO.EIO, "poll line");
        }
        if ((revents & LIBC.POLLIN) !== 0 && !this.#drain()) return;
      }
    } finally {
      if (this.#ownsFds()) {
        this.#onWakeFd(-1);
        this.#libc.symbols.close(this.#wakeFd);
      }
    }
  }

  /** Reads until `EAGAIN`; returns `false` after a read error. */
  #drain(): boolean {
    const size = SIZEOF.gpio_v2_line_event;
    for (;;) {
      const n = Number(
        this.#libc.symbols.read(this.#fd, this.#buffer, BigInt(this.#buffer.length)),
      );
      if (n < 0) {
        const errno = this.#libc.errno();
        if (errno === ERRNO.EAGAIN) return true;
        if (errno === ERRNO.EINTR) continue;
        this.#fail(errno, "read events of line");
        return false;
      }
      if (n === 0) return true;
      for (let at = 0; at + size <= n; at += size) this.#emit(at);
    }
  }

  #emit(at: number): void {
    const raw = decodeLineEvent(this.#view, at);
    this.#delivered++;
    const event = {
      offset: raw.offset,
      rising: raw.id === LINE_EVENT_ID.GPIO_V2_LINE_EVENT_RISING_EDGE,
      timestampNs: raw.timestampNs,
      seqno: raw.seqno,
    };
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        reportError(error);
      }
    }
  }
}
