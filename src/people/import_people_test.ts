import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { openTempDatabase } from "../store/_test_db.ts";
import { appendAudit } from "../store/audit.ts";
import { transaction } from "../store/db.ts";
import { createCredential } from "../store/credentials.ts";
import { createDevice } from "../store/devices.ts";
import { getUserByUsername } from "../store/users.ts";
import { hashPin } from "../store/secrets.ts";
import { type ImportOptions, importPeople, type ImportReport } from "./import_people.ts";

const SECRET = new Uint8Array(32).fill(7);
const NOW = Date.UTC(2025, 5, 1);

function target(db: DatabaseSync) {
  return {
    db,
    secret: SECRET,
    transaction: <T>(fn: () => T): T => transaction(db, fn),
    audit: (
      entry: Parameters<typeof appendAudit>[1] extends infer E ? Omit<E & object, "timestamp">
        : never,
    ) => appendAudit(db, { ...(entry as Parameters<typeof appendAudit>[1]), timestamp: NOW }),
    authorId: null,
    sourceName: "test.csv",
  };
}

function run(
  db: DatabaseSync,
  csv: string,
  options: Partial<ImportOptions> = {},
): Promise<ImportReport> {
  return importPeople(() => [csv], target(db), { now: NOW, ...options });
}

function count(db: DatabaseSync, sql: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${sql}`).get() as { n: number }).n;
}

const FILE = "username,firstname,groups,card_format,facility,card_number,pin,valid_until\n" +
  "ann,Ann,staff,H10301,1,103,1234,2030-01-01\n" +
  "bo,Bo,staff;night,H10301,1,104,,\n";

Deno.test("importPeople() adds, then finds nothing to change, then updates what changed", async () => {
  using t = openTempDatabase();
  const first = await run(t.db, FILE);
  assert.equal(first.applied, true);
  assert.deepEqual(
    [first.rows, first.add, first.update, first.cardsAdd, first.pins, first.memberships],
    [2, 2, 0, 2, 1, 3],
  );
  assert.deepEqual(first.groupsToCreate, ["staff", "night"]);
  assert.equal(count(t.db, "audit_events"), 1);
  const audit = t.db.prepare("SELECT description, data FROM audit_events").get() as {
    description: string;
    data: string;
  };
  assert.match(audit.description, /^People imported from test\.csv: 2 people to add/);
  assert.equal(JSON.parse(audit.data).added, 2);
  const ann = getUserByUsername(t.db, "ann")!;
  assert.equal(ann.passwordHash, null);
  assert.equal(ann.validity.end, Date.UTC(2030, 0, 1, 23, 59, 59, 999));
  assert.equal(ann.version, 1);

  const again = await run(t.db, FILE);
  assert.equal(again.applied, false);
  assert.deepEqual([again.add, again.update, again.unchanged], [0, 0, 2]);
  assert.equal(count(t.db, "audit_events"), 1);

  const changed = await run(
    t.db,
    FILE.replace("ann,Ann,staff", "ann,Anne,staff;night").replace(",1234,", ",9999,"),
  );
  assert.deepEqual([
    changed.add,
    changed.update,
    changed.unchanged,
    changed.memberships,
    changed.pins,
  ], [0, 1, 1, 1, 1]);
  assert.deepEqual(changed.preview, [{ line: 2, username: "ann", action: "update" }]);
  const anne = getUserByUsername(t.db, "ann")!;
  assert.equal(anne.firstname, "Anne");
  assert.equal(anne.version, 2, "the person's version is bumped as by an edit");
  const pins = t.db.prepare("SELECT pin_hash FROM credentials WHERE type = 'pin-code'").all() as {
    pin_hash: string;
  }[];
  assert.deepEqual(
    pins.map((p) => p.pin_hash),
    [hashPin(SECRET, "9999")],
    "the PIN is replaced, not added",
  );
  assert.equal(count(t.db, "audit_events"), 2);
});

Deno.test("importPeople() writes nothing when one row is wrong, or on a dry run", async () => {
  using t = openTempDatabase();
  const bad = await run(t.db, FILE + "cy,Cy,staff,H10301,1,105,12,\nann,Again,,,,,,\n");
  assert.equal(bad.applied, false);
  assert.deepEqual(bad.errors, [
    { line: 4, column: "pin", message: "PIN code must be 4 to 12 digits" },
    { line: 5, column: "username", message: '"ann" is also on line 2' },
  ]);
  const dry = await run(t.db, FILE, { dryRun: true });
  assert.equal(dry.applied, false);
  assert.equal(dry.add, 2);
  assert.equal(count(t.db, "users") + count(t.db, "groups") + count(t.db, "audit_events"), 0);
});

Deno.test("importPeople() refuses a card that belongs to someone else and takes a free one", async () => {
  using t = openTempDatabase();
  await run(t.db, "username,card_hex,card_bits\nzed,80:80:33:80,26\n");
  createCredential(t.db, { type: "rfid-card", cardId: "80:80:34:00", nbBits: 26 });
  const report = await run(t.db, FILE);
  assert.deepEqual(report.errors, [
    { line: 2, column: "card_number", message: 'card 80:80:33:80 already belongs to "zed"' },
  ]);
  const ok = await run(t.db, FILE.replace(",103,", ",105,"));
  assert.equal(ok.applied, true);
  assert.equal(ok.cardsAssign, 1, "the card nobody owned is given to bo");
  const bo = getUserByUsername(t.db, "bo")!;
  assert.equal(
    (t.db.prepare("SELECT owner_id FROM credentials WHERE card_id = '80:80:34:00'").get() as {
      owner_id: number;
    })
      .owner_id,
    bo.id,
  );
});

Deno.test("importPeople() accepts a format defined on a reader", async () => {
  using t = openTempDatabase();
  createDevice(t.db, {
    name: "r1",
    type: "wiegand-reader",
    config: {
      formats: [{
        name: "Site-30",
        length: 30,
        facility: { start: 1, length: 10 },
        number: { start: 11, length: 18 },
        parity: [{ bit: 0, kind: "even", start: 1, length: 14 }, {
          bit: 29,
          kind: "odd",
          start: 15,
          length: 14,
        }],
      }],
    },
  });
  const report = await run(
    t.db,
    "username,card_format,facility,card_number\nann,site-30,1000,200000\n",
  );
  assert.deepEqual(report.errors, []);
  assert.equal(
    (t.db.prepare("SELECT nb_bits FROM credentials").get() as { nb_bits: number }).nb_bits,
    30,
  );
});

Deno.test("importPeople() stops at a row that a concurrent change made invalid, keeping earlier batches", async () => {
  using t = openTempDatabase();
  const rows = ["username,card_hex,card_bits"];
  for (let i = 0; i < 6; i++) rows.push(`p${i},0${i}:00,16`);
  const csv = rows.join("\n") + "\n";
  let opened = 0;
  const report = await importPeople(
    () => {
      // Between the check (first read) and the write (second), someone takes p4's card.
      if (++opened === 2) {
        createCredential(t.db, {
          type: "rfid-card",
          cardId: "04:00",
          nbBits: 16,
          ownerId: null,
        });
      }
      if (opened === 2) t.db.prepare("INSERT INTO users (username) VALUES ('other')").run();
      if (opened === 2) {
        t.db.prepare(
          "UPDATE credentials SET owner_id = (SELECT id FROM users WHERE username = 'other')",
        ).run();
      }
      return [csv];
    },
    target(t.db),
    { now: NOW, batchRows: 2 },
  );
  assert.equal(report.written, 4);
  assert.equal(report.applied, true);
  assert.deepEqual(report.stopped, {
    line: 6,
    column: "card_hex",
    message: 'card 04:00 already belongs to "other"',
  });
  assert.equal(count(t.db, "users"), 5);
  const last = t.db.prepare("SELECT description FROM audit_events ORDER BY id DESC").get() as {
    description: string;
  };
  assert.match(last.description, /stopped at line 6 after 4 rows/);
});
