/**
 * Linux GPIO character device uAPI v2 (`<linux/gpio.h>`): struct sizes and
 * offsets, ioctl numbers, flags, and encode/decode helpers over `DataView`.
 * Also the few libc constants the driver needs (`<fcntl.h>`, `<poll.h>`,
 * `<sys/eventfd.h>`, `<time.h>`). Every value is checked against the C
 * headers by `uapi_layout_test.ts`.
 *
 * Little-endian 64-bit Linux (x86_64, aarch64) is assumed.
 *
 * Size: over 300 lines because it mirrors one C header, value for value, and
 * one test checks the whole of it against that header.
 *
 * @module
 */

/** `GPIO_MAX_NAME_SIZE`. */
export const GPIO_MAX_NAME_SIZE = 32;
/** `GPIO_V2_LINES_MAX`. */
export const GPIO_V2_LINES_MAX = 64;
/** `GPIO_V2_LINE_NUM_ATTRS_MAX`. */
export const GPIO_V2_LINE_NUM_ATTRS_MAX = 10;

/** `sizeof` of the structs used. */
export const SIZEOF = {
  gpiochip_info: 68,
  gpio_v2_line_values: 16,
  gpio_v2_line_attribute: 16,
  gpio_v2_line_config_attribute: 24,
  gpio_v2_line_config: 272,
  gpio_v2_line_request: 592,
  gpio_v2_line_info: 256,
  gpio_v2_line_event: 48,
  pollfd: 8,
  timespec: 16,
} as const;

/** Field offsets, named `struct.field` after the C declarations. */
export const OFFSET = {
  "gpiochip_info.name": 0,
  "gpiochip_info.label": 32,
  "gpiochip_info.lines": 64,
  "gpio_v2_line_values.bits": 0,
  "gpio_v2_line_values.mask": 8,
  "gpio_v2_line_attribute.id": 0,
  "gpio_v2_line_attribute.flags": 8,
  "gpio_v2_line_attribute.values": 8,
  "gpio_v2_line_attribute.debounce_period_us": 8,
  "gpio_v2_line_config_attribute.attr": 0,
  "gpio_v2_line_config_attribute.mask": 16,
  "gpio_v2_line_config.flags": 0,
  "gpio_v2_line_config.num_attrs": 8,
  "gpio_v2_line_config.attrs": 32,
  "gpio_v2_line_request.offsets": 0,
  "gpio_v2_line_request.consumer": 256,
  "gpio_v2_line_request.config": 288,
  "gpio_v2_line_request.num_lines": 560,
  "gpio_v2_line_request.event_buffer_size": 564,
  "gpio_v2_line_request.fd": 588,
  "gpio_v2_line_info.name": 0,
  "gpio_v2_line_info.consumer": 32,
  "gpio_v2_line_info.offset": 64,
  "gpio_v2_line_info.num_attrs": 68,
  "gpio_v2_line_info.flags": 72,
  "gpio_v2_line_info.attrs": 80,
  "gpio_v2_line_event.timestamp_ns": 0,
  "gpio_v2_line_event.id": 8,
  "gpio_v2_line_event.offset": 12,
  "gpio_v2_line_event.seqno": 16,
  "gpio_v2_line_event.line_seqno": 20,
  "pollfd.fd": 0,
  "pollfd.events": 4,
  "pollfd.revents": 6,
  "timespec.tv_sec": 0,
  "timespec.tv_nsec": 8,
} as const;

/** ioctl request numbers. */
export const IOCTL = {
  GPIO_GET_CHIPINFO_IOCTL: 0x8044b401n,
  GPIO_V2_GET_LINEINFO_IOCTL: 0xc100b405n,
  GPIO_V2_GET_LINE_IOCTL: 0xc250b407n,
  GPIO_V2_LINE_SET_CONFIG_IOCTL: 0xc110b40dn,
  GPIO_V2_LINE_GET_VALUES_IOCTL: 0xc010b40en,
  GPIO_V2_LINE_SET_VALUES_IOCTL: 0xc010b40fn,
} as const;

/** `enum gpio_v2_line_flag`. */
export const LINE_FLAG = {
  GPIO_V2_LINE_FLAG_USED: 0x1n,
  GPIO_V2_LINE_FLAG_ACTIVE_LOW: 0x2n,
  GPIO_V2_LINE_FLAG_INPUT: 0x4n,
  GPIO_V2_LINE_FLAG_OUTPUT: 0x8n,
  GPIO_V2_LINE_FLAG_EDGE_RISING: 0x10n,
  GPIO_V2_LINE_FLAG_EDGE_FALLING: 0x20n,
  GPIO_V2_LINE_FLAG_OPEN_DRAIN: 0x40n,
  GPIO_V2_LINE_FLAG_OPEN_SOURCE: 0x80n,
  GPIO_V2_LINE_FLAG_BIAS_PULL_UP: 0x100n,
  GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN: 0x200n,
  GPIO_V2_LINE_FLAG_BIAS_DISABLED: 0x400n,
  GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME: 0x800n,
} as const;

/** `enum gpio_v2_line_attr_id`. */
export const LINE_ATTR_ID = {
  GPIO_V2_LINE_ATTR_ID_FLAGS: 1,
  GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES: 2,
  GPIO_V2_LINE_ATTR_ID_DEBOUNCE: 3,
} as const;

/** `enum gpio_v2_line_event_id`. */
export const LINE_EVENT_ID = {
  GPIO_V2_LINE_EVENT_RISING_EDGE: 1,
  GPIO_V2_LINE_EVENT_FALLING_EDGE: 2,
} as const;

/** libc constants (x86_64 / aarch64 generic values). */
export const LIBC = {
  O_RDWR: 2,
  O_NONBLOCK: 0o4000,
  O_CLOEXEC: 0o2000000,
  F_GETFL: 3,
  F_SETFL: 4,
  POLLIN: 0x1,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  EFD_CLOEXEC: 0o2000000,
  EFD_NONBLOCK: 0o4000,
  CLOCK_MONOTONIC: 1,
} as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function view(buffer: Uint8Array): DataView {
  return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Reads a NUL-terminated string from a fixed-size field. */
export function readCString(buffer: Uint8Array, offset: number, size: number): string {
  const field = buffer.subarray(offset, offset + size);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

/** Writes `text` NUL-terminated into a fixed-size field, truncated to `size - 1` bytes. */
export function writeCString(buffer: Uint8Array, offset: number, size: number, text: string): void {
  const bytes = encoder.encode(text).subarray(0, size - 1);
  buffer.fill(0, offset, offset + size);
  buffer.set(bytes, offset);
}

/** A NUL-terminated copy of `text` for passing a path to C. */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${text}\0`);
}

/** Decoded `struct gpiochip_info`. */
export interface ChipInfoStruct {
  name: string;
  label: string;
  lines: number;
}

/** Decodes a `struct gpiochip_info`. */
export function decodeChipInfo(buffer: Uint8Array): ChipInfoStruct {
  return {
    name: readCString(buffer, OFFSET["gpiochip_info.name"], GPIO_MAX_NAME_SIZE),
    label: readCString(buffer, OFFSET["gpiochip_info.label"], GPIO_MAX_NAME_SIZE),
    lines: view(buffer).getUint32(OFFSET["gpiochip_info.lines"], true),
  };
}

/** A `struct gpio_v2_line_info` buffer asking about line `offset`. */
export function encodeLineInfoRequest(offset: number): Uint8Array<ArrayBuffer> {
  const buffer = new Uint8Array(SIZEOF.gpio_v2_line_info);
  view(buffer).setUint32(OFFSET["gpio_v2_line_info.offset"], offset, true);
  return buffer;
}

/** Decoded `struct gpio_v2_line_info` (attributes other than debounce are ignored). */
export interface LineInfoStruct {
  name: string;
  consumer: string;
  offset: number;
  flags: bigint;
  /** Debounce period from the attributes, 0 when absent. */
  debounceUs: number;
}

/** Decodes a `struct gpio_v2_line_info`. */
export function decodeLineInfo(buffer: Uint8Array): LineInfoStruct {
  const dv = view(buffer);
  const numAttrs = dv.getUint32(OFFSET["gpio_v2_line_info.num_attrs"], true);
  let debounceUs = 0;
  for (let i = 0; i < Math.min(numAttrs, GPIO_V2_LINE_NUM_ATTRS_MAX); i++) {
    const at = OFFSET["gpio_v2_line_info.attrs"] + i * SIZEOF.gpio_v2_line_attribute;
    if (dv.getUint32(at, true) === LINE_ATTR_ID.GPIO_V2_LINE_ATTR_ID_DEBOUNCE) {
      debounceUs = dv.getUint32(at + OFFSET["gpio_v2_line_attribute.debounce_period_us"], true);
    }
  }
  return {
    name: readCString(buffer, OFFSET["gpio_v2_line_info.name"], GPIO_MAX_NAME_SIZE),
    consumer: readCString(buffer, OFFSET["gpio_v2_line_info.consumer"], GPIO_MAX_NAME_SIZE),
    offset: dv.getUint32(OFFSET["gpio_v2_line_info.offset"], true),
    flags: dv.getBigUint64(OFFSET["gpio_v2_line_info.flags"], true),
    debounceUs,
  };
}

/** What goes into a `struct gpio_v2_line_request`. */
export interface LineRequestSpec {
  offsets: readonly number[];
  consumer: string;
  /** `gpio_v2_line_config.flags` for all lines. */
  flags: bigint;
  /** Output values as a bitmap over the requested lines (bit i = offsets[i]). */
  outputValues?: bigint;
  /** Debounce period applied to all lines. */
  debounceUs?: number;
  /** Kernel event buffer size; 0 lets the kernel choose (16 × lines). */
  eventBufferSize?: number;
}

/**
 * Encodes a `struct gpio_v2_line_request`.
 *
 * @throws {RangeError} for 0 or more than 64 offsets
 */
export function encodeLineRequest(spec: LineRequestSpec): Uint8Array<ArrayBuffer> {
  const n = spec.offsets.length;
  if (n < 1 || n > GPIO_V2_LINES_MAX) {
    throw new RangeError(`A line request holds 1..${GPIO_V2_LINES_MAX} lines, got ${n}`);
  }
  const buffer = new Uint8Array(SIZEOF.gpio_v2_line_request);
  const dv = view(buffer);
  spec.offsets.forEach((o, i) =>
    dv.setUint32(OFFSET["gpio_v2_line_request.offsets"] + i * 4, o, true)
  );
  writeCString(buffer, OFFSET["gpio_v2_line_request.consumer"], GPIO_MAX_NAME_SIZE, spec.consumer);
  const config = OFFSET["gpio_v2_line_request.config"];
  dv.setBigUint64(config + OFFSET["gpio_v2_line_config.flags"], spec.flags, true);
  const allLines = (1n << BigInt(n)) - 1n;
  let attrs = 0;
  const addAttr = (id: number, write: (at: number) => void): void => {
    const at = config + OFFSET["gpio_v2_line_config.attrs"] +
      attrs * SIZEOF.gpio_v2_line_config_attribute;
    dv.setUint32(at + OFFSET["gpio_v2_line_attribute.id"], id, true);
    write(at + OFFSET["gpio_v2_line_attribute.values"]);
    dv.setBigUint64(at + OFFSET["gpio_v2_line_config_attribute.mask"], allLines, true);
    attrs++;
  };
  const { outputValues, debounceUs } = spec;
  if (outputValues !== undefined) {
    addAttr(
      LINE_ATTR_ID.GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES,
      (at) => dv.setBigUint64(at, outputValues & allLines, true),
    );
  }
  if (debounceUs !== undefined && debounceUs > 0) {
    addAttr(LINE_ATTR_ID.GPIO_V2_LINE_ATTR_ID_DEBOUNCE, (at) => dv.setUint32(at, debounceUs, true));
  }
  dv.setUint32(config + OFFSET["gpio_v2_line_config.num_attrs"], attrs, true);
  dv.setUint32(OFFSET["gpio_v2_line_request.num_lines"], n, true);
  dv.setUint32(OFFSET["gpio_v2_line_request.event_buffer_size"], spec.eventBufferSize ?? 0, true);
  return buffer;
}

/** Reads the line fd the kernel wrote into a `struct gpio_v2_line_request`. */
export function decodeLineRequestFd(buffer: Uint8Array): number {
  return view(buffer).getInt32(OFFSET["gpio_v2_line_request.fd"], true);
}

/** Encodes a `struct gpio_v2_line_values`. */
export function encodeLineValues(bits: bigint, mask: bigint): Uint8Array<ArrayBuffer> {
  const buffer = new Uint8Array(SIZEOF.gpio_v2_line_values);
  const dv = view(buffer);
  dv.setBigUint64(OFFSET["gpio_v2_line_values.bits"], bits, true);
  dv.setBigUint64(OFFSET["gpio_v2_line_values.mask"], mask, true);
  return buffer;
}

/** Reads `bits` from a `struct gpio_v2_line_values`. */
export function decodeLineValues(buffer: Uint8Array): bigint {
  return view(buffer).getBigUint64(OFFSET["gpio_v2_line_values.bits"], true);
}

/** Decoded `struct gpio_v2_line_event`. */
export interface LineEventStruct {
  timestampNs: bigint;
  id: number;
  offset: number;
  seqno: number;
  lineSeqno: number;
}

/** Decodes the `struct gpio_v2_line_event` at byte `at` of `dv`. */
export function decodeLineEvent(dv: DataView, at: number): LineEventStruct {
  return {
    timestampNs: dv.getBigUint64(at + OFFSET["gpio_v2_line_event.timestamp_ns"], true),
    id: dv.getUint32(at + OFFSET["gpio_v2_line_event.id"], true),
    offset: dv.getUint32(at + OFFSET["gpio_v2_line_event.offset"], true),
    seqno: dv.getUint32(at + OFFSET["gpio_v2_line_event.seqno"], true),
    lineSeqno: dv.getUint32(at + OFFSET["gpio_v2_line_event.line_seqno"], true),
  };
}

/** Options that map to line flags. */
export interface LineFlagOptions {
  direction: "input" | "output";
  edges?: "rising" | "falling" | "both" | "none";
  bias?: "pull-up" | "pull-down" | "disabled";
  activeLow?: boolean;
}

/** The `gpio_v2_line_config.flags` for a request. */
export function lineFlags(options: LineFlagOptions): bigint {
  let flags = options.direction === "input"
    ? LINE_FLAG.GPIO_V2_LINE_FLAG_INPUT
    : LINE_FLAG.GPIO_V2_LINE_FLAG_OUTPUT;
  if (options.activeLow === true) flags |= LINE_FLAG.GPIO_V2_LINE_FLAG_ACTIVE_LOW;
  if (options.edges === "rising" || options.edges === "both") {
    flags |= LINE_FLAG.GPIO_V2_LINE_FLAG_EDGE_RISING;
  }
  if (options.edges === "falling" || options.edges === "both") {
    flags |= LINE_FLAG.GPIO_V2_LINE_FLAG_EDGE_FALLING;
  }
  if (options.bias === "pull-up") flags |= LINE_FLAG.GPIO_V2_LINE_FLAG_BIAS_PULL_UP;
  if (options.bias === "pull-down") flags |= LINE_FLAG.GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN;
  if (options.bias === "disabled") flags |= LINE_FLAG.GPIO_V2_LINE_FLAG_BIAS_DISABLED;
  return flags;
}

/** Encodes an array of `struct pollfd` watching `fds` for `POLLIN`. */
export function encodePollFds(fds: readonly number[]): Uint8Array<ArrayBuffer> {
  const buffer = new Uint8Array(SIZEOF.pollfd * fds.length);
  const dv = view(buffer);
  fds.forEach((fd, i) => {
    dv.setInt32(i * SIZEOF.pollfd + OFFSET["pollfd.fd"], fd, true);
    dv.setInt16(i * SIZEOF.pollfd + OFFSET["pollfd.events"], LIBC.POLLIN, true);
  });
  return buffer;
}

/** Writes `struct pollfd` entries watching `fds` for `POLLIN` into `buffer` (revents cleared). */
export function writePollFds(buffer: Uint8Array, fds: readonly number[]): void {
  if (buffer.byteLength < SIZEOF.pollfd * fds.length) {
    throw new RangeError(`${fds.length} pollfd entries need ${SIZEOF.pollfd * fds.length} bytes`);
  }
  const dv = view(buffer);
  fds.forEach((fd, i) => {
    dv.setInt32(i * SIZEOF.pollfd + OFFSET["pollfd.fd"], fd, true);
    dv.setInt16(i * SIZEOF.pollfd + OFFSET["pollfd.events"], LIBC.POLLIN, true);
    dv.setInt16(i * SIZEOF.pollfd + OFFSET["pollfd.revents"], 0, true);
  });
}

/** Reads `revents` of entry `index` of a `struct pollfd` array. */
export function decodePollRevents(buffer: Uint8Array, index: number): number {
  return view(buffer).getInt16(index * SIZEOF.pollfd + OFFSET["pollfd.revents"], true);
}

/** Reads a `struct timespec` as nanoseconds. */
export function decodeTimespecNs(buffer: Uint8Array): bigint {
  const dv = view(buffer);
  return dv.getBigInt64(OFFSET["timespec.tv_sec"], true) * 1_000_000_000n +
    dv.getBigInt64(OFFSET["timespec.tv_nsec"], true);
}
