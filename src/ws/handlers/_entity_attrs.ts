/**
 * Attribute parsing and audit helpers shared by the schedule, door, access
 * point and zone endpoints. Model errors (status 11) name the JSON:API
 * pointer `data/attributes/<key>`; structural errors (a missing key, a value
 * of the wrong JSON type inside an id list) are status 1, as in Leosac.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { BadRequestError, NotFoundError, ValidationError } from "../../errors.ts";
import { appendAudit, type AuditEntry } from "../../store/audit.ts";
import type { RequestContext } from "../context.ts";
import { prepared } from "../../store/db.ts";

/** The pointer prefix of attribute errors. */
export const ATTR_POINTER = "data/attributes/";

/** An entity a request may reference by integer id, and its table. */
const TABLES = {
  "user": "users",
  "group": "groups",
  "credential": "credentials",
  "door": "doors",
  "zone": "zones",
  "schedule": "schedules",
  "access-point": "access_points",
} as const;

/** The wire entity types that {@linkcode entityExists} knows. */
export type EntityKind = keyof typeof TABLES;

/** True when the entity `kind` with integer id `entityId` exists. */
export function entityExists(db: DatabaseSync, kind: EntityKind, entityId: number): boolean {
  return prepared(db, `SELECT 1 FROM ${TABLES[kind]} WHERE id = ?`).get(entityId) !== undefined;
}

/**
 * The `attributes` object of a request; missing or `null` gives `{}`.
 *
 * @throws {BadRequestError} when it is not an object.
 */
export function attributesOf(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new BadRequestError("`attributes` must be an object.");
  }
  return value as Record<string, unknown>;
}

/**
 * A required key of an object, like Leosac's `json.at(key)`.
 *
 * @throws {BadRequestError} "key 'x' not found" when absent.
 */
export function requiredKey(source: Record<string, unknown>, key: string): unknown {
  if (!Object.hasOwn(source, key)) throw new BadRequestError(`key '${key}' not found`);
  return source[key];
}

/**
 * A string attribute of at most `max` characters; absent or `null` gives undefined.
 *
 * @throws {ValidationError} naming the attribute.
 */
export function textAttr(
  attrs: Record<string, unknown>,
  key: string,
  max = 256,
): string | undefined {
  const value = attrs[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new ValidationError("Must be a string.", ATTR_POINTER + key);
  if (value.length > max) {
    throw new ValidationError(`At most ${max} characters.`, ATTR_POINTER + key);
  }
  return value;
}

/**
 * A boolean attribute; absent or `null` gives undefined.
 *
 * @throws {ValidationError} naming the attribute.
 */
export function boolAttr(attrs: Record<string, unknown>, key: string): boolean | undefined {
  const value = attrs[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") {
    throw new ValidationError("Must be a boolean.", ATTR_POINTER + key);
  }
  return value;
}

/**
 * An integer attribute in [min, max]; absent or `null` gives undefined.
 *
 * @throws {ValidationError} naming the attribute.
 */
export function intAttr(
  attrs: Record<string, unknown>,
  key: string,
  range: { min: number; max: number },
): number | undefined {
  const value = attrs[key];
  if (value === undefined || value === null) return undefined;
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < range.min ||
    value > range.max
  ) {
    throw new ValidationError(
      `Must be an integer from ${range.min} to ${range.max}.`,
      ATTR_POINTER + key,
    );
  }
  return value;
}

/**
 * One of `values`; absent or `null` gives undefined.
 *
 * @throws {ValidationError} naming the attribute.
 */
export function enumAttr<const T extends readonly string[]>(
  attrs: Record<string, unknown>,
  key: string,
  values: T,
): T[number] | undefined {
  const value = attrs[key];
  if (value === undefined || value === null) return undefined;
  if (!values.includes(value as T[number])) {
    throw new ValidationError(`Must be one of: ${values.join(", ")}.`, ATTR_POINTER + key);
  }
  return value as T[number];
}

/** Most ids in one list attribute (mapping members, zone doors and children). */
export const MAX_ID_LIST_LENGTH = 10_000;

/**
 * A list of entity ids (`null` is an empty list; numeric strings are
 * accepted), duplicates removed, every id checked to exist.
 *
 * @throws {BadRequestError} when it is not an array of non-negative integers.
 * @throws {NotFoundError} for the first unknown id, typed `kind`.
 */
export function idList(
  db: DatabaseSync,
  value: unknown,
  options: { key: string; kind: EntityKind },
): number[] {
  if (value === null) return [];
  if (!Array.isArray(value)) {
    throw new BadRequestError(`Invalid value for \`${options.key}\`: expected an array`);
  }
  if (value.length > MAX_ID_LIST_LENGTH) {
    throw new BadRequestError(
      `Invalid value for \`${options.key}\`: more than ${MAX_ID_LIST_LENGTH} ids`,
    );
  }
  const ids = value.map((item) => {
    const n = typeof item === "string" && /^\d{1,15}$/.test(item) ? Number(item) : item;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
      throw new BadRequestError(
        `Invalid value for \`${options.key}\`: expected an array of entity ids`,
      );
    }
    return n;
  });
  const unique = [...new Set(ids)];
  for (const entityId of unique) {
    if (!entityExists(db, options.kind, entityId)) {
      throw new NotFoundError(options.kind, entityId);
    }
  }
  return unique;
}

/** Appends an audit row authored by the caller at the request time. */
export function auditChange(
  ctx: RequestContext,
  authorId: number,
  entry: Omit<AuditEntry, "authorId" | "timestamp">,
): void {
  appendAudit(ctx.deps.store.db, { ...entry, authorId, timestamp: ctx.now });
}
