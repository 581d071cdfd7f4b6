/**
 * The permission table: (action, rank or relationship) → allowed. Every
 * endpoint checks one of these actions; docs/ws_protocol.md prints the table.
 *
 * Ranks (Leosac's numbers, with meanings Leosac only hinted at):
 * - 0 user: sees and edits their own account, reads what is mapped to them.
 * - 1 viewer: reads everything except secrets and the audit snapshots; changes nothing.
 * - 2 manager: daily administration (people, cards, schedules, doors, zones,
 *   holidays, remote door control). Cannot grant manager or above, nor touch
 *   the account of a manager or above other than their own.
 * - 3 supervisor: manager, plus audit before/after snapshots, server logs and
 *   reading the hardware configuration.
 * - 4 administrator: everything, including ranks, hardware and restart.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { PermissionDeniedError } from "../errors.ts";
import { USER_RANK, type UserRank } from "../store/users.ts";
import { prepared } from "../store/db.ts";
import {
  DOOR_ZONES_SQL,
  doorCoverage,
  MAPPING_SCOPE_COLUMNS,
  MAPPING_USERS_SQL,
  MAPPING_ZONES_SQL,
  readMappingScope,
} from "../policy/coverage.ts";

/** The logged-in caller. */
export interface Actor {
  /** The user's id. */
  userId: number;
  /** The user's rank. */
  rank: UserRank;
}

/** What an action is about (the ids it concerns). */
export interface Target {
  /** The user concerned. */
  userId?: number;
  /** Rank of the target user (for rules that protect higher ranks). */
  userRank?: UserRank;
  /** The group concerned. */
  groupId?: number;
  /** Membership rank being granted or removed. */
  membershipRank?: number;
  /** The credential concerned. */
  credentialId?: number;
  /** The schedule concerned. */
  scheduleId?: number;
  /** The door concerned. */
  doorId?: number;
}

/** Relationship lookups a rule may need; backed by SQL. */
export interface Relations {
  groupRank(userId: number, groupId: number): number | undefined;
  ownsCredential(userId: number, credentialId: number): boolean;
  scheduleMappedTo(userId: number, scheduleId: number): boolean;
  doorMappedTo(userId: number, doorId: number): boolean;
  sharesGroup(userId: number, otherUserId: number): boolean;
}

type Rule = (actor: Actor, target: Target, rel: Relations) => boolean;

const atLeast = (rank: UserRank): Rule => (actor) => actor.rank >= rank;
const VIEWER = atLeast(USER_RANK.VIEWER);
const MANAGER = atLeast(USER_RANK.MANAGER);
const SUPERVISOR = atLeast(USER_RANK.SUPERVISOR);
const ADMIN = atLeast(USER_RANK.ADMIN);
const ANY: Rule = () => true;
const self = (a: Actor, t: Target): boolean => t.userId !== undefined && t.userId === a.userId;
/** Managers may act on accounts below manager rank; admins on every account. */
const managesUser = (a: Actor, t: Target): boolean =>
  a.rank >= USER_RANK.ADMIN ||
  (a.rank >= USER_RANK.MANAGER && (t.userRank ?? USER_RANK.USER) < USER_RANK.MANAGER);
const groupRankAtLeast = (a: Actor, t: Target, rel: Relations, min: number): boolean =>
  t.groupId !== undefined && (rel.groupRank(a.userId, t.groupId) ?? -1) >= min;

/** Group membership ranks (Leosac `GroupRank`). */
export const GROUP_RANK = { MEMBER: 0, OPERATOR: 1, ADMIN: 2 } as const;

/** Every action and who may perform it. */
export const PERMISSIONS = {
  USER_CREATE: MANAGER,
  USER_LIST_ALL: VIEWER,
  USER_READ: (a, t, rel) =>
    a.rank >= USER_RANK.VIEWER || self(a, t) ||
    (t.userId !== undefined && rel.sharesGroup(a.userId, t.userId)),
  USER_READ_EMAIL: (a, t) => a.rank >= USER_RANK.VIEWER || self(a, t),
  /** Which doors a person opens and why (`user.access`): themselves, or viewer and up. */
  USER_ACCESS: (a, t) => a.rank >= USER_RANK.VIEWER || self(a, t),
  USER_UPDATE: (a, t) => self(a, t) || managesUser(a, t),
  USER_UPDATE_RANK: (a, t) => managesUser(a, t) && !self(a, t) || a.rank >= USER_RANK.ADMIN,
  /** Granting manager or above. */
  USER_GRANT_HIGH_RANK: ADMIN,
  USER_MANAGE_VALIDITY: (a, t) => managesUser(a, t) && (!self(a, t) || a.rank >= USER_RANK.ADMIN),
  USER_CHANGE_PASSWORD: (a, t) => self(a, t) || managesUser(a, t),
  USER_DELETE: (a, t) => managesUser(a, t) && !self(a, t),
  USER_SEARCH: VIEWER,
  GROUP_CREATE: ANY,
  GROUP_LIST_ALL: VIEWER,
  GROUP_READ: (a, t, rel) => a.rank >= USER_RANK.VIEWER || groupRankAtLeast(a, t, rel, 0),
  GROUP_UPDATE: (a, t, rel) => a.rank >= USER_RANK.MANAGER || groupRankAtLeast(a, t, rel, 2),
  GROUP_DELETE: (a, t, rel) => a.rank >= USER_RANK.MANAGER || groupRankAtLeast(a, t, rel, 2),
  GROUP_LIST_MEMBERSHIP: (a, t, rel) =>
    a.rank >= USER_RANK.VIEWER || groupRankAtLeast(a, t, rel, 1),
  GROUP_SEARCH: ANY,
  MEMBERSHIP_READ: (a, t, rel) =>
    a.rank >= USER_RANK.VIEWER || self(a, t) || groupRankAtLeast(a, t, rel, 1),
  MEMBERSHIP_CREATE: (a, t, rel) =>
    a.rank >= USER_RANK.MANAGER ||
    (groupRankAtLeast(a, t, rel, 1) &&
      (t.membershipRank ?? 0) <= (rel.groupRank(a.userId, t.groupId!) ?? -1)),
  MEMBERSHIP_UPDATE: (a, t, rel) =>
    a.rank >= USER_RANK.MANAGER ||
    (groupRankAtLeast(a, t, rel, 2) && !self(a, t)),
  MEMBERSHIP_DELETE: (a, t, rel) =>
    a.rank >= USER_RANK.MANAGER || self(a, t) ||
    (groupRankAtLeast(a, t, rel, 1) &&
      (t.membershipRank ?? 0) <= (rel.groupRank(a.userId, t.groupId!) ?? -1)),
  CREDENTIAL_LIST_ALL: VIEWER,
  CREDENTIAL_READ: (a, t, rel) =>
    a.rank >= USER_RANK.VIEWER ||
    (t.credentialId !== undefined && rel.ownsCredential(a.userId, t.credentialId)),
  CREDENTIAL_WRITE: MANAGER,
  SCHEDULE_LIST_ALL: VIEWER,
  SCHEDULE_READ: (a, t, rel) =>
    a.rank >= USER_RANK.VIEWER ||
    (t.scheduleId !== undefined && rel.scheduleMappedTo(a.userId, t.scheduleId)),
  SCHEDULE_WRITE: MANAGER,
  DOOR_LIST_ALL: VIEWER,
  DOOR_READ: (a, t, rel) =>
    a.rank >= USER_RANK.VIEWER ||
    (t.doorId !== undefined && rel.doorMappedTo(a.userId, t.doorId)),
  DOOR_WRITE: MANAGER,
  DOOR_STATUS: VIEWER,
  DOOR_OPEN: MANAGER,
  DOOR_SET_MODE: MANAGER,
  ACCESS_POINT_READ: VIEWER,
  ACCESS_POINT_WRITE: MANAGER,
  ZONE_READ: VIEWER,
  ZONE_WRITE: MANAGER,
  HOLIDAY_READ: VIEWER,
  HOLIDAY_WRITE: MANAGER,
  ANTIPASSBACK_FORGIVE: MANAGER,
  AUDIT_READ: VIEWER,
  AUDIT_READ_FULL: SUPERVISOR,
  LOG_READ: SUPERVISOR,
  ACCESS_OVERVIEW: VIEWER,
  EVENTS_SUBSCRIBE: VIEWER,
  UPDATE_MANAGE: MANAGER,
  HARDWARE_READ: SUPERVISOR,
  HARDWARE_WRITE: ADMIN,
  HARDWARE_SIMULATE: MANAGER,
  RESTART: ADMIN,
  /** `people.import`: people, cards and groups from a CSV file. */
  PEOPLE_IMPORT: ADMIN,
  SYSTEM_OVERVIEW: ANY,
} as const satisfies Record<string, Rule>;

/** An action name. */
export type Action = keyof typeof PERMISSIONS;

/** True when `actor` may perform `action` on `target`. */
export function isAllowed(
  actor: Actor,
  action: Action,
  target: Target,
  rel: Relations,
): boolean {
  return PERMISSIONS[action](actor, target, rel);
}

/** Throws PERMISSION_DENIED unless allowed. */
export function requirePermission(
  actor: Actor | null,
  action: Action,
  target: Target,
  rel: Relations,
): Actor {
  if (actor === null || !isAllowed(actor, action, target, rel)) {
    throw new PermissionDeniedError();
  }
  return actor;
}

/** Relationship lookups over the database. */
export function sqlRelations(db: DatabaseSync): Relations {
  return {
    groupRank(userId, groupId) {
      const row = prepared(db, "SELECT rank FROM memberships WHERE user_id = ? AND group_id = ?")
        .get(userId, groupId) as { rank: number } | undefined;
      return row?.rank;
    },
    ownsCredential(userId, credentialId) {
      return prepared(db, "SELECT 1 FROM credentials WHERE id = ? AND owner_id = ?")
        .get(credentialId, userId) !== undefined;
    },
    scheduleMappedTo(userId, scheduleId) {
      return prepared(
        db,
        `SELECT 1 FROM schedule_mappings m WHERE m.schedule_id = ?
           AND m.id IN (SELECT mapping_id FROM (${MAPPING_USERS_SQL}) WHERE user_id = ?)`,
      ).get(scheduleId, userId) !== undefined;
    },
    doorMappedTo(userId, doorId) {
      // The access engine's door rule and the overview's user rule: src/policy/coverage.ts.
      const covers = doorCoverage({
        doorZones: prepared(db, DOOR_ZONES_SQL),
        mappingZones: prepared(db, MAPPING_ZONES_SQL),
      }, doorId);
      const mappings = readMappingScope.all(
        prepared(
          db,
          `SELECT m.id, ${MAPPING_SCOPE_COLUMNS} FROM schedule_mappings m
         WHERE m.id IN (SELECT mapping_id FROM (${MAPPING_USERS_SQL}) WHERE user_id = ?)`,
        ).all(doorId, userId),
      );
      return mappings.some(covers);
    },
    sharesGroup(userId, otherUserId) {
      return prepared(
        db,
        `SELECT 1 FROM memberships a JOIN memberships b ON a.group_id = b.group_id
         WHERE a.user_id = ? AND b.user_id = ?`,
      ).get(userId, otherUserId) !== undefined;
    },
  };
}
