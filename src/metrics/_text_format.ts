/**
 * Test support: a strict reader of the Prometheus text format 0.0.4, with
 * the rules Prometheus's own parser (`expfmt.TextParser`) and `promtool
 * check metrics` enforce, so that a test fails on text a real scraper would
 * reject:
 * - `# HELP name text` and `# TYPE name type` at most once per family, TYPE
 *   before the family's first sample; a family's samples are contiguous;
 * - names `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`,
 *   no label twice in a sample; label values escape only `\\`, `\"`, `\n`;
 * - values are Go floats (`+Inf`, `-Inf`, `NaN` included); no duplicate series;
 * - a histogram has `_bucket` samples with an `le` label ending with
 *   `le="+Inf"`, cumulative counts, and `_count` equal to the `+Inf` bucket;
 * - counters end in `_total`.
 *
 * {@linkcode promtool} runs Prometheus's own `promtool check metrics` where
 * it is installed (Debian package `prometheus`).
 *
 * @module
 */

/** One parsed sample. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One parsed family. */
export interface ParsedFamily {
  name: string;
  help: string | null;
  type: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(?:Inf|NaN|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/;
const TYPES = ["counter", "gauge", "histogram", "summary", "untyped"];

function parseFloatStrict(text: string, where: string): number {
  if (!FLOAT.test(text)) throw new SyntaxError(`${where}: bad value "${text}"`);
  if (/Inf$/.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  return Number(text);
}

/** The labels `{…}` starting at `text[0]`; returns them and the rest of the line. */
function parseLabels(text: string, where: string): [Record<string, string>, string] {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    if (text[i] === "}") return [labels, text.slice(i + 1)];
    const eq = text.indexOf("=", i);
    const name = text.slice(i, eq);
    if (eq < 0 || !LABEL_NAME.test(name)) throw new SyntaxError(`${where}: bad label name`);
    if (name in labels) throw new SyntaxError(`${where}: label "${name}" twice`);
    if (text[eq + 1] !== '"') throw new SyntaxError(`${where}: label value must be quoted`);
    let value = "";
    let j = eq + 2;
    for (;; j++) {
      const c = text[j];
      if (c === undefined) throw new SyntaxError(`${where}: unterminated label value`);
      if (c === '"') break;
      if (c === "\n") throw new SyntaxError(`${where}: raw newline in label value`);
      if (c === "\\") {
        const next = text[++j];
        if (next === "\\") value += "\\";
        else if (next === '"') value += '"';
        else if (next === "n") value += "\n";
        else throw new SyntaxError(`${where}: bad escape "\\${next}"`);
      } else {
        value += c;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new SyntaxError(`${where}: expected "," or "}"`);
  }
}

/** The family a sample name belongs to, given the declared types. */
function familyOf(name: string, types: Map<string, string>): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && types.get(base) === "histogram") return base;
  }
  return name;
}

function checkHistogram(family: ParsedFamily): void {
  const groups = new Map<string, Sample[]>();
  for (const sample of family.samples) {
    const { le: _, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    groups.set(key, [...groups.get(key) ?? [], sample]);
  }
  for (const samples of groups.values()) {
    const buckets = samples.filter((s) => s.name === `${family.name}_bucket`);
    const count = samples.find((s) => s.name === `${family.name}_count`);
    const sum = samples.find((s) => s.name === `${family.name}_sum`);
    if (buckets.length === 0 || count === undefined || sum === undefined) {
      throw new SyntaxError(`${family.name}: a histogram needs _bucket, _sum and _count`);
    }
    let last = -Infinity, cumulative = 0;
    for (const bucket of buckets) {
      const le = bucket.labels.le;
      if (le === undefined) throw new SyntaxError(`${family.name}_bucket without le`);
      const bound = parseFloatStrict(le, `${family.name} le`);
      if (bound <= last) throw new SyntaxError(`${family.name}: le not increasing`);
      if (bucket.value < cumulative) throw new SyntaxError(`${family.name}: not cumulative`);
      last = bound;
      cumulative = bucket.value;
    }
    if (last !== Infinity) throw new SyntaxError(`${family.name}: no le="+Inf" bucket`);
    if (count.value !== cumulative) throw new SyntaxError(`${family.name}: _count ≠ +Inf bucket`);
  }
}

/** Parses `text` strictly; throws `SyntaxError` naming the first rule broken. */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text !== "" && !text.endsWith("\n")) throw new SyntaxError("must end with a newline");
  const families = new Map<string, ParsedFamily>();
  const types = new Map<string, string>();
  const series = new Set<string>();
  let current: string | null = null;
  const family = (name: string): ParsedFamily => {
    let f = families.get(name);
    if (f === undefined) {
      f = { name, help: null, type: "untyped", samples: [] };
      families.set(name, f);
    }
    return f;
  };
  text.split("\n").slice(0, -1).forEach((line, index) => {
    const where = `line ${index + 1}`;
    if (line.trim() === "") return;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
    if (meta) {
      const [, keyword, name, rest = ""] = meta;
      if (!NAME.test(name!)) throw new SyntaxError(`${where}: bad metric name "${name}"`);
      const f = family(name!);
      if (keyword === "HELP") {
        if (f.help !== null) throw new SyntaxError(`${where}: second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) {
          throw new SyntaxError(`${where}: bad escape in HELP`);
        }
        f.help = rest.replace(/\\(\\|n)/g, (_, c) => c === "n" ? "\n" : "\\");
      } else {
        if (types.has(name!)) throw new SyntaxError(`${where}: second TYPE for ${name}`);
        if (f.samples.length > 0) throw new SyntaxError(`${where}: TYPE after samples`);
        if (!TYPES.includes(rest)) throw new SyntaxError(`${where}: unknown type "${rest}"`);
        types.set(name!, rest);
        f.type = rest;
      }
      return;
    }
    if (line.startsWith("#")) return;
    const name = /^[^\s{]+/.exec(line)?.[0] ?? "";
    if (!NAME.test(name)) throw new SyntaxError(`${where}: bad metric name "${name}"`);
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith("{")) [labels, rest] = parseLabels(rest, where);
    const parts = rest.trim().split(/\s+/);
    if (!/^\s/.test(rest) || parts.length < 1 || parts.length > 2) {
      throw new SyntaxError(`${where}: expected "name{labels} value [timestamp]"`);
    }
    const value = parseFloatStrict(parts[0]!, where);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new SyntaxError(`${where}: duplicate series ${key}`);
    series.add(key);
    const owner = familyOf(name, types);
    if (owner !== current && families.get(owner)?.samples.length) {
      throw new SyntaxError(`${where}: samples of ${owner} are not contiguous`);
    }
    current = owner;
    family(owner).samples.push({ name, labels, value });
  });
  for (const f of families.values()) {
    if (f.type === "counter" && !f.name.endsWith("_total")) {
      throw new SyntaxError(`counter ${f.name} must end in _total`);
    }
    if (f.type === "histogram" && f.samples.length > 0) checkHistogram(f);
  }
  return families;
}

/** Why `promtool` (Debian package `prometheus`) cannot run here, or null when it can. */
export function promtoolMissing(): string | null {
  try {
    new Deno.Command("promtool", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    return null;
  } catch (error) {
    return `promtool is not installed (${error instanceof Error ? error.name : String(error)})`;
  }
}

/** Runs `promtool check metrics` (the parser and linter of Prometheus itself) on `text`. */
export async function promtool(text: string): Promise<{ code: number; output: string }> {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, output: decoder.decode(stdout) + decoder.decode(stderr) };
}
