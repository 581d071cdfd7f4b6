/**
 * Login protection: after too many failures for one username or one remote
 * address within a window, further attempts are refused for a cool-down.
 * Unknown usernames count like known ones, so the limiter reveals nothing.
 *
 * @module
 */

/** Limits of the login limiter. */
export interface LoginLimiterOptions {
  /** Failures allowed within the window. @default 5 */
  maxFailures?: number;
  /** Window in which failures are counted. @default 300_000 (5 min) */
  windowMs?: number;
  /** Refusal period after the limit is reached. @default 300_000 (5 min) */
  coolDownMs?: number;
  /** Tracked keys, to bound memory under a spray of usernames. @default 100_000 */
  maxKeys?: number;
}

interface Entry {
  failures: number[];
  lockedUntil: number;
}

/** Counts failed logins per key ("user:x", "addr:y"). Time is always passed in. */
export class LoginLimiter {
  readonly #options: Required<LoginLimiterOptions>;
  readonly #entries = new Map<string, Entry>();

  /** A limiter with the given limits (named defaults otherwise). */
  constructor(options: LoginLimiterOptions = {}) {
    this.#options = {
      maxFailures: 5,
      windowMs: 300_000,
      coolDownMs: 300_000,
      maxKeys: 100_000,
      ...options,
    };
  }

  #keys(username: string | null, address: string): string[] {
    const addr = `addr:${address}`;
    return username === null ? [addr] : [`user:${username.toLowerCase()}`, addr];
  }

  /**
   * True when an attempt for this username or address must be refused now.
   * `username` null (token logins) checks the address only.
   */
  isLimited(username: string | null, address: string, nowMs: number): boolean {
    return this.#keys(username, address).some((key) => {
      const entry = this.#entries.get(key);
      return entry !== undefined && entry.lockedUntil > nowMs;
    });
  }

  /** Records a failed attempt (`username` null: the address only). */
  recordFailure(username: string | null, address: string, nowMs: number): void {
    const { maxFailures, windowMs, coolDownMs, maxKeys } = this.#options;
    for (const key of this.#keys(username, address)) {
      let entry = this.#entries.get(key);
      if (!entry) {
        if (this.#entries.size >= maxKeys) this.#prune(nowMs);
        entry = { failures: [], lockedUntil: 0 };
        this.#entries.set(key, entry);
      }
      entry.failures = entry.failures.filter((t) => t > nowMs - windowMs);
      entry.failures.push(nowMs);
      if (entry.failures.length >= maxFailures) entry.lockedUntil = nowMs + coolDownMs;
    }
  }

  /** A success clears the username's count (not the address's). */
  recordSuccess(username: string): void {
    this.#entries.delete(`user:${username.toLowerCase()}`);
  }

  #prune(nowMs: number): void {
    for (const [key, entry] of this.#entries) {
      const last = entry.failures.at(-1) ?? 0;
      if (entry.lockedUntil <= nowMs && last <= nowMs - this.#options.windowMs) {
        this.#entries.delete(key);
      }
    }
    // Still full (a spray from many addresses): drop the oldest entries.
    const excess = this.#entries.size - Math.floor(this.#options.maxKeys * 0.9);
    if (excess > 0) {
      let n = 0;
      for (const key of this.#entries.keys()) {
        if (n++ >= excess) break;
        this.#entries.delete(key);
      }
    }
  }
}
