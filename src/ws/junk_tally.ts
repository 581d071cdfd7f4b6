/**
 * Counts the failed calls of connections that are not logged in (unknown
 * type, permission denied, malformed …) instead of writing a `WSAPICall` row
 * for each: one row per (minute, remote address, kind), with the count.
 *
 * Without it an anonymous client wrote a full audit row (about 770 bytes)
 * per refused request, 27 MB/s on the measured flood. With it the rows of
 * anonymous junk are bounded by the clock, not by the request rate: per
 * minute at most `(maxAddresses + 1) × JUNK_KINDS` rows (addresses beyond
 * {@linkcode JUNK_MAX_ADDRESSES_PER_MINUTE} in one minute are counted
 * together under `"other"`), whatever the rate. Authentication attempts are
 * not junk: they keep their own rows (the dispatcher decides what is).
 *
 * @module
 */
import { STATUS } from "../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, type AuditEntry, auditMask } from "../store/audit.ts";

/** Distinct remote addresses counted separately in one minute; the rest share one row. */
export const JUNK_MAX_ADDRESSES_PER_MINUTE = 16;
/** Distinct method names kept as a sample in a row. */
export const JUNK_SAMPLE_METHODS = 5;
/** The length a sampled method name is cut to. */
const METHOD_CHARS = 64;
/** A minute, in ms. */
export const JUNK_MINUTE_MS = 60_000;

/** What a refused anonymous call is, as counted. */
export type JunkKind =
  | "unknown_type"
  | "permission_denied"
  | "malformed"
  | "rate_limited"
  | "login_failed"
  | "other";

/** The number of kinds (the bound per minute and address). */
export const JUNK_KINDS = 6;

/** What the dispatcher knows of a finished call. */
export interface CallOutcome {
  /** No user was logged in before or after the call. */
  anonymous: boolean;
  /** The type names an endpoint. */
  known: boolean;
  /** The content was refused by the endpoint's decoder. */
  undecoded: boolean;
  /** The endpoint is an authentication (its rows are written at once). */
  authentication: boolean;
  /**
   * The handler asked for the call to be counted only: a failed login past
   * the minute's budget of failed-login rows (`LoginLimiter.failureRow()`).
   */
  countedOnly?: boolean;
  statusCode: number;
}

/**
 * The kind a call is counted as, or null when it keeps a row of its own: a
 * success, a logged-in caller, or an authentication attempt that was
 * checked (a refused password answers status 0; a disabled account's
 * refusal is kept too), within the minute's budget of failed-login rows;
 * past it, a failed login is counted as `login_failed`. A login refused
 * before any check (malformed, rate-limited) is junk.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { junkKind } from "./junk_tally.ts";
 * const call = { anonymous: true, known: true, undecoded: false, authentication: false };
 * assert.equal(junkKind({ ...call, statusCode: 2 }), "permission_denied");
 * assert.equal(junkKind({ ...call, statusCode: 0 }), null);
 * assert.equal(junkKind({ ...call, authentication: true, statusCode: 1 }), null);
 * assert.equal(junkKind({ ...call, authentication: true, statusCode: 3 }), "rate_limited");
 * ```
 */
export function junkKind(call: CallOutcome): JunkKind | null {
  if (call.countedOnly === true && call.anonymous) return "login_failed";
  if (!call.anonymous || call.statusCode === STATUS.SUCCESS) return null;
  if (!call.known) return "unknown_type";
  if (call.undecoded) return "malformed";
  if (call.statusCode === STATUS.RATE_LIMITED) return "rate_limited";
  if (call.authentication) return null;
  return call.statusCode === STATUS.PERMISSION_DENIED ? "permission_denied" : "other";
}

/** One refused anonymous call. */
export interface JunkCall {
  kind: JunkKind;
  method: string;
  statusCode: number;
  remoteAddress: string;
  /** Unix ms. */
  timestamp: number;
}

interface Tally {
  minute: number;
  address: string;
  kind: JunkKind;
  count: number;
  statusCode: number;
  first: number;
  last: number;
  methods: string[];
}

/** The counts of the minutes not yet written. */
export class JunkTally {
  readonly #tallies = new Map<string, Tally>();
  /** Distinct addresses per minute. */
  readonly #addresses = new Map<number, Set<string>>();

  /** Counts one call. */
  add(call: JunkCall): void {
    const minute = Math.floor(call.timestamp / JUNK_MINUTE_MS) * JUNK_MINUTE_MS;
    let seen = this.#addresses.get(minute);
    if (seen === undefined) this.#addresses.set(minute, seen = new Set());
    let address = call.remoteAddress;
    if (!seen.has(address)) {
      if (seen.size < JUNK_MAX_ADDRESSES_PER_MINUTE) seen.add(address);
      else address = "other";
    }
    const kind = call.kind;
    const key = `${minute} ${kind} ${address}`;
    let tally = this.#tallies.get(key);
    if (tally === undefined) {
      tally = {
        minute,
        address,
        kind,
        count: 0,
        statusCode: call.statusCode,
        first: call.timestamp,
        last: call.timestamp,
        methods: [],
      };
      this.#tallies.set(key, tally);
    }
    tally.count++;
    tally.first = Math.min(tally.first, call.timestamp);
    tally.last = Math.max(tally.last, call.timestamp);
    const method = call.method.slice(0, METHOD_CHARS);
    if (tally.methods.length < JUNK_SAMPLE_METHODS && !tally.methods.includes(method)) {
      tally.methods.push(method);
    }
  }

  /** Counts waiting to be written. */
  get size(): number {
    return this.#tallies.size;
  }

  /** The start (Unix ms) of the earliest minute waiting, if any. */
  earliestMinute(): number | undefined {
    let earliest: number | undefined;
    for (const minute of this.#addresses.keys()) {
      if (earliest === undefined || minute < earliest) earliest = minute;
    }
    return earliest;
  }

  /**
   * Removes and returns, as audit rows, the counts of the minutes that began
   * before `beforeMs` (all of them when absent).
   */
  take(beforeMs = Infinity): AuditEntry[] {
    const rows: AuditEntry[] = [];
    for (const [key, tally] of this.#tallies) {
      if (tally.minute + JUNK_MINUTE_MS > beforeMs) continue;
      this.#tallies.delete(key);
      rows.push(toEntry(tally));
    }
    for (const minute of [...this.#addresses.keys()]) {
      if (minute + JUNK_MINUTE_MS <= beforeMs) this.#addresses.delete(minute);
    }
    return rows.sort((a, b) => a.timestamp - b.timestamp);
  }
}

const KIND_TEXT: Record<JunkKind, string> = {
  unknown_type: "unknown type",
  permission_denied: "permission denied",
  malformed: "malformed",
  rate_limited: "rate limited",
  login_failed: "wrong username or password, past the minute's budget of failed-login rows",
  other: "other failures",
};

function toEntry(t: Tally): AuditEntry {
  const from = t.address === "other" ? "other addresses" : t.address;
  const text = `${t.count} anonymous call${t.count === 1 ? "" : "s"} refused (${
    KIND_TEXT[t.kind]
  }) from ${from} in the minute from ${new Date(t.minute).toISOString()}`;
  return {
    kind: AUDIT_KIND.WSAPI_CALL,
    // Counted failed logins stay under the logins filter.
    mask: t.kind === "login_failed"
      ? auditMask(AUDIT_EVENT.WSAPI_CALL, AUDIT_EVENT.LOGIN_FAILED)
      : auditMask(AUDIT_EVENT.WSAPI_CALL),
    authorId: null,
    timestamp: t.minute,
    description: text + ".",
    data: {
      uuid: "",
      method: t.methods.join(", "),
      status_code: t.statusCode,
      status_string: text,
      source_endpoint: t.address,
      aggregated: true,
      kind: t.kind,
      count: t.count,
      remote_address: t.address,
      minute_start: t.minute,
      first: t.first,
      last: t.last,
    },
  };
}
