/**
 * The data of the OSDP commands the CP sends and of the replies it reads
 * (all multi-byte fields little-endian). Replies are validated here, once:
 * a short or inconsistent reply is a {@linkcode ReplyFormatError}.
 *
 * @module
 */
import { CAP_FUNCTION, LED_COLOR } from "./codes.ts";

/** A reply whose data does not fit its code. */
export class ReplyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplyFormatError";
  }
}

function need(data: Uint8Array, bytes: number, what: string): void {
  if (data.length < bytes) {
    throw new ReplyFormatError(`${what} needs ${bytes} bytes of data, got ${data.length}`);
  }
}

/** osdp_PDID. */
export interface PdIdentity {
  /** IEEE OUI, 6 hex digits. */
  vendor: string;
  model: number;
  version: number;
  serial: number;
  /** `major.minor.build`. */
  firmware: string;
}

/** Decodes osdp_PDID. @throws {ReplyFormatError} */
export function decodePdId(data: Uint8Array): PdIdentity {
  need(data, 12, "osdp_PDID");
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const vendor = [data[0]!, data[1]!, data[2]!].map((b) => b.toString(16).padStart(2, "0"));
  return {
    vendor: vendor.join("").toUpperCase(),
    model: data[3]!,
    version: data[4]!,
    serial: dv.getUint32(5, true),
    firmware: `${data[9]}.${data[10]}.${data[11]}`,
  };
}

/** One osdp_PDCAP record. */
export interface Capability {
  function: number;
  compliance: number;
  count: number;
}

/** Decodes osdp_PDCAP. @throws {ReplyFormatError} when not whole 3-byte records */
export function decodePdCap(data: Uint8Array): Capability[] {
  if (data.length % 3 !== 0) {
    throw new ReplyFormatError(`osdp_PDCAP of ${data.length} bytes is not 3-byte records`);
  }
  const out: Capability[] = [];
  for (let at = 0; at < data.length; at += 3) {
    out.push({ function: data[at]!, compliance: data[at + 1]!, count: data[at + 2]! });
  }
  return out;
}

/** osdp_RAW: a card read. */
export interface RawCard {
  reader: number;
  /** 0: unspecified raw bits; 1: Wiegand. */
  format: number;
  bitCount: number;
  /** The bits, MSB first. */
  bits: bigint;
}

/** The largest card OSDP reads here, bits. */
export const MAX_CARD_BITS = 1024;

/** Decodes osdp_RAW. @throws {ReplyFormatError} */
export function decodeRaw(data: Uint8Array): RawCard {
  need(data, 4, "osdp_RAW");
  const bitCount = data[2]! | (data[3]! << 8);
  const bytes = Math.ceil(bitCount / 8);
  if (bitCount === 0 || bitCount > MAX_CARD_BITS || data.length < 4 + bytes) {
    throw new ReplyFormatError(`osdp_RAW of ${bitCount} bits with ${data.length - 4} data bytes`);
  }
  let value = 0n;
  for (let i = 0; i < bytes; i++) value = (value << 8n) | BigInt(data[4 + i]!);
  const bits = value >> BigInt(bytes * 8 - bitCount);
  return { reader: data[0]!, format: data[1]!, bitCount, bits };
}

/** Encodes osdp_RAW data (the emulator's side is written separately; this serves simulations). */
export function encodeRaw(card: RawCard): Uint8Array {
  const bytes = Math.ceil(card.bitCount / 8);
  const out = new Uint8Array(4 + bytes);
  out[0] = card.reader;
  out[1] = card.format;
  out[2] = card.bitCount & 0xff;
  out[3] = card.bitCount >> 8;
  let value = card.bits << BigInt(bytes * 8 - card.bitCount);
  for (let i = bytes - 1; i >= 0; i--) {
    out[4 + i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

/** osdp_KEYPAD: keys pressed. */
export interface KeypadKeys {
  reader: number;
  /** Digits, `*` and `#`. */
  keys: string;
}

/** Decodes osdp_KEYPAD (0x7F and `*` are `*`; 0x0D and `#` are `#`). @throws {ReplyFormatError} */
export function decodeKeypad(data: Uint8Array): KeypadKeys {
  need(data, 2, "osdp_KEYPAD");
  const count = data[1]!;
  need(data, 2 + count, "osdp_KEYPAD");
  let keys = "";
  for (const byte of data.subarray(2, 2 + count)) {
    if (byte >= 0x30 && byte <= 0x39) keys += String.fromCharCode(byte);
    else if (byte === 0x7f || byte === 0x2a) keys += "*";
    else if (byte === 0x0d || byte === 0x23) keys += "#";
    else throw new ReplyFormatError(`osdp_KEYPAD key 0x${byte.toString(16)} is not a key`);
  }
  return { reader: data[0]!, keys };
}

/** osdp_LSTATR. */
export interface LocalStatus {
  tamper: boolean;
  /** Power failure. */
  power: boolean;
}

/** Decodes osdp_LSTATR. @throws {ReplyFormatError} */
export function decodeLocalStatus(data: Uint8Array): LocalStatus {
  need(data, 2, "osdp_LSTATR");
  return { tamper: data[0] !== 0, power: data[1] !== 0 };
}

/** osdp_CCRYPT. */
export interface ClientCrypt {
  clientUid: Uint8Array;
  pdRandom: Uint8Array;
  cryptogram: Uint8Array;
}

/** Decodes osdp_CCRYPT. @throws {ReplyFormatError} */
export function decodeCcrypt(data: Uint8Array): ClientCrypt {
  need(data, 32, "osdp_CCRYPT");
  return {
    clientUid: data.slice(0, 8),
    pdRandom: data.slice(8, 16),
    cryptogram: data.slice(16, 32),
  };
}

/** A LED state: on/off times in 100 ms units and colours ({@linkcode LED_COLOR}). */
export interface LedState {
  onTime: number;
  offTime: number;
  onColor: number;
  offColor: number;
}

/** osdp_LED for one LED: a temporary state for `timer` × 100 ms, or a permanent one. */
export interface LedCommand {
  reader?: number;
  led?: number;
  /** Temporary state and its duration (100 ms units); null cancels a temporary state. */
  temporary?: (LedState & { timer: number }) | null;
  /** Permanent state; undefined leaves it. */
  permanent?: LedState;
}

/** Encodes osdp_LED data (one 14-byte record). */
export function encodeLed(command: LedCommand): Uint8Array {
  const out = new Uint8Array(14);
  out[0] = command.reader ?? 0;
  out[1] = command.led ?? 0;
  const t = command.temporary;
  if (t === null) out[2] = 1; // cancel the temporary state
  else if (t !== undefined) {
    out.set([2, t.onTime, t.offTime, t.onColor, t.offColor, t.timer & 0xff, t.timer >> 8], 2);
  }
  const p = command.permanent;
  if (p !== undefined) out.set([1, p.onTime, p.offTime, p.onColor, p.offColor], 9);
  return out;
}

/** osdp_BUZ. */
export interface BuzzerCommand {
  reader?: number;
  /** 1 off, 2 the default tone. */
  tone: number;
  /** 100 ms units. */
  onTime: number;
  offTime: number;
  /** 0: until told otherwise. */
  count: number;
}

/** Encodes osdp_BUZ data. */
export function encodeBuzzer(command: BuzzerCommand): Uint8Array {
  return Uint8Array.of(
    command.reader ?? 0,
    command.tone,
    command.onTime,
    command.offTime,
    command.count,
  );
}

/** osdp_OUT for one output. */
export interface OutputCommand {
  output: number;
  /** 1 off, 2 on (permanent); 5 on for `timer`, 6 off for `timer`. */
  control: number;
  /** 100 ms units. */
  timer: number;
}

/** Encodes osdp_OUT data. */
export function encodeOutput(command: OutputCommand): Uint8Array {
  return Uint8Array.of(command.output, command.control, command.timer & 0xff, command.timer >> 8);
}

/** How osdp_TEXT shows its text. */
export const TEXT_MODE = {
  PERMANENT: 1,
  PERMANENT_WRAP: 2,
  TEMPORARY: 3,
  TEMPORARY_WRAP: 4,
} as const;

/** osdp_TEXT: text on a reader's display. */
export interface TextCommand {
  /** @default 0 */
  reader?: number;
  /** A {@linkcode TEXT_MODE}. */
  mode: number;
  /** How long a temporary text shows, seconds (0–255). */
  tempSeconds: number;
  /** First row, 1 at the top. */
  row: number;
  /** First column, 1 at the left. */
  column: number;
  /** Printable ASCII, at most 255 characters. */
  text: string;
}

/**
 * Encodes osdp_TEXT data: reader, mode, temporary time (s), row, column,
 * length, the characters.
 *
 * @throws {RangeError} for a character outside printable ASCII, a text over 255 characters or a field out of range
 */
export function encodeText(command: TextCommand): Uint8Array {
  const { text } = command;
  if (text.length > 255) {
    throw new RangeError(`osdp_TEXT takes at most 255 characters, got ${text.length}`);
  }
  const fields = [
    command.reader ?? 0,
    command.mode,
    command.tempSeconds,
    command.row,
    command.column,
  ];
  if (fields.some((f) => !Number.isInteger(f) || f < 0 || f > 255)) {
    throw new RangeError(`osdp_TEXT fields must be 0-255, got ${fields.join(", ")}`);
  }
  const out = new Uint8Array(6 + text.length);
  out.set(fields);
  out[5] = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) {
      throw new RangeError(`osdp_TEXT character ${JSON.stringify(text[i])} is not printable ASCII`);
    }
    out[6 + i] = code;
  }
  return out;
}

/** A reader's text display. */
export interface TextDisplay {
  rows: number;
  /** Characters per row. */
  columns: number;
}

/**
 * The text display osdp_PDCAP reports (function 6, compliance 1, 2 or 3: 1, 2
 * or 4 rows of 16 characters), or null when it reports none (no record, or
 * compliance 0). A compliance level beyond 3 (not defined by OSDP 2.2) is
 * taken as the smallest display, 1 row of 16.
 */
export function textDisplay(capabilities: readonly Capability[]): TextDisplay | null {
  const record = capabilities.find((c) => c.function === CAP_FUNCTION.TEXT);
  if (record === undefined || record.compliance === 0) return null;
  const rows = record.compliance === 2 ? 2 : record.compliance === 3 ? 4 : 1;
  return { rows, columns: 16 };
}

/** osdp_KEYSET data: key type 1 (the SCBK), length, key. */
export function encodeKeyset(scbk: Uint8Array): Uint8Array {
  return Uint8Array.of(1, scbk.length, ...scbk);
}

/** osdp_ACURXSIZE data. */
export function encodeAcuRxSize(bytes: number): Uint8Array {
  return Uint8Array.of(bytes & 0xff, bytes >> 8);
}

/** What a reader shows for an access decision or while waiting. */
export type ReaderSignal = "granted" | "denied" | "waiting_pin" | "idle";

/** What a reader shows for a signal: LED, optional buzzer, optional text (on a display). */
export interface SignalCommands {
  led: LedCommand;
  buzzer: BuzzerCommand | null;
  /** A temporary text on row 1 and how long it shows, or null. */
  text: { text: string; seconds: number } | null;
}

/** The LED command and optional buzzer and text for a signal. */
export function signalCommands(signal: ReaderSignal): SignalCommands {
  switch (signal) {
    case "granted":
      return {
        led: {
          temporary: {
            onTime: 30,
            offTime: 0,
            onColor: LED_COLOR.GREEN,
            offColor: LED_COLOR.GREEN,
            timer: 30,
          },
        },
        buzzer: { tone: 2, onTime: 2, offTime: 0, count: 1 },
        text: { text: "Access granted", seconds: 3 },
      };
    case "denied":
      return {
        led: {
          temporary: {
            onTime: 2,
            offTime: 2,
            onColor: LED_COLOR.RED,
            offColor: LED_COLOR.BLACK,
            timer: 20,
          },
        },
        buzzer: { tone: 2, onTime: 2, offTime: 2, count: 3 },
        text: { text: "Access denied", seconds: 2 },
      };
    case "waiting_pin":
      return {
        led: {
          temporary: {
            onTime: 5,
            offTime: 5,
            onColor: LED_COLOR.AMBER,
            offColor: LED_COLOR.BLACK,
            timer: 100,
          },
        },
        buzzer: null,
        text: { text: "Enter PIN", seconds: 10 },
      };
    case "idle":
      return { led: { temporary: null }, buzzer: null, text: null };
  }
}

/**
 * The osdp_TEXT of a signal for a reader with `display`: temporary, no wrap,
 * row 1, column 1, cut to the display's width; null without a display or
 * without a text for that signal.
 */
export function signalText(signal: ReaderSignal, display: TextDisplay | null): TextCommand | null {
  const text = signalCommands(signal).text;
  if (display === null || text === null) return null;
  return {
    mode: TEXT_MODE.TEMPORARY,
    tempSeconds: text.seconds,
    row: 1,
    column: 1,
    text: text.text.slice(0, display.columns),
  };
}
