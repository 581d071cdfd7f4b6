/**
 * Login limiting: bounds password guesses per account under any mix of
 * addresses and concurrency, without letting an attacker lock out a user who
 * logs in from an address that has no failures on that account.
 *
 * A guess is counted when it starts ({@linkcode LoginLimiter.begin}, before the
 * slow password hash), so concurrent attempts see each other; a right password
 * gives its guess back. Three bounds (defaults; `docs/ws_protocol.md` states
 * them too):
 *
 * 1. **Pair back-off** per (account, address): 5 failures free, then each
 *    attempt waits 15 s after the last failure, doubling per failure up to
 *    15 min; while one attempt of a backed-off pair is in flight, the next
 *    waits for its outcome. Cleared by a right password; forgotten 1 h after the
 *    last failure.
 * 2. **Account ceiling**: at most 10 guesses (failed or in flight) per account
 *    in any sliding hour, from all addresses together.
 * 3. **Address ceiling** (password logins only): at most 100 failed logins per
 *    address in any sliding hour, whatever the usernames.
 *
 * A **known address** (one that logged in to the account with its password or
 * a token within 30 days) whose pair has no failure and no attempt in flight
 * is exempt from bounds 2 and 3: attacks from elsewhere never refuse it. Its
 * first failure ends the exemption until its next success, so it adds at most
 * one guess beyond the ceiling per success.
 *
 * Unknown usernames are limited exactly like known ones (nothing reveals which
 * exist). Memory is bounded: pairs, addresses and unknown usernames are each
 * at most `maxKeys` entries (least recently used dropped first); accounts of
 * existing users are kept while they hold guesses or known addresses.
 * Time comes from the injected {@linkcode Clock} (monotonic).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "../clock.ts";
 * import { LoginLimiter } from "./login_limiter.ts";
 * const clock = new FakeClock();
 * const limiter = new LoginLimiter({}, clock);
 * const account = { userId: 1, username: "admin" };
 * const attempts = Array.from({ length: 200 }, (_, i) => limiter.begin(account, `10.0.${i >> 8}.${i & 255}`, "login"));
 * assert.equal(attempts.filter((a) => a !== null).length, 10);
 * ```
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.ts";

/** Limits of the login limiter (the defaults are the documented numbers). */
export interface LoginLimiterOptions {
  /** Failures of one (account, address) pair before back-off starts. @default 5 */
  freeFailures?: number;
  /** First back-off, doubled at each further failure. @default 15_000 */
  backoffMs?: number;
  /** Longest back-off. @default 900_000 (15 min) */
  maxBackoffMs?: number;
  /** Guesses per account within `windowMs`, from all addresses. @default 10 */
  accountGuesses?: number;
  /** Failed password logins per address within `windowMs`. @default 100 */
  addressFailures?: number;
  /** The sliding window of both ceilings, and how long a pair's failures are kept. @default 3_600_000 */
  windowMs?: number;
  /** How long an address that logged in stays known for the account. @default 30 days */
  knownAddressMs?: number;
  /** Known addresses kept per account (most recent). @default 16 */
  knownAddressesPerAccount?: number;
  /**
   * Failed logins written as rows of their own in one minute (the rest are
   * counted per address, `junk_tally.ts`): bounds what wrong passwords from
   * many addresses and made-up usernames can add to the audit log. @default 30
   */
  failureRowsPerMinute?: number;
  /** Tracked pairs, addresses and unknown usernames (each). @default 100_000 */
  maxKeys?: number;
}

/** The account a guess is about: an existing user's id, or null for an unknown username. */
export interface LoginAccount {
  /** The account's user id, or null for an unknown username. */
  readonly userId: number | null;
  /** The username as typed. */
  readonly username: string;
}

/**
 * What a guess is: a password login (counts towards all three bounds) or the
 * current password of a logged-in user's `password_change` (the pair and the
 * account only: it never limits the address).
 */
export type GuessKind = "login" | "password_change";

/** A guess in flight: exactly one of its methods is called once the password is checked. */
export interface LoginAttempt {
  /** The password was right: the guess is given back, the pair cleared, the address known. */
  succeed(): void;
  /** The password was wrong (or the check did not finish): the guess stays counted. */
  fail(): void;
}

interface Pair {
  failures: number;
  lastFailureAt: number;
  inFlight: number;
}

interface Account {
  /** Start times of failed and in-flight guesses, oldest first. */
  guesses: number[];
  /** Address → time of its last success. */
  known: Map<string, number>;
}

interface Address {
  failures: number[];
  inFlight: number;
}

/** Counts password guesses per pair, account and address. */
export class LoginLimiter {
  readonly #o: Required<LoginLimiterOptions>;
  readonly #clock: Clock;
  readonly #pairs = new Map<string, Pair>();
  readonly #users = new Map<number, Account>();
  readonly #unknown = new Map<string, Account>();
  readonly #addresses = new Map<string, Address>();
  #failureMinute = -1;
  #failureRows = 0;
  /** Address → time of the last login of any account from it. */
  readonly #knownAddresses = new Map<string, number>();
  /** Guesses that failed and guesses refused before the check, by kind, since start (`/metrics`). */
  readonly counts: Record<GuessKind, { failed: number; refused: number }> = {
    login: { failed: 0, refused: 0 },
    password_change: { failed: 0, refused: 0 },
  };

  /** A limiter with the given limits (the documented defaults otherwise). */
  constructor(options: LoginLimiterOptions = {}, clock: Clock = systemClock) {
    this.#o = {
      freeFailures: 5,
      backoffMs: 15_000,
      maxBackoffMs: 900_000,
      accountGuesses: 10,
      addressFailures: 100,
      windowMs: 3_600_000,
      knownAddressMs: 30 * 86_400_000,
      knownAddressesPerAccount: 16,
      failureRowsPerMinute: 30,
      maxKeys: 100_000,
      ...options,
    };
    this.#clock = clock;
  }

  /**
   * Starts a guess on `account` from `address`, counting it at once; null when
   * it must be refused now (RATE_LIMITED). Call it before hashing.
   */
  begin(account: LoginAccount, address: string, kind: GuessKind): LoginAttempt | null {
    const attempt = this.#begin(account, address, kind);
    if (attempt === null) this.counts[kind].refused++;
    return attempt;
  }

  #begin(account: LoginAccount, address: string, kind: GuessKind): LoginAttempt | null {
    const now = this.#clock.monotonic();
    const o = this.#o;
    const accountKey = account.userId === null
      ? `?${account.username.toLowerCase()}`
      : `#${account.userId}`;
    const pairKey = `${accountKey}\n${address}`;
    // Refusals create no entry: only counted guesses take memory.
    let seen = this.#pairs.get(pairKey);
    if (seen && seen.inFlight === 0 && seen.lastFailureAt <= now - o.windowMs) {
      this.#pairs.delete(pairKey);
      seen = undefined;
    }
    const pending = (seen?.failures ?? 0) + (seen?.inFlight ?? 0);
    if (
      seen && pending >= o.freeFailures &&
      (seen.inFlight > 0 || now < seen.lastFailureAt + this.#backoff(seen.failures))
    ) {
      return null;
    }
    const seenAccount = this.#findAccount(account);
    const guesses = seenAccount?.guesses.filter((t) => t > now - o.windowMs) ?? [];
    const knownAt = seenAccount?.known.get(address);
    const exempt = knownAt !== undefined && knownAt > now - o.knownAddressMs && pending === 0;
    if (!exempt && guesses.length >= o.accountGuesses) return null;
    let addr: Address | null = null;
    if (kind === "login") {
      const seenAddr = this.#addresses.get(address);
      const failures = seenAddr?.failures.filter((t) => t > now - o.windowMs) ?? [];
      if (!exempt && failures.length + (seenAddr?.inFlight ?? 0) >= o.addressFailures) return null;
      addr = this.#touch(this.#addresses, address, () => ({ failures, inFlight: 0 }));
      addr.failures = failures;
      addr.inFlight++;
    }
    const pair = this.#touch(this.#pairs, pairKey, () => ({
      failures: 0,
      lastFailureAt: 0,
      inFlight: 0,
    }));
    pair.inFlight++;
    const entry = this.#account(account);
    entry.guesses = guesses;
    guesses.push(now);
    let done = false;
    return {
      succeed: () => {
        if (done) return;
        done = true;
        pair.inFlight--;
        pair.failures = 0;
        if (addr) addr.inFlight--;
        const at = entry.guesses.indexOf(now);
        if (at >= 0) entry.guesses.splice(at, 1);
        if (account.userId !== null) this.#remember(entry, address);
      },
      fail: () => {
        if (done) return;
        done = true;
        this.counts[kind].failed++;
        const failedAt = this.#clock.monotonic();
        pair.inFlight--;
        pair.failures++;
        pair.lastFailureAt = failedAt;
        if (addr) {
          addr.inFlight--;
          addr.failures.push(failedAt);
        }
      },
    };
  }

  /** A login with a valid token: the address becomes known for the user. Tokens are never limited. */
  tokenLogin(userId: number, address: string): void {
    this.#remember(this.#account({ userId, username: "" }), address);
  }

  /**
   * Whether a failed login at `nowMs` (Unix ms) gets an audit row of its own:
   * true for the first `failureRowsPerMinute` of each minute.
   */
  failureRow(nowMs: number): boolean {
    const minute = Math.floor(nowMs / 60_000);
    if (minute !== this.#failureMinute) {
      this.#failureMinute = minute;
      this.#failureRows = 0;
    }
    return this.#failureRows++ < this.#o.failureRowsPerMinute;
  }

  /** Whether some account logged in from `address` within `knownAddressMs`. */
  isKnownAddress(address: string): boolean {
    const at = this.#knownAddresses.get(address);
    return at !== undefined && at > this.#clock.monotonic() - this.#o.knownAddressMs;
  }

  #backoff(failures: number): number {
    const { freeFailures, backoffMs, maxBackoffMs } = this.#o;
    return Math.min(backoffMs * 2 ** (failures - freeFailures), maxBackoffMs);
  }

  #remember(entry: Account, address: string): void {
    const now = this.#clock.monotonic();
    this.#touch(this.#knownAddresses, address, () => now);
    this.#knownAddresses.set(address, now);
    entry.known.delete(address);
    entry.known.set(address, now);
    if (entry.known.size > this.#o.knownAddressesPerAccount) {
      entry.known.delete(entry.known.keys().next().value!);
    }
  }

  #findAccount(account: LoginAccount): Account | undefined {
    return account.userId === null
      ? this.#unknown.get(account.username.toLowerCase())
      : this.#users.get(account.userId);
  }

  #account(account: LoginAccount): Account {
    const make = (): Account => ({ guesses: [], known: new Map() });
    if (account.userId === null) {
      return this.#touch(this.#unknown, account.username.toLowerCase(), make);
    }
    let entry = this.#users.get(account.userId);
    if (!entry) {
      // Bounded by the users table; forget idle ones as new ones come.
      if (this.#users.size >= this.#o.maxKeys) this.#forgetIdleUsers();
      entry = make();
      this.#users.set(account.userId, entry);
    }
    return entry;
  }

  #forgetIdleUsers(): void {
    const now = this.#clock.monotonic();
    for (const [id, entry] of this.#users) {
      const active = entry.guesses.some((t) => t > now - this.#o.windowMs) ||
        [...entry.known.values()].some((t) => t > now - this.#o.knownAddressMs);
      if (!active) this.#users.delete(id);
    }
  }

  /** Gets or creates `key`, moving it to the most recently used end; drops the least used beyond `maxKeys`. */
  #touch<T>(map: Map<string, T>, key: string, make: () => T): T {
    let value = map.get(key);
    if (value === undefined) value = make();
    else map.delete(key);
    map.set(key, value);
    if (map.size > this.#o.maxKeys) map.delete(map.keys().next().value!);
    return value;
  }
}
