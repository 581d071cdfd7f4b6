import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import { DATE_MAX, DATE_MIN, formatDate, parseDate } from "./serialize.ts";

const POINTER = "data/attributes/validity-end";

/** [text, the UTC instant it means (Date.UTC arguments), or the phrase of its refusal]. */
const TABLE: [string, number[] | RegExp][] = [
  // 29 February: leap years (every 4th year, centuries only every 400th)
  ["2024-02-29T00:00:00Z", [2024, 1, 29]],
  ["2000-02-29T12:00:00Z", [2000, 1, 29, 12]],
  ["2025-02-29T00:00:00Z", /February 2025 has no day 29/],
  ["2100-02-29T00:00:00Z", /February 2100 has no day 29/],
  ["2026-02-30T00:00:00Z", /February 2026 has no day 30/],
  // the 31st of 30-day months; of 31-day months
  ["2026-04-31T00:00:00Z", /April 2026 has no day 31/],
  ["2026-06-31T00:00:00Z", /June 2026 has no day 31/],
  ["2026-09-31T00:00:00Z", /September 2026 has no day 31/],
  ["2026-11-31T00:00:00Z", /November 2026 has no day 31/],
  ["2026-12-31T23:59:59Z", [2026, 11, 31, 23, 59, 59]],
  ["2026-01-00T00:00:00Z", /January 2026 has no day 0/],
  // month, hour, minute, second ranges
  ["2026-13-01T00:00:00Z", /month 13 does not exist/],
  ["2026-00-10T00:00:00Z", /month 0 does not exist/],
  ["2026-01-01T24:00:00Z", /hour 24 does not exist/],
  ["2026-01-01T23:60:00Z", /minute 60 does not exist/],
  ["2026-01-01T23:59:60Z", /second 60 does not exist/],
  ["2026-01-01T23:59Z", [2026, 0, 1, 23, 59]],
  // the same checks in Leosac's own format, which the web client echoes
  ["2017-01-01T00:00:00.000000000+0000", [2017, 0, 1]],
  ["2017-01-01T00:00:00.123456789+0200", [2016, 11, 31, 22, 0, 0, 123]],
  ["2025-02-29T00:00:00.000000000+0000", /February 2025 has no day 29/],
  ["2017-01-01T24:00:00.000000000+0000", /hour 24 does not exist/],
  // offsets move the instant, not the calendar check
  ["2026-03-01T01:00:00+02:00", [2026, 1, 28, 23]],
];

Deno.test("parseDate() accepts real dates and refuses impossible ones, naming the attribute", () => {
  for (const [text, expected] of TABLE) {
    if (expected instanceof RegExp) {
      assert.throws(
        () => parseDate(text, POINTER),
        (error: unknown) =>
          error instanceof ValidationError && error.errors[0]?.pointer === POINTER &&
          expected.test(error.errors[0].detail),
        text,
      );
    } else {
      const [y, m, ...rest] = expected as [number, number, ...number[]];
      assert.equal(parseDate(text, POINTER), Date.UTC(y, m, ...rest), text);
    }
  }
});

Deno.test("parseDate() keeps Leosac's unbounded forms and the web client's clamp", () => {
  for (const text of [DATE_MIN, DATE_MAX, null, undefined, ""]) {
    assert.equal(parseDate(text, POINTER, "max"), null, String(text));
  }
  assert.equal(parseDate("1800-01-01T00:00:00Z", POINTER, "min"), null);
  assert.equal(parseDate("2100-01-01T00:00:00Z", POINTER, "max"), null);
  assert.equal(parseDate(formatDate(Date.UTC(2030, 5, 30)), POINTER), Date.UTC(2030, 5, 30));
});
