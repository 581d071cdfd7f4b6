/**
 * A copy that cannot apply a site change for a passing reason (its disk is
 * full) does not stop following the site: it tries the same changeset again
 * until it is applied, asks for the disk reserve, refuses its own writers
 * with the reason meanwhile, and ends with the same rows as the writer. Two
 * policy logs on a real nats-server, each on its own SQLite file; the full
 * disk is SQLite's own `max_page_count` on the follower's connection.
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import type { DatabaseSync } from "node:sqlite";
import { Capture } from "../src/site/capture.ts";
import { siteNames } from "../src/site/names.ts";
import { type ComputedChange, PolicyLog } from "../src/site/policy_log.ts";
import { createUser } from "../src/store/users.ts";
import { openTempDatabase } from "../src/store/_test_db.ts";
import { until } from "./_controller_fixtures.ts";
import { skipWithoutNats, startNats } from "./_nats.ts";
import { siteLinkTo } from "./_site_fixtures.ts";

const ignore = skipWithoutNats("tests/site_policy_apply_test.ts");
const names = siteNames("full");

function users(db: DatabaseSync): number {
  return Number(db.prepare("SELECT count(*) AS n FROM users").get()?.n);
}

/** A change that creates `count` users named `prefix`-N. */
function createUsers(db: DatabaseSync, prefix: string, count: number): () => ComputedChange<null> {
  const capture = new Capture(db);
  return () => {
    const { changes } = capture.run(() => {
      for (let i = 0; i < count; i++) {
        createUser(db, { username: `${prefix}-${i}`, firstname: "x".repeat(200) });
      }
    });
    return { result: null, changes, audits: [], keepToken: null, now: Date.now() };
  };
}

Deno.test({
  name:
    "a copy whose disk is full tries a site change again until it is applied, and refuses its own writes meanwhile",
  ignore,
  async fn() {
    await using nats = await startNats();
    using a = openTempDatabase();
    using b = openTempDatabase();
    const nc = await connect({ servers: [...nats.urls] });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: names.policyStream, subjects: [names.policySubject] });
    for (const [db, controller] of [[a.db, "a"], [b.db, "b"]] as const) {
      db.prepare("INSERT INTO site_state (id, site, controller) VALUES (1, ?, ?)").run(
        names.site,
        controller,
      );
    }
    const [linkA, linkB] = [siteLinkTo(nats, names.site, "a"), siteLinkTo(nats, names.site, "b")];
    void linkA.start();
    void linkB.start();
    let fullCalls = 0;
    const logA = new PolicyLog({ db: a.db, link: linkA, names, controller: "a" });
    const logB = new PolicyLog({
      db: b.db,
      link: linkB,
      names,
      controller: "b",
      onStoreFull: () => fullCalls++,
    });
    logA.start();
    logB.start();
    try {
      await logA.write(createUsers(a.db, "first", 1));
      await until(() => users(b.db) === 1, 10_000);

      // B's file may not grow any more: the next change does not fit.
      b.db.exec("VACUUM");
      const pages = Number(b.db.prepare("PRAGMA page_count").get()?.page_count);
      b.db.exec(`PRAGMA max_page_count = ${pages}`);
      await logA.write(createUsers(a.db, "bulk", 300));
      assert.equal(users(a.db), 301);
      await until(() => (logB.applyFailing?.attempts ?? 0) >= 2, 10_000);
      assert.equal(logB.diverged, null, "a full disk is not a divergence");
      assert.match(logB.applyFailing!.error, /full/);
      assert.ok(fullCalls >= 1, "the disk reserve was asked for");
      assert.equal(users(b.db), 1, "nothing of the change is half applied");
      await until(() => logB.lagMs() > 0, 5_000); // the lag shows it

      // A writer on B hears why at once, and nothing is changed.
      const started = Date.now();
      await assert.rejects(
        logB.write(createUsers(b.db, "from-b", 1)),
        /cannot apply the site's changes now \(.*full.*\).*Nothing was changed/,
      );
      assert.ok(Date.now() - started < 5_000, "refused at once, not after the catch-up wait");
      const again = Date.now();
      await assert.rejects(logB.write(createUsers(b.db, "from-b", 1)), /cannot apply/);
      assert.ok(Date.now() - again < 1_000, "a write while it fails is refused without waiting");

      // Room again (the reserve released, files deleted): the change is applied, in order.
      b.db.exec("PRAGMA max_page_count = 1073741823");
      await until(() => users(b.db) === 301, 20_000);
      assert.equal(logB.applyFailing, null);
      assert.equal(logB.diverged, null);
      assert.equal(logB.appliedSequence, logA.appliedSequence);
      const userRows = (db: DatabaseSync) =>
        db.prepare("SELECT id, username FROM users ORDER BY id").all().map((r) => ({ ...r }));
      assert.deepEqual(userRows(b.db), userRows(a.db));

      // And it follows the site as before.
      await logB.write(createUsers(b.db, "from-b", 1));
      await until(() => users(a.db) === 302, 10_000);
    } finally {
      await logA.close();
      await logB.close();
      await linkA.close();
      await linkB.close();
      await nc.close();
    }
  },
});
