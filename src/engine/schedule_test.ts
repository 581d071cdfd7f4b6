import assert from "node:assert/strict";
import {
  intlOffsetProvider,
  isHolidayDate,
  isScheduleActive,
  isWithinTimeframes,
  localTimeOf,
} from "./schedule.ts";
import type { Schedule } from "./types.ts";

const MON = 0, TUE = 1, SAT = 5, SUN = 6;
const hm = (h: number, m = 0): number => h * 60 + m;

Deno.test("isWithinTimeframes() treats start and end as inclusive minutes", () => {
  const frames = [{ day: MON, startMinute: hm(8), endMinute: hm(17, 30) }];
  const cases: [number, number, boolean][] = [
    [MON, hm(7, 59), false],
    [MON, hm(8), true],
    [MON, hm(12), true],
    [MON, hm(17, 30), true],
    [MON, hm(17, 31), false],
    [TUE, hm(12), false],
  ];
  for (const [day, minute, expected] of cases) {
    assert.equal(isWithinTimeframes(frames, { day, minute }), expected, `${day} ${minute}`);
  }
});

Deno.test("isWithinTimeframes() covers a whole day with 00:00-23:59 and one minute with start = end", () => {
  assert.ok(isWithinTimeframes([{ day: SAT, startMinute: 0, endMinute: 1439 }], {
    day: SAT,
    minute: 1439,
  }));
  const single = [{ day: SAT, startMinute: hm(9), endMinute: hm(9) }];
  assert.ok(isWithinTimeframes(single, { day: SAT, minute: hm(9) }));
  assert.ok(!isWithinTimeframes(single, { day: SAT, minute: hm(9, 1) }));
});

Deno.test("isWithinTimeframes() crosses midnight when end < start", () => {
  const night = [{ day: MON, startMinute: hm(22), endMinute: hm(6) }];
  const cases: [number, number, boolean][] = [
    [MON, hm(21, 59), false],
    [MON, hm(22), true],
    [MON, hm(23, 59), true],
    [TUE, 0, true],
    [TUE, hm(6), true],
    [TUE, hm(6, 1), false],
    [MON, hm(3), false], // the early morning of the frame's own day is not covered
  ];
  for (const [day, minute, expected] of cases) {
    assert.equal(isWithinTimeframes(night, { day, minute }), expected, `${day} ${minute}`);
  }
});

Deno.test("isWithinTimeframes() wraps a Sunday night frame onto Monday", () => {
  const night = [{ day: SUN, startMinute: hm(20), endMinute: hm(2) }];
  assert.ok(isWithinTimeframes(night, { day: SUN, minute: hm(23) }));
  assert.ok(isWithinTimeframes(night, { day: MON, minute: hm(1, 59) }));
  assert.ok(!isWithinTimeframes(night, { day: MON, minute: hm(2, 1) }));
  assert.ok(!isWithinTimeframes(night, { day: SAT, minute: hm(1) }));
});

Deno.test("isWithinTimeframes() is false without timeframes", () => {
  assert.ok(!isWithinTimeframes([], { day: MON, minute: 0 }));
});

Deno.test("isScheduleActive() is suspended by a holiday unless it applies on holidays", () => {
  const office: Schedule = {
    id: 1,
    appliesOnHolidays: false,
    timeframes: [{ day: MON, startMinute: hm(8), endMinute: hm(18) }],
  };
  const now = { day: MON, minute: hm(10) };
  assert.ok(isScheduleActive(office, now, false));
  assert.ok(!isScheduleActive(office, now, true));
  assert.ok(isScheduleActive({ ...office, appliesOnHolidays: true }, now, true));
  assert.ok(!isScheduleActive(office, { day: MON, minute: hm(19) }, false));
});

Deno.test("isHolidayDate() matches exact dates and recurring month-days", () => {
  const holidays = [
    { date: "2026-04-06", recurring: false },
    { date: "1999-12-25", recurring: true },
    { date: "2024-02-29", recurring: true },
  ];
  assert.ok(isHolidayDate(holidays, "2026-04-06"));
  assert.ok(!isHolidayDate(holidays, "2027-04-06"));
  assert.ok(isHolidayDate(holidays, "2026-12-25"));
  assert.ok(isHolidayDate(holidays, "1999-12-25"));
  assert.ok(!isHolidayDate(holidays, "2026-12-24"));
  assert.ok(isHolidayDate(holidays, "2028-02-29"));
  assert.ok(!isHolidayDate(holidays, "2027-03-01"));
  assert.ok(!isHolidayDate([], "2026-01-01"));
});

Deno.test("localTimeOf() converts with a fixed offset, Monday = 0", () => {
  // 2026-01-05 is a Monday.
  assert.deepEqual(localTimeOf(Date.UTC(2026, 0, 5, 0, 0), 0), {
    date: "2026-01-05",
    day: MON,
    minute: 0,
  });
  assert.deepEqual(localTimeOf(Date.UTC(2026, 0, 11, 23, 59, 59, 999), 0), {
    date: "2026-01-11",
    day: SUN,
    minute: 1439,
  });
  // Sunday 23:30 UTC is Monday 00:30 in UTC+1.
  assert.deepEqual(localTimeOf(Date.UTC(2026, 0, 11, 23, 30), 60), {
    date: "2026-01-12",
    day: MON,
    minute: 30,
  });
  // Monday 02:00 UTC is Sunday 21:00 in UTC-5.
  assert.deepEqual(localTimeOf(Date.UTC(2026, 0, 12, 2, 0), -300), {
    date: "2026-01-11",
    day: SUN,
    minute: hm(21),
  });
});

Deno.test("localTimeOf() follows daylight saving time through an Intl provider", () => {
  const paris = intlOffsetProvider("Europe/Paris");
  assert.equal(paris(Date.UTC(2026, 0, 15, 12)), 60);
  assert.equal(paris(Date.UTC(2026, 6, 15, 12)), 120);
  // 2026-03-29 01:00 UTC: clocks jump from 02:00 to 03:00 local.
  assert.equal(localTimeOf(Date.UTC(2026, 2, 29, 0, 59), paris).minute, hm(1, 59));
  assert.equal(localTimeOf(Date.UTC(2026, 2, 29, 1, 0), paris).minute, hm(3));
  assert.equal(intlOffsetProvider("UTC")(Date.UTC(2026, 6, 1)), 0);
  assert.equal(intlOffsetProvider("Asia/Kolkata")(Date.UTC(2026, 6, 1)), 330);
});

Deno.test("intlOffsetProvider() rejects an unknown time zone", () => {
  assert.throws(() => intlOffsetProvider("Mars/Olympus_Mons"), RangeError);
});
