/**
 * Reading a Leosac JSON:API reply field by field, so that a reply missing a
 * field or holding the wrong type fails with one sentence naming the call
 * and the path (`user.read: data[2].attributes.username: expected a
 * string`), never with a `TypeError` deep in the conversion.
 *
 * @module
 */

/** The source Leosac could not be read: unreachable, refused, or a reply that is not what Leosac sends. */
export class LeosacSourceError extends Error {
  /** Builds the error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LeosacSourceError";
  }
}

/** A value and where it was found (`user.read: data[2].attributes`). */
export interface Found {
  value: unknown;
  /** The call whose reply holds it. */
  call: string;
  /** The path inside that reply's content. */
  path: string;
}

/** Starts reading the content of the reply to `call`. */
export function replyOf(call: string, content: unknown): Found {
  return { value: content, call, path: "" };
}

/** An error about `at`. */
export function wrongAt(at: Found, what: string): LeosacSourceError {
  return new LeosacSourceError(
    `the reply to ${at.call} is not what Leosac sends: ${
      at.path === "" ? "content" : at.path
    }: ${what}`,
  );
}

/** The member `key` of an object (undefined members stay undefined). */
export function at(parent: Found, key: string | number): Found {
  const object = asObject(parent);
  const path = typeof key === "number"
    ? `${parent.path}[${key}]`
    : parent.path === ""
    ? key
    : `${parent.path}.${key}`;
  return {
    value: Array.isArray(object) ? object[key as number] : object[key],
    call: parent.call,
    path,
  };
}

function asObject(found: Found): Record<string, unknown> {
  if (typeof found.value !== "object" || found.value === null) {
    throw wrongAt(found, `expected an object or a list, found ${describe(found.value)}`);
  }
  return found.value as Record<string, unknown>;
}

/** The items of a list (`null` reads as empty when `nullIsEmpty`). */
export function items(found: Found, nullIsEmpty = false): Found[] {
  if (found.value === null && nullIsEmpty) return [];
  if (!Array.isArray(found.value)) {
    throw wrongAt(found, `expected a list, found ${describe(found.value)}`);
  }
  return found.value.map((_, i) => at(found, i));
}

/** A string. */
export function str(found: Found, maxLength = 4096): string {
  if (typeof found.value !== "string") {
    throw wrongAt(found, `expected a string, found ${describe(found.value)}`);
  }
  if (found.value.length > maxLength) throw wrongAt(found, `longer than ${maxLength} characters`);
  return found.value;
}

/** A string, or `fallback` when the key is absent (Leosac leaves some out, e.g. `email`). */
export function optionalStr(found: Found, fallback: string): string {
  return found.value === undefined ? fallback : str(found);
}

/** An integer within bounds. */
export function int(found: Found, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = found.value;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw wrongAt(found, `expected an integer, found ${describe(v)}`);
  }
  if (v < min || v > max) throw wrongAt(found, `expected ${min} to ${max}, found ${v}`);
  return v;
}

/** A boolean. */
export function bool(found: Found): boolean {
  if (typeof found.value !== "boolean") {
    throw wrongAt(found, `expected true or false, found ${describe(found.value)}`);
  }
  return found.value;
}

/** An id: a positive integer (Leosac's core entities). */
export function id(found: Found): number {
  return int(found, 1);
}

/**
 * The ids of a JSON:API relationship `{data: [{id, type}] | {id, type} | null}`;
 * an absent relationship is empty when `optional`.
 */
export function relationIds(relationships: Found, name: string, optional = false): number[] {
  if (relationships.value === undefined && optional) return [];
  const relation = at(relationships, name);
  if (relation.value === undefined && optional) return [];
  const data = at(relation, "data");
  if (data.value === null || (data.value === undefined && optional)) return [];
  if (!Array.isArray(data.value)) return [id(at(data, "id"))];
  return items(data).map((item) => id(at(item, "id")));
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `"${value.length > 32 ? value.slice(0, 32) + "…" : value}"`;
  return typeof value === "object" ? "an object" : String(value);
}
