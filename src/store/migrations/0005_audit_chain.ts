/**
 * Migration 5: the audit log becomes tamper-evident and can be trimmed.
 *
 * Adds to `audit_events` the row's chain (`access` for access decisions,
 * `other` for the rest), the id of the previous row of that chain (`prev_id`,
 * 0 for the first) and the row's `hash` (a 32-byte BLOB, see
 * `src/store/audit_chain.ts`),
 * with an index on `(chain, id)` to find a chain's last row; and the table
 * `audit_anchors`, where retention records the id and hash of the last row it
 * removed from each chain (verification starts there).
 *
 * Every existing row gets its chain, `prev_id` and hash, in id order, as if
 * it had been written by this schema: the chains start at the oldest row
 * present.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { type AuditChain, auditChainOf, GENESIS_HASH, hashBytes, rowHash } from "../audit_chain.ts";
import { int, rowReader } from "../rows.ts";

/** The schema change (before the rows are hashed). */
export const AUDIT_CHAIN_SQL_0005 = `
ALTER TABLE audit_events ADD COLUMN chain TEXT NOT NULL DEFAULT 'other';
ALTER TABLE audit_events ADD COLUMN prev_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD COLUMN hash BLOB;
CREATE INDEX audit_events_chain ON audit_events(chain, id);
CREATE TABLE audit_anchors (
  chain TEXT PRIMARY KEY CHECK (chain IN ('access', 'other')),
  last_id INTEGER NOT NULL,
  last_hash BLOB NOT NULL,
  removed INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
`;

/** Rows hashed per SELECT while migrating. */
const BATCH_ROWS = 1000;

const readKey = rowReader("audit_events", { id: int, event_mask: int });

/** Applies the schema change and hashes every existing row (inside the migration transaction). */
export function MIGRATION_0005(db: DatabaseSync): void {
  db.exec(AUDIT_CHAIN_SQL_0005);
  const select = db.prepare("SELECT * FROM audit_events WHERE id > ? ORDER BY id LIMIT ?");
  const update = db.prepare(
    "UPDATE audit_events SET chain = ?, prev_id = ?, hash = ? WHERE id = ?",
  );
  const last: Record<AuditChain, { id: number; hash: string }> = {
    access: { id: 0, hash: GENESIS_HASH },
    other: { id: 0, hash: GENESIS_HASH },
  };
  for (let after = 0;;) {
    const rows = select.all(after, BATCH_ROWS);
    if (rows.length === 0) return;
    for (const row of rows) {
      const { id, event_mask } = readKey(row);
      const chain = auditChainOf(String(row.kind), event_mask);
      const prev = last[chain];
      const hash = rowHash(prev.hash, { ...row, chain, prev_id: prev.id } as never);
      update.run(chain, prev.id, hashBytes(hash), id);
      last[chain] = { id, hash };
      after = id;
    }
  }
}
