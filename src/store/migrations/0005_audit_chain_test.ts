import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { openDatabase, SCHEMA_VERSION, schemaVersion } from "../db.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask, getAuditEvent } from "../audit.ts";
import { verifyAuditChain } from "../audit_verify.ts";
import { MIGRATION_0001 } from "./0001_init.ts";
import { MIGRATION_0002 } from "./0002_device_config_keys.ts";
import { MIGRATION_0003 } from "./0003_entity_versions.ts";
import { MIGRATION_0004 } from "./0004_autoincrement_ids.ts";

const GRANTED = auditMask(AUDIT_EVENT.AUTH_GRANTED);
const BAD_READ = auditMask(AUDIT_EVENT.BAD_READ);

/** Audit rows as a schema-4 build wrote them (ids with a gap: 4 was never used). */
const SCHEMA_4_ROWS = `
INSERT INTO audit_events (id, timestamp, kind, event_mask, author_id, description, data)
  VALUES (1, 10, '${AUDIT_KIND.USER}', 2, 1, 'User created.', '{}'),
         (2, 11, '${AUDIT_KIND.AUTH}', ${GRANTED}, NULL, 'Access granted', '{"door":1}'),
         (3, 12, '${AUDIT_KIND.AUTH}', ${BAD_READ}, NULL, 'Bad read', '{}'),
         (5, 13, '${AUDIT_KIND.AUTH}', ${GRANTED}, NULL, 'Access granted', '{"door":2}'),
         (6, 14, '${AUDIT_KIND.WSAPI_CALL}', 1, 1, 'Call', '{"method":"x"}');
`;

Deno.test("migration 5: a schema-4 audit log gets its chains and verifies", () => {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-migration-5-" });
  try {
    const path = join(dir, "old.db");
    const raw = new DatabaseSync(path);
    raw.exec("PRAGMA foreign_keys = OFF"); // as migrate() runs migration 4
    raw.exec(MIGRATION_0001);
    MIGRATION_0002(raw);
    raw.exec(MIGRATION_0003);
    MIGRATION_0004(raw);
    raw.exec("PRAGMA user_version = 4");
    raw.exec(SCHEMA_4_ROWS);
    raw.close();

    const db = openDatabase(path); // migrates 4 -> 5
    try {
      assert.equal(schemaVersion(db), SCHEMA_VERSION);
      const rows = db.prepare("SELECT id, chain, prev_id, length(hash) AS n FROM audit_events")
        .all().map((r) => [r.id, r.chain, r.prev_id, r.n]);
      assert.deepEqual(rows, [
        [1, "other", 0, 32],
        [2, "access", 0, 32],
        [3, "other", 1, 32],
        [5, "access", 2, 32],
        [6, "other", 3, 32],
      ]);
      assert.equal(getAuditEvent(db, 2)?.description, "Access granted", "rows are kept");
      const report = verifyAuditChain(db);
      assert.ok(report.ok, JSON.stringify(report));
      assert.equal(report.rows, 5);
      // New rows continue the migrated chains (and AUTOINCREMENT's ids).
      const id = appendAudit(db, {
        kind: AUDIT_KIND.AUTH,
        mask: GRANTED,
        authorId: null,
        description: "Access granted",
        timestamp: 20,
      });
      assert.equal(id, 7);
      assert.equal(db.prepare("SELECT prev_id FROM audit_events WHERE id = 7").get()?.prev_id, 5);
      assert.ok(verifyAuditChain(db).ok);
    } finally {
      db.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
