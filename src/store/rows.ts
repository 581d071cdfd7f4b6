/**
 * Typed reading of SQL rows. A repository declares the columns it reads
 * once, with a reader per column that checks the SQLite value type:
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { int, nullableInt, rowReader, text } from "./rows.ts";
 * const readGroup = rowReader("groups", { id: int, name: text, parent: nullableInt });
 * assert.deepEqual(readGroup({ id: 1, name: "staff", parent: null }), {
 *   id: 1,
 *   name: "staff",
 *   parent: null,
 * });
 * assert.throws(() => readGroup({ id: "1", name: "staff", parent: null }), /groups\.id/);
 * ```
 *
 * A mismatch (a column missing from the SELECT, a text where an integer
 * belongs, a 2 in a 0/1 flag) throws a {@linkcode StoreError} naming the
 * table and column, instead of flowing on as a wrong type. The check is a
 * `typeof` per column, cheap next to the SQLite step that produced the row.
 *
 * @module
 */
import { StoreError } from "../errors.ts";

/** Reads one column value; throws {@linkcode ColumnMismatch} when the value has the wrong type. */
export type ColumnReader<T> = (value: unknown) => T;

/** A column value of the wrong type; {@linkcode rowReader} adds the table and column. */
export class ColumnMismatch extends Error {
  /** What the column should hold, e.g. "an integer". */
  readonly expected: string;
  /** A mismatch; `expected` says what the column should hold, e.g. "an integer". */
  constructor(expected: string) {
    super(`expected ${expected}`);
    this.name = "ColumnMismatch";
    this.expected = expected;
  }
}

function mismatch(expected: string): never {
  throw new ColumnMismatch(expected);
}

/** An INTEGER column (a safe integer). */
export function int(v: unknown): number {
  return typeof v === "number" && Number.isSafeInteger(v) ? v : mismatch("an integer");
}

/** A nullable INTEGER column. */
export function nullableInt(v: unknown): number | null {
  return v === null ? null : int(v);
}

/** A TEXT column. */
export function text(v: unknown): string {
  return typeof v === "string" ? v : mismatch("a text");
}

/** A nullable TEXT column. */
export function nullableText(v: unknown): string | null {
  return v === null ? null : text(v);
}

/** A 0/1 INTEGER flag. */
export function bool(v: unknown): boolean {
  return v === 1 ? true : v === 0 ? false : mismatch("0 or 1");
}

/** A TEXT column holding one of `values`. */
export function oneOf<const T extends string>(values: readonly T[]): ColumnReader<T> {
  const expected = `one of ${values.join(", ")}`;
  return (v) => (values as readonly unknown[]).includes(v) ? v as T : mismatch(expected);
}

/** An INTEGER column holding one of `values`. */
export function oneOfInt<const T extends number>(values: readonly T[]): ColumnReader<T> {
  const expected = `one of ${values.join(", ")}`;
  return (v) => (values as readonly unknown[]).includes(v) ? v as T : mismatch(expected);
}

/** The typed row that a column schema reads. */
export type RowOf<S extends Record<string, ColumnReader<unknown>>> = {
  [K in keyof S]: S[K] extends ColumnReader<infer T> ? T : never;
};

/** Reads rows of one table (or query) into typed objects. */
export interface RowReader<T> {
  /** Reads a row that must be there (e.g. from `INSERT … RETURNING`). */
  (row: unknown): T;
  /** Reads the result of `get()`: undefined stays undefined. */
  maybe(row: unknown): T | undefined;
  /** Reads the result of `all()`. */
  all(rows: readonly unknown[]): T[];
}

function describe(value: unknown): string {
  if (value === undefined) return "no such column";
  if (value === null) return "NULL";
  if (value instanceof Uint8Array) return "a BLOB";
  if (typeof value === "string") return `text ${JSON.stringify(value.slice(0, 32))}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * A reader for rows of `table` with the given columns (other columns of the
 * row are left out of the result).
 *
 * @param table named in errors (a table, or a query such as `users count`)
 * @throws {StoreError} on read: `<table>.<column>: expected …, got …`.
 */
export function rowReader<S extends Record<string, ColumnReader<unknown>>>(
  table: string,
  columns: S,
): RowReader<RowOf<S>> {
  const entries = Object.entries(columns);
  const read = (row: unknown): RowOf<S> => {
    if (typeof row !== "object" || row === null) {
      throw new StoreError(`${table}: expected a row, got ${describe(row)}`);
    }
    const source = row as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [column, reader] of entries) {
      const value = source[column];
      try {
        out[column] = reader(value);
      } catch (error) {
        if (!(error instanceof ColumnMismatch)) throw error;
        throw new StoreError(
          `${table}.${column}: ${error.message}, got ${describe(value)}`,
          { cause: error },
        );
      }
    }
    return out as RowOf<S>;
  };
  return Object.assign(read, {
    maybe: (row: unknown) => row === undefined ? undefined : read(row),
    all: (rows: readonly unknown[]) => rows.map(read),
  });
}
