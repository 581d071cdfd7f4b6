/**
 * `leosac simulate card|pin|input ...`: the command line of the hardware
 * simulator client. Pure, like `flags.ts`.
 *
 * @module
 */
import { parseCommandLine, UsageError } from "./args.ts";
import { parseTrustFlags } from "./trust.ts";

/** Default WebSocket URL of a local controller. */
export const DEFAULT_SIMULATE_URL = "ws://127.0.0.1:8888/websocket";

/** What to simulate, in the shape of the `hardware.simulate` content. */
export type SimulateContent =
  | { action: "card"; reader: string; format?: string; facility?: number; number: number }
  | { action: "card"; reader: string; card_id: string; nb_bits: number }
  | { action: "pin"; reader: string; pin: string }
  | { action: "input"; door: number; input: "contact" | "rex"; value: boolean };

/** `leosac simulate`. */
export interface SimulateCommand {
  command: "simulate";
  url: string;
  username: string;
  password: string;
  content: SimulateContent;
  /** How long to wait for the access event. */
  timeoutMs: number;
  /** Print the event as JSON instead of one line. */
  json: boolean;
  /** A PEM file of certificates to trust for `wss://` (a self-signed controller's certificate). */
  caFile?: string;
  /** The expected SHA-256 fingerprint of the controller's certificate (`AA:BB:…`), pinned. */
  fingerprint?: string;
}

/** Usage of `leosac simulate`. */
export const SIMULATE_USAGE =
  `Usage: leosac simulate card --reader NAME [--facility N] --number N [--format FMT]
       leosac simulate card --reader NAME --card-id aa:bb:cc:dd --bits N
       leosac simulate pin --reader NAME --pin 1234
       leosac simulate input --door ID --input contact|rex --value on|off

Presents a card, types a PIN (# is added when missing), opens/closes a door
contact or presses/releases a request-to-exit button on a running controller
with simulated hardware, and prints the resulting access event.
Exit status: 0 granted (or input done), 1 denied or failed, 2 usage.

Options:
  --url URL             the controller: its WebSocket (ws://, wss://) or its page (http://,
                        https://, /websocket is then added) (default ${DEFAULT_SIMULATE_URL})
  --ca FILE             trust the certificate(s) in this PEM file for wss:// (for a
                        self-signed controller: its data directory's tls-certificate.pem)
  --fingerprint FP      trust exactly the certificate with this SHA-256 fingerprint, as
                        printed by the controller at start (AA:BB:...)
  --username NAME       a manager or administrator (default admin)
  --password PW         its password (or env LEOSAC_PASSWORD)
  --timeout-ms MS       how long to wait for the decision (default 15000)
  --json                print the event content as JSON`;

function integer(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value) || Number(value) < min) {
    throw new UsageError(`invalid value for --${name}: "${value}" (expected an integer >= ${min})`);
  }
  return Number(value);
}

function need<T>(name: string, value: T | undefined): T {
  if (value === undefined) throw new UsageError(`missing --${name}`);
  return value;
}

/**
 * The WebSocket URL of `--url`: `ws:`/`wss:` as given; `http:`/`https:`
 * become `ws:`/`wss:`, with `/websocket` when no path is given.
 */
export function webSocketUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`invalid value for --url: "${text}"`);
  }
  if (url.protocol === "http:" || url.protocol === "https:") {
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (url.pathname === "/") url.pathname = "/websocket";
  } else if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new UsageError(
      `invalid value for --url: "${text}" (expected ws://, wss://, http:// or https://)`,
    );
  }
  return url.href;
}

const ON = new Set(["on", "open", "pressed", "true", "1"]);
const OFF = new Set(["off", "closed", "released", "false", "0"]);

/**
 * Parses the arguments after `simulate`.
 *
 * @throws {UsageError} on a bad command line.
 */
export function parseSimulateFlags(
  args: string[],
  env: { LEOSAC_PASSWORD?: string | undefined } = {},
): SimulateCommand {
  const { values: v, positionals } = parseCommandLine(args, {
    url: { type: "string" },
    ca: { type: "string" },
    fingerprint: { type: "string" },
    username: { type: "string" },
    password: { type: "string" },
    "timeout-ms": { type: "string" },
    json: { type: "boolean" },
    reader: { type: "string" },
    format: { type: "string" },
    facility: { type: "string" },
    number: { type: "string" },
    "card-id": { type: "string" },
    bits: { type: "string" },
    pin: { type: "string" },
    door: { type: "string" },
    input: { type: "string" },
    value: { type: "string" },
  });
  const [action, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument: "${rest[0]}"`);
  const password = v.password ?? env.LEOSAC_PASSWORD;
  if (password === undefined) throw new UsageError("missing --password (or env LEOSAC_PASSWORD)");
  const url = webSocketUrl(v.url ?? DEFAULT_SIMULATE_URL);
  const trust = parseTrustFlags(v.ca, v.fingerprint, url, "a wss:// or https:// --url");
  let content: SimulateContent;
  switch (action) {
    case "card": {
      const reader = need("reader", v.reader);
      if (v["card-id"] !== undefined) {
        content = {
          action,
          reader,
          card_id: v["card-id"],
          nb_bits: need("bits", integer("bits", v.bits, 1)),
        };
      } else {
        const facility = integer("facility", v.facility);
        content = {
          action,
          reader,
          number: need("number", integer("number", v.number)),
          ...(facility === undefined ? {} : { facility }),
          ...(v.format === undefined ? {} : { format: v.format }),
        };
      }
      break;
    }
    case "pin": {
      const pin = need("pin", v.pin);
      if (!/^[0-9*#]{1,32}$/.test(pin)) throw new UsageError(`invalid value for --pin: "${pin}"`);
      content = { action, reader: need("reader", v.reader), pin };
      break;
    }
    case "input": {
      const input = need("input", v.input);
      if (input !== "contact" && input !== "rex") {
        throw new UsageError(`invalid value for --input: "${input}" (expected contact, rex)`);
      }
      const value = need("value", v.value).toLowerCase();
      if (!ON.has(value) && !OFF.has(value)) {
        throw new UsageError(`invalid value for --value: "${value}" (expected on, off)`);
      }
      content = {
        action,
        door: need("door", integer("door", v.door, 1)),
        input,
        value: ON.has(value),
      };
      break;
    }
    default:
      throw new UsageError(
        action === undefined ? "missing action: card, pin or input" : `unknown action: "${action}"`,
      );
  }
  return {
    command: "simulate",
    url,
    username: v.username ?? "admin",
    password,
    content,
    timeoutMs: integer("timeout-ms", v["timeout-ms"], 1) ?? 15_000,
    json: v.json ?? false,
    ...trust,
  };
}
