/**
 * Wire format of schedules: timeframes ("H:M" times), schedule mappings and
 * the JSON:API documents of `schedule.*`.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { BadRequestError, quoteValue, ValidationError } from "../../../errors.ts";
import { getCredential } from "../../../store/credentials.ts";
import type {
  NewScheduleMapping,
  Schedule,
  ScheduleMapping,
  Timeframe,
} from "../../../store/schedules.ts";
import { ATTR_POINTER, idList, requiredKey, textAttr } from "../_entity_attrs.ts";

const NAME = /^[A-Za-z0-9_.-]{3,50}$/;
const TIME = /^(\d{1,2}):(\d{1,2})$/;

/**
 * A schedule name: 3 to 50 characters among letters, digits, `_`, `.`, `-`
 * (Leosac's group-name rules; not unique).
 *
 * @throws {ValidationError} pointer `data/attributes/name`.
 */
export function parseScheduleName(value: unknown): string {
  if (typeof value !== "string" || value.length < 3 || value.length > 50) {
    throw new ValidationError(
      "Schedule name must be 3 to 50 characters long.",
      ATTR_POINTER + "name",
    );
  }
  if (!NAME.test(value)) {
    throw new ValidationError(
      "Schedule name may only contain letters, digits, '_', '.' and '-'.",
      ATTR_POINTER + "name",
    );
  }
  return value;
}

function parseTime(value: unknown): number {
  const match = typeof value === "string" ? TIME.exec(value) : null;
  const hours = Number(match?.[1]), minutes = Number(match?.[2]);
  if (!match || hours > 23 || minutes > 59) {
    throw new BadRequestError(
      `Timeframe start or end time is invalid: ${quoteValue(value ?? null)}`,
    );
  }
  return hours * 60 + minutes;
}

/** Prints minutes since midnight as Leosac does, without padding (`8:0`). */
export function formatTime(minute: number): string {
  return `${Math.floor(minute / 60)}:${minute % 60}`;
}

/** Most timeframes in one schedule (a week at one-minute slots would be far fewer). */
export const MAX_TIMEFRAMES = 1000;
/** Most mappings in one schedule. */
export const MAX_MAPPINGS = 1000;

/**
 * The `timeframes` list: `null` or `[]` is an empty list. Each frame is one
 * `day` (0 = Monday … 6 = Sunday) with `start-time` and `end-time` as
 * `H:M`/`HH:MM`, both inclusive; an end before the start crosses midnight.
 *
 * @throws {BadRequestError} for an invalid time or day (status 1, as Leosac).
 */
export function parseTimeframes(value: unknown): Timeframe[] {
  if (value === null) return [];
  if (!Array.isArray(value)) {
    throw new BadRequestError("Invalid value for `timeframes`: expected an array");
  }
  if (value.length > MAX_TIMEFRAMES) {
    throw new BadRequestError(`Invalid value for \`timeframes\`: more than ${MAX_TIMEFRAMES}`);
  }
  return value.map((frame: unknown) => {
    if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
      throw new BadRequestError("Invalid value for `timeframes`: expected objects");
    }
    const f = frame as Record<string, unknown>;
    const day = requiredKey(f, "day");
    if (typeof day !== "number" || !Number.isInteger(day) || day < 0 || day > 6) {
      throw new BadRequestError(
        `Timeframe day is invalid: ${quoteValue(day)} (0 = Monday … 6 = Sunday)`,
      );
    }
    return {
      day,
      startMinute: parseTime(requiredKey(f, "start-time")),
      endMinute: parseTime(requiredKey(f, "end-time")),
    };
  });
}

const LISTS = [
  ["users", "user", "userIds"],
  ["groups", "group", "groupIds"],
  ["credentials", "credential", "credentialIds"],
  ["doors", "door", "doorIds"],
  ["zones", "zone", "zoneIds"],
] as const;

/** The key of one id list of a mapping. */
type ListKey = typeof LISTS[number][0];

/** One element of `mapping` as sent: its alias and its five id lists, not yet checked. */
export interface MappingInput {
  /** The mapping's alias (`""` when absent). */
  readonly alias: string;
  /** The values of the five list keys (present; checked by {@linkcode mappingsOf}). */
  readonly lists: Readonly<Record<ListKey, unknown>>;
}

/**
 * The `mapping` array of `schedule.update`. Each element needs the five id
 * arrays; `alias` is optional and a client-sent `id` is ignored. The ids are
 * read by {@linkcode mappingsOf}.
 *
 * @throws {BadRequestError} for a missing key or a wrong JSON type.
 */
export function scheduleMappings(value: unknown): MappingInput[] {
  if (!Array.isArray(value)) {
    throw new BadRequestError("Invalid value for `mapping`: expected an array");
  }
  if (value.length > MAX_MAPPINGS) {
    throw new BadRequestError(`Invalid value for \`mapping\`: more than ${MAX_MAPPINGS} mappings`);
  }
  return value.map((item: unknown, index) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw new BadRequestError(`Invalid value for \`mapping[${index}]\`: expected an object`);
    }
    const source = item as Record<string, unknown>;
    const alias = textAttr(source, "alias") ?? "";
    const lists = {} as Record<ListKey, unknown>;
    for (const [key] of LISTS) lists[key] = requiredKey(source, key);
    return { alias, lists };
  });
}

/**
 * The mappings to store: each id list read (duplicates removed) and every
 * id checked to exist.
 *
 * @throws {BadRequestError} for a list that is not an array of ids.
 * @throws {NotFoundError} for an unknown id, typed user/group/credential/door/zone.
 */
export function mappingsOf(
  db: DatabaseSync,
  inputs: readonly MappingInput[],
): NewScheduleMapping[] {
  return inputs.map(({ alias, lists }) => {
    const mapping: NewScheduleMapping & Record<string, unknown> = { alias };
    for (const [key, kind, field] of LISTS) {
      mapping[field] = idList(db, lists[key], { key: `mapping.${key}`, kind });
    }
    return mapping;
  });
}

function refs(ids: readonly number[], type: string): { data: { id: number; type: string }[] } {
  return { data: ids.map((id) => ({ id, type })) };
}

/** A schedule-mapping resource (sideloaded in `included`). */
export function serializeMapping(
  db: DatabaseSync,
  mapping: ScheduleMapping,
): Record<string, unknown> {
  const credentials = mapping.credentialIds.map((id) => ({
    id,
    type: getCredential(db, id)?.type ?? "rfid-card",
  }));
  return {
    id: mapping.id,
    type: "schedule-mapping",
    attributes: { alias: mapping.alias, version: mapping.version },
    relationships: {
      users: refs(mapping.userIds, "user"),
      groups: refs(mapping.groupIds, "group"),
      credentials: { data: credentials },
      doors: refs(mapping.doorIds, "door"),
      zones: refs(mapping.zoneIds, "zone"),
    },
  };
}

/** A schedule resource; `mappings` are its mappings (for the relationship). */
export function serializeSchedule(
  schedule: Schedule,
  mappings: readonly ScheduleMapping[],
): Record<string, unknown> {
  return {
    id: schedule.id,
    type: "schedule",
    attributes: {
      version: schedule.version,
      name: schedule.name,
      description: schedule.description,
      "applies-on-holidays": schedule.appliesOnHolidays,
      timeframes: schedule.timeframes.map((f, position) => ({
        id: position,
        day: f.day,
        "start-time": formatTime(f.startMinute),
        "end-time": formatTime(f.endMinute),
      })),
    },
    relationships: { mapping: refs(mappings.map((m) => m.id), "schedule-mapping") },
  };
}

/** A secret-free audit snapshot of a schedule and its mappings. */
export function scheduleSnapshot(
  schedule: Schedule,
  mappings: readonly ScheduleMapping[],
): Record<string, unknown> {
  return {
    id: schedule.id,
    name: schedule.name,
    description: schedule.description,
    applies_on_holidays: schedule.appliesOnHolidays,
    version: schedule.version,
    timeframes: schedule.timeframes.map((f) => ({
      day: f.day,
      start: formatTime(f.startMinute),
      end: formatTime(f.endMinute),
    })),
    mappings: mappings.map((m) => ({
      alias: m.alias,
      users: m.userIds,
      groups: m.groupIds,
      credentials: m.credentialIds,
      doors: m.doorIds,
      zones: m.zoneIds,
    })),
  };
}
