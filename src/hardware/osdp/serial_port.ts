/**
 * A serial port (or one end of a pseudo-terminal) through libc: opened
 * non-blocking, set to raw 8N1 at one of the OSDP baud rates, read by waiting
 * in `poll` off the JavaScript thread (never a busy loop), written with
 * `write` (waiting in `poll` for room when the driver's buffer is full).
 * {@linkcode SerialPort.close} wakes a pending read through an eventfd.
 *
 * Errors are {@linkcode SerialError}s naming the port, the call and the
 * errno: `Cannot open serial port "/dev/ttyUSB0": ENOENT (errno 2)`.
 *
 * @module
 */
import { BAUD_RATES } from "./codes.ts";
import { type SerialLibc } from "./serial_libc.ts";
import { makeRaw8N1, SPEED_OF_BAUD, TERMIOS, TERMIOS_OFFSET, TERMIOS_SIZEOF } from "./termios.ts";
import { ERRNO, errnoName } from "../types.ts";

/** A byte stream to a bus: what the OSDP link layer needs. */
export interface ByteLink {
  /** A name for messages (the port path). */
  readonly path: string;
  /** Writes every byte. @throws {SerialError} when the port fails or is closed */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Waits up to `timeoutMs` for bytes and returns those available (an empty
   * array when none came). @throws {SerialError} when the port fails or is closed
   */
  read(timeoutMs: number): Promise<Uint8Array>;
  /**
   * Waits `timeoutMs` or until woken, when the link has its own way to wait
   * (a bus thread's port waits in `poll` on its wake-up eventfd). Without it
   * the control panel pauses with a timer.
   */
  idle?(timeoutMs: number): Promise<void>;
  /** Ends a pending read and releases the port. Idempotent. */
  close(): Promise<void>;
}

/** A failed serial call. */
export class SerialError extends Error {
  /** The port path. */
  readonly path: string;
  /** Linux errno. */
  readonly errno: number;
  /** Symbolic errno. */
  readonly code: string;

  constructor(path: string, errno: number, what: string) {
    super(`Cannot ${what} serial port "${path}": ${errnoName(errno)} (errno ${errno})`);
    this.name = "SerialError";
    this.path = path;
    this.errno = errno;
    this.code = errnoName(errno);
  }
}

/** Options of {@linkcode openSerialPort}. */
export interface SerialPortOptions {
  /** 9600, 19200, 38400, 57600 or 115200. */
  baud: number;
  /** The loaded libc (the caller owns it). */
  libc: SerialLibc;
}

/** Bytes read per `read` call at most. */
export const READ_CHUNK_BYTES = 2048;
/** The longest a write waits for room in the driver's buffer, ms. */
export const WRITE_TIMEOUT_MS = 2000;

const encoder = new TextEncoder();

/**
 * Opens and configures a serial port.
 *
 * @throws {SerialError} when the port cannot be opened, is not a terminal or refuses the settings
 * @throws {RangeError} for an unsupported baud rate
 */
export function openSerialPort(path: string, options: SerialPortOptions): SerialPort {
  return new SerialPort(options.libc, openSerialFd(path, options), path);
}

/**
 * Opens a serial port, configured raw 8N1 and non-blocking, and returns its
 * file descriptor (the caller closes it): for a bus thread, which waits on it
 * with its own `poll` (`bus_thread.ts`).
 *
 * @throws {SerialError} when the port cannot be opened, is not a terminal or refuses the settings
 * @throws {RangeError} for an unsupported baud rate
 */
export function openSerialFd(path: string, options: SerialPortOptions): number {
  const { libc, baud } = options;
  const speed = SPEED_OF_BAUD[baud];
  if (speed === undefined) {
    throw new RangeError(`Baud rate ${baud} is not one of ${BAUD_RATES.join(", ")}`);
  }
  const s = libc.symbols;
  const fd = s.open(
    encoder.encode(`${path}\0`),
    TERMIOS.O_RDWR | TERMIOS.O_NOCTTY | TERMIOS.O_NONBLOCK | TERMIOS.O_CLOEXEC,
    0,
  );
  if (fd < 0) throw new SerialError(path, libc.errno(), "open");
  try {
    configureRaw(libc, fd, path, speed);
  } catch (error) {
    s.close(fd);
    throw error;
  }
  return fd;
}

/** Puts an open terminal fd in raw 8N1 at `speed` and flushes both queues. */
function configureRaw(libc: SerialLibc, fd: number, path: string, speed: number): void {
  const s = libc.symbols;
  if (s.isatty(fd) !== 1) throw new SerialError(path, ERRNO.ENOTTY, "use (not a terminal)");
  const termios = new Uint8Array(TERMIOS_SIZEOF.termios);
  if (s.tcgetattr(fd, termios) < 0) throw new SerialError(path, libc.errno(), "read settings of");
  makeRaw8N1(termios);
  if (s.cfsetspeed(termios, speed) < 0) throw new SerialError(path, libc.errno(), "set speed of");
  if (s.tcsetattr(fd, TERMIOS.TCSANOW, termios) < 0) {
    throw new SerialError(path, libc.errno(), "apply raw 8N1 to");
  }
  s.tcflush(fd, TERMIOS.TCIOFLUSH);
}

/** `struct pollfd` entries for `fds`, each waiting for `events`. */
export function pollFds(fds: readonly number[], events: number): Uint8Array<ArrayBuffer> {
  const buffer = new Uint8Array(TERMIOS_SIZEOF.pollfd * fds.length);
  const dv = new DataView(buffer.buffer);
  fds.forEach((fd, i) => {
    dv.setInt32(i * TERMIOS_SIZEOF.pollfd + TERMIOS_OFFSET["pollfd.fd"], fd, true);
    dv.setInt16(i * TERMIOS_SIZEOF.pollfd + TERMIOS_OFFSET["pollfd.events"], events, true);
  });
  return buffer;
}

/** The `revents` of entry `index` after `poll`. */
export function revents(buffer: Uint8Array, index: number): number {
  return new DataView(buffer.buffer, buffer.byteOffset).getInt16(
    index * TERMIOS_SIZEOF.pollfd + TERMIOS_OFFSET["pollfd.revents"],
    true,
  );
}

/** An open, configured terminal fd (a serial port or a pty end). */
export class SerialPort implements ByteLink {
  readonly path: string;
  readonly #libc: SerialLibc;
  readonly #fd: number;
  readonly #wakeFd: number;
  readonly #chunk = new Uint8Array(READ_CHUNK_BYTES);
  /** The pollfds of a read (the port and the wake-up eventfd), allocated once. */
  readonly #readFds: Uint8Array<ArrayBuffer>;
  #reading: Promise<unknown> | null = null;
  /** Written since the last read: the first read waits in poll at once. */
  #wrote = false;
  #closed = false;

  /** Takes ownership of `fd` (already non-blocking). @throws {SerialError} without an eventfd */
  constructor(libc: SerialLibc, fd: number, path: string) {
    this.#libc = libc;
    this.#fd = fd;
    this.path = path;
    this.#wakeFd = libc.symbols.eventfd(0, TERMIOS.EFD_CLOEXEC | TERMIOS.EFD_NONBLOCK);
    if (this.#wakeFd < 0) {
      const errno = libc.errno();
      libc.symbols.close(fd);
      throw new SerialError(path, errno, "create the wake-up eventfd for");
    }
    this.#readFds = pollFds([fd, this.#wakeFd], TERMIOS.POLLIN);
  }

  /** The file descriptor (tests). */
  get fd(): number {
    return this.#fd;
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.#wrote = true;
    let at = 0;
    const deadline = performance.now() + WRITE_TIMEOUT_MS;
    while (at < bytes.length) {
      if (this.#closed) throw new SerialError(this.path, ERRNO.EBADF, "write to closed");
      const part = bytes.subarray(at) as Uint8Array<ArrayBuffer>;
      const n = Number(this.#libc.symbols.write(this.#fd, part, BigInt(part.length)));
      if (n >= 0) {
        at += n;
        continue;
      }
      const errno = this.#libc.errno();
      if (errno === ERRNO.EINTR) continue;
      if (errno !== ERRNO.EAGAIN) throw new SerialError(this.path, errno, "write to");
      const left = Math.ceil(deadline - performance.now());
      if (left <= 0) throw new SerialError(this.path, ERRNO.EAGAIN, "write (timed out) to");
      await this.#libc.symbols.poll_async(pollFds([this.#fd], TERMIOS.POLLOUT), 1n, left);
    }
  }

  async read(timeoutMs: number): Promise<Uint8Array> {
    if (this.#reading !== null) throw new Error(`A read is already pending on "${this.path}"`);
    const turn = this.#read(timeoutMs);
    this.#reading = turn;
    try {
      return await turn;
    } finally {
      this.#reading = null;
    }
  }

  async #read(timeoutMs: number): Promise<Uint8Array> {
    // Right after a write the answer cannot be there yet: wait in poll at once
    // (poll returns at once if it is), saving a read and an errno call per turn.
    const wrote = this.#wrote;
    this.#wrote = false;
    if (!wrote || timeoutMs <= 0) {
      const now = this.#readNow();
      if (now.length > 0 || timeoutMs <= 0) return now;
    }
    const fds = this.#readFds;
    const rc = await this.#libc.symbols.poll_async(fds, 2n, Math.ceil(timeoutMs));
    if (this.#closed) throw new SerialError(this.path, ERRNO.EBADF, "read closed");
    if (rc <= 0) return new Uint8Array(0); // timeout, or EINTR: the caller's deadline decides
    const events = revents(fds, 0);
    if ((events & TERMIOS.POLLIN) === 0 && (events & (TERMIOS.POLLERR | TERMIOS.POLLHUP)) !== 0) {
      throw new SerialError(this.path, ERRNO.EIO, "read (hung up)");
    }
    if ((events & TERMIOS.POLLNVAL) !== 0) throw new SerialError(this.path, ERRNO.EBADF, "poll");
    return this.#readNow();
  }

  /** Reads what is queued, without waiting. */
  #readNow(): Uint8Array {
    if (this.#closed) throw new SerialError(this.path, ERRNO.EBADF, "read closed");
    for (;;) {
      const n = Number(
        this.#libc.symbols.read(this.#fd, this.#chunk, BigInt(this.#chunk.length)),
      );
      if (n > 0) return this.#chunk.slice(0, n);
      if (n === 0) return new Uint8Array(0);
      const errno = this.#libc.errno();
      if (errno === ERRNO.EINTR) continue;
      if (errno === ERRNO.EAGAIN) return new Uint8Array(0);
      throw new SerialError(this.path, errno, "read");
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const one = new Uint8Array(8);
    one[0] = 1;
    this.#libc.symbols.write(this.#wakeFd, one, 8n);
    await this.#reading?.catch(() => {});
    this.#libc.symbols.close(this.#fd);
    this.#libc.symbols.close(this.#wakeFd);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A pseudo-terminal pair: the master end open, the slave's path to open as a port. */
export interface PtyPair {
  /** The master end (raw bytes to and from whoever opens the slave). */
  master: SerialPort;
  /** `/dev/pts/N`. */
  slavePath: string;
}

/**
 * Opens a pseudo-terminal pair (`posix_openpt`, `grantpt`, `unlockpt`,
 * `ptsname_r`). The slave stays unopened; open it with
 * {@linkcode openSerialPort}, which puts it in raw mode.
 *
 * @throws {SerialError} when a call fails
 */
export function openPty(libc: SerialLibc): PtyPair {
  const s = libc.symbols;
  const fd = s.posix_openpt(TERMIOS.O_RDWR | TERMIOS.O_NOCTTY | TERMIOS.O_CLOEXEC);
  if (fd < 0) throw new SerialError("/dev/ptmx", libc.errno(), "open");
  const name = new Uint8Array(128);
  if (s.grantpt(fd) !== 0 || s.unlockpt(fd) !== 0) {
    const errno = libc.errno();
    s.close(fd);
    throw new SerialError("/dev/ptmx", errno, "unlock");
  }
  const rc = s.ptsname_r(fd, name, BigInt(name.length));
  if (rc !== 0) {
    s.close(fd);
    throw new SerialError("/dev/ptmx", rc, "name");
  }
  const flags = s.fcntl(fd, TERMIOS.F_GETFL, 0);
  s.fcntl(fd, TERMIOS.F_SETFL, flags | TERMIOS.O_NONBLOCK);
  const slavePath = new TextDecoder().decode(name.subarray(0, name.indexOf(0)));
  return { master: new SerialPort(libc, fd, `${slavePath} (master)`), slavePath };
}
