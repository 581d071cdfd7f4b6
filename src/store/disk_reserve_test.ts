import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DISK_FULL_BYTES,
  DiskReserve,
  isDiskFullError,
  MIB,
  RESERVE_FILE,
  type ReserveChange,
} from "./disk_reserve.ts";
import { openStore } from "./store.ts";
import {
  createToken,
  deleteToken,
  deleteUserTokens,
  getTokenByHash,
  purgeExpiredTokens,
  refreshToken,
  TOKEN_LIFETIME_MS,
} from "./tokens.ts";
import { ensureAdministrator } from "./bootstrap.ts";
import { getUserByUsername } from "./users.ts";
import { createGroup } from "./groups.ts";
import { mountTinyFs, tinyFsTest } from "./_tiny_fs.ts";

/** A temporary directory and a free-space figure the test sets. */
function rig(bytes = MIB): {
  dir: string;
  reserve: DiskReserve;
  changes: ReserveChange[];
  setFree(n: number): void;
} & Disposable {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-reserve-" });
  let free = 100 * MIB;
  const reserve = new DiskReserve(dir, bytes, () => free);
  const changes: ReserveChange[] = [];
  reserve.subscribe((change) => changes.push(change));
  return {
    dir,
    reserve,
    changes,
    setFree: (n) => free = n,
    [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }),
  };
}

function fileSize(path: string): number | null {
  try {
    return Deno.statSync(path).size;
  } catch {
    return null;
  }
}

Deno.test("DiskReserve.open() writes the whole file, allocated (not sparse), when there is room", () => {
  using r = rig(3 * MIB + 5);
  assert.equal(r.reserve.open(), "held");
  const info = Deno.statSync(join(r.dir, RESERVE_FILE));
  assert.equal(info.size, 3 * MIB + 5);
  assert.ok(info.blocks! * 512 >= info.size, `sparse: ${info.blocks} blocks`);
  assert.deepEqual([...Deno.readDirSync(r.dir)].map((e) => e.name), [RESERVE_FILE]);
  assert.deepEqual(r.changes, [], "making it at start is no alarm");
});

Deno.test("DiskReserve.open() keeps a whole file, replaces a sparse or resized one", () => {
  using r = rig(MIB);
  const path = join(r.dir, RESERVE_FILE);
  // A sparse file of the right size: no blocks behind it.
  const file = Deno.openSync(path, { write: true, create: true });
  file.truncateSync(MIB);
  file.close();
  assert.equal(r.reserve.open(), "held");
  assert.ok(Deno.statSync(path).blocks! * 512 >= MIB, "the sparse file was kept");
  const before = Deno.statSync(path).mtime;
  assert.equal(new DiskReserve(r.dir, MIB, () => 100 * MIB).open(), "held");
  assert.deepEqual(Deno.statSync(path).mtime, before, "a whole file is kept as it is");
  assert.equal(new DiskReserve(r.dir, 2 * MIB, () => 100 * MIB).open(), "held");
  assert.equal(fileSize(path), 2 * MIB);
});

Deno.test("DiskReserve.open() without room for twice the reserve leaves no file", () => {
  using r = rig(4 * MIB);
  r.setFree(8 * MIB - 1);
  assert.equal(r.reserve.open(), "released");
  assert.deepEqual([...Deno.readDirSync(r.dir)], []);
});

Deno.test("DiskReserve of 0 bytes is off and deletes a leftover file", () => {
  using r = rig(MIB);
  r.reserve.open();
  const off = new DiskReserve(r.dir, 0, () => 0);
  assert.equal(off.open(), "off");
  assert.equal(fileSize(join(r.dir, RESERVE_FILE)), null);
  assert.equal(off.check(), null);
  assert.equal(off.release("test"), false);
});

Deno.test("DiskReserve.check() releases on a full disk, once, and makes it again when room is back", () => {
  using r = rig(2 * MIB);
  const path = join(r.dir, RESERVE_FILE);
  r.reserve.open();
  r.setFree(DISK_FULL_BYTES);
  assert.equal(r.reserve.check(), null, "1 MiB free is not full");
  r.setFree(DISK_FULL_BYTES - 1);
  const released = r.reserve.check();
  assert.equal(released?.kind, "released");
  assert.equal(released?.reason, `${DISK_FULL_BYTES - 1} bytes free`);
  assert.equal(r.reserve.state, "released");
  assert.equal(fileSize(path), null);
  assert.equal(r.reserve.check(), null);
  assert.equal(r.reserve.release("again"), false);
  // The freed reserve is back on the disk: not room enough to make it again yet.
  r.setFree(4 * MIB - 1);
  assert.equal(r.reserve.check(), null);
  assert.equal(fileSize(path), null);
  r.setFree(4 * MIB);
  assert.equal(r.reserve.check()?.kind, "restored");
  assert.equal(r.reserve.state, "held");
  assert.equal(fileSize(path), 2 * MIB);
  assert.deepEqual(r.changes.map((c) => c.kind), ["released", "restored"]);
});

Deno.test("DiskReserve.release() deletes the file and tells the listeners why", () => {
  using r = rig(MIB);
  r.reserve.open();
  assert.equal(r.reserve.release("a login token could not be stored"), true);
  assert.equal(fileSize(join(r.dir, RESERVE_FILE)), null);
  assert.deepEqual(r.changes, [{
    kind: "released",
    reason: "a login token could not be stored",
    freeBytes: 100 * MIB,
    reserveBytes: MIB,
  }]);
});

Deno.test("DiskReserve refuses a size that is not a whole number of bytes in range", () => {
  for (const bytes of [-1, 1.5, NaN, 65_537 * MIB]) {
    assert.throws(() => new DiskReserve("/tmp", bytes), RangeError);
  }
});

Deno.test("isDiskFullError() knows SQLite's and the system's words for a full disk", () => {
  assert.ok(isDiskFullError(new Error("database or disk is full")));
  assert.ok(isDiskFullError(new Error("No space left on device (os error 28)")));
  assert.ok(!isDiskFullError(new Error("database is locked")));
});

Deno.test("Store.diskState(): a released reserve is still owed, the database's free pages count", () => {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-reserve-store-" });
  try {
    const store = openStore(dir, { reserveBytes: MIB });
    try {
      const held = store.diskState();
      assert.equal(held.reserve, "held");
      assert.equal(held.reserveBytes, MIB);
      assert.equal(fileSize(join(dir, RESERVE_FILE)), MIB);
      store.reserve.release("test");
      assert.equal(store.diskState().reserve, "released");
    } finally {
      store.close();
    }
    const off = openStore(dir);
    assert.equal(off.diskState().reserve, "off");
    assert.equal(fileSize(join(dir, RESERVE_FILE)), null);
    off.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

tinyFsTest("a full disk at start: the reserve is released before the database opens", () => {
  using fs = mountTinyFs(4 * 1024);
  const dir = join(fs.dir, "data");
  openStore(dir, { reserveBytes: MIB }).close();
  assert.equal(fileSize(join(dir, RESERVE_FILE)), MIB);
  fs.fill();
  const store = openStore(dir, { reserveBytes: MIB });
  try {
    assert.equal(store.reserve.state, "released");
    assert.equal(fileSize(join(dir, RESERVE_FILE)), null);
    // The start's writes and the next change fit in the reserve's space.
    createGroup(store.db, { name: "after-start", description: "" });
    const state = store.diskState();
    assert.equal(state.disk, "full", JSON.stringify(state));
  } finally {
    store.close();
  }
});

tinyFsTest(
  "login tokens on a full disk: the reserve first, then memory; refresh and delete too",
  async () => {
    using fs = mountTinyFs(4 * 1024);
    const store = openStore(join(fs.dir, "data"), { reserveBytes: MIB });
    try {
      await ensureAdministrator(store.db, "admin-password-1");
      const userId = getUserByUsername(store.db, "admin")!.id;
      const stored = (hash: string): boolean =>
        store.db.prepare("SELECT 1 FROM auth_tokens WHERE token_hash = ?").get(hash) !== undefined;
      fs.fill();
      // Full: the reserve's release makes room and the row is stored.
      const first = createToken(store.db, userId, 1000, {
        makeRoom: () => store.reserve.release("login"),
      });
      assert.equal(first.stored, true);
      assert.ok(stored(first.record.tokenHash));
      assert.equal(store.reserve.state, "released");
      // The reserve used up as well: the token lives in memory and works like a stored one.
      fs.fill();
      let asked = 0;
      const second = createToken(store.db, userId, 2000, { makeRoom: () => (asked++, false) });
      assert.equal(asked, 1);
      assert.equal(second.stored, false);
      assert.ok(!stored(second.record.tokenHash));
      assert.deepEqual(getTokenByHash(store.db, second.record.tokenHash), second.record);
      // Extensions the disk refuses are kept in memory, for stored and memory tokens alike.
      assert.equal(refreshToken(store.db, first.record.tokenHash, 5000), true);
      assert.equal(
        getTokenByHash(store.db, first.record.tokenHash)?.expiresAt,
        5000 + TOKEN_LIFETIME_MS,
      );
      assert.equal(refreshToken(store.db, second.record.tokenHash, 6000), true);
      assert.equal(
        getTokenByHash(store.db, second.record.tokenHash)?.expiresAt,
        6000 + TOKEN_LIFETIME_MS,
      );
      // A deletion the disk refuses still logs the token out.
      deleteToken(store.db, first.record.tokenHash);
      assert.equal(getTokenByHash(store.db, first.record.tokenHash), undefined);
      assert.equal(refreshToken(store.db, first.record.tokenHash, 7000), false);
      assert.equal(purgeExpiredTokens(store.db, 0), 0);
      fs.free();
      deleteUserTokens(store.db, userId);
      assert.equal(getTokenByHash(store.db, second.record.tokenHash), undefined);
      assert.ok(!stored(first.record.tokenHash));
    } finally {
      store.close();
    }
  },
);
