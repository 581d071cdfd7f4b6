/**
 * A controller that joins a site loads the newest snapshot, which may be
 * older than the site's last changes (snapshots are taken every 1,000
 * changesets or 50,000 rows). It must apply those changes before it decides
 * anything: a card disabled after the snapshot must not open its doors.
 * `Site.prepare` (what `leosac serve --site` runs before the controller
 * worker starts) returns only once the copy has caught up with the log.
 * Two sites' worth of stores on a real nats-server.
 */
import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { Capture } from "../src/site/capture.ts";
import type { ComputedChange } from "../src/site/policy_log.ts";
import { Site } from "../src/site/site.ts";
import { openStore, type Store } from "../src/store/store.ts";
import { createUser, getUserByUsername, updateUser } from "../src/store/users.ts";
import { skipWithoutNats, startNats } from "./_nats.ts";
import { siteSetting } from "./_site_fixtures.ts";

const ignore = skipWithoutNats("tests/site_join_test.ts");

/** A site change made by running `write` against `db` (captured, not committed). */
function change(db: DatabaseSync, write: () => void): () => ComputedChange<null> {
  const capture = new Capture(db);
  return () => ({
    result: null,
    changes: capture.run(write).changes,
    audits: [],
    keepToken: null,
    now: Date.now(),
  });
}

function names(db: DatabaseSync): string[] {
  return db.prepare("SELECT username FROM users ORDER BY username").all().map((r) =>
    String(r.username)
  );
}

Deno.test({
  name: "a joining controller applies the changes made after the newest snapshot before it starts",
  ignore,
  async fn() {
    await using nats = await startNats();
    const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
    const stores: Store[] = [];
    const sites: Site[] = [];
    const lines: string[] = [];
    try {
      const storeA = openStore(dirs[0]!);
      stores.push(storeA);
      const a = new Site(siteSetting(nats, "join", "a"), storeA, dirs[0]!);
      sites.push(a);
      assert.equal(await a.prepare((l) => lines.push(l)), true, "A founds the site");
      await a.found(); // the snapshot: no users yet
      a.log!.start(); // as Site.start does in the server
      const db = storeA.db;
      await a.log!.write(change(db, () => createUser(db, { username: "alice" })));
      await a.log!.write(change(db, () => createUser(db, { username: "bob" })));
      const bob = getUserByUsername(db, "bob")!;
      await a.log!.write(
        change(
          db,
          () => updateUser(db, bob.id, { validity: { enabled: false, start: null, end: null } }),
        ),
      );
      assert.deepEqual(names(db), ["alice", "bob"]);

      const storeB = openStore(dirs[1]!);
      stores.push(storeB);
      const b = new Site(siteSetting(nats, "join", "b"), storeB, dirs[1]!);
      sites.push(b);
      assert.equal(await b.prepare((l) => lines.push(l)), false, "B joins");
      // No waiting: what prepare returned with is what the controller decides from.
      assert.deepEqual(names(storeB.db), ["alice", "bob"]);
      assert.equal(getUserByUsername(storeB.db, "bob")!.validity.enabled, false, "bob's disabling");
      assert.equal(b.log!.appliedSequence, 3);
      assert.equal(b.status().connected, true);
    } finally {
      for (const site of sites) await site.close();
      for (const store of stores) store.close();
      for (const dir of dirs) await Deno.remove(dir, { recursive: true });
    }
  },
});
