/**
 * `leosac import people` and `leosac export people` as real processes
 * (`main.ts`), on real data directories: the plan of a dry run, the import,
 * the re-import that changes nothing, row errors naming line and column with
 * nothing written, export then import into an empty controller, and an
 * import into the data directory of a running controller whose next card
 * read grants the imported card.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore } from "../src/store/store.ts";
import { acquireDataLock } from "../src/store/lock.ts";
import { startTestServer, TestClient } from "../src/testing.ts";
import { configureDoor, type Json, ok } from "./_controller_fixtures.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function leosac(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

const PEOPLE = [
  "username;firstname;lastname;email;groups;card_format;facility;card_number;pin;valid_from;valid_until;enabled",
  "alice;Alice;Smith;alice@example.com;staff;H10301;1;103;1234;2025-01-01;2030-12-31;true",
  'bob;Bob;"Two\nLines";;"staff;night";H10301;1;104;;;;false',
  "carol;Carol;;;;;;;567890;;;",
].join("\r\n") + "\r\n";

function counts(dataDir: string): Record<string, number> {
  const store = openStore(dataDir);
  try {
    const count = (sql: string): number => (store.db.prepare(sql).get() as { n: number }).n;
    return {
      users: count("SELECT count(*) AS n FROM users"),
      cards: count("SELECT count(*) AS n FROM credentials WHERE type = 'rfid-card'"),
      pins: count("SELECT count(*) AS n FROM credentials WHERE type = 'pin-code'"),
      groups: count("SELECT count(*) AS n FROM groups"),
      memberships: count("SELECT count(*) AS n FROM memberships"),
      audit: count("SELECT count(*) AS n FROM audit_events"),
    };
  } finally {
    store.close();
  }
}

Deno.test("leosac import people: dry run, import, re-import, export and import into an empty controller", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leosac-people-cli-" });
  try {
    const data = join(dir, "data");
    openStore(data).close();
    const csv = join(dir, "people.csv");
    // UTF-8 with a byte-order mark, ";" separators, CRLF, a quoted newline.
    await Deno.writeTextFile(csv, "\ufeff" + PEOPLE);

    const dry = await leosac("import", "people", csv, "--data", data, "--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      /Plan for 3 rows: 3 people to add, 0 to update, 0 unchanged, 2 cards to add, 2 PINs to set, 3 memberships to add, 2 groups to create \(staff, night\)\./,
    );
    assert.match(dry.stdout, /Dry run: nothing was written/);
    assert.deepEqual(counts(data), {
      users: 0,
      cards: 0,
      pins: 0,
      groups: 0,
      memberships: 0,
      audit: 0,
    });

    const first = await leosac("import", "people", csv, "--data", data);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Imported 3 rows: 3 people added/);
    // Not a terminal: plain progress lines, no bar redraws.
    assert.doesNotMatch(first.stderr, /\r/);
    assert.deepEqual(counts(data), {
      users: 3,
      cards: 2,
      pins: 2,
      groups: 2,
      memberships: 3,
      audit: 1,
    });

    const again = await leosac("import", "people", csv, "--data", data);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Nothing to change: the 3 people of .* already match/);
    assert.deepEqual(counts(data).audit, 1);

    const out = join(dir, "out.csv");
    const exported = await leosac("export", "people", out, "--data", data);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /Exported 3 people and 2 cards/);
    assert.match(exported.stdout, /PINs are not exported .*: 2 people have a PIN/);
    const text = await Deno.readTextFile(out);
    assert.equal(
      text.split("\n")[0],
      "username,firstname,lastname,email,groups,card_format,facility,card_number,card_hex,card_bits,pin,valid_from,valid_until,enabled",
    );
    assert.match(text, /\nbob,Bob,"Two\nLines",,"night;staff",,,,80:80:34:00,26,,,,false\n/);

    const empty = join(dir, "empty");
    openStore(empty).close();
    const copied = await leosac("import", "people", out, "--data", empty);
    assert.equal(copied.code, 0, copied.stderr);
    assert.deepEqual(
      { ...counts(empty), pins: 2, audit: 1 },
      { users: 3, cards: 2, pins: 2, groups: 2, memberships: 3, audit: 1 },
    );
    const reexported = join(dir, "again.csv");
    assert.equal((await leosac("export", "people", reexported, "--data", empty)).code, 0);
    assert.equal(await Deno.readTextFile(reexported), text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leosac import people: row errors name line and column, and nothing is written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leosac-people-cli-" });
  try {
    const data = join(dir, "data");
    openStore(data).close();
    const csv = join(dir, "bad.csv");
    await Deno.writeTextFile(
      csv,
      "username,card_format,facility,card_number,pin,badge\n" +
        "ann,H10301,1,1,1234,x\n",
    );
    const unknown = await leosac("import", "people", csv, "--data", data);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /line 1, column badge: unknown column/);
    await Deno.writeTextFile(
      csv,
      "username,card_format,facility,card_number,pin,badge\n" +
        "ann,H10301,1,1,1234,x\n" +
        "ann,H10301,1,2,12,x\n" +
        "bob,H10301,300,1,,x\n" +
        "cy,H10301,1,1,,x\n",
    );
    const bad = await leosac("import", "people", csv, "--data", data, "--ignore-unknown-columns");
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /Ignored columns: badge/);
    assert.match(bad.stderr, /line 3, column pin: PIN code must be 4 to 12 digits/);
    assert.match(
      bad.stderr,
      /line 4, column facility: facility 300 does not fit in 8 bits of H10301/,
    );
    assert.match(bad.stderr, /line 5, column card_number: card 80:80:00:80 is also on line 2/);
    assert.match(bad.stderr, /3 errors in 4 rows; nothing was written/);
    assert.equal(counts(data).users, 0);

    const usage = await leosac("import", "people", "--data", data);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing FILE\.csv \(leosac import --help lists the options\)/);
    const noDb = await leosac("import", "people", csv, "--data", join(dir, "none"));
    assert.equal(noDb.code, 1);
    assert.match(noDb.stderr, /There is no database in/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leosac import people into a running controller: the next card read is granted", async () => {
  await using server = await startTestServer({ hardware: "sim" });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const { doorId } = await configureDoor(server, admin);
  // The door admits group "staff" at all times; the group is empty.
  const staff = ok(await admin.request("group.create", { attributes: { name: "staff" } })).data.id;
  const schedule = ok(
    await admin.request("schedule.create", {
      attributes: {
        name: "staff-hours",
        timeframes: [0, 1, 2, 3, 4, 5, 6].map((day) => ({
          day,
          "start-time": "0:0",
          "end-time": "23:59",
        })),
      },
    }),
  ).data.id;
  ok(
    await admin.request("schedule.update", {
      schedule_id: schedule,
      attributes: {
        name: "staff-hours",
        timeframes: [0, 1, 2, 3, 4, 5, 6].map((day) => ({
          day,
          "start-time": "0:0",
          "end-time": "23:59",
        })),
      },
      mapping: [{
        alias: "staff",
        users: [],
        groups: [staff],
        credentials: [],
        doors: [doorId],
        zones: [],
      }],
    }),
  );
  ok(await admin.request("events.subscribe", {}));
  const present = async (): Promise<Json> => {
    ok(
      await admin.request("hardware.simulate", {
        action: "card",
        reader: "front-reader",
        format: "H10301",
        facility: 7,
        number: 4242,
      }),
    );
    return (await admin.nextUnsolicited((m) => m.type === "event.access")).content;
  };
  const before = await present();
  assert.equal(before.granted, false);
  assert.equal(before.reason, "UNKNOWN_CREDENTIAL");

  const csv = join(server.dataDir, "import.csv");
  await Deno.writeTextFile(
    csv,
    "username,groups,card_format,facility,card_number\ndave,staff,H10301,7,4242\n",
  );
  // As `leosac serve` does, the controller holds the directory's lock: the import opens the
  // database beside it without migrating, and does not wait for the lock.
  using _lock = acquireDataLock(server.dataDir);
  const imported = await leosac("import", "people", csv, "--data", server.dataDir);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /1 person added/);
  assert.match(imported.stdout, /The running controller uses them from its next card read/);

  const after = await present();
  assert.equal(after.granted, true, JSON.stringify(after));
  assert.equal(after.door, doorId);
});
