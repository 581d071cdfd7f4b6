import assert from "node:assert/strict";
import { join } from "node:path";
import {
  acquireDataLock,
  DataDirInUseError,
  isDataDirLocked,
  LOCK_FILE,
  lockHolder,
} from "./lock.ts";

Deno.test("acquireDataLock() refuses a second holder until the first releases", () => {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-lock-test-" });
  try {
    const first = acquireDataLock(join(dir, "data"));
    assert.equal(lockHolder(join(dir, "data")), Deno.pid);
    assert.equal(isDataDirLocked(join(dir, "data")), true);
    // flock: a second open file description conflicts even in the same process.
    assert.throws(
      () => acquireDataLock(join(dir, "data")),
      (error: unknown) =>
        error instanceof DataDirInUseError && error.pid === Deno.pid &&
        /is in use by another Leosac controller \(pid \d+\): two controllers must never share/
          .test(error.message),
    );
    first.release();
    first.release();
    assert.equal(isDataDirLocked(join(dir, "data")), false);
    using second = acquireDataLock(join(dir, "data"), { purpose: "restore refused" });
    assert.equal(second.path, join(dir, "data", LOCK_FILE));
    assert.equal(Deno.statSync(join(dir, "data")).mode! & 0o777, 0o700);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("lockHolder() reads no PID from a missing or garbled file", () => {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-lock-test-" });
  try {
    assert.equal(lockHolder(dir), null);
    assert.equal(isDataDirLocked(dir), false);
    Deno.writeTextFileSync(join(dir, LOCK_FILE), "not a pid");
    assert.equal(lockHolder(dir), null);
    // A file left by a dead process, not locked: it does not block.
    Deno.writeTextFileSync(join(dir, LOCK_FILE), "999999999\n");
    assert.equal(isDataDirLocked(dir), false);
    acquireDataLock(dir).release();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
