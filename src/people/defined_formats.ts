/**
 * The card formats administrators defined on readers (the `formats` of each
 * `wiegand-reader`), by lower-case name: the people import accepts them in
 * `card_format` beside the catalogue's.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { defineFormat, FormatError, type WiegandFormat } from "../hardware/wiegand/formats.ts";
import { listDevicesByType } from "../store/devices.ts";

/** Every defined format by lower-case name (the first definition of a name wins). */
export function definedFormats(db: DatabaseSync): Map<string, WiegandFormat> {
  const formats = new Map<string, WiegandFormat>();
  for (const reader of listDevicesByType(db, "wiegand-reader")) {
    if (reader.type !== "wiegand-reader") continue;
    for (const item of reader.config.formats) {
      if (typeof item === "string" || formats.has(item.name.toLowerCase())) continue;
      try {
        formats.set(item.name.toLowerCase(), defineFormat(item));
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
      }
    }
  }
  return formats;
}
