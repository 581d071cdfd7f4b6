/**
 * A set of strings kept as 64-bit fingerprints in typed arrays, each with a
 * number (the line it was first seen on): an import of a million rows checks
 * usernames and cards for duplicates in ~24 MB instead of ~120 MB of `Map`
 * entries. Two different strings share a fingerprint with probability about
 * n²/2⁶⁵ (3·10⁻⁸ for a million): such a pair would be reported as a
 * duplicate, which refuses the file (nothing is written), never merges rows.
 *
 * @module
 */

/** Slots of a new table (a power of two). */
const INITIAL_SLOTS = 1024;

/** Strings → first line, by fingerprint. */
export class FingerprintMap {
  #high = new Uint32Array(INITIAL_SLOTS);
  #low = new Uint32Array(INITIAL_SLOTS);
  /** The line plus one; 0 marks an empty slot. */
  #lines = new Uint32Array(INITIAL_SLOTS);
  #size = 0;

  /** Number of strings held. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds `key` with `line` unless it is there; returns the line it already
   * had, or undefined when it was added.
   */
  addIfAbsent(key: string, line: number): number | undefined {
    if ((this.#size + 1) * 2 > this.#lines.length) this.#grow();
    const [high, low] = fingerprint(key);
    const mask = this.#lines.length - 1;
    for (let slot = low & mask;; slot = (slot + 1) & mask) {
      const stored = this.#lines[slot]!;
      if (stored === 0) {
        this.#high[slot] = high;
        this.#low[slot] = low;
        this.#lines[slot] = line + 1;
        this.#size++;
        return undefined;
      }
      if (this.#high[slot] === high && this.#low[slot] === low) return stored - 1;
    }
  }

  #grow(): void {
    const [high, low, lines] = [this.#high, this.#low, this.#lines];
    const slots = lines.length * 2;
    this.#high = new Uint32Array(slots);
    this.#low = new Uint32Array(slots);
    this.#lines = new Uint32Array(slots);
    const mask = slots - 1;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === 0) continue;
      let slot = low[i]! & mask;
      while (this.#lines[slot] !== 0) slot = (slot + 1) & mask;
      this.#high[slot] = high[i]!;
      this.#low[slot] = low[i]!;
      this.#lines[slot] = lines[i]!;
    }
  }
}

/** Two independent 32-bit hashes of the string's UTF-16 code units (FNV-1a and a multiply-xorshift). */
function fingerprint(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  return [a >>> 0, (b ^ (b >>> 16)) >>> 0];
}
