/**
 * The `struct termios` layout and the `<termios.h>`, `<fcntl.h>` and
 * `<poll.h>` constants the serial transport uses (glibc and musl on x86_64
 * and aarch64 Linux agree). Every value is checked against the C headers by
 * `termios_layout_test.ts`.
 *
 * @module
 */

/** `sizeof` of the structs used. */
export const TERMIOS_SIZEOF = {
  termios: 60,
  pollfd: 8,
} as const;

/** Field offsets, `struct.field`. */
export const TERMIOS_OFFSET = {
  "termios.c_iflag": 0,
  "termios.c_oflag": 4,
  "termios.c_cflag": 8,
  "termios.c_lflag": 12,
  "termios.c_cc": 17,
  "pollfd.fd": 0,
  "pollfd.events": 4,
  "pollfd.revents": 6,
} as const;

/** Flag and index values. */
export const TERMIOS = {
  // c_iflag
  IGNBRK: 0o1,
  BRKINT: 0o2,
  PARMRK: 0o10,
  INPCK: 0o20,
  ISTRIP: 0o40,
  INLCR: 0o100,
  IGNCR: 0o200,
  ICRNL: 0o400,
  IXON: 0o2000,
  IXANY: 0o4000,
  IXOFF: 0o10000,
  // c_oflag
  OPOST: 0o1,
  // c_cflag
  CSIZE: 0o60,
  CS8: 0o60,
  CSTOPB: 0o100,
  CREAD: 0o200,
  PARENB: 0o400,
  CLOCAL: 0o4000,
  CRTSCTS: 0o20000000000,
  // c_lflag
  ISIG: 0o1,
  ICANON: 0o2,
  ECHO: 0o10,
  ECHONL: 0o100,
  IEXTEN: 0o100000,
  // c_cc indexes
  VTIME: 5,
  VMIN: 6,
  // tcsetattr / tcflush
  TCSANOW: 0,
  TCIFLUSH: 0,
  TCIOFLUSH: 2,
  // speeds
  B9600: 0o15,
  B19200: 0o16,
  B38400: 0o17,
  B57600: 0o10001,
  B115200: 0o10002,
  // open / fcntl / poll / eventfd
  O_RDWR: 2,
  O_NOCTTY: 0o400,
  O_NONBLOCK: 0o4000,
  O_CLOEXEC: 0o2000000,
  F_GETFL: 3,
  F_SETFL: 4,
  POLLIN: 0x1,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  EFD_CLOEXEC: 0o2000000,
  EFD_NONBLOCK: 0o4000,
} as const;

/** The `speed_t` constant of each supported baud rate. */
export const SPEED_OF_BAUD: Readonly<Record<number, number>> = {
  9600: TERMIOS.B9600,
  19200: TERMIOS.B19200,
  38400: TERMIOS.B38400,
  57600: TERMIOS.B57600,
  115200: TERMIOS.B115200,
};

/**
 * Rewrites a `struct termios` (as `tcgetattr` filled it) for raw 8N1: no
 * input or output processing, no echo or signals, receiver on, modem lines
 * ignored, no flow control, and reads that return at once (VMIN 0, VTIME 0;
 * the transport waits in `poll`).
 */
export function makeRaw8N1(termios: Uint8Array): void {
  const dv = new DataView(termios.buffer, termios.byteOffset, termios.byteLength);
  const get = (field: keyof typeof TERMIOS_OFFSET): number =>
    dv.getUint32(TERMIOS_OFFSET[field], true);
  const set = (field: keyof typeof TERMIOS_OFFSET, value: number): void =>
    dv.setUint32(TERMIOS_OFFSET[field], value >>> 0, true);
  const T = TERMIOS;
  set(
    "termios.c_iflag",
    get("termios.c_iflag") &
      ~(T.IGNBRK | T.BRKINT | T.PARMRK | T.INPCK | T.ISTRIP | T.INLCR | T.IGNCR | T.ICRNL |
        T.IXON | T.IXANY | T.IXOFF),
  );
  set("termios.c_oflag", get("termios.c_oflag") & ~T.OPOST);
  set(
    "termios.c_lflag",
    get("termios.c_lflag") & ~(T.ECHO | T.ECHONL | T.ICANON | T.ISIG | T.IEXTEN),
  );
  set(
    "termios.c_cflag",
    (get("termios.c_cflag") & ~(T.CSIZE | T.PARENB | T.CSTOPB | T.CRTSCTS)) | T.CS8 | T.CREAD |
      T.CLOCAL,
  );
  termios[TERMIOS_OFFSET["termios.c_cc"] + T.VMIN] = 0;
  termios[TERMIOS_OFFSET["termios.c_cc"] + T.VTIME] = 0;
}
