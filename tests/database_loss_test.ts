/**
 * The database file deleted under a running server (issue 14, finding 6):
 * changes are refused with status 9 and a sentence, one alarm is raised, and
 * doors keep deciding from the open file.
 */
import assert from "node:assert/strict";
import { STATUS } from "../src/errors.ts";
import { startTestServer, TestClient } from "../src/testing.ts";
import { configureDoor, type Json, LINES, ok, until } from "./_controller_fixtures.ts";

Deno.test("database file deleted: writes get status 9 with a sentence, one alarm, doors still decide", async () => {
  await using server = await startTestServer({ hardware: "sim" });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  await configureDoor(server, admin);
  ok(await admin.request("events.subscribe", {}));
  ok(await admin.request("group.create", { attributes: { name: "before" } }));

  await Deno.remove(server.store.databasePath);
  for (const name of ["after-1", "after-2"]) {
    const reply = await admin.request("group.create", { attributes: { name } });
    assert.equal(reply.status_code, STATUS.DATABASE_ERROR, JSON.stringify(reply));
    assert.match(
      reply.status_string,
      /^\[odb::exception\]: Database Error: The database file was deleted while the server runs; nothing was changed\. Restore it/,
    );
  }
  const alarm = await admin.nextUnsolicited((m) => m.type === "event.alarm");
  assert.equal((alarm.content as Json).alarm, "database_file_lost");
  assert.equal((alarm.content as Json).reason, "missing");
  assert.equal((alarm.content as Json).audit_id, -1);

  // Reads still answer from the open file.
  const groups = ok(await admin.request("group.read", { group_id: 0 }));
  assert.deepEqual(groups.data.map((g: Json) => g.attributes.name), ["before"]);

  // The door still decides and opens.
  ok(
    await admin.request("hardware.simulate", {
      action: "card",
      reader: "front-reader",
      format: "H10301",
      facility: 12,
      number: 3456,
    }),
  );
  const granted = await admin.nextUnsolicited((m) => m.type === "event.access");
  assert.equal((granted.content as Json).granted, true);
  await until(() => server.controller!.simLevel(LINES.strike) === true, 2000);
  assert.equal(
    admin.unsolicited.filter((m) => m.type === "event.alarm").length,
    0,
    "one alarm, not one per refused write",
  );
});
