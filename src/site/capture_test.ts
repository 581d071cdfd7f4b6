import assert from "node:assert/strict";
import { openTempDatabase } from "../store/_test_db.ts";
import { createUser, deleteUser, updateUser } from "../store/users.ts";
import { createGroup } from "../store/groups.ts";
import { createMembership } from "../store/memberships.ts";
import { Capture, ChangeApplier, REPLICATED_TABLES } from "./capture.ts";

function dump(db: import("node:sqlite").DatabaseSync): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of [...REPLICATED_TABLES, "sqlite_sequence"]) {
    out[t] = db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all();
  }
  return out;
}

Deno.test("a captured change writes nothing; applied to another copy it gives the same rows and ids", () => {
  using a = openTempDatabase();
  using b = openTempDatabase();
  const capture = new Capture(a.db);
  const applier = new ChangeApplier(b.db);
  const replay = (fn: () => unknown) => {
    const before = dump(a.db);
    const { changes } = capture.run(fn);
    assert.deepEqual(dump(a.db), before, "the capture rolled back");
    for (const copy of [a.db, b.db]) {
      copy.exec("BEGIN");
      (copy === a.db ? new ChangeApplier(a.db) : applier).apply(changes);
      copy.exec("COMMIT");
    }
    return changes;
  };
  const changes = replay(() => {
    const u = createUser(a.db, { username: "ann" });
    const g = createGroup(a.db, { name: "staff" });
    createMembership(a.db, { userId: u.id, groupId: g.id, timestamp: 5 });
    return u;
  });
  assert.deepEqual(changes.map(([t, op]) => `${t}:${op}`), [
    "users:u",
    "groups:u",
    "memberships:u",
  ]);
  assert.deepEqual(dump(b.db), dump(a.db));
  replay(() => updateUser(a.db, 1, { firstname: "Ann" }));
  assert.equal(b.db.prepare("SELECT firstname FROM users WHERE id = 1").get()?.firstname, "Ann");
  // A delete cascades on both copies the same way.
  const deletes = replay(() => deleteUser(a.db, 1));
  assert.ok(deletes.some(([t, op]) => t === "users" && op === "d"));
  assert.deepEqual(dump(b.db), dump(a.db));
  assert.equal(b.db.prepare("SELECT count(*) AS n FROM memberships").get()?.n, 0);
  // Ids keep climbing the same way on both copies (AUTOINCREMENT's sequence).
  replay(() => createUser(a.db, { username: "bob" }));
  assert.deepEqual(b.db.prepare("SELECT id FROM users").all().map((r) => r.id), [2]);
});

Deno.test("a door's mode is local: not captured, not overwritten", () => {
  using a = openTempDatabase();
  using b = openTempDatabase();
  const capture = new Capture(a.db);
  const { changes } = capture.run(() =>
    a.db.prepare("INSERT INTO doors (alias, mode) VALUES ('front', 'normal')").run()
  );
  new ChangeApplier(b.db).apply(changes);
  b.db.exec("UPDATE doors SET mode = 'lockdown'");
  a.db.exec("INSERT INTO doors (alias, mode) VALUES ('front', 'normal')");
  const modeOnly = capture.run(() => a.db.exec("UPDATE doors SET mode = 'locked'"));
  assert.deepEqual(modeOnly.changes, []);
  const alias = capture.run(() => a.db.exec("UPDATE doors SET alias = 'main'"));
  new ChangeApplier(b.db).apply(alias.changes);
  assert.deepEqual({ ...b.db.prepare("SELECT alias, mode FROM doors").get() }, {
    alias: "main",
    mode: "lockdown",
  });
});

Deno.test("a change is applied by column name; a column this copy lacks is refused", () => {
  using b = openTempDatabase();
  const applier = new ChangeApplier(b.db);
  // A writer whose users table lists its columns in another order, without some.
  applier.apply([["users", "u", ["zed", 7]]], { users: ["username", "id"] });
  assert.deepEqual(
    { ...b.db.prepare("SELECT id, username, rank FROM users").get() },
    { id: 7, username: "zed", rank: 0 },
  );
  assert.throws(
    () =>
      applier.apply([["users", "u", [8, "amy", 1]]], { users: ["id", "username", "shoe_size"] }),
    /users\.shoe_size, which this copy does not have: upgrade this controller/,
  );
});
