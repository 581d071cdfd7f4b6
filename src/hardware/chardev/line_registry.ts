/**
 * A registry of the file descriptors the character-device driver opens (chip
 * fds, line request fds, event-pump eventfds), kept in a `SharedArrayBuffer`
 * so that another thread can see them at once, with no message to lose.
 *
 * Why: file descriptors belong to the process, not to the Worker that opened
 * them. When the controller worker dies, its line fds stay open and the
 * kernel keeps the lines requested, so the main thread could not drive the
 * outputs to their safe level and the next worker would get `EBUSY`. With a
 * registry, the main thread runs `reclaimLines()` (`reclaim.ts`):
 * it sets every recorded output to its safe value, wakes every blocked event
 * pump, and closes every recorded fd so the kernel releases the lines.
 *
 * Each slot is 128 bytes:
 *
 * | bytes   | field                                                            |
 * | ------- | ---------------------------------------------------------------- |
 * | 0..3    | state: `FREE`, `WRITING`, `LIVE`, `RELEASING`, `RECLAIMING`      |
 * | 4..7    | sequence number (bumped by every registration of the slot)       |
 * | 8..11   | kind: `CHIP`, `INPUT`, `OUTPUT`                                  |
 * | 12..15  | fd (-1 until known)                                              |
 * | 16..19  | wake eventfd of the input's event pump (-1 when none)           |
 * | 20..23  | line offset (-1 for a chip)                                      |
 * | 24..27  | flags: bit 0 active-low, bit 1 logical safe level (outputs)      |
 * | 32..47  | two `struct pollfd` the event pump polls on (see below)          |
 * | 64..127 | chip path, NUL-terminated                                        |
 *
 * The `pollfd` array lives here, not in the worker's heap, because the
 * `poll` of an event pump runs on a thread of Deno's blocking pool and
 * writes `revents` when it returns, which can be after the worker's isolate
 * (and every buffer it allocated) is gone. The main thread keeps the buffer
 * alive.
 *
 * Ownership is decided by compare-and-swap on the state word: the worker
 * releases a slot only by `LIVE → RELEASING`, the main thread takes it only
 * by `LIVE → RECLAIMING`; whoever wins closes the fds, the other one must
 * not touch them.
 *
 * @module
 */

import { SIZEOF } from "./uapi.ts";

/** Slot states. */
export const SLOT_STATE = {
  FREE: 0,
  /** The worker is filling the slot in. */
  WRITING: 1,
  /** The fds are open and owned by the worker. */
  LIVE: 2,
  /** The worker is closing the fds. */
  RELEASING: 3,
  /** The main thread took the fds (after the worker died). */
  RECLAIMING: 4,
} as const;

/** What a slot holds. */
export const SLOT_KIND = { CHIP: 1, INPUT: 2, OUTPUT: 3 } as const;

/** A slot kind value. */
export type SlotKind = typeof SLOT_KIND[keyof typeof SLOT_KIND];

/** Bytes per slot. */
export const SLOT_BYTES = 128;
/** Default number of slots (chips + lines). */
export const DEFAULT_REGISTRY_SLOTS = 256;
/** Longest chip path a slot stores (bytes, without the NUL). */
export const MAX_CHIP_PATH_BYTES = 63;

const I_STATE = 0;
const I_SEQ = 1;
const I_KIND = 2;
const I_FD = 3;
const I_WAKE_FD = 4;
const I_OFFSET = 5;
const I_FLAGS = 6;
const INTS_PER_SLOT = SLOT_BYTES / 4;
const POLLFD_AT = 32;
const PATH_AT = 64;

const FLAG_ACTIVE_LOW = 1;
const FLAG_SAFE_HIGH = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Creates the shared memory of a registry with `slots` slots, all free. */
export function createLineRegistryBuffer(
  slots: number = DEFAULT_REGISTRY_SLOTS,
): SharedArrayBuffer {
  return new SharedArrayBuffer(slots * SLOT_BYTES);
}

/** What is registered. */
export interface RegistryEntryInit {
  kind: SlotKind;
  fd: number;
  /** Device path of the chip (`/dev/gpiochip0`). */
  chip: string;
  /** Line offset; absent for a chip. */
  offset?: number;
  activeLow?: boolean;
  /** Outputs: the logical level to set when control is lost. @default false */
  safeLevel?: boolean;
}

/** A snapshot of one slot. */
export interface RegistryEntry {
  index: number;
  state: number;
  seq: number;
  kind: SlotKind;
  fd: number;
  wakeFd: number;
  chip: string;
  offset: number;
  activeLow: boolean;
  safeLevel: boolean;
}

/**
 * The registry over a shared buffer; both threads wrap the same buffer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLineRegistryBuffer, LineRegistry, SLOT_KIND } from "./line_registry.ts";
 * const registry = new LineRegistry(createLineRegistryBuffer(4));
 * const slot = registry.register({ kind: SLOT_KIND.OUTPUT, fd: 7, chip: "/dev/gpiochip0", offset: 2 });
 * assert.equal(registry.entries()[0]?.fd, 7);
 * assert.ok(slot.beginRelease());
 * slot.free();
 * assert.equal(registry.entries().length, 0);
 * ```
 */
export class LineRegistry {
  /** The shared memory. */
  readonly buffer: SharedArrayBuffer;
  readonly #ints: Int32Array<SharedArrayBuffer>;
  readonly #bytes: Uint8Array<SharedArrayBuffer>;

  constructor(buffer: SharedArrayBuffer) {
    if (buffer.byteLength % SLOT_BYTES !== 0) {
      throw new RangeError(`A line registry is a multiple of ${SLOT_BYTES} bytes`);
    }
    this.buffer = buffer;
    this.#ints = new Int32Array(buffer);
    this.#bytes = new Uint8Array(buffer);
  }

  /** Number of slots. */
  get capacity(): number {
    return this.buffer.byteLength / SLOT_BYTES;
  }

  /**
   * Records an open fd (call it as soon as the fd exists).
   *
   * @throws {RangeError} when every slot is taken
   */
  register(init: RegistryEntryInit): RegistrySlot {
    const ints = this.#ints;
    for (let index = 0; index < this.capacity; index++) {
      const base = index * INTS_PER_SLOT;
      if (
        Atomics.compareExchange(ints, base + I_STATE, SLOT_STATE.FREE, SLOT_STATE.WRITING) !==
          SLOT_STATE.FREE
      ) continue;
      const seq = Atomics.add(ints, base + I_SEQ, 1) + 1;
      Atomics.store(ints, base + I_FD, -1);
      Atomics.store(ints, base + I_WAKE_FD, -1);
      Atomics.store(ints, base + I_KIND, init.kind);
      Atomics.store(ints, base + I_OFFSET, init.offset ?? -1);
      Atomics.store(
        ints,
        base + I_FLAGS,
        (init.activeLow === true ? FLAG_ACTIVE_LOW : 0) |
          (init.safeLevel === true ? FLAG_SAFE_HIGH : 0),
      );
      const path = encoder.encode(init.chip).subarray(0, MAX_CHIP_PATH_BYTES);
      const at = index * SLOT_BYTES + PATH_AT;
      this.#bytes.fill(0, at, at + SLOT_BYTES - PATH_AT);
      this.#bytes.set(path, at);
      this.#bytes.fill(0, index * SLOT_BYTES + POLLFD_AT, index * SLOT_BYTES + PATH_AT);
      Atomics.store(ints, base + I_FD, init.fd);
      Atomics.store(ints, base + I_STATE, SLOT_STATE.LIVE);
      return new RegistrySlot(this, index, seq);
    }
    throw new RangeError(`The line registry is full (${this.capacity} slots)`);
  }

  /** Snapshots of the slots that are not free. */
  entries(): RegistryEntry[] {
    const out: RegistryEntry[] = [];
    for (let index = 0; index < this.capacity; index++) {
      const entry = this.entry(index);
      if (entry.state !== SLOT_STATE.FREE) out.push(entry);
    }
    return out;
  }

  /** A snapshot of slot `index`. */
  entry(index: number): RegistryEntry {
    const base = index * INTS_PER_SLOT;
    const ints = this.#ints;
    const flags = Atomics.load(ints, base + I_FLAGS);
    const at = index * SLOT_BYTES + PATH_AT;
    const raw = this.#bytes.slice(at, at + SLOT_BYTES - PATH_AT);
    const end = raw.indexOf(0);
    return {
      index,
      state: Atomics.load(ints, base + I_STATE),
      seq: Atomics.load(ints, base + I_SEQ),
      kind: Atomics.load(ints, base + I_KIND) as SlotKind,
      fd: Atomics.load(ints, base + I_FD),
      wakeFd: Atomics.load(ints, base + I_WAKE_FD),
      chip: decoder.decode(end < 0 ? raw : raw.subarray(0, end)),
      offset: Atomics.load(ints, base + I_OFFSET),
      activeLow: (flags & FLAG_ACTIVE_LOW) !== 0,
      safeLevel: (flags & FLAG_SAFE_HIGH) !== 0,
    };
  }

  /**
   * Moves slot `index` from `from` to `to` if it still holds registration
   * `seq`; returns whether it did.
   */
  transition(index: number, seq: number, from: number, to: number): boolean {
    const base = index * INTS_PER_SLOT;
    if (Atomics.load(this.#ints, base + I_SEQ) !== seq) return false;
    return Atomics.compareExchange(this.#ints, base + I_STATE, from, to) === from;
  }

  /** Whether slot `index` holds registration `seq` in a worker-owned state (`LIVE`, `RELEASING`). */
  isOwnedByWorker(index: number, seq: number): boolean {
    const base = index * INTS_PER_SLOT;
    const state = Atomics.load(this.#ints, base + I_STATE);
    return Atomics.load(this.#ints, base + I_SEQ) === seq &&
      (state === SLOT_STATE.LIVE || state === SLOT_STATE.RELEASING);
  }

  /** Records (or, with -1, forgets) the wake eventfd of slot `index`. */
  setWakeFd(index: number, fd: number): void {
    Atomics.store(this.#ints, index * INTS_PER_SLOT + I_WAKE_FD, fd);
  }

  /** The slot's two `struct pollfd`, in shared memory. */
  pollFds(index: number): Uint8Array<SharedArrayBuffer> {
    return new Uint8Array(this.buffer, index * SLOT_BYTES + POLLFD_AT, 2 * SIZEOF.pollfd);
  }
}

/** The worker's handle on one registered fd. */
export class RegistrySlot {
  readonly #registry: LineRegistry;
  readonly #index: number;
  readonly #seq: number;

  /** @internal made by {@linkcode LineRegistry.register} */
  constructor(registry: LineRegistry, index: number, seq: number) {
    this.#registry = registry;
    this.#index = index;
    this.#seq = seq;
  }

  /** Whether the worker still owns the fds (the main thread has not taken them). */
  owned(): boolean {
    return this.#registry.isOwnedByWorker(this.#index, this.#seq);
  }

  /**
   * Starts a release by the worker. Returns `false` when the main thread took
   * the fds (then the caller must neither use nor close them).
   */
  beginRelease(): boolean {
    return this.#registry.transition(
      this.#index,
      this.#seq,
      SLOT_STATE.LIVE,
      SLOT_STATE.RELEASING,
    );
  }

  /** Ends a release begun by {@linkcode beginRelease}, after the fds are closed. */
  free(): void {
    this.#registry.transition(this.#index, this.#seq, SLOT_STATE.RELEASING, SLOT_STATE.FREE);
  }

  /** Records (or, with -1, forgets) the event pump's wake eventfd. */
  setWakeFd(fd: number): void {
    if (this.owned()) this.#registry.setWakeFd(this.#index, fd);
  }

  /** The shared `pollfd` array the event pump must poll on. */
  pollFds(): Uint8Array<SharedArrayBuffer> {
    return this.#registry.pollFds(this.#index);
  }
}
