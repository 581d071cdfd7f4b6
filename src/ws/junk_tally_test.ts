import assert from "node:assert/strict";
import {
  JUNK_KINDS,
  JUNK_MAX_ADDRESSES_PER_MINUTE,
  JUNK_MINUTE_MS,
  type JunkKind,
  JunkTally,
} from "./junk_tally.ts";

const KINDS: JunkKind[] = [
  "unknown_type",
  "permission_denied",
  "malformed",
  "rate_limited",
  "other",
];
const T0 = Date.UTC(2026, 0, 5, 10, 0);

Deno.test("JunkTally: one row per minute, address and kind, with every call counted", () => {
  const tally = new JunkTally();
  for (let i = 0; i < 3000; i++) {
    tally.add({
      kind: KINDS[i % 3]!,
      method: `m${i % 7}`,
      statusCode: 5,
      remoteAddress: i % 2 === 0 ? "10.0.0.1" : "10.0.0.2",
      timestamp: T0 + (i % 2) * 1000 + Math.floor(i / 1500) * JUNK_MINUTE_MS,
    });
  }
  assert.deepEqual(tally.take(T0 + JUNK_MINUTE_MS - 1), [], "the minute is not over");
  const first = tally.take(T0 + JUNK_MINUTE_MS);
  assert.equal(first.length, 6, "2 addresses × 3 kinds");
  assert.equal(first.reduce((n, r) => n + Number(r.data!.count), 0), 1500);
  assert.ok(first.every((r) => (r.data!.method as string).split(", ").length <= 5));
  const second = tally.take();
  assert.equal(second.length, 6);
  assert.equal(tally.size, 0);
  assert.match(
    first[0]!.description,
    /^\d+ anonymous calls refused \(.+\) from 10\.0\.0\.[12] in the minute from 2026-01-05T10:00:00\.000Z\.$/,
  );
});

Deno.test("JunkTally: many addresses in one minute share one row per kind beyond the cap", () => {
  const tally = new JunkTally();
  const addresses = 1000;
  for (let i = 0; i < 10 * addresses; i++) {
    tally.add({
      kind: KINDS[i % KINDS.length]!,
      method: crypto.randomUUID(),
      statusCode: 2,
      remoteAddress: `fd00::${i % addresses}`,
      timestamp: T0 + (i % 60_000),
    });
  }
  const rows = tally.take();
  assert.ok(rows.length <= (JUNK_MAX_ADDRESSES_PER_MINUTE + 1) * JUNK_KINDS, `${rows.length}`);
  assert.equal(rows.reduce((n, r) => n + Number(r.data!.count), 0), 10 * addresses);
  assert.ok(rows.some((r) => r.data!.remote_address === "other"));
});
