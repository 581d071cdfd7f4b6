/**
 * The supervisor in a site (issue 12): the worker wires only this
 * controller's doors; another controller's door is unknown to it, so no
 * decision or command for it can happen here.
 */
import assert from "node:assert/strict";
import { ControllerError } from "./protocol.ts";
import { createDevice } from "../store/devices.ts";
import { createDoor } from "../store/doors.ts";
import { openDatabase } from "../store/db.ts";
import { TEST_WORKER_START_MS } from "../testing.ts";
import { ControllerClient } from "./supervisor.ts";

Deno.test("ControllerClient with controllerName does not wire another controller's door", async () => {
  const dir = await Deno.makeTempDir();
  const databasePath = `${dir}/leosac.db`;
  const db = openDatabase(databasePath);
  const strike = (name: string, offset: number, controller: string | null) =>
    createDevice(db, { name, type: "gpio", config: { offset, direction: "out" }, controller }).id;
  const mine = createDoor(db, { alias: "mine", strikeGpioId: strike("s-a", 1, "A") });
  const legacy = createDoor(db, { alias: "legacy", strikeGpioId: strike("s-null", 2, null) });
  const theirs = createDoor(db, {
    alias: "theirs",
    strikeGpioId: strike("s-b", 3, "B"),
    controller: "B",
  });
  const controller = new ControllerClient({
    databasePath,
    secret: new Uint8Array(32),
    hardware: "sim",
    db,
    controllerName: "A",
    startTimeoutMs: TEST_WORKER_START_MS,
  });
  try {
    const loaded = await controller.start();
    assert.equal(loaded.doors, 2);
    const statuses = await controller.request({ type: "door.status", doorId: 0 }) as {
      id: number;
    }[];
    assert.deepEqual(statuses.map((s) => s.id), [mine.id, legacy.id]);
    await assert.rejects(
      controller.request({ type: "door.open", doorId: theirs.id, authorId: null }),
      (error) => error instanceof ControllerError && error.code === "NOT_FOUND",
    );
  } finally {
    await controller.stop();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
