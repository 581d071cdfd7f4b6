/**
 * A serial port for a bus thread of its own (`bus_worker.ts`): the same
 * {@linkcode ByteLink} as `serial_port.ts`, but every wait is a synchronous
 * `poll` on the calling thread, on the port and on a wake-up eventfd. The
 * thread sleeps in the kernel between a command and its reply and through the
 * pause between cycles, so an idle bus costs no wake of a JavaScript event
 * loop: a reply or the end of a pause only returns from `poll`.
 *
 * The eventfd is how the owning thread reaches this one: it posts a message,
 * then adds 1 to the eventfd. A wait that sees the eventfd reads the count
 * and hands it to `onWake`, which awaits that many messages (the only time
 * the thread's event loop runs) before the wait returns.
 *
 * The port does not own its fds: the thread that opened them closes them
 * after this thread is done (`bus_thread.ts`).
 *
 * @module
 */
import { type SerialLibc } from "./serial_libc.ts";
import {
  type ByteLink,
  pollFds,
  READ_CHUNK_BYTES,
  revents,
  SerialError,
  WRITE_TIMEOUT_MS,
} from "./serial_port.ts";
import { TERMIOS } from "./termios.ts";
import { ERRNO } from "../types.ts";

/** Options of {@linkcode BlockingSerialPort}. */
export interface BlockingSerialPortOptions {
  libc: SerialLibc;
  /** The port, open, raw and non-blocking. */
  fd: number;
  /** A non-blocking eventfd the owner adds to once per message. */
  wakeFd: number;
  /** A name for messages. */
  path: string;
  /** Takes `count` messages; the wait returns once it settles. */
  onWake: (count: number) => Promise<void>;
  /** Called at the start of every pause between cycles. */
  onIdle?: () => void;
  /** True once the owner is gone: every read and write then fails with {@linkcode OwnerGoneError}. */
  ownerGone?: () => boolean;
}

/** The owner of the bus thread is gone (see `OsdpBusThreadOptions.lifeline`). */
export class OwnerGoneError extends Error {
  constructor(path: string) {
    super(`The owner of the OSDP bus on "${path}" is gone`);
    this.name = "OwnerGoneError";
  }
}

/** A port waited on with synchronous `poll` calls. */
export class BlockingSerialPort implements ByteLink {
  readonly path: string;
  readonly #o: BlockingSerialPortOptions;
  readonly #chunk = new Uint8Array(READ_CHUNK_BYTES);
  readonly #portAndWake: Uint8Array<ArrayBuffer>;
  readonly #wakeOnly: Uint8Array<ArrayBuffer>;
  readonly #portOut: Uint8Array<ArrayBuffer>;
  readonly #count = new BigUint64Array(1);
  #wrote = false;
  #closed = false;

  constructor(options: BlockingSerialPortOptions) {
    this.#o = options;
    this.path = options.path;
    this.#portAndWake = pollFds([options.fd, options.wakeFd], TERMIOS.POLLIN);
    this.#wakeOnly = pollFds([options.wakeFd], TERMIOS.POLLIN);
    this.#portOut = pollFds([options.fd], TERMIOS.POLLOUT);
  }

  // deno-lint-ignore require-await
  async write(bytes: Uint8Array): Promise<void> {
    const s = this.#o.libc.symbols;
    this.#wrote = true;
    let at = 0;
    const deadline = performance.now() + WRITE_TIMEOUT_MS;
    while (at < bytes.length) {
      this.#checkOpen("write to");
      const part = bytes.subarray(at) as Uint8Array<ArrayBuffer>;
      const n = Number(s.write(this.#o.fd, part, BigInt(part.length)));
      if (n >= 0) {
        at += n;
        continue;
      }
      const errno = this.#o.libc.errno();
      if (errno === ERRNO.EINTR) continue;
      if (errno !== ERRNO.EAGAIN) throw new SerialError(this.path, errno, "write to");
      const left = Math.ceil(deadline - performance.now());
      if (left <= 0) throw new SerialError(this.path, ERRNO.EAGAIN, "write (timed out) to");
      s.poll(this.#portOut, 1n, left);
    }
  }

  async read(timeoutMs: number): Promise<Uint8Array> {
    const wrote = this.#wrote;
    this.#wrote = false;
    if (!wrote || timeoutMs <= 0) {
      const now = this.#readNow();
      if (now.length > 0 || timeoutMs <= 0) return now;
    }
    const fds = this.#portAndWake;
    const rc = this.#o.libc.symbols.poll(fds, 2n, Math.ceil(timeoutMs));
    this.#checkOpen("read");
    if (rc <= 0) return new Uint8Array(0); // timeout, or EINTR: the caller's deadline decides
    if ((revents(fds, 1) & TERMIOS.POLLIN) !== 0) await this.#woken();
    const events = revents(fds, 0);
    if ((events & TERMIOS.POLLNVAL) !== 0) throw new SerialError(this.path, ERRNO.EBADF, "poll");
    if ((events & TERMIOS.POLLIN) === 0 && (events & (TERMIOS.POLLERR | TERMIOS.POLLHUP)) !== 0) {
      throw new SerialError(this.path, ERRNO.EIO, "read (hung up)");
    }
    return (events & TERMIOS.POLLIN) === 0 ? new Uint8Array(0) : this.#readNow();
  }

  idle(timeoutMs: number): Promise<void> {
    this.#o.onIdle?.();
    return this.awaitOwner(timeoutMs);
  }

  /** Waits up to `timeoutMs` for the owner's next message only (none is taken if none comes). */
  async awaitOwner(timeoutMs: number): Promise<void> {
    const rc = this.#o.libc.symbols.poll(this.#wakeOnly, 1n, Math.ceil(timeoutMs));
    if (rc > 0 && (revents(this.#wakeOnly, 0) & TERMIOS.POLLIN) !== 0) await this.#woken();
  }

  /** Marks the port closed (the owner closes the fds). */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** Reads the eventfd's count and lets the owner's messages in. */
  async #woken(): Promise<void> {
    const n = Number(this.#o.libc.symbols.read(this.#o.wakeFd, this.#count, 8n));
    if (n === 8 && this.#count[0]! > 0n) await this.#o.onWake(Number(this.#count[0]!));
  }

  #readNow(): Uint8Array {
    this.#checkOpen("read");
    for (;;) {
      const n = Number(
        this.#o.libc.symbols.read(this.#o.fd, this.#chunk, BigInt(this.#chunk.length)),
      );
      if (n > 0) return this.#chunk.slice(0, n);
      if (n === 0) return new Uint8Array(0);
      const errno = this.#o.libc.errno();
      if (errno === ERRNO.EINTR) continue;
      if (errno === ERRNO.EAGAIN) return new Uint8Array(0);
      throw new SerialError(this.path, errno, "read");
    }
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new SerialError(this.path, ERRNO.EBADF, `${what} closed`);
    if (this.#o.ownerGone?.() === true) throw new OwnerGoneError(this.path);
  }
}
