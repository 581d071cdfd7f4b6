import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StoreError } from "../errors.ts";
import { bool, int, nullableInt, nullableText, oneOf, oneOfInt, rowReader, text } from "./rows.ts";

const readThing = rowReader("things", {
  id: int,
  name: text,
  note: nullableText,
  parent: nullableInt,
  enabled: bool,
  mode: oneOf(["a", "b"]),
  rank: oneOfInt([0, 1, 2]),
});

function mismatch(pattern: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof StoreError && pattern.test(error.message);
}

Deno.test("rowReader() reads typed columns from a node:sqlite row", () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(`CREATE TABLE things (id INTEGER, name TEXT, note TEXT, parent INTEGER,
      enabled INTEGER, mode TEXT, rank INTEGER, extra TEXT)`);
    db.exec("INSERT INTO things VALUES (1, 'x', NULL, 7, 1, 'b', 2, 'ignored')");
    db.exec("INSERT INTO things VALUES (2, 'y', 'n', NULL, 0, 'a', 0, NULL)");
    const rows = readThing.all(db.prepare("SELECT * FROM things ORDER BY id").all());
    assert.deepEqual(rows, [
      { id: 1, name: "x", note: null, parent: 7, enabled: true, mode: "b", rank: 2 },
      { id: 2, name: "y", note: "n", parent: null, enabled: false, mode: "a", rank: 0 },
    ]);
    assert.equal(readThing.maybe(db.prepare("SELECT * FROM things WHERE id = 9").get()), undefined);
    assert.equal(readThing.maybe(db.prepare("SELECT * FROM things WHERE id = 2").get())?.note, "n");
  } finally {
    db.close();
  }
});

Deno.test("rowReader() names the table and column of a value of the wrong type", () => {
  const good = { id: 1, name: "x", note: null, parent: null, enabled: 1, mode: "a", rank: 0 };
  assert.throws(
    () => readThing({ ...good, id: "1" }),
    mismatch(/^things\.id: expected an integer, got text "1"$/),
  );
  assert.throws(() => readThing({ ...good, id: 1.5 }), mismatch(/things\.id: .*number 1\.5/));
  assert.throws(() => readThing({ ...good, name: null }), mismatch(/things\.name: .*NULL/));
  assert.throws(
    () => readThing({ ...good, enabled: 2 }),
    mismatch(/things\.enabled: expected 0 or 1, got number 2/),
  );
  assert.throws(
    () => readThing({ ...good, mode: "c" }),
    mismatch(/things\.mode: expected one of a, b/),
  );
  assert.throws(
    () => readThing({ ...good, rank: 3 }),
    mismatch(/things\.rank: expected one of 0, 1, 2/),
  );
  assert.throws(
    () => readThing({ ...good, note: new Uint8Array(1) }),
    mismatch(/things\.note: expected a text, got a BLOB/),
  );
  const { parent: _, ...missing } = good;
  assert.throws(() => readThing(missing), mismatch(/things\.parent: .*got no such column/));
  assert.throws(() => readThing(undefined), mismatch(/^things: expected a row/));
});
