/**
 * The SQL fact-gathering layer of the access decision: for one request it
 * reads, with prepared statements over indexed columns, exactly what
 * `decideAccess()` needs (see `AccessFacts` in the engine for the recipe).
 * Nothing is cached: a committed admin change applies at the next read.
 * The owner's username and the credentials' aliases come with the facts (not
 * used by the decision: recorded beside the ids in its audit row).
 *
 * Size: a little over 300 lines: the statements and their row readers belong
 * together.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type {
  AccessFacts,
  AccessRequest,
  AntipassbackUpdate,
  CredentialFact,
  GrantSource,
  MappedSchedule,
  Schedule,
  Timeframe,
  UserFact,
  Validity,
} from "../engine/mod.ts";
import {
  DOOR_ZONES_SQL,
  doorCoverage,
  MAPPING_SCOPE_COLUMNS,
  MAPPING_SCOPE_ROW,
  MAPPING_ZONES_SQL,
} from "../policy/coverage.ts";
import { hashPin } from "../store/secrets.ts";
import type { AccessNames } from "./audit_rows.ts";
import { bool, int, nullableInt, oneOf, rowReader, text } from "../store/rows.ts";
import { DIRECTIONS, READER_MODES } from "../store/access_points.ts";
import { DOOR_MODES } from "../store/doors.ts";
import { ANTIPASSBACK_MODES } from "../store/zones.ts";

/** A card's bound PIN, and the card a PIN is bound to (migration 8; indexed). */
const CREDENTIAL_COLUMNS =
  `id, type, alias, owner_id, validity_enabled, validity_start, validity_end, required_pin_id,
   (SELECT b.id FROM credentials b WHERE b.required_pin_id = credentials.id) AS bound_card_id`;

/** The statements, prepared once per connection. */
const SQL = {
  doorAndAccessPoint: `SELECT d.id, d.mode, d.unlock_schedule_id, d.unlock_after_first_card,
      a.id AS ap_id, a.reader_mode, a.direction, a.pin_timeout_ms, a.pairs_only
    FROM doors d LEFT JOIN access_points a ON a.id = ?
    WHERE d.id = ?`,
  card: `SELECT ${CREDENTIAL_COLUMNS} FROM credentials
    WHERE card_id = ? AND type = 'rfid-card'`,
  pins: `SELECT ${CREDENTIAL_COLUMNS} FROM credentials
    WHERE pin_hash = ? AND type = 'pin-code' ORDER BY id`,
  user: `SELECT id, username, validity_enabled, validity_start, validity_end
    FROM users WHERE id = ?`,
  // Schedules: start from the members (a handful of mappings per user), then
  // keep the mappings that cover this door (`src/policy/coverage.ts`). Several
  // small indexed statements: one combined query let the planner start from
  // all mappings.
  userMappings: "SELECT mapping_id, user_id AS member FROM mapping_users WHERE user_id = ?",
  groupMappings: `SELECT mg.mapping_id, mg.group_id AS member
    FROM memberships ms JOIN mapping_groups mg ON mg.group_id = ms.group_id
    WHERE ms.user_id = ?`,
  credentialMappings: `SELECT mapping_id, credential_id AS member FROM mapping_credentials
    WHERE credential_id = ?`,
  mapping: `SELECT m.id, m.schedule_id, s.applies_on_holidays, ${MAPPING_SCOPE_COLUMNS}
    FROM schedule_mappings m JOIN schedules s ON s.id = m.schedule_id WHERE m.id = ?`,
  mappingZones: MAPPING_ZONES_SQL,
  doorZones: DOOR_ZONES_SQL,
  timeframes: `SELECT schedule_id, day, start_minute, end_minute FROM schedule_timeframes
    WHERE schedule_id = ? ORDER BY position`,
  schedule: "SELECT id, applies_on_holidays FROM schedules WHERE id = ?",
  holiday: `SELECT 1 AS hit FROM holidays
    WHERE date = ? OR (recurring = 1 AND substr(date, 6) = ?) LIMIT 1`,
  zones: `SELECT z.id, z.antipassback, z.antipassback_reset_s, s.inside, s.at
    FROM zone_doors zd JOIN zones z ON z.id = zd.zone_id
    LEFT JOIN antipassback_state s ON s.zone_id = z.id AND s.user_id = ?
    WHERE zd.door_id = ? ORDER BY z.id`,
  antipassbackUpsert: `INSERT INTO antipassback_state (zone_id, user_id, inside, at)
    VALUES (?, ?, ?, ?)
    ON CONFLICT (zone_id, user_id) DO UPDATE SET inside = excluded.inside, at = excluded.at`,
} as const;

/** The instant of a lookup: Unix ms and the local calendar date (`YYYY-MM-DD`). */
export interface FactsTime {
  ms: number;
  date: string;
}

/** Reads decision facts from one connection. */
export interface FactsReader {
  /**
   * The facts for `request` at `time`, or null when the door does not exist.
   * A door without an access point is reported with a card-only, direction
   * `none` access point of id `request.accessPointId`.
   */
  gather(request: AccessRequest, time: FactsTime): (AccessFacts & { names: AccessNames }) | null;
  /** The schedule with its timeframes, or null. */
  schedule(id: number): Schedule | null;
  /** Whether `date` (`YYYY-MM-DD`) is a holiday. */
  isHoliday(date: string): boolean;
  /**
   * Whether the card `cardId` is bound to a PIN (a card-or-PIN reader then
   * waits for that PIN instead of deciding the card alone).
   */
  cardNeedsPin(cardId: string): boolean;
}

/**
 * Prepares the statements on `db` (the worker's read-only connection).
 *
 * @param secret The installation secret, to hash a presented PIN.
 */
export function createFactsReader(db: DatabaseSync, secret: Uint8Array): FactsReader {
  const statements = Object.fromEntries(
    Object.entries(SQL).filter(([key]) => key !== "antipassbackUpsert")
      .map(([key, sql]) => [key, db.prepare(sql)]),
  ) as Record<Exclude<keyof typeof SQL, "antipassbackUpsert">, StatementSync>;

  function timeframesOf(id: number): Timeframe[] {
    return readTimeframe.all(statements.timeframes.all(id)).map((row) => ({
      day: row.day,
      startMinute: row.start_minute,
      endMinute: row.end_minute,
    }));
  }

  function schedule(id: number): Schedule | null {
    const row = readScheduleRow.maybe(statements.schedule.get(id));
    return row === undefined
      ? null
      : { id, appliesOnHolidays: row.applies_on_holidays, timeframes: timeframesOf(id) };
  }

  function isHoliday(date: string): boolean {
    return statements.holiday.get(date, date.slice(5)) !== undefined;
  }

  function gather(
    request: AccessRequest,
    time: FactsTime,
  ): (AccessFacts & { names: AccessNames }) | null {
    const door = readDoor.maybe(
      statements.doorAndAccessPoint.get(request.accessPointId, request.doorId),
    );
    if (door === undefined) return null;
    const cardId = request.presented.card?.cardId;
    const pin = request.presented.pin;
    const cardRow = cardId === undefined
      ? undefined
      : readCredential.maybe(statements.card.get(cardId));
    const card = cardRow === undefined ? null : credentialFact(cardRow);
    const pinRows = pin === undefined || pin === ""
      ? []
      : readCredential.all(statements.pins.all(hashPin(secret, pin)));
    const pinMatches = pinRows.map(credentialFact);
    const ownerId = card !== null
      ? card.ownerId
      : sharedOwner(pinMatches.filter((c) => c.boundCardId === null));
    const ownerRow = ownerId === null ? undefined : readUser.maybe(statements.user.get(ownerId));
    const owner = userFact(ownerRow);
    const names: AccessNames = {
      username: ownerRow?.username ?? null,
      credentialAliases: new Map(
        [...(cardRow ? [cardRow] : []), ...pinRows].map((r) => [r.id, r.alias]),
      ),
    };
    const credentialIds = [...(card ? [card.id] : []), ...pinMatches.map((c) => c.id)];
    return {
      door: {
        id: door.id,
        mode: door.mode,
        unlockSchedule: door.unlock_schedule_id === null ? null : schedule(door.unlock_schedule_id),
        unlockAfterFirstCard: door.unlock_after_first_card,
      },
      accessPoint: {
        id: door.ap_id ?? request.accessPointId,
        readerMode: door.reader_mode ?? "card",
        direction: door.direction ?? "none",
        pinTimeoutMs: door.pin_timeout_ms ?? 10_000,
        pairsOnly: door.pairs_only === 1,
      },
      card,
      pinMatches,
      owner,
      schedules: mappedSchedules(door.id, owner?.id ?? null, credentialIds),
      isHoliday: isHoliday(time.date),
      zones: zonesOf(door.id, owner?.id ?? null),
      names,
    };
  }

  function mappedSchedules(
    doorId: number,
    userId: number | null,
    credentialIds: number[],
  ): MappedSchedule[] {
    const members: { mapping: number; source: GrantSource }[] = [];
    if (userId !== null) {
      for (const r of readMember.all(statements.userMappings.all(userId))) {
        members.push({ mapping: r.mapping_id, source: { kind: "user", userId: r.member } });
      }
      for (const r of readMember.all(statements.groupMappings.all(userId))) {
        members.push({ mapping: r.mapping_id, source: { kind: "group", groupId: r.member } });
      }
    }
    for (const id of credentialIds) {
      for (const r of readMember.all(statements.credentialMappings.all(id))) {
        members.push({
          mapping: r.mapping_id,
          source: { kind: "credential", credentialId: r.member },
        });
      }
    }
    const covers = doorCoverage(statements, doorId);
    const mappings = new Map<number, MappingRow | null>();
    const byId = new Map<number, { appliesOnHolidays: boolean; grantedVia: GrantSource[] }>();
    for (const { mapping, source } of members) {
      let row = mappings.get(mapping);
      if (row === undefined) {
        row = readMapping.maybe(statements.mapping.get(doorId, mapping)) ?? null;
        if (row !== null && !covers(row)) row = null;
        mappings.set(mapping, row);
      }
      if (row === null) continue;
      const entry = byId.get(row.schedule_id) ??
        { appliesOnHolidays: row.applies_on_holidays, grantedVia: [] };
      entry.grantedVia.push(source);
      byId.set(row.schedule_id, entry);
    }
    return [...byId].map(([id, entry]) => ({ id, ...entry, timeframes: timeframesOf(id) }));
  }

  function zonesOf(doorId: number, userId: number | null): AccessFacts["zones"] {
    const rows = readZone.all(statements.zones.all(userId, doorId));
    return rows.map((row) => ({
      id: row.id,
      antipassback: row.antipassback,
      antipassbackResetS: row.antipassback_reset_s,
      state: row.inside === null || row.at === null
        ? null
        : { inside: row.inside === 1, atMs: row.at },
    }));
  }

  function cardNeedsPin(cardId: string): boolean {
    const row = readCredential.maybe(statements.card.get(cardId));
    return row !== undefined && row.required_pin_id !== null;
  }

  return { gather, schedule, isHoliday, cardNeedsPin };
}

/**
 * Records anti-passback rows after a grant (on the worker's write connection).
 */
export function createAntipassbackWriter(
  db: DatabaseSync,
): (updates: readonly AntipassbackUpdate[]) => void {
  const upsert = db.prepare(SQL.antipassbackUpsert);
  return (updates) => {
    for (const u of updates) upsert.run(u.zoneId, u.userId, u.inside ? 1 : 0, u.atMs);
  };
}

const readDoor = rowReader("door and access point", {
  id: int,
  mode: oneOf(DOOR_MODES),
  unlock_schedule_id: nullableInt,
  unlock_after_first_card: bool,
  ap_id: nullableInt,
  reader_mode: (v: unknown) => v === null ? null : oneOf(READER_MODES)(v),
  direction: (v: unknown) => v === null ? null : oneOf(DIRECTIONS)(v),
  pin_timeout_ms: nullableInt,
  pairs_only: nullableInt,
});
const VALIDITY_COLUMNS = {
  validity_enabled: bool,
  validity_start: nullableInt,
  validity_end: nullableInt,
};
const readCredential = rowReader("credentials", {
  id: int,
  type: oneOf(["rfid-card", "pin-code"]),
  alias: text,
  owner_id: nullableInt,
  ...VALIDITY_COLUMNS,
  required_pin_id: nullableInt,
  bound_card_id: nullableInt,
});
const readUser = rowReader("users", { id: int, username: text, ...VALIDITY_COLUMNS });
const readMember = rowReader("mapping members", { mapping_id: int, member: int });
const readMapping = rowReader("schedule_mappings", {
  schedule_id: int,
  applies_on_holidays: bool,
  ...MAPPING_SCOPE_ROW,
});
type MappingRow = ReturnType<typeof readMapping>;
const readZone = rowReader("zones", {
  id: int,
  antipassback: oneOf(ANTIPASSBACK_MODES),
  antipassback_reset_s: int,
  inside: nullableInt,
  at: nullableInt,
});
const readTimeframe = rowReader("schedule_timeframes", {
  day: int,
  start_minute: int,
  end_minute: int,
});
const readScheduleRow = rowReader("schedules", { applies_on_holidays: bool });

function validityOf(
  row: { validity_enabled: boolean; validity_start: number | null; validity_end: number | null },
): Validity {
  return { enabled: row.validity_enabled, start: row.validity_start, end: row.validity_end };
}

function credentialFact(row: ReturnType<typeof readCredential>): CredentialFact {
  return {
    id: row.id,
    type: row.type,
    ownerId: row.owner_id,
    validity: validityOf(row),
    requiredPinId: row.required_pin_id,
    boundCardId: row.bound_card_id,
  };
}

function userFact(row: ReturnType<typeof readUser> | undefined): UserFact | null {
  return row === undefined ? null : { id: row.id, validity: validityOf(row) };
}

/** The owner all the (unbound) PIN matches share, else null (none, or several owners). */
function sharedOwner(matches: readonly CredentialFact[]): number | null {
  const owners = new Set(matches.map((c) => c.ownerId));
  return owners.size === 1 ? [...owners][0] ?? null : null;
}
