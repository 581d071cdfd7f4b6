/**
 * Door repository.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { prepared } from "./db.ts";
import { bool, int, nullableInt, nullableText, oneOf, rowReader, text } from "./rows.ts";

/** Door modes. */
export const DOOR_MODES = ["normal", "unlocked", "locked", "lockdown"] as const;
/** A door mode. */
export type DoorMode = typeof DOOR_MODES[number];

/** A stored door. */
export interface Door {
  id: number;
  alias: string;
  description: string;
  /** The (unique) access point of this door, or null. */
  accessPointId: number | null;
  mode: DoorMode;
  /** Device ids (UUID strings) of the strike, contact and request-to-exit GPIOs. */
  strikeGpioId: string | null;
  contactGpioId: string | null;
  rexGpioId: string | null;
  unlockMs: number;
  heldOpenMs: number;
  /** A schedule during which the door stays unlocked, or null. */
  unlockScheduleId: number | null;
  /** During the unlock schedule, stay locked until the first granted card. */
  unlockAfterFirstCard: boolean;
  /** Bumped by every update, a mode change included (optimistic concurrency). */
  version: number;
  /**
   * The controller the door is wired on (a site's controller name), or null
   * for this controller (outside a site, and rows written before migration
   * 10). Set at creation only: a door does not move between controllers.
   */
  controller: string | null;
}

/** Fields for creating a door; absent fields take the schema defaults. `accessPointId` 0 means none. */
export type NewDoor = Partial<Omit<Door, "id" | "version">>;

/**
 * Fields that an update may change; absent fields keep their value.
 * `accessPointId` 0 or null clears it. The controller cannot change.
 */
export type DoorPatch = Partial<Omit<Door, "id" | "version" | "controller">>;

const readDoor = rowReader("doors", {
  id: int,
  alias: text,
  description: text,
  access_point_id: nullableInt,
  mode: oneOf(DOOR_MODES),
  strike_gpio_id: nullableText,
  contact_gpio_id: nullableText,
  rex_gpio_id: nullableText,
  unlock_ms: int,
  held_open_ms: int,
  unlock_schedule_id: nullableInt,
  unlock_after_first_card: bool,
  version: int,
  controller: nullableText,
});

const DEFAULTS: Omit<Door, "id" | "version" | "controller"> = {
  alias: "",
  description: "",
  accessPointId: null,
  mode: "normal",
  strikeGpioId: null,
  contactGpioId: null,
  rexGpioId: null,
  unlockMs: 5000,
  heldOpenMs: 30000,
  unlockScheduleId: null,
  unlockAfterFirstCard: false,
};

function toDoor(raw: unknown): Door {
  const row = readDoor(raw);
  return {
    id: row.id,
    alias: row.alias,
    description: row.description,
    accessPointId: row.access_point_id,
    mode: row.mode,
    strikeGpioId: row.strike_gpio_id,
    contactGpioId: row.contact_gpio_id,
    rexGpioId: row.rex_gpio_id,
    unlockMs: row.unlock_ms,
    heldOpenMs: row.held_open_ms,
    unlockScheduleId: row.unlock_schedule_id,
    unlockAfterFirstCard: row.unlock_after_first_card,
    version: row.version,
    controller: row.controller,
  };
}

function toDoors(rows: unknown[]): Door[] {
  return rows.map(toDoor);
}

function values(door: Omit<Door, "id" | "version" | "controller">): (string | number | null)[] {
  return [
    door.alias,
    door.description,
    door.accessPointId === 0 ? null : door.accessPointId,
    door.mode,
    door.strikeGpioId,
    door.contactGpioId,
    door.rexGpioId,
    door.unlockMs,
    door.heldOpenMs,
    door.unlockScheduleId,
    door.unlockAfterFirstCard ? 1 : 0,
  ];
}

const COLUMNS = `alias = ?, description = ?, access_point_id = ?, mode = ?, strike_gpio_id = ?,
  contact_gpio_id = ?, rex_gpio_id = ?, unlock_ms = ?, held_open_ms = ?, unlock_schedule_id = ?,
  unlock_after_first_card = ?, version = version + 1`;

/**
 * Inserts a door and returns it.
 *
 * @throws {Error} a SQLite UNIQUE violation when the access point already
 * belongs to another door, a FOREIGN KEY violation for an unknown access
 * point, device or schedule, a CHECK violation for an unknown mode.
 */
export function createDoor(db: DatabaseSync, door: NewDoor = {}): Door {
  const row = prepared(
    db,
    `INSERT INTO doors (alias, description, access_point_id, mode, strike_gpio_id,
       contact_gpio_id, rex_gpio_id, unlock_ms, held_open_ms, unlock_schedule_id,
       unlock_after_first_card, controller)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  ).all(...values({ ...DEFAULTS, ...door }), door.controller ?? null)[0];
  return toDoor(row);
}

/** Finds a door by id. */
export function getDoor(db: DatabaseSync, id: number): Door | undefined {
  const row = prepared(db, "SELECT * FROM doors WHERE id = ?").get(id);
  return row && toDoor(row);
}

/** Finds the door whose access point is `accessPointId`. */
export function getDoorByAccessPoint(db: DatabaseSync, accessPointId: number): Door | undefined {
  const row = prepared(db, "SELECT * FROM doors WHERE access_point_id = ?").get(accessPointId);
  return row && toDoor(row);
}

/** Lists every door, by id. */
export function listDoors(db: DatabaseSync): Door[] {
  return toDoors(prepared(db, "SELECT * FROM doors ORDER BY id").all());
}

/**
 * Applies a patch. Returns the updated door, or undefined if missing.
 *
 * @throws {Error} SQLite UNIQUE / FOREIGN KEY / CHECK violations as for create.
 */
export function updateDoor(db: DatabaseSync, id: number, patch: DoorPatch): Door | undefined {
  const current = getDoor(db, id);
  if (!current) return undefined;
  const { id: _, controller: __, ...fields } = { ...current, ...patch };
  const row = prepared(db, `UPDATE doors SET ${COLUMNS} WHERE id = ? RETURNING *`)
    .all(...values(fields), id)[0];
  return toDoor(row);
}

/**
 * Sets a door's mode (a new mode bumps the version, outside a site). Returns
 * the updated door, or undefined if missing.
 *
 * The bump keeps a `door.update` read before the mode changed from putting
 * the old mode back. In a site (a `site_state` row) the mode is a local
 * column that no replicated update overwrites, and the version is the
 * site's: bumping it on this copy alone would make it differ from every
 * other controller's, so it stays.
 */
export function setDoorMode(db: DatabaseSync, id: number, mode: DoorMode): Door | undefined {
  // Setting the mode it already has is not a change: the version stays.
  const row = prepared(
    db,
    `UPDATE doors SET version = version + (mode <> ? AND NOT EXISTS (SELECT 1 FROM site_state)),
       mode = ? WHERE id = ? RETURNING *`,
  ).all(mode, mode, id)[0];
  return row && toDoor(row);
}

/** Deletes a door (zone links and schedule-mapping rows cascade). True if a row was deleted. */
export function deleteDoor(db: DatabaseSync, id: number): boolean {
  return Number(prepared(db, "DELETE FROM doors WHERE id = ?").run(id).changes) > 0;
}

/** Doors whose alias contains `partial` (case-insensitive, no wildcards), by id. */
export function searchDoors(db: DatabaseSync, partial: string): Door[] {
  return toDoors(
    prepared(db, "SELECT * FROM doors WHERE instr(lower(alias), lower(?)) > 0 ORDER BY id")
      .all(partial),
  );
}
