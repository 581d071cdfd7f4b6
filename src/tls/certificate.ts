/**
 * Self-signed X.509 v3 certificates, built in-process (controllers have no
 * `openssl`): an ECDSA P-256 key from node:crypto, the certificate encoded
 * with {@link ./der.ts} and signed with ECDSA-SHA256.
 *
 * The certificate is a TLS server leaf that is its own issuer:
 * `basicConstraints` cA=false (critical), `keyUsage` digitalSignature
 * (critical), `extendedKeyUsage` serverAuth, a `subjectAltName` with the DNS
 * names and IP addresses it covers, and a subject key identifier. Browsers
 * and rustls (Deno's TLS) accept such a certificate when it is trusted
 * directly, as a pinned certificate or an added CA.
 *
 * @module
 */
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from "node:crypto";
import { isIP } from "node:net";
import {
  ascii,
  bitString,
  boolean,
  explicit,
  implicit,
  integer,
  namedBits,
  octetString,
  oid,
  sequence,
  set,
  time,
  utf8String,
} from "./der.ts";

/** Default validity: 825 days, the longest Apple platforms accept for a TLS server certificate. */
export const DEFAULT_VALIDITY_DAYS = 825;
/** How far before "now" `notBefore` is set, so clocks a little behind still accept it. */
export const BACKDATE_MS = 60 * 60 * 1000;

const OID = {
  ecPublicKey: "1.2.840.10045.2.1",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  organizationName: "2.5.4.10",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

/** What a certificate covers and when. */
export interface CertificateOptions {
  /** DNS names and IP addresses (v4 or v6) the certificate is valid for; at least one. */
  names: readonly string[];
  /** The subject's common name. @default the first name */
  commonName?: string;
  /** The start of validity (minus {@linkcode BACKDATE_MS}). */
  now: Date;
  /** @default {@linkcode DEFAULT_VALIDITY_DAYS} */
  validityDays?: number;
  /** The key to certify; a new P-256 key when absent. */
  privateKey?: KeyObject;
}

/** A certificate and its private key, PEM-encoded. */
export interface CertificatePair {
  /** `-----BEGIN CERTIFICATE-----` … */
  certPem: string;
  /** `-----BEGIN PRIVATE KEY-----` (PKCS #8) … */
  keyPem: string;
  /** The certificate's DER bytes. */
  der: Uint8Array;
}

/** PEM armour of DER bytes. */
export function toPem(label: string, der: Uint8Array): string {
  const base64 = btoa(String.fromCharCode(...der));
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** `AA:BB:…`: the SHA-256 of DER bytes, upper-case hex pairs joined by colons. */
export function sha256Fingerprint(der: Uint8Array): string {
  const hex = createHash("sha256").update(der).digest("hex").toUpperCase();
  return hex.match(/../g)!.join(":");
}

/** The 4 or 16 bytes of an IP address literal. */
export function ipBytes(address: string): Uint8Array {
  const family = isIP(address);
  if (family === 4) return Uint8Array.from(address.split(".").map(Number));
  if (family !== 6) throw new RangeError(`Not an IP address: "${address}"`);
  const zone = address.indexOf("%");
  let text = zone >= 0 ? address.slice(0, zone) : address;
  // A trailing dotted IPv4 part (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipBytes(v4[1]!);
    const groups = [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!].map((g) => g.toString(16));
    text = text.slice(0, -v4[1]!.length) + groups.join(":");
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [
    ...headGroups,
    ...Array<string>(tail === undefined ? 0 : missing).fill("0"),
    ...tailGroups,
  ];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

function name(commonName: string): Uint8Array {
  const attribute = (type: string, value: string): Uint8Array =>
    set([sequence([oid(type), utf8String(value)])]);
  return sequence([
    attribute(OID.organizationName, "Leosac"),
    attribute(OID.commonName, commonName),
  ]);
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return sequence([oid(id), ...(critical ? [boolean(true)] : []), octetString(value)]);
}

function subjectAltName(names: readonly string[]): Uint8Array {
  return sequence(
    names.map((entry) => isIP(entry) ? implicit(7, ipBytes(entry)) : implicit(2, ascii(entry))),
  );
}

/** Checks a SAN entry: an IP literal or a DNS name (letters, digits, hyphens, dots, at most 253). */
function checkName(entry: string): void {
  if (isIP(entry)) return;
  const label = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
  if (entry.length > 253 || !entry.split(".").every((part) => label.test(part))) {
    throw new RangeError(`Not a DNS name or IP address: "${entry}"`);
  }
}

/**
 * Creates a self-signed certificate for `options.names`.
 *
 * @throws {RangeError} on an empty name list, a bad name or a bad validity.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { X509Certificate } from "node:crypto";
 * import { createSelfSignedCertificate } from "./certificate.ts";
 * const pair = createSelfSignedCertificate({ names: ["localhost", "127.0.0.1"], now: new Date() });
 * const cert = new X509Certificate(pair.certPem);
 * assert.equal(cert.subjectAltName, "DNS:localhost, IP Address:127.0.0.1");
 * ```
 */
export function createSelfSignedCertificate(options: CertificateOptions): CertificatePair {
  if (options.names.length === 0) throw new RangeError("A certificate needs at least one name");
  options.names.forEach(checkName);
  const validityDays = options.validityDays ?? DEFAULT_VALIDITY_DAYS;
  if (!(validityDays > 0 && validityDays <= 3650)) {
    throw new RangeError(`Bad validity: ${validityDays} days`);
  }
  const privateKey = options.privateKey ??
    generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  if (privateKey.asymmetricKeyType !== "ec") throw new RangeError("The key must be an EC key");
  const spki = new Uint8Array(createPublicKey(privateKey).export({ type: "spki", format: "der" }));
  const algorithm = sequence([oid(OID.ecdsaWithSha256)]);
  const subject = name((options.commonName ?? options.names[0]!).slice(0, 64));
  const notBefore = new Date(options.now.getTime() - BACKDATE_MS);
  const notAfter = new Date(options.now.getTime() + validityDays * 86_400_000);
  const serial = randomBytes(16);
  // Positive (top bit clear) and a full 16 bytes: the first byte is 0x10..0x7f, so no
  // encoder or printer drops a leading zero byte or nibble.
  serial[0] = 0x10 + (serial[0]! % 0x70);
  const keyId = createHash("sha1").update(spki).digest();
  const tbs = sequence([
    explicit(0, integer(2)), // v3
    integer(serial),
    algorithm,
    subject, // issuer: itself
    sequence([time(notBefore), time(notAfter)]),
    subject,
    spki,
    explicit(
      3,
      sequence([
        extension(OID.basicConstraints, true, sequence([])),
        extension(OID.keyUsage, true, namedBits([0])), // digitalSignature
        extension(OID.extKeyUsage, false, sequence([oid(OID.serverAuth)])),
        extension(OID.subjectAltName, false, subjectAltName(options.names)),
        extension(OID.subjectKeyIdentifier, false, octetString(keyId)),
      ]),
    ),
  ]);
  const signature = sign("sha256", tbs, privateKey); // DER ECDSA-Sig-Value
  const der = sequence([tbs, algorithm, bitString(new Uint8Array(signature))]);
  return {
    der,
    certPem: toPem("CERTIFICATE", der),
    keyPem: String(privateKey.export({ type: "pkcs8", format: "pem" })),
  };
}
