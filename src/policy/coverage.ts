/**
 * Mapping coverage: the one statement of which doors and which users a
 * schedule mapping reaches. The access decision's fact layer
 * (`src/controller/facts.ts`), the permission relations
 * (`src/ws/permissions.ts`), the access overview
 * (`src/ws/handlers/access/overview.ts`) and the store's zone lookup use it.
 *
 * - **Doors**: a mapping covers a door when it names the door, names a zone
 *   containing it (directly or through any chain of parent zones), or names
 *   neither doors nor zones ("every door"): {@linkcode coversDoor}.
 * - **Users**: a mapping reaches the users it names, the members of the groups
 *   it names and the owners of the credentials it names:
 *   {@linkcode MAPPING_USERS_SQL}. (The access decision itself is narrower on
 *   credentials: only a mapping naming the credential presented grants it.)
 *
 * The SQL fragments here are the rule's data side, kept next to the rule so
 * that the decision stays a few small indexed statements.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { int, type RowOf, type RowReader, rowReader } from "../store/rows.ts";

/** What a mapping names, as far as one door is concerned. */
export interface MappingScope {
  /** It names this door. */
  namesDoor: boolean;
  /** It names at least one door. */
  namesDoors: boolean;
  /** It names at least one zone. */
  namesZones: boolean;
}

/**
 * The door rule. `namedZoneContainsDoor` is only called when the answer
 * depends on it (the mapping names zones but not this door), so a caller can
 * read zones lazily.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coversDoor } from "./coverage.ts";
 * const never = () => false;
 * assert.equal(coversDoor({ namesDoor: false, namesDoors: false, namesZones: false }, never), true);
 * assert.equal(coversDoor({ namesDoor: false, namesDoors: true, namesZones: false }, never), false);
 * assert.equal(coversDoor({ namesDoor: false, namesDoors: true, namesZones: true }, () => true), true);
 * ```
 */
export function coversDoor(scope: MappingScope, namedZoneContainsDoor: () => boolean): boolean {
  if (scope.namesDoor) return true;
  if (!scope.namesDoors && !scope.namesZones) return true;
  return scope.namesZones && namedZoneContainsDoor();
}

/**
 * {@linkcode coversDoor} for a mapping read whole (its door and zone ids),
 * given the zones containing the door (see {@linkcode DOOR_ZONES_SQL}).
 */
export function mappingCoversDoor(
  mapping: { readonly doorIds: readonly number[]; readonly zoneIds: readonly number[] },
  doorId: number,
  doorZones: ReadonlySet<number>,
): boolean {
  return coversDoor(
    {
      namesDoor: mapping.doorIds.includes(doorId),
      namesDoors: mapping.doorIds.length > 0,
      namesZones: mapping.zoneIds.length > 0,
    },
    () => mapping.zoneIds.some((z) => doorZones.has(z)),
  );
}

/**
 * Columns giving a mapping's {@linkcode MappingScope} for one door, as
 * {@linkcode MappingScopeRow}: the mapping's alias must be `m`, and the
 * fragment binds one parameter, the door id.
 */
export const MAPPING_SCOPE_COLUMNS =
  `EXISTS (SELECT 1 FROM mapping_doors WHERE mapping_id = m.id AND door_id = ?) AS names_door,
  EXISTS (SELECT 1 FROM mapping_doors WHERE mapping_id = m.id) AS names_doors,
  EXISTS (SELECT 1 FROM mapping_zones WHERE mapping_id = m.id) AS names_zones`;

/** The columns of a {@linkcode MappingScopeRow}: the mapping's id and its 0/1 flags. */
export const MAPPING_SCOPE_ROW = {
  id: int,
  names_door: int,
  names_doors: int,
  names_zones: int,
} as const;

/** A row of {@linkcode MAPPING_SCOPE_COLUMNS}, with the mapping's id (1: it names the door, a door, a zone). */
export type MappingScopeRow = RowOf<typeof MAPPING_SCOPE_ROW>;

/** Reads rows of {@linkcode MAPPING_SCOPE_COLUMNS}. */
export const readMappingScope: RowReader<MappingScopeRow> = rowReader(
  "schedule_mappings",
  MAPPING_SCOPE_ROW,
);

/** The zones containing a door, directly or through parent zones: binds the door id, yields `id`. */
export const DOOR_ZONES_SQL = `WITH RECURSIVE door_zones(id) AS (
    SELECT zone_id FROM zone_doors WHERE door_id = ?
    UNION
    SELECT c.parent_id FROM zone_children c JOIN door_zones z ON c.child_id = z.id
  ) SELECT id FROM door_zones`;

/** The zones a mapping names: binds the mapping id, yields `zone_id`. */
export const MAPPING_ZONES_SQL = "SELECT zone_id FROM mapping_zones WHERE mapping_id = ?";

/**
 * The users each mapping reaches, as `(mapping_id, user_id)` rows (a user may
 * appear more than once): named users, members of named groups, owners of
 * named credentials. Use it as a subquery, e.g.
 * `SELECT mapping_id FROM (${MAPPING_USERS_SQL}) WHERE user_id = ?`.
 */
export const MAPPING_USERS_SQL = `SELECT mapping_id, user_id FROM mapping_users
  UNION ALL
  SELECT mg.mapping_id, ms.user_id FROM mapping_groups mg
    JOIN memberships ms ON ms.group_id = mg.group_id
  UNION ALL
  SELECT mc.mapping_id, c.owner_id AS user_id FROM mapping_credentials mc
    JOIN credentials c ON c.id = mc.credential_id WHERE c.owner_id IS NOT NULL`;

/** The two zone statements {@linkcode doorCoverage} reads. */
export interface ZoneStatements {
  /** {@linkcode DOOR_ZONES_SQL}, prepared. */
  doorZones: StatementSync;
  /** {@linkcode MAPPING_ZONES_SQL}, prepared. */
  mappingZones: StatementSync;
}

/**
 * {@linkcode coversDoor} for one door over the database: the door's zones are
 * read once, on the first mapping that needs them; a mapping's zones only
 * when it names zones but not the door.
 */
export function doorCoverage(
  statements: ZoneStatements,
  doorId: number,
): (row: MappingScopeRow) => boolean {
  let doorZones: Set<number> | null = null;
  return (row) =>
    coversDoor(
      {
        namesDoor: row.names_door === 1,
        namesDoors: row.names_doors === 1,
        namesZones: row.names_zones === 1,
      },
      () => {
        doorZones ??= new Set(
          (statements.doorZones.all(doorId) as { id: number }[]).map((z) => z.id),
        );
        const named = statements.mappingZones.all(row.id) as { zone_id: number }[];
        return named.some((z) => doorZones!.has(z.zone_id));
      },
    );
}

/** Every mapping's users ({@linkcode MAPPING_USERS_SQL}): mapping id → user ids. */
export function usersByMapping(db: DatabaseSync): Map<number, Set<number>> {
  const byMapping = new Map<number, Set<number>>();
  const rows = db.prepare(`SELECT mapping_id, user_id FROM (${MAPPING_USERS_SQL})`).all() as {
    mapping_id: number;
    user_id: number;
  }[];
  for (const { mapping_id, user_id } of rows) {
    const users = byMapping.get(mapping_id) ?? new Set<number>();
    users.add(user_id);
    byMapping.set(mapping_id, users);
  }
  return byMapping;
}
