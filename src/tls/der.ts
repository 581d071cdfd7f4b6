/**
 * A minimal DER (ASN.1 Distinguished Encoding Rules) encoder: just the types
 * an X.509 v3 certificate needs. Each function returns the complete
 * tag-length-value bytes, so values nest by passing one result into another.
 *
 * The decoder side is node:crypto's `X509Certificate` (and the tests).
 *
 * @module
 */

/** Universal and context tags used by X.509. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The DER length octets: short form below 128, long form above. */
export function encodeLength(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`Bad DER length: ${length}`);
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One tag-length-value. */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(tag), encodeLength(content.length), content]);
}

/** SEQUENCE of already encoded values. */
export function sequence(items: readonly Uint8Array[]): Uint8Array {
  return tlv(TAG.SEQUENCE, concat(items));
}

/** SET of already encoded values (DER sorts them; callers here pass one). */
export function set(items: readonly Uint8Array[]): Uint8Array {
  const sorted = [...items].sort(compareBytes);
  return tlv(TAG.SET, concat(sorted));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/** Explicitly tagged context value `[n]` (constructed). */
export function explicit(n: number, value: Uint8Array): Uint8Array {
  if (n < 0 || n > 30) throw new RangeError(`Bad context tag: ${n}`);
  return tlv(0xa0 | n, value);
}

/** Implicitly tagged primitive context value `[n]`. */
export function implicit(n: number, content: Uint8Array): Uint8Array {
  if (n < 0 || n > 30) throw new RangeError(`Bad context tag: ${n}`);
  return tlv(0x80 | n, content);
}

/** BOOLEAN (DER: 0xff for true). */
export function boolean(value: boolean): Uint8Array {
  return tlv(TAG.BOOLEAN, Uint8Array.of(value ? 0xff : 0x00));
}

/**
 * INTEGER from a non-negative number or from unsigned big-endian bytes: the
 * minimal two's-complement form (leading zeros dropped, one added when the
 * high bit is set).
 */
export function integer(value: number | Uint8Array): Uint8Array {
  let bytes: Uint8Array;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Bad DER integer: ${value}`);
    }
    const list: number[] = [];
    for (let n = value; n > 0; n = Math.floor(n / 256)) list.unshift(n % 256);
    bytes = Uint8Array.from(list);
  } else bytes = value;
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  let content = bytes.length === 0 ? Uint8Array.of(0) : bytes.subarray(start);
  if (content[0]! & 0x80) content = concat([Uint8Array.of(0), content]);
  return tlv(TAG.INTEGER, content);
}

/** OBJECT IDENTIFIER from its dotted form (`"1.2.840.10045.4.3.2"`). */
export function oid(dotted: string): Uint8Array {
  if (!/^[0-2]\.\d+(\.\d+)*$/.test(dotted)) throw new RangeError(`Bad OID: "${dotted}"`);
  const arcs = dotted.split(".").map(Number);
  const first = arcs[0]! * 40 + arcs[1]!;
  const out: number[] = [];
  for (const arc of [first, ...arcs.slice(2)]) {
    if (!Number.isSafeInteger(arc)) throw new RangeError(`Bad OID: "${dotted}"`);
    const base128: number[] = [arc % 128];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) {
      base128.unshift(0x80 | (n % 128));
    }
    out.push(...base128);
  }
  return tlv(TAG.OID, Uint8Array.from(out));
}

/** NULL. */
export function nullValue(): Uint8Array {
  return Uint8Array.of(TAG.NULL, 0);
}

/** OCTET STRING. */
export function octetString(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.OCTET_STRING, bytes);
}

/** BIT STRING of whole bytes (no unused bits). */
export function bitString(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.BIT_STRING, concat([Uint8Array.of(0), bytes]));
}

/**
 * BIT STRING of named bits (bit 0 is the most significant bit of the first
 * byte), in DER's minimal form: trailing zero bits dropped.
 */
export function namedBits(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return tlv(TAG.BIT_STRING, Uint8Array.of(0));
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)]! |= 0x80 >> (bit % 8);
  const unused = 7 - (highest % 8);
  return tlv(TAG.BIT_STRING, concat([Uint8Array.of(unused), bytes]));
}

/** UTF8String. */
export function utf8String(text: string): Uint8Array {
  return tlv(TAG.UTF8_STRING, new TextEncoder().encode(text));
}

/** The bytes of an ASCII string. @throws {RangeError} on a character above 0x7f. */
export function ascii(text: string): Uint8Array {
  const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
  if (bytes.length !== text.length || [...text].some((c) => c.charCodeAt(0) > 0x7f)) {
    throw new RangeError(`Not an ASCII string: "${text}"`);
  }
  return bytes;
}

/** IA5String (ASCII only). */
export function ia5String(text: string): Uint8Array {
  return tlv(TAG.IA5_STRING, ascii(text));
}

/**
 * An X.509 `Time`: UTCTime for the years 1950–2049, GeneralizedTime otherwise
 * (RFC 5280, 4.1.2.5), always in UTC with whole seconds.
 */
export function time(date: Date): Uint8Array {
  if (Number.isNaN(date.getTime())) throw new RangeError("Bad DER time: invalid date");
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "");
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) {
    return tlv(TAG.UTC_TIME, new TextEncoder().encode(`${digits.slice(2)}Z`));
  }
  return tlv(TAG.GENERALIZED_TIME, new TextEncoder().encode(`${digits}Z`));
}
