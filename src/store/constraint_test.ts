import assert from "node:assert/strict";
import { openTempDatabase } from "./_test_db.ts";
import { isCheckViolation, isForeignKeyViolation, isUniqueViolation } from "./constraint.ts";

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("Expected an error");
}

Deno.test("isUniqueViolation() and friends classify SQLite constraint errors", () => {
  using t = openTempDatabase();
  t.db.exec("INSERT INTO groups (name) VALUES ('g')");
  const unique = errorOf(() => t.db.exec("INSERT INTO groups (name) VALUES ('g')"));
  const foreign = errorOf(() =>
    t.db.exec("INSERT INTO memberships (user_id, group_id, timestamp) VALUES (9, 9, 0)")
  );
  const check = errorOf(() => t.db.exec("INSERT INTO zones (type) VALUES (5)"));
  assert.deepEqual([unique, foreign, check].map(isUniqueViolation), [true, false, false]);
  assert.deepEqual([unique, foreign, check].map(isForeignKeyViolation), [false, true, false]);
  assert.deepEqual([unique, foreign, check].map(isCheckViolation), [false, false, true]);
  assert.equal(isUniqueViolation(new Error("x")), false);
  assert.equal(isUniqueViolation(null), false);
});
