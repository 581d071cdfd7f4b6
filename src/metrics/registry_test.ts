import assert from "node:assert/strict";
import { parseExposition, promtool, promtoolMissing } from "./_text_format.ts";
import { escapeHelp, escapeLabelValue, formatValue, Registry } from "./registry.ts";

/** A registry using every feature: labels that need escaping, a histogram, a collected gauge. */
function sampleRegistry(): Registry {
  const registry = new Registry();
  const decisions = registry.counter({
    name: "test_decisions_total",
    help: 'Decisions, with a back\\slash and a "quote"\nand a second line.',
    labelNames: ["door", "result"],
  });
  decisions.inc({ door: "1", result: "granted" });
  decisions.inc({ door: "1", result: "granted" }, 2);
  decisions.inc({ door: 'a "door"\\\n2', result: "denied" });
  const writes = registry.histogram({
    name: "test_write_duration_seconds",
    help: "Write times.",
    buckets: [0.001, 0.01, 0.1],
  });
  for (const seconds of [0.0005, 0.001, 0.005, 0.5, 3]) writes.observe(seconds);
  registry.gauge({
    name: "test_free_bytes",
    help: "Free bytes.",
    collect: (report) => report(123_456_789_012),
  });
  registry.gauge({ name: "test_never_set", help: "A family without series." });
  return registry;
}

Deno.test("Registry.render() writes HELP and TYPE, escaped labels, cumulative buckets", async () => {
  const text = await sampleRegistry().render();
  assert.equal(
    text,
    [
      '# HELP test_decisions_total Decisions, with a back\\\\slash and a "quote"\\nand a second line.',
      "# TYPE test_decisions_total counter",
      'test_decisions_total{door="1",result="granted"} 3',
      'test_decisions_total{door="a \\"door\\"\\\\\\n2",result="denied"} 1',
      "# HELP test_write_duration_seconds Write times.",
      "# TYPE test_write_duration_seconds histogram",
      'test_write_duration_seconds_bucket{le="0.001"} 2',
      'test_write_duration_seconds_bucket{le="0.01"} 3',
      'test_write_duration_seconds_bucket{le="0.1"} 3',
      'test_write_duration_seconds_bucket{le="+Inf"} 5',
      "test_write_duration_seconds_sum 3.5065",
      "test_write_duration_seconds_count 5",
      "# HELP test_free_bytes Free bytes.",
      "# TYPE test_free_bytes gauge",
      "test_free_bytes 123456789012",
      "# HELP test_never_set A family without series.",
      "# TYPE test_never_set gauge",
      "",
    ].join("\n"),
  );
});

Deno.test("Registry.render() output is accepted by a strict text-format parser", async () => {
  const text = await sampleRegistry().render();
  const families = parseExposition(text);
  assert.deepEqual(families.get("test_decisions_total")?.samples[1]?.labels, {
    door: 'a "door"\\\n2',
    result: "denied",
  });
  assert.equal(families.get("test_decisions_total")?.help?.includes("\n"), true);
  assert.equal(families.get("test_write_duration_seconds")?.type, "histogram");
});

const PROMTOOL_MISSING = promtoolMissing();
if (PROMTOOL_MISSING !== null) {
  // deno-lint-ignore no-console
  console.warn(`ignored the promtool test: ${PROMTOOL_MISSING}`);
}

Deno.test({
  name: "Registry.render() output passes promtool check metrics (parser and lint)",
  ignore: PROMTOOL_MISSING !== null,
  async fn() {
    const checked = await promtool(await sampleRegistry().render());
    assert.equal(checked.code, 0, checked.output);
    const bad = await promtool("# TYPE a counter\na 1\n");
    assert.notEqual(bad.code, 0, "promtool must reject a counter without _total");
  },
});

Deno.test("parseExposition() rejects what a scraper would (the format test can fail)", () => {
  for (
    const bad of [
      'a{l="x} 1\n',
      "a 1 2 3\n",
      "# TYPE a gauge\n# TYPE a gauge\na 1\n",
      'a{l="x\\q"} 1\n',
      'a 1\nb 2\na{x="1"} 3\n',
      'a{1l="x"} 1\n',
      "a one\n",
      "a 1",
      "# TYPE c counter\nc 1\n",
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',
      "a 1\na 2\n",
    ]
  ) {
    assert.throws(() => parseExposition(bad), SyntaxError, JSON.stringify(bad));
  }
});

Deno.test("formatValue() and the escapes follow the text format", () => {
  assert.equal(formatValue(Infinity), "+Inf");
  assert.equal(formatValue(-Infinity), "-Inf");
  assert.equal(formatValue(NaN), "NaN");
  assert.equal(formatValue(0.25), "0.25");
  assert.equal(formatValue(1e21), "1e+21");
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  assert.equal(escapeHelp('a\\b"c\nd'), 'a\\\\b"c\\nd');
});

Deno.test("Counter.inc() only grows; labels must match the declaration", () => {
  const registry = new Registry();
  const counter = registry.counter({ name: "x_total", help: "x", labelNames: ["door"] });
  counter.inc({ door: "1" });
  assert.equal(counter.get({ door: "1" }), 1);
  assert.throws(() => counter.inc({ door: "1" }, -1), RangeError);
  assert.throws(() => counter.inc({ door: "1" }, NaN), RangeError);
  assert.throws(() => counter.inc({}), /takes the labels \[door\]/);
  assert.throws(() => counter.inc({ door: "1", user: "alice" }), TypeError);
  assert.throws(() => counter.inc({ gate: "1" }), TypeError);
  assert.equal(counter.get({ door: "1" }), 1);
});

Deno.test("Registry refuses bad names, reserved labels, duplicates and bad buckets", () => {
  const registry = new Registry();
  assert.throws(() => registry.gauge({ name: "1abc", help: "" }), /Invalid metric name/);
  assert.throws(() => registry.gauge({ name: "a-b", help: "" }), /Invalid metric name/);
  assert.throws(() => registry.counter({ name: "events", help: "" }), /must end in _total/);
  assert.throws(
    () => registry.gauge({ name: "g", help: "", labelNames: ["__name"] }),
    /Invalid label name/,
  );
  assert.throws(
    () => registry.gauge({ name: "g", help: "", labelNames: ["a", "a"] }),
    /Duplicate label/,
  );
  assert.throws(
    () => registry.histogram({ name: "h", help: "", labelNames: ["le"], buckets: [1] }),
    /Invalid label name "le"/,
  );
  assert.throws(() => registry.histogram({ name: "h", help: "", buckets: [2, 1] }), /increasing/);
  assert.throws(() => registry.histogram({ name: "h", help: "", buckets: [Infinity] }), /finite/);
  registry.histogram({ name: "h", help: "", buckets: [1] });
  assert.throws(() => registry.gauge({ name: "h_count", help: "" }), /declared twice/);
  assert.throws(() => registry.gauge({ name: "h", help: "" }), /declared twice/);
});

Deno.test("Histogram.observe() counts an exact bound in its bucket, values beyond in +Inf", async () => {
  const registry = new Registry();
  const histogram = registry.histogram({ name: "h_seconds", help: "h", buckets: [1, 2] });
  histogram.observe(1);
  histogram.observe(2.5);
  histogram.observe(NaN);
  assert.equal(histogram.count(), 2);
  const samples = parseExposition(await registry.render()).get("h_seconds")!.samples;
  assert.deepEqual(samples.map((s) => [s.name, s.labels.le ?? null, s.value]), [
    ["h_seconds_bucket", "1", 1],
    ["h_seconds_bucket", "2", 1],
    ["h_seconds_bucket", "+Inf", 2],
    ["h_seconds_sum", null, 3.5],
    ["h_seconds_count", null, 2],
  ]);
});

Deno.test("collected families report afresh at each render (series that vanish are gone)", async () => {
  const registry = new Registry();
  let doors = ["1", "2"];
  registry.gauge({
    name: "door_open",
    help: "d",
    labelNames: ["door"],
    collect: async (report) => {
      await Promise.resolve();
      for (const door of doors) report(1, { door });
    },
  });
  assert.match(await registry.render(), /door_open\{door="2"\} 1/);
  doors = ["1"];
  const text = await registry.render();
  assert.match(text, /door_open\{door="1"\} 1/);
  assert.doesNotMatch(text, /door="2"/);
});
