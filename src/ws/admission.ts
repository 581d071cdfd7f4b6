/**
 * Who may open a WebSocket (issue 14, findings 4 and 5): a bound on open
 * connections, a per-address cap, and a small, per-address-capped share for
 * connections that have not logged in, each of which must log in before a
 * deadline. A connection counts from its upgrade until Deno reports it closed
 * (a peer that ignores our close frame still holds a socket and, mid-frame,
 * up to 64 MiB of buffer: see `docs/ws_protocol.md`, Limits).
 *
 * Two kinds of address are spared the shared anonymous bound, so that an
 * attacker who fills it cannot keep an administrator out:
 * - loopback (`127.0.0.0/8`, `::1`): the controller's own machine, where the
 *   `simulate` CLI and local tools run; only the total bounds it;
 * - a **known address**, one from which some account logged in recently (the
 *   login limiter remembers it for 30 days): it keeps its per-address cap but
 *   not the shared one.
 *
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";

/** Connection limits (named defaults in {@linkcode DEFAULT_ADMISSION_LIMITS}). */
export interface AdmissionLimits {
  /** Open connections in all. @default 1024 */
  maxSessions: number;
  /** Open connections from one address, logged in or not. @default 32 */
  maxPerAddress: number;
  /**
   * Connections not logged in, in all. Deno buffers a whole frame (up to
   * 64 MiB) before the 1 MiB check, so this bounds what anonymous peers can
   * make the process hold (measured: up to about 2.3 times the frame's
   * size each, so about 4 × 2.5 × 64 MiB = 640 MiB at worst). @default 4
   */
  maxAnonymous: number;
  /** Connections not logged in from one address. @default 2 */
  maxAnonymousPerAddress: number;
  /** Time a connection has to log in (again, after a logout) before it is closed. @default 30 s */
  loginDeadlineMs: number;
}

/** Whether an address is loopback (the controller's own machine). */
export function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

/** Default limits. */
export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  maxSessions: 1024,
  maxPerAddress: 32,
  maxAnonymous: 4,
  maxAnonymousPerAddress: 2,
  loginDeadlineMs: 30_000,
};

/** Why an upgrade was refused. */
export type Refusal = "sessions" | "address" | "anonymous";

/** What a session tells its slot. */
export interface SessionSlot {
  /** The connection logged in: it no longer counts as anonymous, its deadline is off. */
  authenticated(): void;
  /** The connection logged out: anonymous again, with a new deadline. */
  anonymous(): void;
  /** The server closed the connection: the deadline is off (the slot stays until {@linkcode release}). */
  closing(): void;
  /** Deno reported the socket closed: the slot is free. */
  release(): void;
}

/** A slot that counts nothing (sessions built outside an upgrade, tests). */
export const UNCOUNTED_SLOT: SessionSlot = {
  authenticated() {},
  anonymous() {},
  closing() {},
  release() {},
};

interface AddressCount {
  open: number;
  anonymous: number;
}

/** The connection counts of one server. */
export class Admission {
  readonly limits: AdmissionLimits;
  readonly #clock: Clock;
  readonly #known: (address: string) => boolean;
  readonly #byAddress = new Map<string, AddressCount>();
  #open = 0;
  #anonymous = 0;

  /** `known` tells whether an address logged in recently (see the module documentation). */
  constructor(
    clock: Clock,
    limits: Partial<AdmissionLimits> = {},
    known: (address: string) => boolean = () => false,
  ) {
    this.#clock = clock;
    this.#known = known;
    this.limits = { ...DEFAULT_ADMISSION_LIMITS, ...limits };
  }

  /** Open connections (upgraded, not yet reported closed). */
  get open(): number {
    return this.#open;
  }

  /** Open connections that are not logged in. */
  get anonymous(): number {
    return this.#anonymous;
  }

  /**
   * Takes a slot for a new (anonymous) connection from `address`, or says why
   * not. `onDeadline` runs if it has not logged in within the deadline.
   */
  admit(address: string, onDeadline: () => void): SessionSlot | Refusal {
    const limits = this.limits;
    const count = this.#byAddress.get(address) ?? { open: 0, anonymous: 0 };
    if (this.#open >= limits.maxSessions) return "sessions";
    if (!isLoopback(address)) {
      if (count.open >= limits.maxPerAddress) return "address";
      if (count.anonymous >= limits.maxAnonymousPerAddress) return "anonymous";
      if (this.#anonymous >= limits.maxAnonymous && !this.#known(address)) return "anonymous";
    }
    this.#byAddress.set(address, count);
    this.#open++;
    count.open++;
    return this.#slot(address, count, onDeadline);
  }

  #slot(address: string, count: AddressCount, onDeadline: () => void): SessionSlot {
    const clock = this.#clock;
    let anonymous = false, released = false, closing = false;
    let timer: TimerHandle | null = null;
    const stopTimer = (): void => {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    };
    const setAnonymous = (value: boolean): void => {
      if (anonymous === value) return;
      anonymous = value;
      const delta = value ? 1 : -1;
      this.#anonymous += delta;
      count.anonymous += delta;
    };
    const slot: SessionSlot = {
      authenticated: () => {
        if (released || closing) return;
        stopTimer();
        setAnonymous(false);
      },
      anonymous: () => {
        if (released || closing || anonymous) return;
        setAnonymous(true);
        timer = clock.setTimeout(() => {
          timer = null;
          onDeadline();
        }, this.limits.loginDeadlineMs);
      },
      closing: () => {
        closing = true;
        stopTimer();
      },
      release: () => {
        if (released) return;
        stopTimer();
        setAnonymous(false);
        released = true;
        this.#open--;
        if (--count.open === 0) this.#byAddress.delete(address);
      },
    };
    slot.anonymous();
    return slot;
  }
}
