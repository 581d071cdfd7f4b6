import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeClock } from "../clock.ts";
import {
  BACKUP_CHECK_INTERVAL_MS,
  BACKUP_INTERVAL_MS,
  BackupScheduler,
  isBackupDue,
  listScheduledBackups,
  scheduledBackupName,
} from "./backup_schedule.ts";

const HOUR = 60 * 60 * 1000;

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("BackupScheduler takes one backup a day on the app clock and keeps the newest N", () => {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-schedule-test-" });
  try {
    Deno.writeTextFileSync(join(dir, "notes.txt"), "not a backup");
    Deno.writeTextFileSync(join(dir, "leosac-manual.backup"), "taken by hand");
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 12, 0, 0));
    const written: string[] = [];
    const scheduler = new BackupScheduler({
      dir,
      keep: 3,
      clock,
      backup: (path) => {
        written.push(path);
        Deno.writeTextFileSync(path, "backup");
      },
    });
    scheduler.start();
    assert.deepEqual(written, [join(dir, "leosac-20260105T120000Z.backup")]);
    // Checked every hour; due again 24 h later, not before.
    clock.advance(BACKUP_INTERVAL_MS - HOUR);
    assert.equal(written.length, 1);
    clock.advance(HOUR);
    assert.equal(written.length, 2);
    clock.advance(3 * BACKUP_INTERVAL_MS);
    assert.equal(written.length, 5);
    assert.deepEqual(names(dir), [
      "leosac-20260107T120000Z.backup",
      "leosac-20260108T120000Z.backup",
      "leosac-20260109T120000Z.backup",
      "leosac-manual.backup",
      "notes.txt",
    ]);
    scheduler.stop();
    clock.advance(10 * BACKUP_INTERVAL_MS);
    assert.equal(written.length, 5, "no backup after stop()");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("BackupScheduler: a restart within the day takes none; a failure is reported and retried", () => {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-schedule-test-" });
  try {
    const start = Date.UTC(2026, 0, 5, 12, 0, 0);
    Deno.writeTextFileSync(join(dir, scheduledBackupName(start - 2 * HOUR)), "yesterday's");
    const clock = new FakeClock(start);
    const reports: Array<{ error: unknown } | { path: string; removed: string[] }> = [];
    let fail = true;
    const scheduler = new BackupScheduler({
      dir,
      keep: 2,
      clock,
      backup: (path) => {
        if (fail) throw new Error("disk full");
        Deno.writeTextFileSync(path, "backup");
      },
      report: (outcome) => reports.push(outcome),
    });
    scheduler.start();
    assert.equal(reports.length, 0);
    clock.advance(BACKUP_INTERVAL_MS - 2 * HOUR);
    assert.equal(reports.length, 1);
    assert.match(String((reports[0] as { error: unknown }).error), /disk full/);
    fail = false;
    clock.advance(BACKUP_CHECK_INTERVAL_MS);
    assert.equal(listScheduledBackups(dir).length, 2);
    assert.deepEqual((reports[1] as { removed: string[] }).removed, []);
    scheduler.stop();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("isBackupDue() after a day, and when the newest is dated far in the future", () => {
  const now = Date.UTC(2026, 0, 5, 12, 0, 0);
  assert.equal(isBackupDue([], now), true);
  assert.equal(isBackupDue([{ name: "a", takenAt: now - BACKUP_INTERVAL_MS + 1 }], now), false);
  assert.equal(isBackupDue([{ name: "a", takenAt: now - BACKUP_INTERVAL_MS }], now), true);
  assert.equal(isBackupDue([{ name: "a", takenAt: now + HOUR }], now), false);
  assert.equal(isBackupDue([{ name: "a", takenAt: now + 2 * BACKUP_INTERVAL_MS }], now), true);
});
