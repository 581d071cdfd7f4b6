/**
 * The `formats` attribute of a `wiegand-reader`: which card formats the
 * reader accepts, in matching order. Each item is either the name of a
 * catalogue format (`H10301`, `34-bit`, `Corporate-1000-35`, `H10304`,
 * `H10302`, `Corporate-1000-48`, `raw`, `raw-N`) or a format defined by the
 * administrator, `{name, length, facility?, number, parity}` as
 * {@linkcode WiegandFormatDefinition} describes it. Every definition is
 * compiled with {@linkcode defineFormat}; a problem is a model error (status
 * 11) whose pointer names the item and the field, e.g.
 * `data/attributes/formats/1/parity/0/bit`. An empty list means the whole
 * catalogue.
 *
 * @module
 */
import { ValidationError } from "../../errors.ts";
import {
  type BitField,
  defineFormat,
  findFormat,
  FORMAT_CATALOGUE,
  FormatError,
  type ParitySpec,
  type WiegandFormatDefinition,
} from "../../hardware/wiegand/formats.ts";
import type { FormatItem } from "../../store/device_config.ts";

export type { FormatItem };

/** Most formats one reader may list. */
export const MAX_READER_FORMATS = 32;
/** Most parity checks in one administrator format. */
const MAX_PARITY = 16;

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(pointer: string, detail: string): never {
  throw new ValidationError(detail, pointer);
}

function integer(value: unknown, pointer: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) fail(pointer, "Must be an integer.");
  return value;
}

function bitField(value: unknown, pointer: string): BitField {
  if (!isObject(value)) fail(pointer, "Must be an object {start, length}.");
  return {
    start: integer(value.start, `${pointer}/start`),
    length: integer(value.length, `${pointer}/length`),
  };
}

function paritySpec(value: unknown, pointer: string): ParitySpec {
  if (!isObject(value)) fail(pointer, "Must be an object {bit, kind, start, length | positions}.");
  const bit = integer(value.bit, `${pointer}/bit`);
  if (value.kind !== "even" && value.kind !== "odd") {
    fail(`${pointer}/kind`, 'Must be "even" or "odd".');
  }
  const kind = value.kind;
  if (value.positions !== undefined && value.positions !== null) {
    if (!Array.isArray(value.positions) || value.positions.length > 128) {
      fail(`${pointer}/positions`, "Must be an array of at most 128 bit positions.");
    }
    const positions = value.positions.map((p, i) => integer(p, `${pointer}/positions/${i}`));
    return { bit, kind, positions };
  }
  return {
    bit,
    kind,
    start: integer(value.start, `${pointer}/start`),
    length: integer(value.length, `${pointer}/length`),
  };
}

/** Structural checks, then {@linkcode defineFormat}; returns the clean definition to store. */
function definition(value: Obj, pointer: string): WiegandFormatDefinition {
  if (typeof value.name !== "string" || value.name.trim() === "" || value.name.length > 64) {
    fail(`${pointer}/name`, "Must be a non-empty string of at most 64 characters.");
  }
  if (findFormat(value.name) !== undefined) {
    fail(`${pointer}/name`, `"${value.name}" is the name of a catalogue format.`);
  }
  if (!Array.isArray(value.parity) || value.parity.length > MAX_PARITY) {
    fail(`${pointer}/parity`, `Must be an array of at most ${MAX_PARITY} parity checks.`);
  }
  const def: WiegandFormatDefinition = {
    name: value.name,
    length: integer(value.length, `${pointer}/length`),
    ...(value.facility === undefined || value.facility === null
      ? {}
      : { facility: bitField(value.facility, `${pointer}/facility`) }),
    number: bitField(value.number, `${pointer}/number`),
    parity: value.parity.map((p, i) => paritySpec(p, `${pointer}/parity/${i}`)),
  };
  try {
    defineFormat(def);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    // "parity[1].bit" → "parity/1/bit"
    const field = error.field.replaceAll(/\[(\d+)\]/g, "/$1").replaceAll(".", "/");
    fail(`${pointer}/${field}`, error.message);
  }
  return def;
}

/**
 * Validates the `formats` attribute.
 *
 * @param pointer the attribute's pointer, e.g. `data/attributes/formats`
 * @returns catalogue names in their canonical spelling and clean definitions
 * @throws {ValidationError} naming the offending item and field
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFormats } from "./_device_formats.ts";
 * assert.deepEqual(parseFormats(["h10301", "raw-32"], "data/attributes/formats"), ["H10301", "raw-32"]);
 * ```
 */
export function parseFormats(value: unknown, pointer: string): FormatItem[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_READER_FORMATS) {
    fail(pointer, `Must be an array of at most ${MAX_READER_FORMATS} format names or definitions.`);
  }
  const seen = new Set<string>();
  return value.map((item, i): FormatItem => {
    const at = `${pointer}/${i}`;
    let out: FormatItem;
    if (typeof item === "string") {
      const known = findFormat(item);
      if (known === undefined) {
        fail(
          at,
          `Unknown format "${item}"; the catalogue has ${
            FORMAT_CATALOGUE.map((f) => f.name).join(", ")
          }, raw and raw-N.`,
        );
      }
      out = known.name;
    } else if (isObject(item)) {
      out = definition(item, at);
    } else {
      fail(at, "Must be a format name or a format definition object.");
    }
    const name = typeof out === "string" ? out : out.name;
    if (seen.has(name.toLowerCase())) fail(at, `Format "${name}" is listed twice.`);
    seen.add(name.toLowerCase());
    return out;
  });
}
