/**
 * The one home of JSON:API `attributes` reading, for every endpoint family:
 * the pointer prefix `data/attributes/`, the `attributes` object itself, and
 * the per-key readers (text, boolean, integer, enum, id list, validity), and
 * the `version` a client read with the stale-version check that every
 * family's update and delete uses.
 *
 * Model errors (status 11) are {@linkcode ValidationError}s naming the
 * pointer `data/attributes/<key>`, which the Leosac web client shows next to
 * the form field; structural errors (a missing key, a value of the wrong JSON
 * type inside an id list) are status 1, as in Leosac.
 *
 * Size: over 300 lines because it is the one home of attribute reading for
 * every family (the issue asks for one place, so that the API, the UI and
 * the imports check alike); the readers are short and independent.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { ATTR_POINTER, BadRequestError, NotFoundError, ValidationError } from "../../errors.ts";
import { prepared } from "../../store/db.ts";
import { int, rowReader } from "../../store/rows.ts";
import type { Validity } from "../../policy/validity.ts";
import { parseDate } from "../serialize.ts";
import type { Decoder } from "../validate.ts";

/** The pointer prefix of attribute errors (one home: `errors.ts`). */
export { ATTR_POINTER };

/** An attributes object (`{}` when the request sent none or `null`). */
export type Attributes = Record<string, unknown>;

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
export function attributesOf(value: unknown): Attributes {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new BadRequestError("`attributes` must be an object.");
  }
  return value as Attributes;
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

/** How {@linkcode textAttr} names the key and words a too-long value. */
export interface TextOptions {
  /** The pointer's key when it differs from the attribute's (`cardId` for `card-id`). */
  readonly pointerKey?: string;
  /**
   * The wording of the too-long message, kept per family as clients saw it:
   * "At most N characters." (default) or "Must be at most N characters.".
   */
  readonly wording?: "At most" | "Must be at most";
}

/**
 * A string attribute of at most `max` characters; absent or `null` gives undefined.
 *
 * @throws {ValidationError} naming the attribute.
 */
export function textAttr(
  attrs: Attributes,
  key: string,
  max = 256,
  options: TextOptions = {},
): string | undefined {
  const value = attrs[key];
  if (value === undefined || value === null) return undefined;
  const pointer = ATTR_POINTER + (options.pointerKey ?? key);
  if (typeof value !== "string") throw new ValidationError("Must be a string.", pointer);
  if (value.length > max) {
    throw new ValidationError(`${options.wording ?? "At most"} ${max} characters.`, pointer);
  }
  return value;
}

/**
 * A boolean attribute; absent or `null` gives undefined.
 *
 * @throws {ValidationError} naming the attribute.
 */
export function boolAttr(attrs: Attributes, key: string): boolean | undefined {
  const value = attrs[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") {
    throw new ValidationError("Must be a boolean.", ATTR_POINTER + key);
  }
  return value;
}

/** The range of {@linkcode intAttr}, and how it reads and reports. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
  /** The error message; "Must be an integer from min to max." by default. */
  readonly message?: string;
  /** The pointer's key when it differs from the attribute's. */
  readonly pointerKey?: string;
  /** Accept numeric strings ("3"), as Leosac module clients send them. */
  readonly numericStrings?: boolean;
}

/**
 * An integer attribute in [min, max]; absent or `null` gives undefined.
 *
 * @throws {ValidationError} naming the attribute.
 */
export function intAttr(attrs: Attributes, key: string, range: IntRange): number | undefined {
  const value = attrs[key];
  if (value === undefined || value === null) return undefined;
  const n = range.numericStrings === true && typeof value === "string" &&
      /^-?\d{1,15}$/.test(value)
    ? Number(value)
    : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < range.min || n > range.max) {
    throw new ValidationError(
      range.message ?? `Must be an integer from ${range.min} to ${range.max}.`,
      ATTR_POINTER + (range.pointerKey ?? key),
    );
  }
  return n;
}

/**
 * One of `values`; absent or `null` gives undefined.
 *
 * @throws {ValidationError} naming the attribute.
 */
export function enumAttr<const T extends readonly string[]>(
  attrs: Attributes,
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

/** The validity attributes sent; a key is set only when sent (a `null` date is unbounded). */
export interface ValidityPatch {
  /** `validity-enabled`. */
  readonly enabled?: boolean;
  /** `validity-start` (Unix ms), null for unbounded. */
  readonly start?: number | null;
  /** `validity-end` (Unix ms), null for unbounded. */
  readonly end?: number | null;
}

/**
 * Reads `validity-enabled`, `validity-start` and `validity-end`; undefined
 * when none is present (a `null` enabled flag counts as absent, an explicit
 * `null` date means unbounded). Apply it with {@linkcode applyValidity}.
 *
 * @throws {ValidationError} for a non-boolean flag or a bad date.
 */
export function validityAttr(attrs: Attributes): ValidityPatch | undefined {
  const e = attrs["validity-enabled"], s = attrs["validity-start"], n = attrs["validity-end"];
  if ((e ?? null) === null && s === undefined && n === undefined) return undefined;
  if (e !== undefined && e !== null && typeof e !== "boolean") {
    throw new ValidationError("Must be a boolean.", ATTR_POINTER + "validity-enabled");
  }
  return {
    ...(typeof e === "boolean" ? { enabled: e } : {}),
    ...(s === undefined ? {} : { start: parseDate(s, ATTR_POINTER + "validity-start", "min") }),
    ...(n === undefined ? {} : { end: parseDate(n, ATTR_POINTER + "validity-end", "max") }),
  };
}

/**
 * `current` with the sent validity keys over it.
 *
 * @throws {ValidationError} when the result ends before it starts.
 */
export function applyValidity(current: Validity, patch: ValidityPatch): Validity {
  const validity: Validity = {
    enabled: patch.enabled ?? current.enabled,
    start: patch.start !== undefined ? patch.start : current.start,
    end: patch.end !== undefined ? patch.end : current.end,
  };
  if (validity.start !== null && validity.end !== null && validity.end < validity.start) {
    throw new ValidationError(
      "The validity end is before its start.",
      ATTR_POINTER + "validity-end",
    );
  }
  return validity;
}

// ---------------------------------------------------------------------------
// Optimistic concurrency: the `version` a client read, checked on write.

/** The entities whose updates and deletes check `version`: table and the sentence's subject. */
const VERSIONED = {
  "user": { table: "users", subject: "This person" },
  "rfid-card": { table: "credentials", subject: "This card" },
  "pin-code": { table: "credentials", subject: "This PIN code" },
  "schedule": { table: "schedules", subject: "This schedule" },
  "group": { table: "groups", subject: "This group" },
  "user-group-membership": { table: "memberships", subject: "This membership" },
  "door": { table: "doors", subject: "This door" },
  "access-point": { table: "access_points", subject: "This access point" },
  "zone": { table: "zones", subject: "This zone" },
  "holiday": { table: "holidays", subject: "This holiday" },
  "device": { table: "devices", subject: "This device" },
} as const;

/** An entity kind whose writes may carry `version` (credentials by their wire type). */
export type VersionedKind = keyof typeof VERSIONED;

/** The pointer of a version error (updates and deletes alike). */
export const VERSION_POINTER: string = ATTR_POINTER + "version";

/**
 * What a person reads when their write was refused because someone else
 * changed the entity after they read it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { staleVersionMessage } from "./_entity_attrs.ts";
 * assert.equal(
 *   staleVersionMessage("user"),
 *   "This person was changed by someone else after you opened it. Reload to see their change.",
 * );
 * ```
 */
export function staleVersionMessage(kind: VersionedKind): string {
  return `${VERSIONED[kind].subject} was changed by someone else after you opened it. ` +
    "Reload to see their change.";
}

/**
 * A sent `version`: absent or `null` gives undefined (no check: last writer
 * wins); a non-negative integer (or its digits as a string) otherwise.
 *
 * @throws {ValidationError} naming `data/attributes/version`.
 */
export function versionValue(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new ValidationError("The version must be a non-negative integer.", VERSION_POINTER);
  }
  return n;
}

/** A decoded request and the `version` it carried (undefined: none sent). */
export type WithVersion<T> = T & { readonly version?: number };

/**
 * Wraps a request decoder so that it also reads the `version` the client
 * read: from `attributes.version` for an update, from the content's own
 * `version` key for a delete. A create does not use it (a version sent on
 * create is ignored). Check it with {@linkcode checkVersion}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { id, object } from "../validate.ts";
 * import { withVersion } from "./_entity_attrs.ts";
 * const decodeUpdate = withVersion(object({ door_id: id }), "attributes");
 * assert.deepEqual(decodeUpdate({ door_id: 3, attributes: { version: 2 } }, ""), {
 *   door_id: 3,
 *   version: 2,
 * });
 * const decodeDelete = withVersion(object({ door_id: id }), "content");
 * assert.deepEqual(decodeDelete({ door_id: 3 }, ""), { door_id: 3 });
 * ```
 */
export function withVersion<T extends object>(
  decode: Decoder<T>,
  from: "attributes" | "content",
): Decoder<WithVersion<T>> {
  return (value, path) => {
    const decoded = decode(value, path);
    const content = value as Record<string, unknown>; // an object: `decode` checked it
    const source = from === "content" ? content : content.attributes;
    const sent = typeof source === "object" && source !== null && !Array.isArray(source)
      ? versionValue((source as Record<string, unknown>).version)
      : undefined;
    return sent === undefined ? decoded : { ...decoded, version: sent };
  };
}

const readVersion = rowReader("version", { version: int });

/**
 * Refuses a write whose sent `version` is not the stored one. Call it inside
 * the write's transaction, before writing: the check and the write then see
 * the same row. Nothing is checked when no version was sent, or when the
 * entity does not exist (the handler reports that).
 *
 * @throws {ValidationError} MODEL_EXCEPTION with {@linkcode staleVersionMessage}
 * and pointer `data/attributes/version`.
 */
export function checkVersion(
  db: DatabaseSync,
  kind: VersionedKind,
  entityId: number | string,
  sent: number | undefined,
): void {
  if (sent === undefined) return;
  if (!db.isTransaction) throw new Error("checkVersion() runs inside the write's transaction");
  const row = prepared(db, `SELECT version FROM ${VERSIONED[kind].table} WHERE id = ?`)
    .get(entityId);
  if (row === undefined) return;
  if (readVersion(row).version !== sent) {
    throw new ValidationError(staleVersionMessage(kind), VERSION_POINTER);
  }
}
