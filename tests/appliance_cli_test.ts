/**
 * The appliance commands against real processes (`deno run -A main.ts`) and
 * real SQLite files (issue 9, running as a service; backup, restore,
 * recovery): one controller per data directory (and a `kill -9` never
 * blocks the next start), `backup` while the controller runs, `restore`
 * refused while it runs and complete after, and `admin reset-password`
 * closing the user's sessions in the running controller.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { TestClient } from "../src/testing.ts";
import { dumpTables } from "../src/store/_table_dump.ts";
import { openStore } from "../src/store/store.ts";
import { ensureAdministrator } from "../src/store/bootstrap.ts";
import { createUser, getUserByUsername, updateUser, USER_RANK } from "../src/store/users.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const PASSWORD = "appliance-password-1";

interface Controller {
  child: Deno.ChildProcess;
  wsUrl: string;
  /** Stops it with SIGTERM (or `signal`) and waits; returns the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
}

/** Starts `main.ts serve` on `dataDir` and waits for its ready line. */
async function startController(dataDir: string): Promise<Controller> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "serve", "--data", dataDir, "--listen", "127.0.0.1:0"],
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1", LEOSAC_ADMIN_PASSWORD: PASSWORD },
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let url = "";
  while (!url) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    url = /^Listening on (https?:\/\/\S+)$/m.exec(buffer)?.[1] ?? "";
  }
  // Keep reading so that the child never blocks on a full pipe.
  const drained = (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch {
      // cancelled
    }
  })();
  if (!url) {
    await child.status;
    await drained;
    throw new Error(`The controller did not start:\n${buffer}`);
  }
  return {
    child,
    wsUrl: url.replace(/^http/, "ws"),
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
      const { code } = await child.status;
      await drained;
      return code;
    },
  };
}

/** Runs `main.ts ARGS` to completion. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "leosac-appliance-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function readDb<T>(path: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

Deno.test("two controllers never share a data directory; a kill -9 leaves no lock behind", async () => {
  await withTempDir(async (dir) => {
    const data = join(dir, "data");
    const first = await startController(data);
    try {
      const second = await cli(["serve", "--data", data, "--listen", "127.0.0.1:0"]);
      assert.equal(second.code, 1);
      assert.match(
        second.stderr,
        new RegExp(
          `The data directory "${data}" is in use by another Leosac controller \\(pid ${first.child.pid}\\): two controllers must never share one data directory`,
        ),
      );
      assert.doesNotMatch(second.stdout, /Listening on/);
    } finally {
      assert.equal(await first.stop("SIGKILL"), 137);
    }
    // The lock file still names the dead process; the kernel dropped its lock.
    assert.equal(
      (await Deno.readTextFile(join(data, "leosac.lock"))).trim(),
      String(first.child.pid),
    );
    const third = await startController(data);
    assert.equal(await third.stop(), 0);
  });
});

Deno.test("backup while the controller runs; restore refused while it runs, complete after", async () => {
  await withTempDir(async (dir) => {
    const data = join(dir, "data");
    const online = join(dir, "online.backup");
    const controller = await startController(data);
    let stopped = false;
    try {
      await using admin = await TestClient.connect(controller.wsUrl);
      await admin.login("admin", PASSWORD);
      const created = await admin.request("group.create", {
        attributes: { name: "before-backup" },
      });
      assert.equal(created.status_code, 0, JSON.stringify(created));

      const backup = await cli(["backup", "--data", data, "--out", online]);
      assert.equal(backup.code, 0, backup.stderr);
      assert.match(
        backup.stdout,
        /^Backup written to .*online\.backup \(\d+ bytes, schema version \d+, mode 0600\)/,
      );
      assert.equal((await Deno.stat(online)).mode! & 0o777, 0o600);
      assert.doesNotMatch(backup.stdout + backup.stderr, /[0-9a-f]{64}/i, "no key in the output");

      // A second backup to the same file is refused, the first one kept.
      const again = await cli(["backup", "--data", data, "--out", online]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already exists/);

      const refused = await cli(["restore", "--data", data, "--from", online]);
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /in use by another Leosac controller \(pid \d+\): restore refused/,
      );
      assert.deepEqual(
        (await Array.fromAsync(Deno.readDir(data))).filter((e) => e.name.startsWith("replaced-")),
        [],
      );

      const after = await admin.request("group.create", { attributes: { name: "after-backup" } });
      assert.equal(after.status_code, 0);
      await admin.close();
      assert.equal(await controller.stop(), 0);
      stopped = true;
    } finally {
      if (!stopped) await controller.stop();
    }

    // Every table of a stopped controller's directory, through backup and restore.
    const offline = join(dir, "offline.backup");
    assert.equal((await cli(["backup", "--data", data, "--out", offline])).code, 0);
    const copy = join(dir, "copy");
    const restoredCopy = await cli(["restore", "--data", copy, "--from", offline]);
    assert.equal(restoredCopy.code, 0, restoredCopy.stderr);
    const original = readDb(join(data, "leosac.db"), (db) => dumpTables(db));
    assert.deepEqual(readDb(join(copy, "leosac.db"), (db) => dumpTables(db)), original);
    assert.ok(Object.keys(original.tables).length >= 10, "the comparison covers the tables");
    assert.deepEqual(
      await Deno.readFile(join(copy, "installation.key")),
      await Deno.readFile(join(data, "installation.key")),
    );

    // The online backup over the original: the newer files are kept aside.
    const restored = await cli(["restore", "--data", data, "--from", online]);
    assert.equal(restored.code, 0, restored.stderr);
    const aside = /kept in (\S+)\.$/m.exec(restored.stdout)?.[1];
    assert.ok(aside && aside.startsWith(join(data, "replaced-")), restored.stdout);
    const groups = (path: string): string[] =>
      readDb(
        path,
        (db) => db.prepare("SELECT name FROM groups ORDER BY id").all().map((r) => String(r.name)),
      );
    assert.deepEqual(groups(join(data, "leosac.db")), ["before-backup"]);
    assert.deepEqual(groups(join(aside, "leosac.db")), ["before-backup", "after-backup"]);

    // And the restored directory serves: the administrator logs in.
    const back = await startController(data);
    try {
      await using admin = await TestClient.connect(back.wsUrl);
      await admin.login("admin", PASSWORD);
    } finally {
      assert.equal(await back.stop(), 0);
    }
  });
});

Deno.test("admin reset-password closes the user's sessions in the running controller", async () => {
  await withTempDir(async (dir) => {
    const data = join(dir, "data");
    const controller = await startController(data);
    try {
      await using admin = await TestClient.connect(controller.wsUrl);
      await admin.login("admin", PASSWORD);
      const reset = await cli(["admin", "reset-password", "--data", data]);
      assert.equal(reset.code, 0, reset.stderr);
      const password = /^New password for "admin": (\S+)$/m.exec(reset.stdout)?.[1];
      assert.ok(password && password.length >= 20, reset.stdout);
      assert.equal(reset.stdout.split(password).length, 2, "printed once");
      assert.match(reset.stdout, /Closed the sessions of "admin" on the running controller/);

      // Pushed without any request from the client.
      const closed = await admin.nextUnsolicited((m) => m.type === "session_closed");
      assert.match(JSON.stringify(closed.content), /token no longer exists/);
      const denied = await admin.request("group.read", { group_id: 0 });
      assert.notEqual(denied.status_code, 0);

      await using fresh = await TestClient.connect(controller.wsUrl);
      await assert.rejects(fresh.login("admin", PASSWORD));
      await fresh.login("admin", password);

      const rows = readDb(
        join(data, "leosac.db"),
        (db) =>
          db.prepare(
            "SELECT * FROM audit_events WHERE description LIKE '%reset from the command line%'",
          )
            .all(),
      );
      assert.equal(rows.length, 1);
      const all = readDb(
        join(data, "leosac.db"),
        (db) => JSON.stringify(db.prepare("SELECT * FROM audit_events").all()),
      );
      assert.ok(!all.includes(password), "the password is in no audit row");
    } finally {
      assert.equal(await controller.stop(), 0);
    }
  });
});

Deno.test("admin reset-password works on the last administrator, disabled; --enable enables it", async () => {
  await withTempDir(async (dir) => {
    const data = join(dir, "data");
    const store = openStore(data);
    await ensureAdministrator(store.db, PASSWORD);
    const admin = getUserByUsername(store.db, "admin")!;
    updateUser(store.db, admin.id, { validity: { enabled: false, start: null, end: null } });
    store.close();

    const kept = await cli(["admin", "reset-password", "--data", data, "--user", "ADMIN"]);
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout, /^New password for "admin": \S{20}$/m);
    assert.match(
      kept.stdout,
      /disabled or outside its validity dates and stays so: run again with --enable/,
    );
    const enabled = (): number =>
      readDb(
        join(data, "leosac.db"),
        (db) =>
          Number(
            db.prepare("SELECT validity_enabled AS v FROM users WHERE username = 'admin'").get()!.v,
          ),
      );
    assert.equal(enabled(), 0);

    const enable = await cli(["admin", "reset-password", "--data", data, "--enable"]);
    assert.equal(enable.code, 0, enable.stderr);
    assert.match(enable.stdout, /The account "admin" was enabled\./);
    assert.equal(enabled(), 1);

    // Two administrators: the command asks which; an unknown user changes nothing.
    const second = openStore(data);
    createUser(second.db, { username: "root2", rank: USER_RANK.ADMIN });
    second.close();
    const ambiguous = await cli(["admin", "reset-password", "--data", data]);
    assert.equal(ambiguous.code, 1);
    assert.match(
      ambiguous.stderr,
      /There are 2 administrators \("admin", "root2"\): choose one with --user NAME/,
    );
    const unknown = await cli(["admin", "reset-password", "--data", data, "--user", "nobody"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /There is no user "nobody"/);
    const missing = await cli(["admin", "reset-password", "--data", join(dir, "none")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /There is no database in/);
    assert.equal((await cli(["admin", "reset-password"])).code, 2);
  });
});
