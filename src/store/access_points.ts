/**
 * Access point repository. An access point is a reader plus its policy
 * (reader mode, direction); a door links to at most one access point through
 * `doors.access_point_id`, reported here as `doorId`.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { prepared } from "./db.ts";
import { bool, int, nullableInt, nullableText, oneOf, rowReader, text } from "./rows.ts";

/** The controller module of the built-in access point (what the Leosac web UI sends). */
export const BUILTIN_CONTROLLER_MODULE = "LEOSAC-BUILTIN-ACCESS-POINT";

/** How credentials are presented at the reader. */
export const READER_MODES = ["card", "pin", "card_and_pin", "card_or_pin"] as const;
/** A reader mode. */
export type ReaderMode = typeof READER_MODES[number];

/** Which way a pass through this access point goes (anti-passback). */
export const DIRECTIONS = ["none", "entry", "exit"] as const;
/** A direction. */
export type Direction = typeof DIRECTIONS[number];

/** A stored access point. */
export interface AccessPoint {
  id: number;
  alias: string;
  description: string;
  controllerModule: string;
  /** The reader device id (UUID string), or null. */
  readerId: string | null;
  readerMode: ReaderMode;
  direction: Direction;
  /** How long to wait for the PIN after a card (card_and_pin). */
  pinTimeoutMs: number;
  /**
   * card_and_pin: grant only a card bound to a PIN, with that PIN (Leosac's
   * card+PIN readers); an ordinary card with its owner's PIN is refused.
   */
  pairsOnly: boolean;
  /** The door linked to this access point, or null (read-only here: set it on the door). */
  doorId: number | null;
  /** Bumped by every update (optimistic concurrency). */
  version: number;
  /**
   * The controller its reader is wired on (a site's controller name), or
   * null for this controller. Set at creation only.
   */
  controller: string | null;
}

/** Fields for creating an access point; absent fields take the schema defaults. */
export type NewAccessPoint = Partial<Omit<AccessPoint, "id" | "doorId" | "version">>;

/** Fields that an update may change; absent fields keep their value. The controller cannot change. */
export type AccessPointPatch = Partial<
  Omit<AccessPoint, "id" | "doorId" | "version" | "controller">
>;

const readAccessPoint = rowReader("access_points", {
  id: int,
  alias: text,
  description: text,
  controller_module: text,
  reader_id: nullableText,
  reader_mode: oneOf(READER_MODES),
  direction: oneOf(DIRECTIONS),
  pin_timeout_ms: int,
  pairs_only: bool,
  door_id: nullableInt,
  version: int,
  controller: nullableText,
});
const readId = rowReader("access_points", { id: int });

const SELECT = `SELECT a.*, d.id AS door_id FROM access_points a
  LEFT JOIN doors d ON d.access_point_id = a.id`;

function toAccessPoint(raw: unknown): AccessPoint {
  const row = readAccessPoint(raw);
  return {
    id: row.id,
    alias: row.alias,
    description: row.description,
    controllerModule: row.controller_module,
    readerId: row.reader_id,
    readerMode: row.reader_mode,
    direction: row.direction,
    pinTimeoutMs: row.pin_timeout_ms,
    pairsOnly: row.pairs_only,
    doorId: row.door_id,
    version: row.version,
    controller: row.controller,
  };
}

function toAccessPoints(rows: unknown[]): AccessPoint[] {
  return rows.map(toAccessPoint);
}

/**
 * Inserts an access point and returns it.
 *
 * @throws {Error} a SQLite FOREIGN KEY violation for an unknown reader, a
 * CHECK violation for an unknown reader mode or direction.
 */
export function createAccessPoint(db: DatabaseSync, accessPoint: NewAccessPoint = {}): AccessPoint {
  const { id } = readId(
    prepared(
      db,
      `INSERT INTO access_points (alias, description, controller_module, reader_id, reader_mode,
       direction, pin_timeout_ms, pairs_only, controller)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    ).all(
      accessPoint.alias ?? "",
      accessPoint.description ?? "",
      accessPoint.controllerModule ?? BUILTIN_CONTROLLER_MODULE,
      accessPoint.readerId ?? null,
      accessPoint.readerMode ?? "card",
      accessPoint.direction ?? "none",
      accessPoint.pinTimeoutMs ?? 10000,
      accessPoint.pairsOnly ? 1 : 0,
      accessPoint.controller ?? null,
    )[0],
  );
  return getAccessPoint(db, id)!;
}

/** Finds an access point by id. */
export function getAccessPoint(db: DatabaseSync, id: number): AccessPoint | undefined {
  const row = prepared(db, `${SELECT} WHERE a.id = ?`).get(id);
  return row && toAccessPoint(row);
}

/** Lists every access point, by id. */
export function listAccessPoints(db: DatabaseSync): AccessPoint[] {
  return toAccessPoints(prepared(db, `${SELECT} ORDER BY a.id`).all());
}

/** The access points read by the reader device `readerId`, by id. */
export function listAccessPointsByReader(db: DatabaseSync, readerId: string): AccessPoint[] {
  return toAccessPoints(
    prepared(db, `${SELECT} WHERE a.reader_id = ? ORDER BY a.id`).all(readerId),
  );
}

/**
 * Applies a patch. Returns the updated access point, or undefined if missing.
 *
 * @throws {Error} SQLite FOREIGN KEY / CHECK violations as for create.
 */
export function updateAccessPoint(
  db: DatabaseSync,
  id: number,
  patch: AccessPointPatch,
): AccessPoint | undefined {
  const current = getAccessPoint(db, id);
  if (!current) return undefined;
  const next = { ...current, ...patch };
  prepared(
    db,
    `UPDATE access_points SET alias = ?, description = ?, controller_module = ?, reader_id = ?,
       reader_mode = ?, direction = ?, pin_timeout_ms = ?, pairs_only = ?,
       version = version + 1
     WHERE id = ?`,
  ).run(
    next.alias,
    next.description,
    next.controllerModule,
    next.readerId,
    next.readerMode,
    next.direction,
    next.pinTimeoutMs,
    next.pairsOnly ? 1 : 0,
    id,
  );
  return getAccessPoint(db, id);
}

/** Deletes an access point (its door's `accessPointId` becomes null). True if a row was deleted. */
export function deleteAccessPoint(db: DatabaseSync, id: number): boolean {
  return Number(prepared(db, "DELETE FROM access_points WHERE id = ?").run(id).changes) > 0;
}

/** Access points whose alias contains `partial` (case-insensitive, no wildcards), by id. */
export function searchAccessPoints(db: DatabaseSync, partial: string): AccessPoint[] {
  return toAccessPoints(
    prepared(db, `${SELECT} WHERE instr(lower(a.alias), lower(?)) > 0 ORDER BY a.id`).all(partial),
  );
}
