/**
 * Collects what a person presents at one access point into credentials to
 * decide on, according to the access point's reader mode. Pure: time comes
 * in as nanoseconds (the chip's clock); the caller arms a timer at
 * {@linkcode CredentialCollector.nextDeadlineNs} and calls `expire()`.
 *
 * - `card`, `pin`, `card_or_pin`: every card and every PIN is decided at once
 *   (a PIN on a card-only reader is decided too, and denied as a mismatch),
 *   except, in `card_or_pin`, a card bound to a PIN (`needsPin`): it waits
 *   for its PIN as in `card_and_pin`, and alone at the timeout is denied
 *   `CARD_NEEDS_PIN`.
 * - `card_and_pin`: a card waits for a PIN for the access point's PIN
 *   timeout; `#` ends the PIN, `*` clears the digits typed so far. When the
 *   timeout passes without a PIN, the card alone is decided (denied,
 *   `PIN_REQUIRED`). A new card replaces a waiting one. A PIN with no card
 *   waiting is decided alone (denied, `CARD_REQUIRED`).
 *
 * @module
 */
import type { PresentedCard, ReaderMode } from "../engine/mod.ts";
import { type KeypadKey, PinAccumulator } from "../hardware/wiegand/keypad.ts";

/** What to decide on. */
export interface Collected {
  card?: PresentedCard;
  pin?: string;
}

/** Options of {@linkcode CredentialCollector}. */
export interface CollectorOptions {
  readerMode: ReaderMode;
  /** How long a card waits for its PIN, and how long a PIN entry may pause. */
  pinTimeoutMs: number;
  /** `card_or_pin`: whether a card is bound to a PIN, so waits for it. Absent: no card waits. */
  needsPin?: (card: PresentedCard) => boolean;
}

const NS_PER_MS = 1_000_000n;

/** The card + PIN state of one access point. */
export class CredentialCollector {
  readonly #mode: ReaderMode;
  readonly #timeoutNs: bigint;
  readonly #keys: PinAccumulator;
  readonly #needsPin: (card: PresentedCard) => boolean;
  #pending: { card: PresentedCard; deadlineNs: bigint } | null = null;

  constructor(options: CollectorOptions) {
    this.#mode = options.readerMode;
    const timeoutMs = Math.max(1, options.pinTimeoutMs);
    this.#timeoutNs = BigInt(Math.round(timeoutMs)) * NS_PER_MS;
    this.#keys = new PinAccumulator({ timeoutMs, onTimeout: "submit" });
    this.#needsPin = options.needsPin ?? (() => false);
  }

  /** True while a card waits for its PIN. */
  get waitingForPin(): boolean {
    return this.#pending !== null;
  }

  /** A card was read. */
  card(card: PresentedCard, nowNs: bigint): Collected[] {
    const out = this.expire(nowNs);
    const waits = this.#mode === "card_and_pin" ||
      (this.#mode === "card_or_pin" && this.#needsPin(card));
    if (!waits) {
      this.#pending = null; // a new card replaces a waiting one
      return [...out, { card }];
    }
    this.#keys.reset();
    this.#pending = { card, deadlineNs: nowNs + this.#timeoutNs };
    return out;
  }

  /** A key was pressed (4- or 8-bit keypads). */
  key(key: KeypadKey, nowNs: bigint): Collected[] {
    const out = this.#expireCard(nowNs);
    for (const event of this.#keys.pushKey(key, nowNs)) {
      if (event.kind === "pin") out.push(...this.#pin(event.pin));
    }
    return out;
  }

  /** A whole PIN arrived at once (buffered keypads). */
  pin(pin: string, nowNs: bigint): Collected[] {
    const out = this.#expireCard(nowNs);
    this.#keys.reset();
    return [...out, ...this.#pin(pin)];
  }

  /** Ends what timed out at `nowNs`. */
  expire(nowNs: bigint): Collected[] {
    const out = this.#expireCard(nowNs);
    const event = this.#keys.expire(nowNs);
    if (event?.kind === "pin") out.push(...this.#pin(event.pin));
    return out;
  }

  /** The next time something may time out, or null. */
  nextDeadlineNs(): bigint | null {
    const keys = this.#keys.nextDeadlineNs();
    const card = this.#pending?.deadlineNs ?? null;
    if (keys === null) return card;
    if (card === null) return keys;
    return keys < card ? keys : card;
  }

  /** Forgets everything pending. */
  reset(): void {
    this.#pending = null;
    this.#keys.reset();
  }

  #pin(pin: string): Collected[] {
    const pending = this.#pending;
    this.#pending = null;
    if (pending !== null) return [{ card: pending.card, pin }];
    return [{ pin }];
  }

  #expireCard(nowNs: bigint): Collected[] {
    const pending = this.#pending;
    if (pending === null || nowNs < pending.deadlineNs) return [];
    this.#pending = null;
    this.#keys.reset();
    return [{ card: pending.card }];
  }
}
