/**
 * Zone repository: zones, their child zones and their doors. Graph rules
 * (no cycles, physical-parent constraints) are checked by the caller.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { DOOR_ZONES_SQL } from "../policy/coverage.ts";
import { prepared, transaction } from "./db.ts";
import { int, oneOf, oneOfInt, rowReader, text } from "./rows.ts";

/** Zone types (Leosac `Zone::Type`). */
export const ZONE_TYPE = { PHYSICAL: 0, LOGICAL: 1 } as const;
/** A zone type value. */
export type ZoneType = typeof ZONE_TYPE[keyof typeof ZONE_TYPE];

/** Anti-passback policies. */
export const ANTIPASSBACK_MODES = ["off", "soft", "hard"] as const;
/** An anti-passback policy. */
export type AntipassbackMode = typeof ANTIPASSBACK_MODES[number];

/** A stored zone. */
export interface Zone {
  id: number;
  alias: string;
  description: string;
  type: ZoneType;
  antipassback: AntipassbackMode;
  /** Seconds after which a user's in/out state is forgotten; 0 = never. */
  antipassbackResetS: number;
  /** Direct children, ascending. */
  childIds: number[];
  /** Direct doors, ascending. */
  doorIds: number[];
  /** Bumped by every update, links included (optimistic concurrency). */
  version: number;
}

/** Fields for creating a zone; absent fields take the schema defaults (LOGICAL, off, no links). */
export type NewZone = Partial<Omit<Zone, "id" | "childIds" | "doorIds" | "version">> & {
  childIds?: readonly number[];
  doorIds?: readonly number[];
};

/** Fields that an update may change; absent fields keep their value, given id lists replace the old ones. */
export type ZonePatch = NewZone;

const readLinkId = rowReader("zone links", { id: int });
const readZone = rowReader("zones", {
  id: int,
  alias: text,
  description: text,
  type: oneOfInt(Object.values(ZONE_TYPE)),
  antipassback: oneOf(ANTIPASSBACK_MODES),
  antipassback_reset_s: int,
  version: int,
});

function ids(db: DatabaseSync, sql: string, id: number): number[] {
  return readLinkId.all(prepared(db, sql).all(id)).map((r) => r.id);
}

function toZone(db: DatabaseSync, raw: unknown): Zone {
  const row = readZone(raw);
  return {
    id: row.id,
    alias: row.alias,
    description: row.description,
    type: row.type,
    antipassback: row.antipassback,
    antipassbackResetS: row.antipassback_reset_s,
    childIds: ids(
      db,
      "SELECT child_id AS id FROM zone_children WHERE parent_id = ? ORDER BY 1",
      row.id,
    ),
    doorIds: ids(db, "SELECT door_id AS id FROM zone_doors WHERE zone_id = ? ORDER BY 1", row.id),
    version: row.version,
  };
}

function toZones(db: DatabaseSync, rows: unknown[]): Zone[] {
  return rows.map((row) => toZone(db, row));
}

function writeLinks(db: DatabaseSync, id: number, zone: NewZone): void {
  if (zone.childIds !== undefined) {
    prepared(db, "DELETE FROM zone_children WHERE parent_id = ?").run(id);
    const insert = prepared(
      db,
      "INSERT OR IGNORE INTO zone_children (parent_id, child_id) VALUES (?, ?)",
    );
    for (const child of zone.childIds) insert.run(id, child);
  }
  if (zone.doorIds !== undefined) {
    prepared(db, "DELETE FROM zone_doors WHERE zone_id = ?").run(id);
    const insert = prepared(
      db,
      "INSERT OR IGNORE INTO zone_doors (zone_id, door_id) VALUES (?, ?)",
    );
    for (const door of zone.doorIds) insert.run(id, door);
  }
}

/**
 * Inserts a zone with its children and doors and returns it.
 *
 * @throws {Error} a SQLite FOREIGN KEY violation for an unknown child or door,
 * a CHECK violation for an invalid type or anti-passback mode (nothing is created).
 */
export function createZone(db: DatabaseSync, zone: NewZone = {}): Zone {
  return transaction(db, () => {
    const row = prepared(
      db,
      `INSERT INTO zones (alias, description, type, antipassback, antipassback_reset_s)
       VALUES (?, ?, ?, ?, ?) RETURNING *`,
    ).all(
      zone.alias ?? "",
      zone.description ?? "",
      zone.type ?? ZONE_TYPE.LOGICAL,
      zone.antipassback ?? "off",
      zone.antipassbackResetS ?? 0,
    )[0];
    writeLinks(db, readZone(row).id, zone);
    return toZone(db, row);
  });
}

/** Finds a zone by id. */
export function getZone(db: DatabaseSync, id: number): Zone | undefined {
  const row = prepared(db, "SELECT * FROM zones WHERE id = ?").get(id);
  return row && toZone(db, row);
}

/** Lists every zone, by id. */
export function listZones(db: DatabaseSync): Zone[] {
  return toZones(db, prepared(db, "SELECT * FROM zones ORDER BY id").all());
}

/**
 * Applies a patch; a given `childIds` or `doorIds` replaces the old list.
 * Returns the updated zone, or undefined if missing.
 *
 * @throws {Error} SQLite FOREIGN KEY / CHECK violations as for create (nothing is changed).
 */
export function updateZone(db: DatabaseSync, id: number, patch: ZonePatch): Zone | undefined {
  return transaction(db, () => {
    const current = getZone(db, id);
    if (!current) return undefined;
    const row = prepared(
      db,
      `UPDATE zones SET alias = ?, description = ?, type = ?, antipassback = ?,
         antipassback_reset_s = ?, version = version + 1
       WHERE id = ? RETURNING *`,
    ).all(
      patch.alias ?? current.alias,
      patch.description ?? current.description,
      patch.type ?? current.type,
      patch.antipassback ?? current.antipassback,
      patch.antipassbackResetS ?? current.antipassbackResetS,
      id,
    )[0];
    writeLinks(db, id, patch);
    return toZone(db, row);
  });
}

/** Deletes a zone (child/parent links, door links and mapping rows cascade). True if deleted. */
export function deleteZone(db: DatabaseSync, id: number): boolean {
  return Number(prepared(db, "DELETE FROM zones WHERE id = ?").run(id).changes) > 0;
}

/** The zones that list `id` as a direct child, by id. */
export function listParentZones(db: DatabaseSync, id: number): Zone[] {
  return toZones(
    db,
    prepared(
      db,
      `SELECT z.* FROM zones z JOIN zone_children c ON c.parent_id = z.id
       WHERE c.child_id = ? ORDER BY z.id`,
    ).all(id),
  );
}

/**
 * Every zone that contains the door, directly or through any chain of
 * ancestors (a zone containing a zone that contains the door), by id.
 * Terminates even if the stored graph has a cycle.
 */
export function zonesContainingDoor(db: DatabaseSync, doorId: number): Zone[] {
  return toZones(
    db,
    prepared(
      db,
      `SELECT z.* FROM zones z WHERE z.id IN (${DOOR_ZONES_SQL}) ORDER BY z.id`,
    ).all(doorId),
  );
}

/** Zones whose alias contains `partial` (case-insensitive, no wildcards), by id. */
export function searchZones(db: DatabaseSync, partial: string): Zone[] {
  return toZones(
    db,
    prepared(db, "SELECT * FROM zones WHERE instr(lower(alias), lower(?)) > 0 ORDER BY id")
      .all(partial),
  );
}
