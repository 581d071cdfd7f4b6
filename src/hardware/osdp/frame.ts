/**
 * OSDP framing: packets to bytes and back, CRC16 and checksum.
 *
 * ```
 * [0xFF] 0x53 | addr | len LSB | len MSB | ctrl | [security block] | code | data | [MAC ×4] | CRC16 LE or checksum
 * ```
 *
 * `len` counts SOM through the check; `ctrl` holds the sequence number
 * (bits 0–1), "CRC follows" (0x04) and "security block follows" (0x08). The
 * MAC of a Secure Channel message (security block types 0x15–0x18) covers SOM
 * through the data, and the check covers SOM through the MAC.
 *
 * {@linkcode FrameReader} cuts a byte stream into packets: it skips noise up
 * to a SOM, waits for the length the header states, and reports a packet
 * whose check fails (so the receiver can NAK or retry) without losing sync.
 *
 * @module
 */
import { CTRL, HEADER_BYTES, MAC_BYTES, MAX_PACKET_BYTES, REPLY_BIT, SOM } from "./codes.ts";

/** What goes into one packet. */
export interface PacketFields {
  /** PD address, 0–0x7F (the reply bit is added when `reply` is true). */
  address: number;
  /** A reply (PD → CP). @default false */
  reply?: boolean;
  /** Sequence number 0–3. */
  sequence: number;
  /** End with a CRC16 (else a checksum). */
  useCrc: boolean;
  /** The security control block, whole (its length byte, type, data), or none. */
  securityBlock?: Uint8Array | null;
  /** Command or reply code. */
  code: number;
  /** Data after the code (already encrypted in Secure Channel). @default empty */
  data?: Uint8Array;
}

/** A decoded packet. */
export interface Packet {
  /** PD address without the reply bit. */
  address: number;
  /** The address had the reply bit. */
  reply: boolean;
  sequence: number;
  useCrc: boolean;
  /** Security block type (0x11–0x18), or null when there is none. */
  securityType: number | null;
  /** Security block data (after its length and type bytes). */
  securityData: Uint8Array;
  code: number;
  /** The data as sent (still encrypted for types 0x17/0x18). */
  data: Uint8Array;
  /** The 4 MAC bytes for types 0x15–0x18, else null. */
  mac: Uint8Array | null;
  /** SOM through the data: what the MAC covers. */
  macInput: Uint8Array;
  /** The whole packet, SOM through the check. */
  bytes: Uint8Array;
}

/** Why bytes were not a packet. */
export type FrameErrorReason = "check" | "length" | "format";

/** A packet the reader could not accept. */
export class FrameError extends Error {
  /** `check`: CRC or checksum mismatch; `length`: impossible length; `format`: bad layout. */
  readonly reason: FrameErrorReason;
  /** The address byte of the bad packet (with the reply bit), when known. */
  readonly addressByte: number | null;
  /** The bad packet's sequence number, when known. */
  readonly sequence: number | null;

  constructor(reason: FrameErrorReason, message: string, header?: Uint8Array) {
    super(message);
    this.name = "FrameError";
    this.reason = reason;
    this.addressByte = header !== undefined && header.length > 1 ? header[1]! : null;
    this.sequence = header !== undefined && header.length > 4
      ? header[4]! & CTRL.SEQUENCE_MASK
      : null;
  }
}

/**
 * CRC-16/CCITT as OSDP uses it: polynomial 0x1021, initial 0x1D0F, no
 * reflection, no final XOR.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crc16 } from "./frame.ts";
 * assert.equal(crc16(Uint8Array.of(0x53, 0x00, 0x09, 0x00, 0x04, 0x61, 0x00)), 0x66c0);
 * ```
 */
export function crc16(bytes: Uint8Array): number {
  const table = crcTable();
  let crc = 0x1d0f;
  for (let i = 0; i < bytes.length; i++) {
    crc = ((crc << 8) & 0xffff) ^ table[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  }
  return crc;
}

let crcTableCache: Uint16Array | null = null;

/** The CRC of each byte value shifted through 8 bits of polynomial 0x1021, built on first use. */
function crcTable(): Uint16Array {
  if (crcTableCache !== null) return crcTableCache;
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = (crc & 0x8000) !== 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[byte] = crc;
  }
  crcTableCache = table;
  return table;
}

/** The two's complement of the byte sum, low 8 bits. */
export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const byte of bytes) sum = (sum + byte) & 0xff;
  return (0x100 - sum) & 0xff;
}

/** Bytes of the check: 2 for CRC16, 1 for the checksum. */
export function checkBytes(useCrc: boolean): number {
  return useCrc ? 2 : 1;
}

/**
 * Encodes a packet. `mac` computes the 4 MAC bytes over SOM through the data
 * (for Secure Channel types 0x15–0x18); the length already counts them.
 *
 * @throws {RangeError} for an address, sequence or size out of range
 */
export function encodePacket(
  fields: PacketFields,
  mac?: (macInput: Uint8Array) => Uint8Array,
): Uint8Array {
  const { address, sequence, useCrc, code } = fields;
  if (!Number.isInteger(address) || address < 0 || address > 0x7f) {
    throw new RangeError(`OSDP address must be 0-127, got ${address}`);
  }
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 3) {
    throw new RangeError(`OSDP sequence must be 0-3, got ${sequence}`);
  }
  const scb = fields.securityBlock ?? null;
  const data = fields.data ?? new Uint8Array(0);
  const macBytes = mac === undefined ? 0 : MAC_BYTES;
  const length = HEADER_BYTES + (scb?.length ?? 0) + 1 + data.length + macBytes +
    checkBytes(useCrc);
  if (length > MAX_PACKET_BYTES) {
    throw new RangeError(`OSDP packet of ${length} bytes exceeds ${MAX_PACKET_BYTES}`);
  }
  const out = new Uint8Array(length);
  out[0] = SOM;
  out[1] = address | (fields.reply === true ? REPLY_BIT : 0);
  out[2] = length & 0xff;
  out[3] = length >> 8;
  out[4] = sequence | (useCrc ? CTRL.CRC : 0) | (scb === null ? 0 : CTRL.SCB);
  let at = HEADER_BYTES;
  if (scb !== null) {
    out.set(scb, at);
    at += scb.length;
  }
  out[at++] = code;
  out.set(data, at);
  at += data.length;
  if (mac !== undefined) {
    out.set(mac(out.subarray(0, at)).subarray(0, MAC_BYTES), at);
    at += MAC_BYTES;
  }
  if (useCrc) {
    const crc = crc16(out.subarray(0, at));
    out[at] = crc & 0xff;
    out[at + 1] = crc >> 8;
  } else {
    out[at] = checksum(out.subarray(0, at));
  }
  return out;
}

/**
 * Decodes one whole packet (SOM first, no mark).
 *
 * @throws {FrameError} when the length, layout or check is wrong
 */
export function decodePacket(bytes: Uint8Array): Packet {
  if (bytes.length < HEADER_BYTES + 2 || bytes[0] !== SOM) {
    throw new FrameError("format", "OSDP packet too short or without SOM", bytes);
  }
  const length = bytes[2]! | (bytes[3]! << 8);
  if (length !== bytes.length) {
    throw new FrameError("length", `OSDP length field ${length}, got ${bytes.length}`, bytes);
  }
  const ctrl = bytes[4]!;
  const useCrc = (ctrl & CTRL.CRC) !== 0;
  const end = length - checkBytes(useCrc);
  if (useCrc) {
    const got = bytes[end]! | (bytes[end + 1]! << 8);
    if (crc16(bytes.subarray(0, end)) !== got) throw new FrameError("check", "bad CRC", bytes);
  } else if (checksum(bytes.subarray(0, end)) !== bytes[end]) {
    throw new FrameError("check", "bad checksum", bytes);
  }
  let at = HEADER_BYTES;
  let securityType: number | null = null;
  const securityAt = at + 2;
  let securityBytes = 0;
  if ((ctrl & CTRL.SCB) !== 0) {
    const blockLength = bytes[at] ?? 0;
    if (blockLength < 2 || at + blockLength >= end) {
      throw new FrameError("format", `bad security block length ${blockLength}`, bytes);
    }
    securityType = bytes[at + 1]!;
    securityBytes = blockLength - 2;
    at += blockLength;
  }
  const hasMac = securityType !== null && securityType >= 0x15 && securityType <= 0x18;
  const dataEnd = end - (hasMac ? MAC_BYTES : 0);
  if (at >= dataEnd) throw new FrameError("format", "OSDP packet without a code", bytes);
  // One copy; the fields are views of it.
  const own = bytes.slice();
  return {
    address: own[1]! & 0x7f,
    reply: (own[1]! & REPLY_BIT) !== 0,
    sequence: ctrl & CTRL.SEQUENCE_MASK,
    useCrc,
    securityType,
    securityData: own.subarray(securityAt, securityAt + securityBytes),
    code: own[at]!,
    data: own.subarray(at + 1, dataEnd),
    mac: hasMac ? own.subarray(dataEnd, end) : null,
    macInput: own.subarray(0, dataEnd),
    bytes: own,
  };
}

/** What {@linkcode FrameReader.push} found. */
export type FrameResult =
  | { kind: "packet"; packet: Packet }
  | { kind: "error"; error: FrameError };

const EMPTY = new Uint8Array(0);

/** The shortest packet: header, code, checksum. */
const MIN_PACKET_BYTES = HEADER_BYTES + 2;

/**
 * Cuts a byte stream into packets. Bytes before a SOM (marks, noise) are
 * skipped; an impossible length drops the SOM and resynchronises on the next
 * one; a packet whose check fails is reported and dropped whole.
 */
export class FrameReader {
  #buffer: Uint8Array = EMPTY;
  readonly #maxBytes: number;

  /** @param maxBytes the longest packet accepted @default MAX_PACKET_BYTES */
  constructor(maxBytes: number = MAX_PACKET_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes held of a packet not yet complete. */
  get pending(): number {
    return this.#buffer.length;
  }

  /** Forgets a partial packet (the inter-character timeout). */
  reset(): void {
    this.#buffer = EMPTY;
  }

  /** Adds bytes; returns the packets (and bad packets) they complete. */
  push(chunk: Uint8Array): FrameResult[] {
    let buffer = chunk;
    if (this.#buffer.length > 0) {
      buffer = new Uint8Array(this.#buffer.length + chunk.length);
      buffer.set(this.#buffer);
      buffer.set(chunk, this.#buffer.length);
    }
    const out: FrameResult[] = [];
    for (;;) {
      const som = buffer.indexOf(SOM);
      if (som < 0) {
        buffer = new Uint8Array(0);
        break;
      }
      buffer = buffer.subarray(som);
      if (buffer.length < 4) break;
      const length = buffer[2]! | (buffer[3]! << 8);
      if (length < MIN_PACKET_BYTES || length > this.#maxBytes) {
        out.push({
          kind: "error",
          error: new FrameError("length", `impossible OSDP length ${length}`, buffer),
        });
        buffer = buffer.subarray(1);
        continue;
      }
      if (buffer.length < length) break;
      try {
        out.push({ kind: "packet", packet: decodePacket(buffer.subarray(0, length)) });
      } catch (error) {
        if (!(error instanceof FrameError)) throw error;
        out.push({ kind: "error", error });
      }
      buffer = buffer.subarray(length);
    }
    this.#buffer = buffer.length === 0 ? EMPTY : buffer.slice();
    return out;
  }
}
