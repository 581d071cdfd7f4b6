/**
 * The event pump of an input line: waits in `poll` (off the JavaScript thread)
 * on the line fd and an eventfd, then drains the line with synchronous
 * non-blocking `read`s of up to {@linkcode EVENT_BATCH} events until `EAGAIN`.
 * Writing to the eventfd ({@linkcode EventPump.stop}) wakes and ends it.
 *
 * @module
 */

import { type EdgeListener, ERRNO, type GpioError } from "../types.ts";
import type { Libc } from "./libc.ts";
import {
  decodeLineEvent,
  decodePollRevents,
  encodePollFds,
  LIBC,
  LINE_EVENT_ID,
  SIZEOF,
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
  #stopping = false;
  #delivered = 0;

  constructor(options: EventPumpOptions) {
    const { libc, fd, errorOf } = options;
    this.#libc = libc;
    this.#fd = fd;
    this.#listeners = options.listeners;
    this.#fail = (errno, what) => options.onError(errorOf(errno, what));
    const s = libc.symbols;
    const flags = s.fcntl(fd, LIBC.F_GETFL, 0);
    if (flags < 0 || s.fcntl(fd, LIBC.F_SETFL, flags | LIBC.O_NONBLOCK) < 0) {
      throw errorOf(libc.errno(), "set O_NONBLOCK on line");
    }
    this.#wakeFd = s.eventfd(0, LIBC.EFD_CLOEXEC | LIBC.EFD_NONBLOCK);
    if (this.#wakeFd < 0) throw errorOf(libc.errno(), "create the wake-up eventfd for line");
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

  /** Wakes the pump and waits until it no longer uses the line fd. */
  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      const one = new Uint8Array(8);
      one[0] = 1;
      this.#libc.symbols.write(this.#wakeFd, one, 8n);
    }
    await this.#done;
  }

  async #run(): Promise<void> {
    const pollFds = encodePollFds([this.#fd, this.#wakeFd]);
    let failures = 0;
    try {
      while (!this.#stopping) {
        const rc = await this.#libc.symbols.poll_async(pollFds, 2n, -1);
        if (this.#stopping) break;
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
      this.#libc.symbols.close(this.#wakeFd);
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
