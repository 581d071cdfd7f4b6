/**
 * The libc symbols the GPIO character-device driver uses, and
 * {@linkcode loadLibc}, the only place in `chardev/` that calls
 * `Deno.dlopen` (never at import time).
 *
 * Blocking waits use the `nonblocking: true` variant of `poll`, which runs on
 * Deno's blocking thread pool. `errno` is per thread, so it is only read after
 * *synchronous* calls (made on the JavaScript thread).
 *
 * @module
 */

/** Symbol table, with the C prototypes. */
export const LIBC_SYMBOLS = {
  /** `int open(const char *pathname, int flags, mode_t mode)` */
  open: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  /** `int close(int fd)` */
  close: { parameters: ["i32"], result: "i32" },
  /** `int ioctl(int fd, unsigned long request, void *argp)` (variadic; fine on the SysV ABIs with no FP args) */
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  /** `ssize_t read(int fd, void *buf, size_t count)` */
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** `ssize_t write(int fd, const void *buf, size_t count)` */
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** `int fcntl(int fd, int cmd, int arg)` (variadic; only the int form is used) */
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  /** `int eventfd(unsigned int initval, int flags)` */
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  /** `int poll(struct pollfd *fds, nfds_t nfds, int timeout)`, run off the JS thread */
  poll_async: {
    name: "poll",
    parameters: ["buffer", "u64", "i32"],
    result: "i32",
    nonblocking: true,
  },
  /** `int clock_gettime(clockid_t clockid, struct timespec *tp)` */
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  /** `int *__errno_location(void)` (glibc and musl) */
  __errno_location: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The bound symbols. */
export type LibcSymbols = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

/** A loaded libc. */
export interface Libc {
  readonly symbols: LibcSymbols;
  /** The calling thread's `errno`; valid right after a failed synchronous call. */
  errno(): number;
  /** Unloads the library; the symbols must not be used afterwards. */
  close(): void;
}

/** The one symbol every libc binding needs: glibc's and musl's `errno` location. */
export interface ErrnoSymbol {
  __errno_location: { parameters: readonly []; result: "pointer" };
}

/**
 * Opens libc with `symbols` (which must bind `__errno_location`) and gives the
 * symbols, the thread's `errno` and `close()`: the one binder of the GPIO and
 * serial drivers. Needs `--allow-ffi`.
 */
export function bindLibc<const S extends Deno.ForeignLibraryInterface & ErrnoSymbol>(
  symbols: S,
  path: string = "libc.so.6",
): { readonly symbols: Deno.DynamicLibrary<S>["symbols"]; errno(): number; close(): void } {
  const library = Deno.dlopen(path, symbols);
  const bound = library.symbols;
  const errnoLocation = (bound as unknown as {
    __errno_location: () => Deno.PointerValue;
  }).__errno_location;
  return {
    symbols: bound,
    errno(): number {
      const pointer = errnoLocation();
      return pointer === null ? 0 : new Deno.UnsafePointerView(pointer).getInt32();
    },
    close(): void {
      library.close();
    },
  };
}

/**
 * Loads libc. Needs `--allow-ffi`.
 *
 * @param path library path or soname @default "libc.so.6"
 * @example
 * ```ts ignore
 * import { loadLibc } from "./libc.ts";
 * const libc = loadLibc();
 * libc.close();
 * ```
 */
export function loadLibc(path: string = "libc.so.6"): Libc {
  return bindLibc(LIBC_SYMBOLS, path);
}
