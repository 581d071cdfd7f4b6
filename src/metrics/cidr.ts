/**
 * IPv4 and IPv6 address ranges in CIDR notation (`--metrics-allow`), parsed
 * strictly, and the check of a client address against them.
 *
 * Accepted: `A.B.C.D/N` (N 0–32) and IPv6 `X:…/N` (N 0–128, `::`
 * compression and a dotted IPv4 tail allowed); an address without `/N` is
 * that one address. Refused, each with a message that says why: leading
 * zeros in an IPv4 part or a prefix length (`010.0.0.1` reads as octal
 * elsewhere), parts out of range, zone ids (`%eth0`), bits set after the
 * prefix (`10.0.0.1/8`: the range is `10.0.0.0/8`), and anything else.
 *
 * Every address is held as 16 bytes; an IPv4 address is its IPv4-mapped
 * IPv6 form (`::ffff:a.b.c.d`), so a client seen as `::ffff:10.1.2.3` on a
 * dual-stack listener matches `10.0.0.0/8`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cidrContains, parseAddress, parseCidr } from "./cidr.ts";
 * const office = parseCidr("10.20.0.0/16");
 * assert.equal(cidrContains(office, parseAddress("10.20.3.4")!), true);
 * assert.equal(cidrContains(office, parseAddress("::ffff:10.20.3.4")!), true);
 * assert.equal(cidrContains(office, parseAddress("10.21.0.1")!), false);
 * assert.throws(() => parseCidr("10.20.0.1/16"), /bits set after the prefix/);
 * ```
 *
 * @module
 */

/** An address range: 16 address bytes (IPv4 mapped) and a prefix length over them. */
export interface Cidr {
  /** The range as written, normalised (`10.0.0.0/8`, `fd00::/8`). */
  readonly text: string;
  /** 16 bytes; every bit after `prefix` is 0. */
  readonly bytes: Uint8Array;
  /** Leading bits that must match, 0–128 (an IPv4 range's is 96 + its own). */
  readonly prefix: number;
}

const V4_PART = /^(0|[1-9][0-9]{0,2})$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The 4 bytes of a dotted IPv4 address, or a reason it is not one. */
function parseV4(text: string): number[] | string {
  const parts = text.split(".");
  if (parts.length !== 4) return "an IPv4 address has four parts";
  const bytes: number[] = [];
  for (const part of parts) {
    if (!V4_PART.test(part)) {
      return /^0[0-9]/.test(part)
        ? `leading zero in "${part}"`
        : `"${part}" is not a number from 0 to 255`;
    }
    const value = Number(part);
    if (value > 255) return `"${part}" is not a number from 0 to 255`;
    bytes.push(value);
  }
  return bytes;
}

/** 16-bit words of one side of `::` (a dotted IPv4 tail allowed last when `v4Tail`). */
function parseWords(half: string, v4Tail: boolean): number[] | string {
  if (half === "") return [];
  const groups = half.split(":");
  const words: number[] = [];
  for (const [i, group] of groups.entries()) {
    if (v4Tail && i === groups.length - 1 && group.includes(".")) {
      const v4 = parseV4(group);
      if (typeof v4 === "string") return v4;
      words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (V6_GROUP.test(group)) {
      words.push(parseInt(group, 16));
    } else {
      return `"${group}" is not a group of 1 to 4 hex digits`;
    }
  }
  return words;
}

/** The 16 bytes of an IPv6 address, or a reason it is not one. */
function parseV6(text: string): Uint8Array | string {
  if (text.includes("%")) return "zone ids are not allowed";
  const halves = text.split("::");
  if (halves.length > 2) return `"::" appears twice`;
  const head = parseWords(halves[0]!, halves.length === 1);
  if (typeof head === "string") return head;
  const tail = halves.length === 2 ? parseWords(halves[1]!, true) : [];
  if (typeof tail === "string") return tail;
  if (halves.length === 1 && head.length !== 8) {
    return "an IPv6 address has eight groups (or uses ::)";
  }
  if (halves.length === 2 && head.length + tail.length > 7) {
    return `"::" must stand for at least one group`;
  }
  const words = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  return new Uint8Array(words.flatMap((w) => [w >> 8, w & 0xff]));
}

/** 16 bytes of an address, IPv4 mapped, or a reason it is not one. */
function toBytes(text: string): { bytes: Uint8Array; v4: boolean } | string {
  if (text.includes(":")) {
    const bytes = parseV6(text);
    return typeof bytes === "string" ? bytes : { bytes, v4: false };
  }
  const v4 = parseV4(text);
  if (typeof v4 === "string") return v4;
  const bytes = new Uint8Array(16);
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  bytes.set(v4, 12);
  return { bytes, v4: true };
}

/** The address as 16 bytes (IPv4 mapped), or null when `text` is not an IP address. */
export function parseAddress(text: string): Uint8Array | null {
  const parsed = toBytes(text);
  return typeof parsed === "string" ? null : parsed.bytes;
}

/** Canonical text of 16 bytes: dotted IPv4 for mapped addresses, else RFC 5952 IPv6. */
function formatBytes(bytes: Uint8Array, v4: boolean): string {
  if (v4) return [...bytes.subarray(12)].join(".");
  const words = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best.start < 0) return hex.join(":");
  return `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
}

/**
 * Parses `ADDRESS/PREFIX` (or a single `ADDRESS`) strictly.
 *
 * @throws {RangeError} with the reason, e.g. `"10.0.0.1/8": bits set after the prefix (did you mean 10.0.0.0/8?)`
 */
export function parseCidr(text: string): Cidr {
  const fail = (why: string): never => {
    throw new RangeError(`"${text}": ${why}`);
  };
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  if (!/[.:]/.test(addressText)) {
    fail("not an IPv4 or IPv6 address range (such as 10.0.0.0/8 or fd00::/8)");
  }
  const parsed = toBytes(addressText);
  if (typeof parsed === "string") return fail(parsed);
  const { bytes, v4 } = parsed;
  const width = v4 ? 32 : 128;
  let own = width;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > width) {
      fail(`the prefix length must be a number from 0 to ${width}`);
    }
    own = Number(prefixText);
  }
  const prefix = own + (v4 ? 96 : 0);
  const masked = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i));
    masked[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  const range = `${formatBytes(masked, v4)}/${own}`;
  if (masked.some((byte, i) => byte !== bytes[i])) {
    fail(`bits set after the prefix (did you mean ${range}?)`);
  }
  return { text: range, bytes: masked, prefix };
}

/** True when `address` (16 bytes from {@linkcode parseAddress}) lies in `cidr`. */
export function cidrContains(cidr: Cidr, address: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, cidr.prefix - 8 * i));
    if (keep === 0) return true;
    const mask = (0xff << (8 - keep)) & 0xff;
    if ((address[i]! & mask) !== cidr.bytes[i]) return false;
  }
  return true;
}

/** True when the address text lies in one of `ranges` (false for anything not an IP address). */
export function addressAllowed(address: string, ranges: readonly Cidr[]): boolean {
  const bytes = parseAddress(address);
  return bytes !== null && ranges.some((range) => cidrContains(range, bytes));
}

/** Loopback: `127.0.0.0/8` and `::1`. */
export const LOOPBACK_CIDRS: readonly Cidr[] = [
  parseCidr("127.0.0.0/8"),
  parseCidr("::1/128"),
];
