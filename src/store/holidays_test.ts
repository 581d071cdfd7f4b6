import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import { openTempDatabase } from "./_test_db.ts";
import {
  createHoliday,
  deleteHoliday,
  getHoliday,
  isDateString,
  isHoliday,
  listHolidays,
  updateHoliday,
} from "./holidays.ts";

Deno.test("isDateString() accepts only real YYYY-MM-DD dates", () => {
  assert.equal(isDateString("2024-02-29"), true);
  assert.equal(isDateString("2025-12-31"), true);
  for (const bad of ["2023-02-29", "2024-13-01", "2024-00-10", "2024-1-1", "24-01-01", ""]) {
    assert.equal(isDateString(bad), false, bad);
  }
});

Deno.test("createHoliday() stores a holiday that reads back", () => {
  using t = openTempDatabase();
  const h = createHoliday(t.db, { date: "2025-12-25", name: "Christmas", recurring: true });
  assert.deepEqual(h, {
    id: 1,
    date: "2025-12-25",
    name: "Christmas",
    recurring: true,
    version: 1,
  });
  assert.deepEqual(getHoliday(t.db, h.id), h);
  assert.equal(getHoliday(t.db, 99), undefined);
  assert.deepEqual(createHoliday(t.db, { date: "2025-05-01" }), {
    id: 2,
    date: "2025-05-01",
    name: "",
    recurring: false,
    version: 1,
  });
});

Deno.test("createHoliday() rejects a malformed date", () => {
  using t = openTempDatabase();
  assert.throws(
    () => createHoliday(t.db, { date: "2025-02-30" }),
    (e: unknown) => e instanceof ValidationError && e.errors[0]?.pointer === "data/attributes/date",
  );
  assert.throws(() => createHoliday(t.db, { date: "25/12/2025" }), ValidationError);
  assert.deepEqual(listHolidays(t.db), []);
});

Deno.test("listHolidays() sorts by date", () => {
  using t = openTempDatabase();
  createHoliday(t.db, { date: "2025-12-25" });
  createHoliday(t.db, { date: "2025-01-01" });
  createHoliday(t.db, { date: "2025-07-14" });
  assert.deepEqual(listHolidays(t.db).map((h) => h.date), [
    "2025-01-01",
    "2025-07-14",
    "2025-12-25",
  ]);
});

Deno.test("updateHoliday() applies a patch and validates a new date", () => {
  using t = openTempDatabase();
  const h = createHoliday(t.db, { date: "2025-12-25", name: "Xmas" });
  assert.deepEqual(updateHoliday(t.db, h.id, { recurring: true }), {
    ...h,
    recurring: true,
    version: 2,
  });
  assert.equal(updateHoliday(t.db, h.id, { date: "2026-12-25" })?.name, "Xmas");
  assert.throws(() => updateHoliday(t.db, h.id, { date: "2026-12-32" }), ValidationError);
  assert.equal(updateHoliday(t.db, 99, { name: "x" }), undefined);
});

Deno.test("deleteHoliday() removes the holiday", () => {
  using t = openTempDatabase();
  const h = createHoliday(t.db, { date: "2025-12-25" });
  assert.equal(deleteHoliday(t.db, h.id), true);
  assert.equal(deleteHoliday(t.db, h.id), false);
  assert.equal(isHoliday(t.db, "2025-12-25"), false);
});

Deno.test("isHoliday() matches an exact date or a recurring month-day", () => {
  using t = openTempDatabase();
  createHoliday(t.db, { date: "2025-05-08", name: "one-off" });
  createHoliday(t.db, { date: "2000-12-25", name: "Christmas", recurring: true });
  assert.equal(isHoliday(t.db, "2025-05-08"), true);
  assert.equal(isHoliday(t.db, "2026-05-08"), false);
  assert.equal(isHoliday(t.db, "2031-12-25"), true);
  assert.equal(isHoliday(t.db, "2031-12-24"), false);
  assert.equal(isHoliday(t.db, "1999-12-25"), true);
  assert.equal(isHoliday(t.db, "garbage"), false);
});
