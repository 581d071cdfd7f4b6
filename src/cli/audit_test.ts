import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseFlags, UsageError } from "./flags.ts";
import { parseAuditFlags, runAuditVerify } from "./audit.ts";
import { openStore } from "../store/store.ts";
import { appendAudit, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../store/audit.ts";
import { DAY_MS, runAuditRetention } from "../store/audit_retention.ts";
import { openDatabase } from "../store/db.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

function capture(): { io: { print(l: string): void; error(l: string): void }; out: string[] } {
  const out: string[] = [];
  return { out, io: { print: (l) => out.push(l), error: (l) => out.push(`E: ${l}`) } };
}

/** A data directory with `n` audit rows (decisions and calls), closed. */
function dataDir(n: number, now = Date.now()): string {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-audit-cli-" });
  const store = openStore(dir);
  try {
    for (let i = 0; i < n; i++) {
      appendAudit(store.db, {
        kind: i % 2 === 0 ? AUDIT_KIND.AUTH : AUDIT_KIND.WSAPI_CALL,
        mask: auditMask(i % 2 === 0 ? AUDIT_EVENT.AUTH_GRANTED : AUDIT_EVENT.WSAPI_CALL),
        authorId: null,
        description: `row ${i}`,
        timestamp: now - (n - i) * DAY_MS,
      });
    }
  } finally {
    store.close();
  }
  return dir;
}

Deno.test("parseAuditFlags() takes verify with --data or --export", () => {
  assert.deepEqual(parseAuditFlags(["verify", "--data", "d"]), {
    command: "audit-verify",
    dataDir: "d",
    exportFiles: [],
  });
  assert.deepEqual(parseAuditFlags(["verify", "--export", "a.gz", "--export", "b.gz"]), {
    command: "audit-verify",
    dataDir: null,
    exportFiles: ["a.gz", "b.gz"],
  });
  assert.deepEqual(parseFlags(["audit", "--help"]), { command: "help", topic: "audit" });
  assert.equal(parseFlags(["audit", "verify", "--data", "x"]).command, "audit-verify");
  assert.throws(() => parseAuditFlags(["verify"]), /give --data DIR or --export FILE/);
  assert.throws(() => parseAuditFlags(["verify", "--data", "d", "--export", "f"]), UsageError);
  assert.throws(() => parseAuditFlags(["check", "--data", "d"]), /unknown subcommand: "check"/);
  assert.throws(() => parseAuditFlags([]), /missing subcommand: verify/);
});

Deno.test("parseFlags() reads the audit retention flags of serve, with defaults", () => {
  const plain = parseFlags([]);
  assert.ok(plain.command === "serve");
  assert.deepEqual(plain.auditRetention, {
    keepAccessDays: 365,
    keepOtherDays: 90,
    maxMb: 1024,
    export: true,
  });
  const set = parseFlags([
    "--audit-keep-days",
    "730",
    "--audit-keep-other-days",
    "30",
    "--audit-max-mb",
    "0",
    "--audit-export",
    "none",
  ]);
  assert.ok(set.command === "serve");
  assert.deepEqual(set.auditRetention, {
    keepAccessDays: 730,
    keepOtherDays: 30,
    maxMb: 0,
    export: false,
  });
  assert.throws(() => parseFlags(["--audit-keep-days", "0"]), /--audit-keep-days: "0"/);
  assert.throws(() => parseFlags(["--audit-keep-days", "-1"]), UsageError);
  assert.throws(() => parseFlags(["--audit-keep-other-days", "1e3"]), UsageError);
  assert.throws(() => parseFlags(["--audit-max-mb", "99999999"]), UsageError);
  assert.throws(() => parseFlags(["--audit-export", "zip"]), /expected gzip, none/);
});

Deno.test("runAuditVerify() prints OK with the row count and id range, and each chain's head", () => {
  const dir = dataDir(6);
  try {
    const { io, out } = capture();
    assert.equal(runAuditVerify({ command: "audit-verify", dataDir: dir, exportFiles: [] }, io), 0);
    assert.equal(out[0], "Audit chain OK: 6 rows, ids 1..6");
    assert.match(
      out[1]!,
      /^ {2}access decisions: 3 rows from the start; head row 5, hash [0-9a-f]{64}$/,
    );
    assert.match(out[2]!, /^ {2}other rows: 3 rows from the start; head row 6, hash [0-9a-f]{64}$/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("runAuditVerify() starts from the anchors after retention and checks the export files", async () => {
  const now = Date.now();
  const dir = dataDir(6, now);
  try {
    const db = openDatabase(join(dir, "leosac.db"));
    let files: string[];
    try {
      files = (await runAuditRetention(db, {
        keepAccessDays: 365,
        keepOtherDays: 3,
        maxBytes: null,
        exportDir: join(dir, "audit-export"),
      }, now)).files;
    } finally {
      db.close();
    }
    assert.equal(files.length, 1);
    const { io, out } = capture();
    assert.equal(runAuditVerify({ command: "audit-verify", dataDir: dir, exportFiles: [] }, io), 0);
    assert.equal(out[0], "Audit chain OK: 5 rows, ids 1..6");
    assert.match(out[2]!, /other rows: 2 rows from anchor row 2 \(removed by retention\)/);
    const exported = capture();
    assert.equal(
      runAuditVerify({ command: "audit-verify", dataDir: null, exportFiles: files }, exported.io),
      0,
    );
    assert.match(exported.out[0]!, /OK: 1 rows of the other chain, ids 2\.\.2, following row 0/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runAuditVerify() names the broken row and exits 1; a missing database is not created", () => {
  const dir = dataDir(6);
  try {
    const db = openDatabase(join(dir, "leosac.db"));
    db.exec("DELETE FROM audit_events WHERE id = 3");
    db.close();
    const { io, out } = capture();
    assert.equal(runAuditVerify({ command: "audit-verify", dataDir: dir, exportFiles: [] }, io), 1);
    assert.equal(
      out[0],
      "Audit chain BROKEN at row 5: the access chain misses row 3, which row 5 follows: " +
        "it was deleted (the last access row present before it is 1)",
    );
    const empty = Deno.makeTempDirSync();
    try {
      const missing = capture();
      assert.equal(
        runAuditVerify({ command: "audit-verify", dataDir: empty, exportFiles: [] }, missing.io),
        1,
      );
      assert.match(missing.out[0]!, /^E: leosac: cannot read .*leosac\.db/);
      assert.deepEqual([...Deno.readDirSync(empty)], [], "nothing was created");
    } finally {
      Deno.removeSync(empty, { recursive: true });
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("leosac audit verify works while another process holds the database open and writes", async () => {
  const dir = dataDir(4);
  const writer = openStore(dir); // as a running controller: WAL, a write connection
  try {
    appendAudit(writer.db, {
      kind: AUDIT_KIND.USER,
      mask: auditMask(AUDIT_EVENT.USER_CREATED),
      authorId: 1,
      description: "User created while verifying",
      timestamp: Date.now(),
    });
    const run = async (): Promise<{ code: number; stdout: string }> => {
      const { code, stdout } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "audit", "verify", "--data", dir],
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code, stdout: new TextDecoder().decode(stdout) };
    };
    const ok = await run();
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /^Audit chain OK: 5 rows, ids 1\.\.5\n/);
    writer.db.exec("UPDATE audit_events SET description = 'changed' WHERE id = 2");
    const broken = await run();
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /^Audit chain BROKEN at row 2: row 2 was edited/);
  } finally {
    writer.close();
    await Deno.remove(dir, { recursive: true });
  }
});
