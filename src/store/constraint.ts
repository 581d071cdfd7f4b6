/**
 * Recognising SQLite constraint failures, so callers can map them to wire
 * errors (a duplicate name, an unknown referenced id) without parsing text.
 *
 * @module
 */

/** SQLite extended result codes for constraint failures. */
export const SQLITE_CONSTRAINT = {
  CHECK: 275,
  FOREIGN_KEY: 787,
  NOT_NULL: 1299,
  PRIMARY_KEY: 1555,
  UNIQUE: 2067,
} as const;

const MESSAGE_CODES: readonly [RegExp, number][] = [
  [/^UNIQUE constraint failed/, SQLITE_CONSTRAINT.UNIQUE],
  [/^FOREIGN KEY constraint failed/, SQLITE_CONSTRAINT.FOREIGN_KEY],
  [/^CHECK constraint failed/, SQLITE_CONSTRAINT.CHECK],
  [/^NOT NULL constraint failed/, SQLITE_CONSTRAINT.NOT_NULL],
];

/**
 * The extended result code of a node:sqlite error. Statement errors carry it
 * as `errcode`; `DatabaseSync.exec()` errors (in Deno) only have the message.
 */
function errcode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { errcode: code, code: kind } = error as { errcode?: unknown; code?: unknown };
  if (typeof code === "number") return code;
  if (kind !== "ERR_SQLITE_ERROR" || !(error instanceof Error)) return undefined;
  return MESSAGE_CODES.find(([pattern]) => pattern.test(error.message))?.[1];
}

/**
 * True when `error` is a SQLite UNIQUE or PRIMARY KEY violation (a duplicate).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isUniqueViolation } from "./constraint.ts";
 * assert.ok(!isUniqueViolation(new Error("other")));
 * ```
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = errcode(error);
  return code === SQLITE_CONSTRAINT.UNIQUE || code === SQLITE_CONSTRAINT.PRIMARY_KEY;
}

/** True when `error` is a SQLite FOREIGN KEY violation (a reference to a missing row). */
export function isForeignKeyViolation(error: unknown): boolean {
  return errcode(error) === SQLITE_CONSTRAINT.FOREIGN_KEY;
}

/** True when `error` is a SQLite CHECK violation (a value outside its allowed set or range). */
export function isCheckViolation(error: unknown): boolean {
  return errcode(error) === SQLITE_CONSTRAINT.CHECK;
}
