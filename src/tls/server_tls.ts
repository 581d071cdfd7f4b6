/**
 * The certificate and key `leosac serve` listens with:
 *
 * - `--tls-cert PATH --tls-key PATH`: read both, check that they parse and
 *   belong together ({@linkcode loadTlsFiles}).
 * - `--tls self-signed`: a P-256 key and a certificate kept in the data
 *   directory ({@linkcode TLS_FILES}), made on the first start and reused
 *   after ({@linkcode ensureSelfSigned}). The key file is 0600. A new
 *   certificate (same key) replaces the old one when it expires within
 *   {@linkcode RENEW_BEFORE_DAYS} days or no longer covers every name the
 *   controller answers to ({@linkcode certificateNames}): the listen address,
 *   the host name (and `HOST.local`), and the loopback names when it listens
 *   on loopback or on every address.
 *
 * Either way the caller prints the SHA-256 fingerprint, which a person
 * compares with what the browser shows on the first connection.
 *
 * @module
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { join } from "node:path";
import { createSelfSignedCertificate, ipBytes, sha256Fingerprint } from "./certificate.ts";
import { isLoopback } from "./loopback.ts";
import type { TlsSetting } from "../cli/tls_flags.ts";
import { errorText } from "../errors.ts";

/** File names of the self-signed pair inside the data directory. */
export const TLS_FILES = { certificate: "tls-certificate.pem", key: "tls-key.pem" } as const;
/** A self-signed certificate is renewed when it expires within this many days. */
export const RENEW_BEFORE_DAYS = 30;
/** Largest certificate or key file read (a PEM chain of a few certificates is ~10 KB). */
export const MAX_PEM_BYTES = 256 * 1024;

/** What `Deno.serve` needs, plus what the operator is shown. */
export interface TlsMaterial {
  /** PEM certificate (chain). */
  cert: string;
  /** PEM private key. */
  key: string;
  /** SHA-256 of the (first) certificate, `AA:BB:…`. */
  fingerprint: string;
  /** End of validity of the (first) certificate. */
  notAfter: Date;
}

/** A failure to use the given or stored TLS files (clear text for the operator). */
export class TlsError extends Error {
  /** `message` says which file and what is wrong. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TlsError";
  }
}

async function readPem(path: string, what: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) throw new Error("not a file");
    if (info.size > MAX_PEM_BYTES) throw new Error(`larger than ${MAX_PEM_BYTES} bytes`);
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new TlsError(`cannot read the TLS ${what} ${path}: ${errorText(error)}`, {
      cause: error,
    });
  }
  return new TextDecoder().decode(bytes);
}

/** Parses a certificate and a key and checks that the key is the certificate's. */
function parsePair(cert: string, key: string, paths: { cert: string; key: string }): TlsMaterial {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new TlsError(`the TLS certificate ${paths.cert} is not a PEM certificate`, {
      cause: error,
    });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new TlsError(`the TLS key ${paths.key} is not a PEM private key`, { cause: error });
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new TlsError(`the TLS key ${paths.key} does not belong to the certificate ${paths.cert}`);
  }
  return {
    cert,
    key,
    fingerprint: sha256Fingerprint(new Uint8Array(x509.raw)),
    notAfter: new Date(x509.validTo),
  };
}

/**
 * Reads `--tls-cert` and `--tls-key`.
 *
 * @throws {TlsError} when a file is unreadable, not PEM, or the key does not match.
 */
export async function loadTlsFiles(certFile: string, keyFile: string): Promise<TlsMaterial> {
  const cert = await readPem(certFile, "certificate");
  const key = await readPem(keyFile, "key");
  return parsePair(cert, key, { cert: certFile, key: keyFile });
}

/** What the controller's host looks like (injected by tests). */
export interface HostInfo {
  /** The system host name (`Deno.hostname()`). */
  hostname: string;
  /** The addresses of the network interfaces (`Deno.networkInterfaces()`). */
  addresses: readonly string[];
}

/** The host as the system reports it. */
export function systemHostInfo(): HostInfo {
  let hostname = "";
  let addresses: string[] = [];
  try {
    hostname = Deno.hostname();
  } catch { /* no --allow-sys: the listen address alone */ }
  try {
    addresses = Deno.networkInterfaces().map((i) => i.address);
  } catch { /* as above */ }
  return { hostname, addresses };
}

const DNS_NAME = /^(?=.{1,253}$)((?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)*(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/**
 * The names a self-signed certificate must cover when listening on
 * `listenHost`: that address (for `0.0.0.0`/`::`, every interface address
 * except IPv6 link-local ones), the host name and `HOST.local`, and
 * `localhost`, `127.0.0.1` and `::1` when loopback is reachable.
 */
export function certificateNames(listenHost: string, host: HostInfo): string[] {
  const names: string[] = [];
  const add = (name: string): void => {
    const lower = name.toLowerCase();
    if (!names.includes(lower)) names.push(lower);
  };
  const wildcard = listenHost === "0.0.0.0" || listenHost === "::";
  if (!wildcard) add(listenHost);
  if (DNS_NAME.test(host.hostname) && !isIP(host.hostname)) {
    add(host.hostname);
    if (!host.hostname.includes(".")) add(`${host.hostname}.local`);
  }
  if (wildcard || isLoopback(listenHost)) ["localhost", "127.0.0.1", "::1"].forEach(add);
  if (wildcard) {
    for (const address of host.addresses) {
      const v6 = isIP(address) === 6;
      if (listenHost === "0.0.0.0" && v6) continue;
      if (v6 && /^fe[89ab]/i.test(address)) continue; // link-local: needs a zone, not nameable
      if (isIP(address)) add(address);
    }
  }
  return names;
}

/** One form per name: DNS names in lower case, IP addresses as the hex of their bytes. */
function canonicalName(name: string): string {
  return isIP(name)
    ? Array.from(ipBytes(name), (b) => b.toString(16)).join(".")
    : name.toLowerCase();
}

/** The DNS names and addresses in a certificate's subjectAltName. */
export function coveredNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? "").split(", ").flatMap((entry) => {
    const match = /^(DNS|IP Address):(.+)$/.exec(entry);
    return match ? [match[2]!.toLowerCase()] : [];
  });
}

/** Options of {@linkcode ensureSelfSigned}. */
export interface SelfSignedOptions {
  /** Names the certificate must cover (see {@linkcode certificateNames}). */
  names: readonly string[];
  /** The current time (validity and renewal). */
  now: Date;
}

/** The self-signed pair in use, and whether this start made it. */
export interface SelfSignedResult extends TlsMaterial {
  /** Why a new certificate was written this start; null when the stored one was reused. */
  created: "first start" | "expiring" | "new names" | "unreadable" | null;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readPem(path, "file");
  } catch (error) {
    if (error instanceof TlsError && error.cause instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** Writes `text` to `path` with `mode`, atomically (a temporary file renamed over it). */
async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(temporary, text, { mode, createNew: true });
    await Deno.chmod(temporary, mode); // the mode of a created file is masked by the umask
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw new TlsError(`cannot write ${path}: ${errorText(error)}`, { cause: error });
  }
}

/** The stored key when it parses as an EC key; null otherwise. */
function storedKey(pem: string | null): KeyObject | null {
  if (pem === null) return null;
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === "ec" ? key : null;
  } catch {
    return null;
  }
}

/** Why the stored certificate cannot be reused, or null when it can. */
function staleness(
  cert: string | null,
  key: string | null,
  options: SelfSignedOptions,
): SelfSignedResult["created"] {
  if (cert === null || key === null) return "first start";
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) return "unreadable";
  } catch {
    return "unreadable";
  }
  const renewAt = new Date(x509.validTo).getTime() - RENEW_BEFORE_DAYS * 86_400_000;
  if (options.now.getTime() >= renewAt) return "expiring";
  const covered = coveredNames(x509).map(canonicalName);
  if (!options.names.every((name) => covered.includes(canonicalName(name)))) return "new names";
  return null;
}

/**
 * Returns the data directory's self-signed certificate and key, creating
 * or renewing them as needed (the key is kept when it is usable). The key
 * file is 0600; a looser mode found on it is tightened.
 *
 * @throws {TlsError} when the files cannot be written.
 */
export async function ensureSelfSigned(
  dataDir: string,
  options: SelfSignedOptions,
): Promise<SelfSignedResult> {
  const certPath = join(dataDir, TLS_FILES.certificate);
  const keyPath = join(dataDir, TLS_FILES.key);
  const cert = await readIfExists(certPath);
  const key = await readIfExists(keyPath);
  if (key !== null && ((await Deno.stat(keyPath)).mode! & 0o077) !== 0) {
    await Deno.chmod(keyPath, 0o600);
  }
  const created = staleness(cert, key, options);
  if (created === null) {
    return { ...parsePair(cert!, key!, { cert: certPath, key: keyPath }), created };
  }
  const kept = storedKey(key);
  let pair;
  try {
    pair = createSelfSignedCertificate({
      names: options.names,
      now: options.now,
      ...(kept === null ? {} : { privateKey: kept }),
    });
  } catch (error) {
    throw new TlsError(`cannot make a self-signed certificate: ${errorText(error)}`, {
      cause: error,
    });
  }
  if (kept === null) await writeAtomically(keyPath, pair.keyPem, 0o600);
  await writeAtomically(certPath, pair.certPem, 0o644);
  return {
    ...parsePair(pair.certPem, kept === null ? pair.keyPem : key!, {
      cert: certPath,
      key: keyPath,
    }),
    created,
  };
}

/** Options of {@linkcode resolveServerTls}. */
export interface ResolveTlsOptions {
  /** The data directory (self-signed files). */
  dataDir: string;
  /** The address the server listens on. */
  listenHost: string;
  /** The current time. */
  now: Date;
  /** @default {@linkcode systemHostInfo}() */
  host?: HostInfo;
}

/** A self-signed certificate that was made or replaced this start. */
export interface TlsResolution {
  /** What to serve with; null for plain HTTP. */
  material: TlsMaterial | null;
  /** Why a self-signed certificate was written this start, if it was. */
  created: SelfSignedResult["created"];
  /** The names a self-signed certificate covers (empty otherwise). */
  names: string[];
}

/**
 * The certificate and key for `setting`: none, the given files, or the
 * data directory's self-signed pair.
 *
 * @throws {TlsError} on unreadable or mismatched files.
 */
export async function resolveServerTls(
  setting: TlsSetting,
  options: ResolveTlsOptions,
): Promise<TlsResolution> {
  if (setting.mode === "off") return { material: null, created: null, names: [] };
  if (setting.mode === "files") {
    return {
      material: await loadTlsFiles(setting.certFile, setting.keyFile),
      created: null,
      names: [],
    };
  }
  const names = certificateNames(options.listenHost, options.host ?? systemHostInfo());
  const { created, ...material } = await ensureSelfSigned(options.dataDir, {
    names,
    now: options.now,
  });
  return { material, created, names };
}
