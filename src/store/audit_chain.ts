/**
 * The audit log's hash chains: what makes it tamper-evident.
 *
 * Every `audit_events` row belongs to one of two chains: `access` (access
 * decisions: granted or denied, kept longest) and `other` (everything else).
 * A row stores the id of the previous row of its chain (`prev_id`, 0 for the
 * first) and `hash = SHA-256(hex hash of that row + "\n" + canonical row)`,
 * stored as a 32-byte BLOB (hex in code, exports and messages).
 * The canonical row is the JSON array of the stored columns, in
 * {@linkcode CHAINED_COLUMNS} order, exactly as SQLite returns them (the JSON
 * snapshots as their stored text). Changing any column of a row, deleting a
 * row, or inserting one breaks the chain at that row or the next one of its
 * chain; `verifyAuditChain` (`src/store/audit_verify.ts`) names which.
 *
 * Two chains, not one, because retention removes old rows of each chain
 * separately (access decisions are kept longer): it only ever removes a
 * chain's oldest rows, and records the id and hash of the last removed one as
 * the chain's anchor (`audit_anchors`), where verification then starts.
 *
 * The previous hash is read inside the write transaction that inserts the
 * row (`BEGIN IMMEDIATE`), so SQLite's single-writer lock keeps the chain
 * linear across the main thread's and the worker's connections.
 *
 * A chain proves the rows have not been changed since they were written by
 * someone who cannot recompute hashes; anyone who can rewrite the whole file
 * can also recompute the chain from the point they changed. Keep the head
 * hash (`leosac audit verify` prints it) and the exported files elsewhere to
 * make that visible too.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { AUDIT_EVENT, AUDIT_KIND } from "./audit.ts";

/** The two chains. */
export const AUDIT_CHAINS = ["access", "other"] as const;
/** A chain name. */
export type AuditChain = typeof AUDIT_CHAINS[number];

/** The previous hash of a chain's first row (no anchor yet): 64 zeros. */
export const GENESIS_HASH = "0".repeat(64);

/** The stored columns covered by a row's hash, in hashing order. */
export const CHAINED_COLUMNS = [
  "id",
  "timestamp",
  "kind",
  "event_mask",
  "author_id",
  "description",
  "target_id",
  "target2_id",
  "before",
  "after",
  "data",
  "chain",
  "prev_id",
] as const;

/** A row as stored: the chained columns (hash aside). */
export type ChainedRow = Record<typeof CHAINED_COLUMNS[number], unknown>;

/**
 * The chain of a row: `access` for access decisions (kind AUTH with the
 * granted or denied bit), `other` for everything else (bad reads included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { auditChainOf } from "./audit_chain.ts";
 * assert.equal(auditChainOf("Leosac::Audit::AuthEvent", 2 ** 30), "access");
 * assert.equal(auditChainOf("Leosac::Audit::UserEvent", 2), "other");
 * ```
 */
export function auditChainOf(kind: string, mask: number): AuditChain {
  if (kind !== AUDIT_KIND.AUTH) return "other";
  // Read here, not at import: audit.ts imports this module (a cycle).
  const decision = [AUDIT_EVENT.AUTH_GRANTED, AUDIT_EVENT.AUTH_DENIED]
    .some((bit) => Math.floor(mask / 2 ** bit) % 2 === 1);
  return decision ? "access" : "other";
}

/** The canonical text of a row: the JSON array of its chained columns. */
export function canonicalRow(row: ChainedRow): string {
  return JSON.stringify(CHAINED_COLUMNS.map((column) => row[column] ?? null));
}

/**
 * The hash of `row` following a row whose hash is `prevHash`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GENESIS_HASH, rowHash } from "./audit_chain.ts";
 * const hash = rowHash(GENESIS_HASH, {
 *   id: 1, timestamp: 0, kind: "k", event_mask: 1, author_id: null, description: "",
 *   target_id: null, target2_id: null, before: null, after: null, data: "{}",
 *   chain: "other", prev_id: 0,
 * });
 * assert.match(hash, /^[0-9a-f]{64}$/);
 * ```
 */
export function rowHash(prevHash: string, row: ChainedRow): string {
  return createHash("sha256").update(prevHash).update("\n").update(canonicalRow(row)).digest(
    "hex",
  );
}

/** True when `value` is a hash in hex (64 lowercase hex digits). */
export function isHash(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{64}$/.test(value);
}

/** A hex hash as the BLOB stored in `audit_events.hash` and `audit_anchors.last_hash`. */
export function hashBytes(hex: string): Uint8Array {
  return Buffer.from(hex, "hex");
}

/** The hex of a stored hash; null when `value` is not a 32-byte BLOB. */
export function storedHashHex(value: unknown): string | null {
  return value instanceof Uint8Array && value.length === 32
    ? Buffer.from(value.buffer, value.byteOffset, value.length).toString("hex")
    : null;
}
