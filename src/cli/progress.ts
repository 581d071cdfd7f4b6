/**
 * Progress of a long command on stderr: on a terminal one redrawn line
 * (`check 120000 rows  41000 rows/s`, then `write 45% … ETA 12s`); otherwise
 * a plain line every 5 seconds and at the end of each phase, for logs.
 *
 * @module
 */

/** Seconds between plain lines. */
const PLAIN_EVERY_MS = 5000;
/** Milliseconds between terminal redraws. */
const REDRAW_EVERY_MS = 100;
/** Width of the bar, in characters. */
const BAR_WIDTH = 24;

/** Progress of a two-phase job: a check that counts rows, then a write of that many. */
export class Progress {
  #out: { write(text: string): void; isTerminal: boolean } | null;
  #phase: string | null = null;
  #phaseStart: number;
  #last = 0;
  #total = 0;
  #drawn = false;

  /** Progress written to `out` (null: none); `now` is the start (Unix ms). */
  constructor(out: { write(text: string): void; isTerminal: boolean } | null, now: number) {
    this.#out = out;
    this.#phaseStart = now;
  }

  /** Rows done in `phase` at `now`. */
  update(phase: "check" | "write", rows: number, now: number): void {
    if (this.#out === null) return;
    if (phase !== this.#phase) {
      if (this.#phase === "check") this.#total = this.#lastRows;
      this.#end();
      // A phase starts where the previous one was last seen (the first: at construction).
      if (this.#phase !== null) this.#phaseStart = this.#lastNow;
      this.#phase = phase;
      this.#last = -Infinity;
    }
    this.#lastRows = rows;
    this.#lastNow = now;
    const every = this.#out.isTerminal ? REDRAW_EVERY_MS : PLAIN_EVERY_MS;
    if (now - this.#last < every) return;
    this.#last = now;
    const seconds = Math.max(0.001, (now - this.#phaseStart) / 1000);
    const rate = Math.round(rows / seconds);
    let text = `${phase} ${rows} rows  ${rate} rows/s`;
    if (phase === "write" && this.#total > 0) {
      const share = Math.min(1, rows / this.#total);
      const eta = rate > 0 ? Math.ceil((this.#total - rows) / rate) : 0;
      const bar = "#".repeat(Math.round(share * BAR_WIDTH)).padEnd(BAR_WIDTH, ".");
      text = `write [${bar}] ${Math.floor(share * 100)}%  ${rows}/${this.#total} rows  ` +
        `${rate} rows/s  ETA ${eta}s`;
    }
    if (this.#out.isTerminal) {
      this.#out.write(`\r\x1b[2K${text}`);
      this.#drawn = true;
    } else this.#out.write(text + "\n");
  }

  #lastRows = 0;
  #lastNow = 0;

  #end(): void {
    if (this.#drawn) this.#out?.write("\n");
    this.#drawn = false;
  }

  /** Ends the output (a newline after a bar). */
  done(): void {
    this.#end();
  }
}
