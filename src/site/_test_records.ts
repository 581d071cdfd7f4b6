/**
 * Test support for the site's event tests: an audit record as a controller
 * commits it (an access decision's mask and data, door 3, credential 12).
 *
 * @module
 */
import { AUDIT_EVENT, auditMask, type AuditRecord } from "../store/audit.ts";

/** Audit row `id` of `kind` at `timestamp`. */
export function auditRecord(
  id: number,
  kind: string,
  timestamp: number,
  description = `row ${id}`,
): AuditRecord {
  return {
    id,
    timestamp,
    kind,
    mask: auditMask(AUDIT_EVENT.AUTH_GRANTED),
    authorId: null,
    description,
    targetId: 7,
    target2Id: 3,
    before: null,
    after: null,
    data: { granted: true, door: 3, credential: 12 },
  };
}
