import assert from "node:assert/strict";
import { join } from "node:path";
import { StoreError } from "../errors.ts";
import { ensureAdministrator } from "./bootstrap.ts";
import { verifyPassword } from "./secrets.ts";
import { DATA_FILES, openStore } from "./store.ts";
import { getUserByUsername, USER_RANK } from "./users.ts";

Deno.test("openStore() creates the directory, database and a 32-byte secret, and keeps them", () => {
  const parent = Deno.makeTempDirSync();
  const dir = join(parent, "nested", "data");
  try {
    const store = openStore(dir);
    const secret = store.secret;
    assert.equal(secret.length, 32);
    store.close();
    assert.equal(Deno.statSync(join(dir, DATA_FILES.secret)).mode! & 0o777, 0o600);
    const again = openStore(dir);
    assert.deepEqual(again.secret, secret);
    again.close();
  } finally {
    Deno.removeSync(parent, { recursive: true });
  }
});

Deno.test("openStore() refuses a damaged secret instead of replacing it", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(join(dir, DATA_FILES.secret), "short");
    assert.throws(
      () => openStore(dir),
      (e: unknown) => e instanceof StoreError && /damaged/.test(e.message),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("openStore() reports a data directory that is not writable", () => {
  if (Deno.uid() === 0) {
    // root ignores permissions: use a path under a regular file instead.
    const file = Deno.makeTempFileSync();
    try {
      assert.throws(() => openStore(join(file, "data")), StoreError);
    } finally {
      Deno.removeSync(file);
    }
    return;
  }
  const dir = Deno.makeTempDirSync();
  try {
    Deno.chmodSync(dir, 0o500);
    assert.throws(
      () => openStore(dir),
      (e: unknown) => e instanceof StoreError && /not writable/.test(e.message),
    );
  } finally {
    Deno.chmodSync(dir, 0o700);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ensureAdministrator() creates one admin once, with a generated or given password", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = openStore(dir);
    const first = await ensureAdministrator(store.db, undefined);
    assert.equal(first.created, true);
    assert.ok(first.created && first.generatedPassword !== null);
    const admin = getUserByUsername(store.db, "admin")!;
    assert.equal(admin.rank, USER_RANK.ADMIN);
    assert.equal(
      await verifyPassword(first.created ? first.generatedPassword! : "", admin.passwordHash),
      true,
    );
    const second = await ensureAdministrator(store.db, "another-password");
    assert.deepEqual(second, { created: false });
    store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Store.fileState() notices a database file deleted or replaced under it", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const store = openStore(dir);
    const path = join(dir, DATA_FILES.database);
    assert.equal(store.fileState(), "ok");
    Deno.renameSync(path, path + ".moved");
    assert.equal(store.fileState(), "missing");
    Deno.writeFileSync(path, new Uint8Array(0));
    assert.equal(store.fileState(), "replaced");
    store.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("openStore() refuses a data directory whose database is gone beside its installation key, unless allowed", () => {
  const dir = Deno.makeTempDirSync();
  try {
    openStore(dir).close();
    Deno.removeSync(join(dir, DATA_FILES.database));
    assert.throws(
      () => openStore(dir),
      (e: unknown) =>
        e instanceof StoreError && /installation key but no database/.test(e.message) &&
        /--allow-new-database/.test(e.message),
    );
    assert.throws(() => Deno.statSync(join(dir, DATA_FILES.database)), Deno.errors.NotFound);
    const fresh = openStore(dir, { allowNewDatabase: true });
    assert.equal(fresh.fileState(), "ok");
    fresh.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("Store.diskState() reports the free bytes of the data directory's filesystem", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const store = openStore(dir);
    const state = store.diskState();
    assert.ok(state.freeBytes !== null && state.freeBytes > 0);
    assert.ok(["ok", "low", "full"].includes(state.disk));
    store.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
