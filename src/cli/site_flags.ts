/**
 * The site options of `leosac serve` (`docs/site.md`): which NATS servers,
 * this controller's name, the site's name, the NATS credentials and the CA
 * for TLS to NATS. Pure, like `flags.ts`; the password itself is read from
 * the environment variable named by `--site-password-env`, never from the
 * command line.
 *
 * @module
 */
import { UsageError } from "./args.ts";
import { DEFAULT_SITE_NAME, NAME_PATTERN } from "../site/names.ts";

/** How a controller joins a site (null: it runs alone). */
export interface SiteSetting {
  /** NATS server URLs (`nats://HOST:PORT` or `tls://HOST:PORT`). */
  servers: string[];
  /** This controller's name, unique in the site. */
  controller: string;
  /** The site's name (namespaces every stream and subject). */
  siteName: string;
  /** A NATS credentials file (JWT and NKey seed). */
  credsFile: string | null;
  /** NATS user and password (the password read from the environment). */
  user: { name: string; password: string } | null;
  /** A PEM CA file: the connection to NATS uses TLS and trusts this CA. */
  tlsCaFile: string | null;
}

/** The parseArgs options these flags add to `serve`. */
export const SITE_OPTIONS = {
  site: { type: "string" },
  controller: { type: "string" },
  "site-name": { type: "string" },
  "site-creds": { type: "string" },
  "site-user": { type: "string" },
  "site-password-env": { type: "string" },
  "site-tls-ca": { type: "string" },
} as const;

/** The lines of `leosac --help` about sites. */
export const SITE_USAGE = `  --site nats://HOST:PORT[,nats://HOST:PORT…]
                         join a site of controllers through these NATS servers
                         (docs/site.md); needs --controller
  --controller NAME      this controller's name, unique in the site
  --site-name SITE       the site's name (default ${DEFAULT_SITE_NAME}); namespaces its streams
  --site-creds FILE      authenticate to NATS with this credentials file
  --site-user USER       authenticate to NATS as USER ...
  --site-password-env VAR  ... with the password in environment variable VAR
  --site-tls-ca FILE     connect to NATS over TLS, trusting this PEM CA`;

/** The values parseArgs returns for {@linkcode SITE_OPTIONS}. */
export interface SiteFlagValues {
  site?: string | undefined;
  controller?: string | undefined;
  "site-name"?: string | undefined;
  "site-creds"?: string | undefined;
  "site-user"?: string | undefined;
  "site-password-env"?: string | undefined;
  "site-tls-ca"?: string | undefined;
}

/**
 * Checks the site flags; `readEnv` reads the password variable.
 *
 * @throws {UsageError} on a bad URL or name, a missing `--controller`, or
 * site options without `--site`.
 */
export function parseSiteFlags(
  values: SiteFlagValues,
  readEnv: (name: string) => string | undefined,
): SiteSetting | null {
  const others = ([
    "controller",
    "site-name",
    "site-creds",
    "site-user",
    "site-password-env",
    "site-tls-ca",
  ] as const)
    .filter((name) => values[name] !== undefined);
  if (values.site === undefined) {
    if (others.length > 0) throw new UsageError(`--${others[0]} needs --site`);
    return null;
  }
  const servers = values.site.split(",").map((text) => text.trim()).filter((text) => text !== "");
  if (servers.length === 0) throw new UsageError("invalid value for --site: no server");
  for (const server of servers) {
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new UsageError(`invalid value for --site: "${server}" (expected nats://HOST:PORT)`);
    }
    if (!["nats:", "tls:"].includes(url.protocol) || url.hostname === "" || url.port === "") {
      throw new UsageError(`invalid value for --site: "${server}" (expected nats://HOST:PORT)`);
    }
    if (url.username !== "" || url.password !== "") {
      throw new UsageError(
        "invalid value for --site: credentials do not belong in the URL; use --site-creds or --site-user",
      );
    }
  }
  const controller = values.controller;
  if (controller === undefined) throw new UsageError("--site needs --controller NAME");
  if (!NAME_PATTERN.test(controller)) {
    throw new UsageError(
      `invalid value for --controller: "${controller}" (1–32 letters, digits, - or _)`,
    );
  }
  const siteName = values["site-name"] ?? DEFAULT_SITE_NAME;
  if (!NAME_PATTERN.test(siteName)) {
    throw new UsageError(
      `invalid value for --site-name: "${siteName}" (1–32 letters, digits, - or _)`,
    );
  }
  const credsFile = values["site-creds"] ?? null;
  if (credsFile === "") throw new UsageError("invalid value for --site-creds: empty path");
  const userName = values["site-user"];
  const passwordEnv = values["site-password-env"];
  if ((userName === undefined) !== (passwordEnv === undefined)) {
    throw new UsageError("give --site-user and --site-password-env together");
  }
  if (credsFile !== null && userName !== undefined) {
    throw new UsageError("give --site-creds or --site-user, not both");
  }
  let user: SiteSetting["user"] = null;
  if (userName !== undefined && passwordEnv !== undefined) {
    const password = readEnv(passwordEnv);
    if (password === undefined || password === "") {
      throw new UsageError(`--site-password-env: environment variable ${passwordEnv} is not set`);
    }
    user = { name: userName, password };
  }
  const tlsCaFile = values["site-tls-ca"] ?? null;
  if (tlsCaFile === "") throw new UsageError("invalid value for --site-tls-ca: empty path");
  // The NATS client checks a server's certificate against "localhost" when it
  // connects to an address, so a certificate for localhost would pass for any
  // server: over TLS, servers are named.
  const tls = tlsCaFile !== null || servers.some((server) => server.startsWith("tls:"));
  const literal = servers.find((server) => /^\[|^[0-9.]+$/.test(new URL(server).hostname));
  if (tls && literal !== undefined) {
    throw new UsageError(
      `invalid value for --site: "${literal}": over TLS give the NATS servers by the host ` +
        "names their certificates carry, not by address",
    );
  }
  return { servers, controller, siteName, credsFile, user, tlsCaFile };
}
