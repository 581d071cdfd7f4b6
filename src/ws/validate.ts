/**
 * Small typed decoders for request content. A decoder turns `unknown` into a
 * typed value or throws a {@linkcode BadRequestError} (status 1, as Leosac
 * does for a missing or mistyped key) naming the key. Handlers only ever see
 * decoded values.
 *
 * @module
 */
import { BadRequestError } from "../errors.ts";

/** Turns an unknown value at `path` into a T, or throws. */
export type Decoder<T> = (value: unknown, path: string) => T;

/** The type a decoder produces. */
export type Decoded<D> = D extends Decoder<infer T> ? T : never;

/** Maximum length of any string field, unless a decoder says otherwise. */
export const MAX_STRING_LENGTH = 4096;

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function fail(path: string, expected: string, value: unknown): never {
  throw new BadRequestError(
    `Invalid value for \`${path}\`: expected ${expected}, got ${typeName(value)}`,
  );
}

/** A string of at most `maxLength` characters. */
export function str(maxLength = MAX_STRING_LENGTH): Decoder<string> {
  return (value, path) => {
    if (typeof value !== "string") fail(path, "a string", value);
    if (value.length > maxLength) {
      throw new BadRequestError(`Invalid value for \`${path}\`: longer than ${maxLength}`);
    }
    return value;
  };
}

/** An integer in [min, max]. Numeric strings are accepted (Leosac module clients send "3"). */
export function int(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Decoder<number> {
  return (value, path) => {
    const n = typeof value === "string" && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n)) fail(path, "an integer", value);
    if (n < min || n > max) {
      throw new BadRequestError(`Invalid value for \`${path}\`: ${n} is outside ${min}..${max}`);
    }
    return n;
  };
}

/** An entity id: a non-negative integer (0 means "all" or "none" depending on the call). */
export const id: Decoder<number> = int(0);

/** A boolean. */
export function bool(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") fail(path, "a boolean", value);
  return value;
}

/** Any JSON value (for pass-through fields). */
export function any(value: unknown): unknown {
  return value;
}

/** One of the given literal values. */
export function oneOf<const T extends readonly (string | number)[]>(
  values: T,
): Decoder<T[number]> {
  return (value, path) => {
    if (!values.includes(value as T[number])) {
      throw new BadRequestError(
        `Invalid value for \`${path}\`: expected one of ${values.join(", ")}`,
      );
    }
    return value as T[number];
  };
}

/** An array of at most `maxItems` items. `null` decodes as an empty array. */
export function array<T>(item: Decoder<T>, maxItems = 10_000): Decoder<T[]> {
  return (value, path) => {
    if (value === null) return [];
    if (!Array.isArray(value)) fail(path, "an array", value);
    if (value.length > maxItems) {
      throw new BadRequestError(`Invalid value for \`${path}\`: more than ${maxItems} items`);
    }
    return value.map((v, i) => item(v, `${path}[${i}]`));
  };
}

/** Marks a key as optional: missing or `null` gives `undefined`. */
export function optional<T>(decoder: Decoder<T>): Decoder<T | undefined> & { optional: true } {
  const d =
    ((value: unknown, path: string) =>
      value === undefined || value === null ? undefined : decoder(value, path)) as
        & Decoder<T | undefined>
        & { optional: true };
  d.optional = true;
  return d;
}

/** Like {@linkcode optional} but with a default. */
export function withDefault<T>(decoder: Decoder<T>, fallback: T): Decoder<T> {
  const d = (value: unknown, path: string): T =>
    value === undefined || value === null ? fallback : decoder(value, path);
  return Object.assign(d, { hasDefault: true });
}

type Shape = Record<string, Decoder<unknown>>;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends { optional: true } ? K : never;
}[keyof S];
type ObjectOf<S extends Shape> =
  & { [K in Exclude<keyof S, OptionalKeys<S>>]: Decoded<S[K]> }
  & { [K in OptionalKeys<S>]?: Decoded<S[K]> };

/**
 * An object with the given keys. Missing required keys fail like Leosac
 * ("key 'user_id' not found"); unknown keys are ignored.
 */
export function object<S extends Shape>(shape: S): Decoder<ObjectOf<S>> {
  return (value, path) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      fail(path || "content", "an object", value);
    }
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, decoder] of Object.entries(shape)) {
      const keyPath = path ? `${path}.${key}` : key;
      const present = Object.hasOwn(source, key);
      if (!present && !("optional" in decoder) && !("hasDefault" in decoder)) {
        throw new BadRequestError(`key '${keyPath}' not found`);
      }
      const decoded = decoder(present ? source[key] : undefined, keyPath);
      if (decoded !== undefined) out[key] = decoded;
    }
    return out as ObjectOf<S>;
  };
}

/** Content that is ignored (any JSON value). */
export function ignored(): Record<string, never> {
  return {};
}
