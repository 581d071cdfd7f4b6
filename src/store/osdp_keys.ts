/**
 * OSDP Secure Channel base keys (SCBK), one per `osdp-reader` device, stored
 * sealed: AES-256-GCM under `HMAC-SHA256(installation secret, "leosac osdp
 * scbk v1")`, a random 12-byte nonce, the device id as associated data
 * (a sealed key copied onto another reader does not open). Stored as
 * `nonce ‖ ciphertext ‖ tag`. The clear key exists only in the controller
 * worker, which needs it for the handshake; API clients see whether a
 * reader has a key and since when, never the key.
 *
 * Key rotation keeps a second, `pending` key per reader (migration 12): the
 * key sent with osdp_KEYSET until the reader's acknowledgement, or a
 * handshake under one of the two keys, tells which one the reader holds.
 * {@linkcode writeScbk} (the confirmed key) clears it.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { StoreError } from "../errors.ts";

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** An SCBK's length. */
export const SCBK_BYTES = 16;

function sealingKey(secret: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", secret).update("leosac osdp scbk v1").digest());
}

/**
 * Seals an SCBK for one device.
 *
 * @throws {RangeError} when the key is not 16 bytes
 */
export function sealScbk(secret: Uint8Array, deviceId: string, scbk: Uint8Array): Uint8Array {
  if (scbk.length !== SCBK_BYTES) throw new RangeError(`An SCBK is 16 bytes, got ${scbk.length}`);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", sealingKey(secret), nonce);
  cipher.setAAD(new TextEncoder().encode(deviceId));
  const body = Buffer.concat([cipher.update(scbk), cipher.final()]);
  return new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()]));
}

/**
 * Opens a sealed SCBK.
 *
 * @throws {StoreError} when it was sealed for another device or another installation, or altered
 */
export function openScbk(secret: Uint8Array, deviceId: string, sealed: Uint8Array): Uint8Array {
  if (sealed.length !== NONCE_BYTES + SCBK_BYTES + TAG_BYTES) {
    throw new StoreError(`The sealed key of OSDP reader ${deviceId} has a wrong length`);
  }
  try {
    const decipher = createDecipheriv(
      "aes-256-gcm",
      sealingKey(secret),
      sealed.subarray(0, NONCE_BYTES),
    );
    decipher.setAAD(new TextEncoder().encode(deviceId));
    decipher.setAuthTag(sealed.subarray(NONCE_BYTES + SCBK_BYTES));
    const body = decipher.update(sealed.subarray(NONCE_BYTES, NONCE_BYTES + SCBK_BYTES));
    return new Uint8Array(Buffer.concat([body, decipher.final()]));
  } catch (cause) {
    throw new StoreError(`The sealed key of OSDP reader ${deviceId} does not open`, { cause });
  }
}

/** Whether a reader has a key, and since when (what API clients may see). */
export interface ScbkState {
  hasKey: boolean;
  /** Unix ms of the last install, or null. */
  installedAt: number | null;
}

/** The key state of a reader. */
export function scbkState(db: DatabaseSync, deviceId: string): ScbkState {
  const row = db.prepare("SELECT installed_at FROM osdp_keys WHERE device_id = ?").get(deviceId) as
    | { installed_at: number }
    | undefined;
  return { hasKey: row !== undefined, installedAt: row?.installed_at ?? null };
}

/** The clear SCBK of a reader, or null when it has none. @throws {StoreError} when it does not open */
export function readScbk(
  db: DatabaseSync,
  secret: Uint8Array,
  deviceId: string,
): Uint8Array | null {
  const row = db.prepare("SELECT sealed FROM osdp_keys WHERE device_id = ?").get(deviceId) as
    | { sealed: Uint8Array }
    | undefined;
  return row === undefined ? null : openScbk(secret, deviceId, row.sealed);
}

/** Stores (or replaces) a reader's SCBK, sealed; a pending key is dropped. */
export function writeScbk(
  db: DatabaseSync,
  secret: Uint8Array,
  deviceId: string,
  scbk: Uint8Array,
  atMs: number,
): void {
  db.prepare(
    "INSERT INTO osdp_keys (device_id, sealed, installed_at) VALUES (?, ?, ?) " +
      "ON CONFLICT (device_id) DO UPDATE SET sealed = excluded.sealed, " +
      "installed_at = excluded.installed_at, pending = NULL",
  ).run(deviceId, sealScbk(secret, deviceId, scbk), atMs);
}

/** The associated data of a pending key: a pending key never opens as a confirmed one. */
function pendingId(deviceId: string): string {
  return `${deviceId} pending`;
}

/**
 * Stores the key a reader is being sent (key rotation), sealed, beside its
 * confirmed key.
 *
 * @throws {StoreError} when the reader has no confirmed key (nothing to rotate)
 */
export function writePendingScbk(
  db: DatabaseSync,
  secret: Uint8Array,
  deviceId: string,
  scbk: Uint8Array,
): void {
  const result = db.prepare("UPDATE osdp_keys SET pending = ? WHERE device_id = ?")
    .run(sealScbk(secret, pendingId(deviceId), scbk), deviceId);
  if (Number(result.changes) !== 1) {
    throw new StoreError(`OSDP reader ${deviceId} has no key to rotate`);
  }
}

/** The pending key of a reader, or null. @throws {StoreError} when it does not open */
export function readPendingScbk(
  db: DatabaseSync,
  secret: Uint8Array,
  deviceId: string,
): Uint8Array | null {
  const row = db.prepare("SELECT pending FROM osdp_keys WHERE device_id = ?").get(deviceId) as
    | { pending: Uint8Array | null }
    | undefined;
  const sealed = row?.pending ?? null;
  return sealed === null ? null : openScbk(secret, pendingId(deviceId), sealed);
}

/** Drops a reader's pending key (the reader kept its confirmed one). */
export function clearPendingScbk(db: DatabaseSync, deviceId: string): void {
  db.prepare("UPDATE osdp_keys SET pending = NULL WHERE device_id = ?").run(deviceId);
}

/** Forgets a reader's SCBK (it then needs install mode again). */
export function deleteScbk(db: DatabaseSync, deviceId: string): void {
  db.prepare("DELETE FROM osdp_keys WHERE device_id = ?").run(deviceId);
}
