/**
 * The libc symbols of the OSDP serial transport and of pseudo-terminals, and
 * {@linkcode loadSerialLibc} (never called at import time). Like the GPIO
 * driver's `chardev/libc.ts`: the blocking wait is the `nonblocking: true`
 * `poll` (Deno's blocking pool), or the synchronous `poll` on a bus thread of
 * its own (`bus_worker.ts`), and `errno` is read only after synchronous
 * calls; both are bound by `bindLibc()`.
 *
 * @module
 */
import { bindLibc } from "../chardev/libc.ts";

/** Symbol table, with the C prototypes. */
export const SERIAL_LIBC_SYMBOLS = {
  /** `int open(const char *pathname, int flags, mode_t mode)` */
  open: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  /** `int close(int fd)` */
  close: { parameters: ["i32"], result: "i32" },
  /** `ssize_t read(int fd, void *buf, size_t count)` */
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** `ssize_t write(int fd, const void *buf, size_t count)` */
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** `int fcntl(int fd, int cmd, int arg)` */
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  /** `int eventfd(unsigned int initval, int flags)` */
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  /** `int isatty(int fd)` */
  isatty: { parameters: ["i32"], result: "i32" },
  /** `int tcgetattr(int fd, struct termios *termios_p)` */
  tcgetattr: { parameters: ["i32", "buffer"], result: "i32" },
  /** `int tcsetattr(int fd, int optional_actions, const struct termios *termios_p)` */
  tcsetattr: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  /** `int cfsetspeed(struct termios *termios_p, speed_t speed)` */
  cfsetspeed: { parameters: ["buffer", "u32"], result: "i32" },
  /** `int tcflush(int fd, int queue_selector)` */
  tcflush: { parameters: ["i32", "i32"], result: "i32" },
  /** `int posix_openpt(int flags)` */
  posix_openpt: { parameters: ["i32"], result: "i32" },
  /** `int grantpt(int fd)` */
  grantpt: { parameters: ["i32"], result: "i32" },
  /** `int unlockpt(int fd)` */
  unlockpt: { parameters: ["i32"], result: "i32" },
  /** `int ptsname_r(int fd, char *buf, size_t buflen)` */
  ptsname_r: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  /**
   * `int poll(struct pollfd *fds, nfds_t nfds, int timeout)` on the calling
   * thread: only a bus thread of its own waits with it (`blocking_port.ts`)
   */
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  /** `int poll(struct pollfd *fds, nfds_t nfds, int timeout)`, run off the JS thread */
  poll_async: {
    name: "poll",
    parameters: ["buffer", "u64", "i32"],
    result: "i32",
    nonblocking: true,
  },
  /** `int *__errno_location(void)` (glibc and musl) */
  __errno_location: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The bound symbols. */
export type SerialLibcSymbols = Deno.DynamicLibrary<typeof SERIAL_LIBC_SYMBOLS>["symbols"];

/** A loaded libc for serial ports. */
export interface SerialLibc {
  readonly symbols: SerialLibcSymbols;
  /** The calling thread's `errno`; valid right after a failed synchronous call. */
  errno(): number;
  /** Unloads the library. */
  close(): void;
}

/**
 * Loads libc. Needs `--allow-ffi`.
 *
 * @param path library path or soname @default "libc.so.6"
 */
export function loadSerialLibc(path: string = "libc.so.6"): SerialLibc {
  return bindLibc(SERIAL_LIBC_SYMBOLS, path);
}
