/**
 * How a CLI client trusts a controller's certificate over `wss://`:
 *
 * - by default, the system's CA store (and `DENO_CERT`, which Deno reads);
 * - `--ca FILE`: that PEM certificate (a self-signed controller's
 *   `tls-certificate.pem`, or a site CA) as the trust anchor;
 * - `--fingerprint AA:BB:…`: pinning. A first TLS connection that does not
 *   verify reads the server's certificate; if its SHA-256 is the expected one
 *   it becomes the only trust anchor of the real connection, which then
 *   verifies as usual (signature, validity, name). A server that cannot prove
 *   it holds that certificate's key fails the second handshake.
 *
 * Deno's WebSocket takes the anchor through `Deno.createHttpClient({ caCerts })`.
 *
 * @module
 */
import { isIP } from "node:net";
import { connect, type PeerCertificate } from "node:tls";
import { sha256Fingerprint, toPem } from "../tls/certificate.ts";
import { UsageError } from "./args.ts";

/** How the server's certificate is trusted. */
export interface TrustOptions {
  /** A PEM file of trusted certificates. */
  caFile?: string | undefined;
  /** The expected SHA-256 fingerprint, `AA:BB:…` (64 hex digits). */
  fingerprint?: string | undefined;
}

/** Upper bound on a `--ca` file. */
const MAX_CA_BYTES = 256 * 1024;

/** Normalises a fingerprint (`aa:bb…`, `AABB…`) to `AA:BB:…`, or null when it is not 32 bytes of hex. */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.replace(/[:\s]/g, "").toUpperCase();
  return /^[0-9A-F]{64}$/.test(hex) ? hex.match(/../g)!.join(":") : null;
}

/** Reads the server's certificate without verifying it (the first step of pinning). */
export function peerCertificate(url: URL, timeoutMs: number): Promise<Uint8Array> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || 443);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      rejectUnauthorized: false,
      ...(isIP(host) ? {} : { servername: host }),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`Cannot connect to ${url.host}: no TLS handshake within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const cert: PeerCertificate = socket.getPeerCertificate();
      socket.destroy();
      if (!cert?.raw) reject(new Error(`${url.host} sent no certificate`));
      else resolve(new Uint8Array(cert.raw));
    });
    socket.once("error", (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`Cannot connect to ${url.host}: ${error.message}`));
    });
  });
}

/**
 * The HTTP client a `wss://` WebSocket uses under `options`, or null for the
 * default trust (no option given, or a `ws://` URL).
 *
 * @throws {Error} when the CA file is unreadable, or the pinned fingerprint differs.
 */
export async function trustedClient(
  url: string,
  options: TrustOptions,
  timeoutMs: number,
): Promise<Deno.HttpClient | null> {
  const parsed = new URL(url);
  if (parsed.protocol !== "wss:") return null;
  if (options.caFile !== undefined) {
    let pem: string;
    try {
      const info = await Deno.stat(options.caFile);
      if (info.size > MAX_CA_BYTES) throw new Error(`larger than ${MAX_CA_BYTES} bytes`);
      pem = await Deno.readTextFile(options.caFile);
    } catch (error) {
      throw new Error(
        `cannot read --ca ${options.caFile}: ${error instanceof Error ? error.message : error}`,
      );
    }
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
      throw new Error(`--ca ${options.caFile} holds no PEM certificate`);
    }
    return Deno.createHttpClient({ caCerts: [pem] });
  }
  if (options.fingerprint !== undefined) {
    const der = await peerCertificate(parsed, timeoutMs);
    const actual = sha256Fingerprint(der);
    if (actual !== options.fingerprint) {
      throw new Error(
        `the certificate of ${parsed.host} has fingerprint ${actual}, not ${options.fingerprint}: refusing to connect`,
      );
    }
    return Deno.createHttpClient({ caCerts: [toPem("CERTIFICATE", der)] });
  }
  return null;
}

/**
 * Reads `--ca FILE` / `--fingerprint AA:BB:…` of a command that connects to
 * `url`: neither, or one of them for a `wss:` URL (`needs` says which flag
 * and schemes, for the error: "a wss:// --from").
 *
 * @throws {UsageError} on both flags, an empty path, a bad fingerprint, or a URL that is not wss.
 */
export function parseTrustFlags(
  caFile: string | undefined,
  fingerprintText: string | undefined,
  url: string,
  needs: string,
): { caFile?: string; fingerprint?: string } {
  if (caFile === undefined && fingerprintText === undefined) return {};
  if (!url.startsWith("wss:")) {
    throw new UsageError(`--${caFile === undefined ? "fingerprint" : "ca"} needs ${needs}`);
  }
  if (caFile !== undefined && fingerprintText !== undefined) {
    throw new UsageError("give --ca or --fingerprint, not both");
  }
  if (caFile !== undefined) {
    if (caFile === "") throw new UsageError("invalid value for --ca: empty path");
    return { caFile };
  }
  const fingerprint = normalizeFingerprint(fingerprintText!);
  if (fingerprint === null) {
    throw new UsageError(
      `invalid value for --fingerprint: "${fingerprintText}" (expected 32 hex bytes, AA:BB:...)`,
    );
  }
  return { fingerprint };
}
