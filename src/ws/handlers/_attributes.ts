/**
 * Per-key decoding of JSON:API `attributes` objects for the group,
 * membership and credential endpoints. Every failure is a
 * {@linkcode ValidationError} whose pointer names the attribute, which is what
 * the Leosac web client shows next to the form field.
 *
 * @module
 */
import { ValidationError } from "../../errors.ts";
import type { Validity } from "../../store/validity.ts";
import { parseDate } from "../serialize.ts";

/** JSON:API pointer prefix of an attribute. */
export const ATTRIBUTE_POINTER = "data/attributes/";

/** An attributes object (or `{}` when absent or `null`). */
export type Attributes = Record<string, unknown>;

/** Reads the `attributes` member of a request (shared with the other families). */
export { attributesOf } from "./_entity_attrs.ts";

/**
 * A string attribute of at most `max` characters; `undefined` when missing or `null`.
 *
 * @throws {ValidationError} when not a string or too long.
 */
export function textAttribute(
  attrs: Attributes,
  key: string,
  max: number,
  pointerKey = key,
): string | undefined {
  const value = attrs[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new ValidationError("Must be a string.", ATTRIBUTE_POINTER + pointerKey);
  }
  if (value.length > max) {
    throw new ValidationError(
      `Must be at most ${max} characters.`,
      ATTRIBUTE_POINTER + pointerKey,
    );
  }
  return value;
}

/**
 * An integer attribute in [min, max] (numeric strings accepted, as module
 * clients send them); `undefined` when missing or `null`.
 *
 * @throws {ValidationError} with `message` when not such an integer.
 */
export function intAttribute(
  attrs: Attributes,
  key: string,
  range: { min: number; max: number; message: string; pointerKey?: string },
): number | undefined {
  const value = attrs[key];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "string" && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < range.min || n > range.max) {
    throw new ValidationError(range.message, ATTRIBUTE_POINTER + (range.pointerKey ?? key));
  }
  return n;
}

/**
 * Reads `validity-enabled`, `validity-start` and `validity-end` over
 * `current`; `undefined` when none is present (a `null` enabled flag counts
 * as absent, an explicit `null` date means unbounded).
 *
 * @throws {ValidationError} for a non-boolean flag, a bad date, or an end before the start.
 */
export function validityAttribute(attrs: Attributes, current: Validity): Validity | undefined {
  const e = attrs["validity-enabled"], s = attrs["validity-start"], n = attrs["validity-end"];
  if ((e ?? null) === null && s === undefined && n === undefined) return undefined;
  if (e !== undefined && e !== null && typeof e !== "boolean") {
    throw new ValidationError("Must be a boolean.", ATTRIBUTE_POINTER + "validity-enabled");
  }
  const validity = {
    enabled: typeof e === "boolean" ? e : current.enabled,
    start: s === undefined
      ? current.start
      : parseDate(s, ATTRIBUTE_POINTER + "validity-start", "min"),
    end: n === undefined ? current.end : parseDate(n, ATTRIBUTE_POINTER + "validity-end", "max"),
  };
  if (validity.start !== null && validity.end !== null && validity.end < validity.start) {
    throw new ValidationError(
      "The validity end is before its start.",
      ATTRIBUTE_POINTER + "validity-end",
    );
  }
  return validity;
}
