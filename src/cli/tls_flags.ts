/**
 * The TLS options of `leosac serve`, and the rule that keeps passwords off
 * the network in clear: plain HTTP only on loopback, or with
 * `--insecure-http`. Pure, like `flags.ts`.
 *
 * @module
 */
import { UsageError } from "./args.ts";
import { isLoopback } from "../tls/loopback.ts";

/** How `leosac serve` listens. */
export type TlsSetting =
  | { mode: "off" }
  | { mode: "self-signed" }
  | { mode: "files"; certFile: string; keyFile: string };

/** The parseArgs options these flags add to `serve`. */
export const TLS_OPTIONS = {
  tls: { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "insecure-http": { type: "boolean" },
} as const;

/** The lines of `leosac --help` about TLS. */
export const TLS_USAGE =
  `  --tls self-signed      serve HTTPS and WSS with a certificate made on the first start and
                         kept in the data directory (tls-certificate.pem, tls-key.pem);
                         each start prints its SHA-256 fingerprint
  --tls-cert PATH        serve HTTPS and WSS with this PEM certificate (chain) ...
  --tls-key PATH         ... and this PEM private key
  --insecure-http        allow plain HTTP on an address other than loopback (passwords
                         then cross the network in clear)`;

/** The values parseArgs returns for {@linkcode TLS_OPTIONS}. */
export interface TlsFlagValues {
  tls?: string | undefined;
  "tls-cert"?: string | undefined;
  "tls-key"?: string | undefined;
  "insecure-http"?: boolean | undefined;
}

/**
 * Checks the TLS flags for a server listening on `hostname`.
 *
 * @throws {UsageError} on a bad combination, or plain HTTP on a non-loopback
 * address without `--insecure-http`.
 */
export function parseTlsFlags(
  values: TlsFlagValues,
  hostname: string,
): { tls: TlsSetting; insecureHttp: boolean } {
  const certFile = values["tls-cert"];
  const keyFile = values["tls-key"];
  const insecureHttp = values["insecure-http"] ?? false;
  if (values.tls !== undefined && values.tls !== "self-signed") {
    throw new UsageError(`invalid value for --tls: "${values.tls}" (expected self-signed)`);
  }
  if (certFile === "" || keyFile === "") {
    throw new UsageError(`invalid value for --tls-${certFile === "" ? "cert" : "key"}: empty path`);
  }
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError("give --tls-cert and --tls-key together");
  }
  let tls: TlsSetting = { mode: "off" };
  if (certFile !== undefined && keyFile !== undefined) {
    if (values.tls !== undefined) {
      throw new UsageError("give --tls self-signed or --tls-cert and --tls-key, not both");
    }
    tls = { mode: "files", certFile, keyFile };
  } else if (values.tls !== undefined) tls = { mode: "self-signed" };
  if (tls.mode !== "off" && insecureHttp) {
    throw new UsageError("--insecure-http cannot be combined with TLS");
  }
  if (tls.mode === "off" && !insecureHttp && !isLoopback(hostname)) {
    const shown = hostname.includes(":") ? `[${hostname}]` : hostname;
    throw new UsageError(
      `refusing plain HTTP on ${shown}: passwords would cross the network in clear; ` +
        "use --tls self-signed, or --tls-cert and --tls-key, or accept the risk with --insecure-http",
    );
  }
  return { tls, insecureHttp };
}
