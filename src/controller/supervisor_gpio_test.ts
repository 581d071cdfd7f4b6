/**
 * The supervisor in GPIO mode (no chip is opened: the database wires no
 * door): each worker gets its own line registry, and a death hands the dead
 * worker's registry to the safe-state routine before the restart.
 */
import assert from "node:assert/strict";
import { openDatabase } from "../store/db.ts";
import { TEST_WORKER_START_MS } from "../testing.ts";
import { ControllerClient } from "./supervisor.ts";

Deno.test("ControllerClient (gpio) hands the dead worker's line registry to the safe-state routine", async () => {
  const dir = await Deno.makeTempDir();
  const databasePath = `${dir}/leosac.db`;
  const db = openDatabase(databasePath);
  const calls: (SharedArrayBuffer | null)[] = [];
  const controller = new ControllerClient({
    databasePath,
    secret: new Uint8Array(32),
    hardware: "gpio",
    db,
    startTimeoutMs: TEST_WORKER_START_MS,
    safeState: async (_outputs, lines) => {
      calls.push(lines);
      await new Promise((r) => setTimeout(r, 200));
    },
  });
  try {
    await controller.start();
    controller.kill();
    await controller.ready();
    assert.equal(calls.length, 1);
    assert.ok(calls[0] instanceof SharedArrayBuffer);
    assert.equal(controller.restarts, 1);
    assert.ok(controller.lastRestartMs! >= 200, "the restart waits for the routine");
  } finally {
    await controller.stop();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(calls.length, 2, "stop() reclaims what the worker still holds");
  assert.notEqual(calls[1], calls[0], "each worker has its own registry");
});
