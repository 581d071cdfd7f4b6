import assert from "node:assert/strict";
import { calendarProblem, daysInMonth, isDateString, isLeapYear } from "./calendar.ts";

Deno.test("isLeapYear(): every 4th year, centuries only every 400th", () => {
  for (const [year, leap] of [[2024, true], [2025, false], [2000, true], [2100, false]] as const) {
    assert.equal(isLeapYear(year), leap, String(year));
  }
  assert.deepEqual(
    Array.from({ length: 12 }, (_, m) => daysInMonth(2025, m + 1)),
    [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
  );
});

Deno.test("isDateString() (holidays) takes real YYYY-MM-DD dates only", () => {
  for (const good of ["2024-02-29", "2000-02-29", "2026-04-30", "2026-12-31"]) {
    assert.ok(isDateString(good), good);
  }
  const bad = ["2025-02-29", "2100-02-29", "2026-04-31", "2026-13-01", "2026-00-01", "2026-01-00"];
  for (const text of [...bad, "2026-1-01", "2026-01-01T00:00:00Z", ""]) {
    assert.ok(!isDateString(text), text);
  }
});

Deno.test("calendarProblem() names the field that does not exist", () => {
  const day = { year: 2026, month: 1, day: 1 };
  assert.equal(calendarProblem({ ...day, hour: 23, minute: 59, second: 59 }), null);
  assert.match(calendarProblem({ ...day, hour: 24 }) ?? "", /^hour 24 does not exist/);
  assert.match(calendarProblem({ ...day, minute: 60 }) ?? "", /^minute 60 does not exist/);
  assert.match(calendarProblem({ ...day, second: 60 }) ?? "", /^second 60 does not exist/);
  assert.match(calendarProblem({ ...day, hour: -1 }) ?? "", /^hour -1 does not exist/);
  assert.match(calendarProblem({ ...day, day: 1.5 }) ?? "", /not a whole number/);
});
