/**
 * What a migration from Leosac creates, in this controller's terms, and the
 * one function that writes it: {@linkcode applyMigrationPlan}. Both sources
 * build a {@linkcode MigrationPlan}: the XML files (`leosac_xml.ts`) and a
 * running Leosac's WebSocket API (`leosac_ws.ts`).
 *
 * Entities refer to each other by name (devices, users, groups, doors,
 * zones) or by the plan's own keys (credentials, schedules), so a plan can be
 * printed, checked and written without ids. Everything is written in one
 * transaction with one audit row, or nothing is.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Validity } from "../policy/validity.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../store/audit.ts";
import { transaction } from "../store/db.ts";
import { createDevice, getDeviceByName } from "../store/devices.ts";
import type { ReaderModeName } from "../store/device_config.ts";
import { createAccessPoint, type ReaderMode } from "../store/access_points.ts";
import { createDoor, type DoorMode } from "../store/doors.ts";
import { bindCardToPin, createCredential, findCardByCardId } from "../store/credentials.ts";
import { createGroup, getGroupByName } from "../store/groups.ts";
import { createMembership, getMembershipOf } from "../store/memberships.ts";
import { createMapping, createSchedule, type Timeframe } from "../store/schedules.ts";
import { hashPin, newInstallationSecret } from "../store/secrets.ts";
import { createUser, getUserByUsername, type UserRank } from "../store/users.ts";
import { type AntipassbackMode, createZone, type ZoneType } from "../store/zones.ts";

/** A GPIO line. */
export interface PlanGpio {
  name: string;
  chip: string;
  offset: number;
  direction: "in" | "out";
  interruptMode: "none" | "rising" | "falling" | "both";
  defaultValue: boolean;
}

/** A LED or buzzer driven by a GPIO line. */
export interface PlanIndicator {
  name: string;
  type: "led" | "buzzer";
  /** The GPIO's name. */
  gpio: string;
  blinkDurationMs: number;
  blinkSpeedMs: number;
}

/** A Wiegand reader. */
export interface PlanReader {
  name: string;
  mode: ReaderModeName;
  /** D0 and D1 GPIO names. */
  low: string | null;
  high: string | null;
  /** LED and buzzer names. */
  greenLed: string | null;
  buzzer: string | null;
  /** Accepted formats (Leosac readers accept every frame: `["raw"]`). */
  formats: string[];
}

/** A door with its access point (when it has a reader). */
export interface PlanDoor {
  alias: string;
  description: string;
  /** The reader's name, or null for a door without one. */
  reader: string | null;
  readerMode: ReaderMode;
  pinTimeoutMs: number;
  /** card_and_pin: only cards bound to a PIN (Leosac's card+PIN readers). @default false */
  pairsOnly?: boolean;
  /** GPIO names. */
  strike: string | null;
  contact: string | null;
  rex: string | null;
  unlockMs: number;
  /** The key of the schedule holding the door unlocked, or null. */
  unlockSchedule: string | null;
  /** Held-open alarm threshold, ms. @default the store's (30 s) */
  heldOpenMs?: number;
  /** During the unlock schedule, stay locked until the first granted card. @default false */
  unlockAfterFirstCard?: boolean;
  /** The door's mode. @default "normal" */
  mode?: DoorMode;
}

/** A user. */
export interface PlanUser {
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  rank: UserRank;
  validity: Validity;
  /** A password to set (listed once in the report), or null for none (cannot log in). */
  password: string | null;
}

/** A group and its members. */
export interface PlanGroup {
  name: string;
  description: string;
  members: { username: string; rank: 0 | 1 | 2 }[];
}

/** A card or a PIN. */
export type PlanCredential =
  & {
    /** The plan's key for mappings. */
    key: string;
    alias: string;
    description: string;
    /** Owner's username, or null. */
    owner: string | null;
    validity: Validity;
  }
  & (
    | {
      type: "rfid-card";
      cardId: string;
      nbBits: number;
      /**
       * The key of the plan's PIN (same owner) this card is bound to, as a
       * Leosac `WiegandCardPin`: then they open only together. @default none
       */
      requiredPin?: string;
    }
    /** `pin` null: the code is not known (stored with a hash no PIN matches; give a new one). */
    | { type: "pin-code"; pin: string | null }
  );

/** A schedule. */
export interface PlanSchedule {
  key: string;
  name: string;
  description: string;
  /** This controller's convention: 0 = Monday; end before start crosses midnight. */
  timeframes: Timeframe[];
  /** @default false */
  appliesOnHolidays?: boolean;
}

/** A schedule mapping; empty `doors` and `zones` mean every door. */
export interface PlanMapping {
  schedule: string;
  alias: string;
  users: string[];
  groups: string[];
  /** Credential keys. */
  credentials: string[];
  /** Door aliases. */
  doors: string[];
  /** Zone aliases. */
  zones: string[];
}

/** A zone. */
export interface PlanZone {
  alias: string;
  description: string;
  type: ZoneType;
  /** Door aliases. */
  doors: string[];
  /** Child zone aliases. */
  children: string[];
  /** @default "off" */
  antipassback?: AntipassbackMode;
  /** Seconds; 0 = never. @default 0 */
  antipassbackResetS?: number;
}

/** Everything a migration creates, and what it could not carry over. */
export interface MigrationPlan {
  /** Where it came from, for the audit row (a path or a URL; never a password). */
  source: string;
  gpios: PlanGpio[];
  indicators: PlanIndicator[];
  readers: PlanReader[];
  zones: PlanZone[];
  doors: PlanDoor[];
  users: PlanUser[];
  groups: PlanGroup[];
  credentials: PlanCredential[];
  schedules: PlanSchedule[];
  mappings: PlanMapping[];
  /** What was not carried over, or carried over differently: one sentence each. */
  notes: string[];
}

/** An empty plan. */
export function emptyPlan(source: string): MigrationPlan {
  return {
    source,
    gpios: [],
    indicators: [],
    readers: [],
    zones: [],
    doors: [],
    users: [],
    groups: [],
    credentials: [],
    schedules: [],
    mappings: [],
    notes: [],
  };
}

/** A plan that cannot be written here (a name taken, a card owned by someone else …). */
export class MigrationConflictError extends Error {
  /** Every conflict, one sentence each. */
  readonly conflicts: string[];
  /** Builds the error from its conflicts. */
  constructor(conflicts: string[]) {
    super(`The import conflicts with this controller's data:\n  ${conflicts.join("\n  ")}`);
    this.name = "MigrationConflictError";
    this.conflicts = conflicts;
  }
}

/** What {@linkcode applyMigrationPlan} did (or would do). */
export interface MigrationResult {
  /** Counts per entity. */
  counts: Record<string, number>;
  /** Users that already existed here and were reused (their fields kept). */
  reusedUsers: string[];
  /** Groups that already existed here and were reused. */
  reusedGroups: string[];
  /** Whether anything was written. */
  applied: boolean;
}

/** Options of {@linkcode applyMigrationPlan}. */
export interface ApplyOptions {
  /** The installation secret (PINs are stored as its HMAC). */
  secret: Uint8Array;
  /** Wall time, Unix ms (memberships, the audit row). */
  nowMs: number;
  /** Check everything, write nothing. */
  dryRun: boolean;
  /** Password hashes of the plan's users that have a password, by username. */
  passwordHashes?: ReadonlyMap<string, string>;
}

/** Counts of a plan, by entity. */
export function planCounts(plan: MigrationPlan): Record<string, number> {
  return {
    gpios: plan.gpios.length,
    leds_buzzers: plan.indicators.length,
    readers: plan.readers.length,
    doors: plan.doors.length,
    zones: plan.zones.length,
    users: plan.users.length,
    groups: plan.groups.length,
    memberships: plan.groups.reduce((n, g) => n + g.members.length, 0),
    cards: plan.credentials.filter((c) => c.type === "rfid-card").length,
    pins: plan.credentials.filter((c) => c.type === "pin-code").length,
    schedules: plan.schedules.length,
    mappings: plan.mappings.length,
  };
}

/**
 * Writes the plan in one transaction with one audit row (kind `UserEvent`,
 * the import's counts in `data`), or, with `dryRun`,
 * checks it inside a transaction that is rolled back. Users and groups whose
 * name exists here already are reused (their fields kept); devices whose
 * name is taken and cards already stored are conflicts.
 *
 * @throws {MigrationConflictError} listing every conflict; nothing is written.
 */
export function applyMigrationPlan(
  db: DatabaseSync,
  plan: MigrationPlan,
  options: ApplyOptions,
): MigrationResult {
  const conflicts = findConflicts(db, plan);
  if (conflicts.length > 0) throw new MigrationConflictError(conflicts);
  const result: MigrationResult = {
    counts: planCounts(plan),
    reusedUsers: plan.users.filter((u) => getUserByUsername(db, u.username)).map((u) => u.username),
    reusedGroups: plan.groups.filter((g) => getGroupByName(db, g.name)).map((g) => g.name),
    applied: false,
  };
  if (options.dryRun) return result;
  transaction(db, () => writePlan(db, plan, options));
  return { ...result, applied: true };
}

/** A hash no keyed PIN matches: the HMAC input is 32 random bytes, not digits. */
function unknownPin(): string {
  return `unknown:${
    Array.from(newInstallationSecret(), (b) => b.toString(16).padStart(2, "0")).join("")
  }`;
}

function findConflicts(db: DatabaseSync, plan: MigrationPlan): string[] {
  const conflicts: string[] = [];
  const names = [...plan.gpios, ...plan.indicators, ...plan.readers].map((d) => d.name);
  for (const name of names) {
    if (getDeviceByName(db, name)) conflicts.push(`a device named "${name}" exists already`);
  }
  for (const c of plan.credentials) {
    if (c.type === "rfid-card" && findCardByCardId(db, c.cardId)) {
      conflicts.push(`the card ${c.cardId} (${c.key}) is stored already`);
    }
  }
  return conflicts;
}

function writePlan(db: DatabaseSync, plan: MigrationPlan, options: ApplyOptions): void {
  const device = new Map<string, string>();
  const idOf = (name: string | null): string | null => name === null ? null : device.get(name)!;
  for (const g of plan.gpios) {
    device.set(
      g.name,
      createDevice(db, {
        name: g.name,
        type: "gpio",
        config: {
          chip: g.chip,
          offset: g.offset,
          direction: g.direction,
          default_value: g.defaultValue,
          interrupt_mode: g.interruptMode,
        },
      }).id,
    );
  }
  for (const i of plan.indicators) {
    const config = {
      gpio_id: idOf(i.gpio),
      default_blink_duration: i.blinkDurationMs,
      default_blink_speed: i.blinkSpeedMs,
    };
    device.set(i.name, createDevice(db, { name: i.name, type: i.type, config }).id);
  }
  for (const r of plan.readers) {
    const config = {
      mode: r.mode,
      gpio_low_id: idOf(r.low),
      gpio_high_id: idOf(r.high),
      green_led_id: idOf(r.greenLed),
      buzzer_id: idOf(r.buzzer),
      formats: r.formats,
    };
    device.set(r.name, createDevice(db, { name: r.name, type: "wiegand-reader", config }).id);
  }
  const schedule = new Map<string, number>();
  for (const s of plan.schedules) {
    schedule.set(
      s.key,
      createSchedule(db, {
        name: s.name,
        description: s.description,
        timeframes: s.timeframes,
        appliesOnHolidays: s.appliesOnHolidays ?? false,
      }).id,
    );
  }
  const door = new Map<string, number>();
  for (const d of plan.doors) {
    const accessPointId = d.reader === null ? null : createAccessPoint(db, {
      alias: d.alias,
      readerId: idOf(d.reader),
      readerMode: d.readerMode,
      pinTimeoutMs: d.pinTimeoutMs,
      pairsOnly: d.pairsOnly ?? false,
    }).id;
    door.set(
      d.alias,
      createDoor(db, {
        alias: d.alias,
        description: d.description,
        accessPointId,
        strikeGpioId: idOf(d.strike),
        contactGpioId: idOf(d.contact),
        rexGpioId: idOf(d.rex),
        unlockMs: d.unlockMs,
        unlockScheduleId: d.unlockSchedule === null ? null : schedule.get(d.unlockSchedule)!,
        ...(d.heldOpenMs === undefined ? {} : { heldOpenMs: d.heldOpenMs }),
        unlockAfterFirstCard: d.unlockAfterFirstCard ?? false,
        mode: d.mode ?? "normal",
      }).id,
    );
  }
  const zone = new Map<string, number>();
  for (const z of plan.zones) {
    zone.set(
      z.alias,
      createZone(db, {
        alias: z.alias,
        description: z.description,
        type: z.type,
        antipassback: z.antipassback ?? "off",
        antipassbackResetS: z.antipassbackResetS ?? 0,
        doorIds: z.doors.map((a) => door.get(a)!),
      }).id,
    );
  }
  for (const z of plan.zones) {
    if (z.children.length === 0) continue;
    const insert = db.prepare(
      "INSERT OR IGNORE INTO zone_children (parent_id, child_id) VALUES (?, ?)",
    );
    for (const c of z.children) insert.run(zone.get(z.alias)!, zone.get(c)!);
  }
  const user = new Map<string, number>();
  for (const u of plan.users) {
    const existing = getUserByUsername(db, u.username);
    user.set(
      u.username,
      existing?.id ?? createUser(db, {
        username: u.username,
        passwordHash: options.passwordHashes?.get(u.username) ?? null,
        firstname: u.firstname,
        lastname: u.lastname,
        email: u.email,
        rank: u.rank,
        validity: u.validity,
      }).id,
    );
  }
  const group = new Map<string, number>();
  for (const g of plan.groups) {
    const groupId = getGroupByName(db, g.name)?.id ??
      createGroup(db, { name: g.name, description: g.description }).id;
    group.set(g.name, groupId);
    for (const m of g.members) {
      const userId = user.get(m.username)!;
      if (getMembershipOf(db, userId, groupId)) continue;
      createMembership(db, { userId, groupId, rank: m.rank, timestamp: options.nowMs });
    }
  }
  const credential = new Map<string, number>();
  for (const c of plan.credentials) {
    const base = {
      alias: c.alias,
      description: c.description,
      ownerId: c.owner === null ? null : user.get(c.owner)!,
      validity: c.validity,
    };
    const created = c.type === "rfid-card"
      ? createCredential(db, { ...base, type: "rfid-card", cardId: c.cardId, nbBits: c.nbBits })
      : createCredential(db, {
        ...base,
        type: "pin-code",
        pinHash: hashPin(options.secret, c.pin ?? unknownPin()),
      });
    credential.set(c.key, created.id);
  }
  for (const c of plan.credentials) {
    if (c.type === "rfid-card" && c.requiredPin !== undefined) {
      bindCardToPin(db, credential.get(c.key)!, credential.get(c.requiredPin)!);
    }
  }
  for (const m of plan.mappings) {
    createMapping(db, schedule.get(m.schedule)!, {
      alias: m.alias,
      userIds: m.users.map((u) => user.get(u)!),
      groupIds: m.groups.map((g) => group.get(g)!),
      credentialIds: m.credentials.map((c) => credential.get(c)!),
      doorIds: m.doors.map((d) => door.get(d)!),
      zoneIds: m.zones.map((z) => zone.get(z)!),
    });
  }
  const counts = planCounts(plan);
  appendAudit(db, {
    kind: AUDIT_KIND.USER,
    mask: auditMask(
      AUDIT_EVENT.USER_CREATED,
      AUDIT_EVENT.GROUP_CREATED,
      AUDIT_EVENT.CREDENTIAL_CREATED,
      AUDIT_EVENT.SCHEDULE_CREATED,
      AUDIT_EVENT.DOOR_CREATED,
      AUDIT_EVENT.ZONE_CREATED,
      AUDIT_EVENT.DEVICE_CREATED,
      AUDIT_EVENT.MAPPING_MAY_HAVE_CHANGED,
    ),
    authorId: null,
    timestamp: options.nowMs,
    description: `Imported from Leosac (${plan.source}): ` +
      Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ") + ".",
    data: { source: "import-leosac", counts, notes: plan.notes.length },
  });
}
