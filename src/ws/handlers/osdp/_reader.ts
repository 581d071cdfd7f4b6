/**
 * What the per-reader OSDP endpoints (`osdp-reader.install`,
 * `osdp-reader.rekey`) share: the `reader_id` of the request and the reader
 * device it names.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { BadRequestError, NotFoundError } from "../../../errors.ts";
import { type Device, getDevice } from "../../../store/devices.ts";

/** The request's object and its `reader_id` (a UUID string, at most 128 characters). */
export function decodeReaderId(value: unknown): { o: Record<string, unknown>; readerId: string } {
  const o = typeof value === "object" && value !== null ? value as Record<string, unknown> : {};
  const readerId = o.reader_id;
  if (typeof readerId !== "string" || readerId === "" || readerId.length > 128) {
    throw new BadRequestError("Invalid value for `reader_id`: expected a UUID string");
  }
  return { o, readerId };
}

/** The OSDP reader device `readerId`. @throws {NotFoundError} when there is none */
export function findOsdpReader(db: DatabaseSync, readerId: string): Device {
  const device = getDevice(db, readerId);
  if (device === undefined || device.type !== "osdp-reader") {
    throw new NotFoundError("osdp-reader", readerId);
  }
  return device;
}
