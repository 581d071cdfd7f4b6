/**
 * A small, dependency-free metrics registry that renders the Prometheus text
 * exposition format, version 0.0.4 (what `GET /metrics` serves).
 *
 * - A family has a name, a help text, a type (`counter`, `gauge`,
 *   `histogram`) and fixed label names; each combination of label values is
 *   one series. Names, label names and values are checked when a family is
 *   declared or a series is first used (a bad one is a programmer error:
 *   `TypeError`).
 * - Counters only go up ({@linkcode Counter.inc}); gauges are set
 *   ({@linkcode Gauge.set}); histograms count observations into cumulative
 *   buckets, `+Inf` added, with `_sum` and `_count`.
 * - A family may instead be **collected**: its `collect` callback reports
 *   every series afresh at each render (values read at scrape time, such as
 *   free disk space or a counter another object keeps).
 *
 * The text follows the format's rules: one `# HELP` and one `# TYPE` line per
 * family before its samples; help text escapes `\` and newline; label values
 * escape `\`, `"` and newline; values are Go-style floats (`+Inf`, `-Inf`,
 * `NaN`); a histogram's `le` label is the bucket's upper bound.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Registry } from "./registry.ts";
 * const registry = new Registry();
 * const decisions = registry.counter({
 *   name: "demo_decisions_total",
 *   help: "Decisions.",
 *   labelNames: ["result"],
 * });
 * decisions.inc({ result: "granted" });
 * assert.equal(
 *   await registry.render(),
 *   '# HELP demo_decisions_total Decisions.\n# TYPE demo_decisions_total counter\n' +
 *     'demo_decisions_total{result="granted"} 1\n',
 * );
 * ```
 *
 * @module
 */

/** Label values of one series, by label name. */
export type Labels = Readonly<Record<string, string>>;

/** The metric types this registry renders. */
export type MetricType = "counter" | "gauge" | "histogram";

/** Reports one series of a collected family: its value and labels. */
export type Report = (value: number, labels?: Labels) => void;

/** What declares a family. */
export interface FamilyOptions {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; counters end in `_total`. */
  name: string;
  /** One line of help (escaped when rendered). */
  help: string;
  /** The label names every series gives, in this order. @default [] */
  labelNames?: readonly string[];
}

/** Options of a collected counter or gauge. */
export interface CollectedOptions extends FamilyOptions {
  /** Reports every series of the family at each render (may be async). */
  collect: (report: Report) => void | Promise<void>;
}

/** Options of a histogram. */
export interface HistogramOptions extends FamilyOptions {
  /** Upper bounds of the buckets, strictly increasing and finite (`+Inf` is added). */
  buckets: readonly number[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Formats a sample value as the text format writes floats. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Escapes help text: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** One declared family: it renders its own lines. */
abstract class Family {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: MetricType;

  constructor(options: FamilyOptions, reserved: readonly string[] = []) {
    if (!METRIC_NAME.test(options.name)) {
      throw new TypeError(`Invalid metric name "${options.name}"`);
    }
    const labelNames = options.labelNames ?? [];
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith("__") || reserved.includes(label)) {
        throw new TypeError(`Invalid label name "${label}" for metric "${options.name}"`);
      }
    }
    if (new Set(labelNames).size !== labelNames.length) {
      throw new TypeError(`Duplicate label name for metric "${options.name}"`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = labelNames;
  }

  /** The label values of `labels` in declaration order; throws on a missing or unknown name. */
  protected values(labels: Labels | undefined): string[] {
    const given = labels ?? {};
    const keys = Object.keys(given);
    if (
      keys.length !== this.labelNames.length || keys.some((key) => !this.labelNames.includes(key))
    ) {
      throw new TypeError(
        `Metric "${this.name}" takes the labels [${this.labelNames.join(", ")}], not [${
          keys.join(", ")
        }]`,
      );
    }
    return this.labelNames.map((name) => {
      const value = given[name];
      if (typeof value !== "string") {
        throw new TypeError(`Label "${name}" of metric "${this.name}" must be a string`);
      }
      return value;
    });
  }

  /** `{a="1",b="2"}` for the values (empty without labels), with `extra` pairs appended. */
  protected labelText(values: readonly string[], extra: readonly [string, string][] = []): string {
    const pairs = [
      ...this.labelNames.map((name, i): [string, string] => [name, values[i]!]),
      ...extra,
    ];
    if (pairs.length === 0) return "";
    return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
  }

  /** The family's sample lines (collected families gather them first). */
  abstract samples(): Promise<string[]> | string[];
}

/** Series of one counter or gauge, keyed by their label values. */
abstract class SimpleFamily extends Family {
  readonly #series = new Map<string, { values: string[]; value: number }>();
  readonly #collect: CollectedOptions["collect"] | undefined;

  constructor(options: FamilyOptions & { collect?: CollectedOptions["collect"] }) {
    super(options);
    this.#collect = options.collect;
  }

  protected entry(labels: Labels | undefined): { values: string[]; value: number } {
    const values = this.values(labels);
    const key = values.join("\u0000");
    let entry = this.#series.get(key);
    if (entry === undefined) {
      entry = { values, value: 0 };
      this.#series.set(key, entry);
    }
    return entry;
  }

  /** The current value of one series (0 when it was never touched). */
  get(labels?: Labels): number {
    return this.#series.get(this.values(labels).join("\u0000"))?.value ?? 0;
  }

  async samples(): Promise<string[]> {
    if (this.#collect !== undefined) {
      this.#series.clear();
      await this.#collect((value, labels) => this.record(labels, value));
    }
    return [...this.#series.values()].map((s) =>
      `${this.name}${this.labelText(s.values)} ${formatValue(s.value)}`
    );
  }

  /** How a collected report is stored. */
  protected abstract record(labels: Labels | undefined, value: number): void;
}

/** A value that only goes up (from 0 at process start). */
export class Counter extends SimpleFamily {
  readonly type = "counter";

  /** Adds `by` (a finite number ≥ 0) to the series `labels`. */
  inc(labels?: Labels, by = 1): void {
    if (!Number.isFinite(by) || by < 0) {
      throw new RangeError(`Counter "${this.name}" can only grow, not by ${by}`);
    }
    this.entry(labels).value += by;
  }

  protected record(labels: Labels | undefined, value: number): void {
    this.entry(labels).value = value;
  }
}

/** A value that goes up and down. */
export class Gauge extends SimpleFamily {
  readonly type = "gauge";

  /** Sets the series `labels` to `value`. */
  set(labels: Labels | undefined, value: number): void {
    this.entry(labels).value = value;
  }

  protected record(labels: Labels | undefined, value: number): void {
    this.set(labels, value);
  }
}

/** Observations counted into buckets, with their sum and count. */
export class Histogram extends Family {
  readonly type = "histogram";
  /** The finite upper bounds (the `+Inf` bucket is implicit). */
  readonly buckets: readonly number[];
  readonly #series = new Map<string, { values: string[]; counts: number[]; sum: number }>();

  constructor(options: HistogramOptions) {
    super(options, ["le"]);
    const b = options.buckets;
    if (b.length === 0 || b.some((v, i) => !Number.isFinite(v) || (i > 0 && v <= b[i - 1]!))) {
      throw new TypeError(
        `Buckets of "${options.name}" must be finite and strictly increasing: [${b.join(", ")}]`,
      );
    }
    this.buckets = [...b];
  }

  /** Counts `value` in the series `labels` (NaN is ignored). */
  observe(value: number, labels?: Labels): void {
    if (Number.isNaN(value)) return;
    const values = this.values(labels);
    const key = values.join("\u0000");
    let entry = this.#series.get(key);
    if (entry === undefined) {
      entry = { values, counts: new Array(this.buckets.length + 1).fill(0), sum: 0 };
      this.#series.set(key, entry);
    }
    let i = this.buckets.findIndex((bound) => value <= bound);
    if (i < 0) i = this.buckets.length;
    entry.counts[i]!++;
    entry.sum += value;
  }

  /** Observations of one series so far. */
  count(labels?: Labels): number {
    const entry = this.#series.get(this.values(labels).join("\u0000"));
    return entry === undefined ? 0 : entry.counts.reduce((a, b) => a + b, 0);
  }

  samples(): string[] {
    const lines: string[] = [];
    for (const { values, counts, sum } of this.#series.values()) {
      let cumulative = 0;
      const bounds = [...this.buckets.map(formatValue), "+Inf"];
      bounds.forEach((le, i) => {
        cumulative += counts[i]!;
        lines.push(`${this.name}_bucket${this.labelText(values, [["le", le]])} ${cumulative}`);
      });
      lines.push(`${this.name}_sum${this.labelText(values)} ${formatValue(sum)}`);
      lines.push(`${this.name}_count${this.labelText(values)} ${cumulative}`);
    }
    return lines;
  }
}

/** The families of one exposition, in declaration order. */
export class Registry {
  readonly #families = new Map<string, Family>();

  /** Declares a counter; with `collect`, its series are reported at each render. */
  counter(options: FamilyOptions | CollectedOptions): Counter {
    if (!options.name.endsWith("_total")) {
      throw new TypeError(`Counter name "${options.name}" must end in _total`);
    }
    return this.#add(new Counter(options));
  }

  /** Declares a gauge; with `collect`, its series are reported at each render. */
  gauge(options: FamilyOptions | CollectedOptions): Gauge {
    return this.#add(new Gauge(options));
  }

  /** Declares a histogram. */
  histogram(options: HistogramOptions): Histogram {
    return this.#add(new Histogram(options));
  }

  /**
   * Renders every family: `# HELP`, `# TYPE`, then its samples (a family
   * without series renders its two comment lines only). Ends with a newline.
   */
  async render(): Promise<string> {
    const lines: string[] = [];
    for (const family of this.#families.values()) {
      const samples = await family.samples();
      lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
      lines.push(`# TYPE ${family.name} ${family.type}`);
      lines.push(...samples);
    }
    return lines.length === 0 ? "" : lines.join("\n") + "\n";
  }

  #add<F extends Family>(family: F): F {
    // A histogram also owns name_bucket, name_sum and name_count.
    const owned = (f: Family): string[] =>
      f.type === "histogram"
        ? [f.name, `${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`]
        : [f.name];
    const taken = new Set([...this.#families.values()].flatMap(owned));
    if (owned(family).some((name) => taken.has(name))) {
      throw new TypeError(`Metric "${family.name}" is declared twice`);
    }
    this.#families.set(family.name, family);
    return family;
  }
}
