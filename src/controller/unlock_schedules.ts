/**
 * Which doors' unlock schedules are active at a given local time (the
 * controller feeds the answer into each door's machine every tick).
 *
 * @module
 */
import { isScheduleActive, type LocalDateTime, type Schedule } from "../engine/mod.ts";

/** The lookups needed (a subset of the facts reader). */
export interface ScheduleLookup {
  schedule(id: number): Schedule | null;
  isHoliday(date: string): boolean;
}

/**
 * For each door (`id`, `unlockScheduleId`), whether its unlock schedule is
 * active at `local`. A door without a schedule, or whose schedule is gone,
 * is inactive. Holidays are looked up once.
 */
export function activeUnlockSchedules(
  doors: Iterable<{ id: number; unlockScheduleId: number | null }>,
  lookup: ScheduleLookup,
  local: LocalDateTime,
): Map<number, boolean> {
  const active = new Map<number, boolean>();
  let holiday: boolean | null = null;
  for (const { id, unlockScheduleId } of doors) {
    let on = false;
    if (unlockScheduleId !== null) {
      const schedule = lookup.schedule(unlockScheduleId);
      holiday ??= lookup.isHoliday(local.date);
      on = schedule !== null && isScheduleActive(schedule, local, holiday);
    }
    active.set(id, on);
  }
  return active;
}
