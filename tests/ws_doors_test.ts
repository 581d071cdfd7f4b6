import assert from "node:assert/strict";
import { AUDIT_EVENT, AUDIT_KIND } from "../src/store/audit.ts";
import { createDevice } from "../src/store/devices.ts";
import { startTestServer, TestClient } from "../src/testing.ts";
import {
  assertModelError,
  assertNotFound,
  auditRows,
  failed,
  ok,
  startCrudWorld,
} from "./_crud_fixtures.ts";

const BUILTIN = "LEOSAC-BUILTIN-ACCESS-POINT";

async function createAccessPoint(client: TestClient, alias: string): Promise<number> {
  const content = ok(
    await client.request("access_point.create", {
      attributes: { alias, description: "", "controller-module": BUILTIN },
    }),
  );
  return content.data.id;
}

async function createDoor(
  client: TestClient,
  attributes: Record<string, unknown>,
): Promise<number> {
  return ok(await client.request("door.create", { attributes })).data.id;
}

Deno.test("door.create applies defaults and door.read returns the door", async () => {
  await using w = await startCrudWorld();
  const created = ok(
    await w.admin.request("door.create", {
      attributes: { alias: "Front", description: "Main entrance", access_point_id: 0 },
    }),
  );
  const read = ok(await w.admin.request("door.read", { door_id: created.data.id }));
  assert.deepEqual(read.data, created.data);
  assert.deepEqual(read.data, {
    id: created.data.id,
    type: "door",
    attributes: {
      alias: "Front",
      description: "Main entrance",
      mode: "normal",
      "unlock-duration": 5000,
      "held-open-threshold": 30000,
      "strike-gpio": null,
      "contact-gpio": null,
      "rex-gpio": null,
      "unlock-schedule": null,
      "unlock-after-first-card": false,
      version: 1,
    },
  });
  const rows = auditRows(w.server, AUDIT_KIND.DOOR, AUDIT_EVENT.DOOR_CREATED);
  assert.equal(JSON.parse(rows[0]!.after!).alias, "Front");
});

Deno.test("door access point: linked both ways, kept on update, refused for another door", async () => {
  await using w = await startCrudWorld();
  const ap = await createAccessPoint(w.admin, "reader-1");
  const door = await createDoor(w.admin, { alias: "A", access_point_id: ap });
  const read = ok(await w.admin.request("door.read", { door_id: door }));
  assert.deepEqual(read.data.relationships, {
    "access-point": { data: { id: ap, type: "leosac-builtin-access-point" } },
  });
  const apRead = ok(await w.admin.request("access_point.read", { access_point_id: ap }));
  assert.deepEqual(apRead.data.relationships, { door: { data: { id: door, type: "door" } } });
  // Leosac refused this (the "already referenced" check matched the door itself).
  const same = ok(
    await w.admin.request("door.update", {
      door_id: door,
      attributes: { alias: "A2", description: "", access_point_id: ap },
    }),
  );
  assert.equal(same.data.attributes.alias, "A2");
  const other = await w.admin.request("door.create", {
    attributes: { alias: "B", access_point_id: ap },
  });
  failed(other, 1);
  assert.match(
    other.status_string,
    new RegExp(`The AccessPoint with id ${ap} is already referenced by door with id ${door}\\.`),
  );
  const cleared = ok(
    await w.admin.request("door.update", { door_id: door, attributes: { access_point_id: 0 } }),
  );
  assert.equal(cleared.data.relationships, undefined);
  assertNotFound(
    await w.admin.request("door.create", { attributes: { alias: "C", access_point_id: 404 } }),
    "access-point",
    404,
  );
});

Deno.test("door hardware attributes: gpios, schedule, timings; mode is read-only", async () => {
  await using w = await startCrudWorld();
  const db = w.server.store.db;
  const strike = createDevice(db, { name: "strike", type: "gpio" });
  const contact = createDevice(db, { name: "contact", type: "gpio" });
  const reader = createDevice(db, { name: "reader", type: "wiegand-reader" });
  const schedule = ok(
    await w.admin.request("schedule.create", {
      attributes: { name: "open-hours", timeframes: [] },
    }),
  ).data.id;
  const door = await createDoor(w.admin, { alias: "Lab" });
  const updated = ok(
    await w.admin.request("door.update", {
      door_id: door,
      attributes: {
        mode: "lockdown",
        "unlock-duration": 3000,
        "held-open-threshold": 60000,
        "strike-gpio": strike.id,
        "contact-gpio": contact.id,
        "unlock-schedule": schedule,
        "unlock-after-first-card": true,
      },
    }),
  );
  assert.deepEqual(updated.data.attributes, {
    alias: "Lab",
    description: "",
    mode: "normal",
    "unlock-duration": 3000,
    "held-open-threshold": 60000,
    "strike-gpio": strike.id,
    "contact-gpio": contact.id,
    "rex-gpio": null,
    "unlock-schedule": schedule,
    "unlock-after-first-card": true,
    version: 2,
  });
  const cleared = ok(
    await w.admin.request("door.update", {
      door_id: door,
      attributes: { "strike-gpio": "", "contact-gpio": null, "unlock-schedule": 0 },
    }),
  );
  assert.equal(cleared.data.attributes["strike-gpio"], null);
  assert.equal(cleared.data.attributes["contact-gpio"], null);
  assert.equal(cleared.data.attributes["unlock-schedule"], null);
  assert.equal(cleared.data.attributes["unlock-duration"], 3000, "absent keeps its value");
  const unknownGpio = crypto.randomUUID();
  assertNotFound(
    await w.admin.request("door.update", {
      door_id: door,
      attributes: { "rex-gpio": unknownGpio },
    }),
    "gpio",
    unknownGpio,
  );
  assertNotFound(
    await w.admin.request("door.update", { door_id: door, attributes: { "rex-gpio": reader.id } }),
    "gpio",
    reader.id,
  );
  assertNotFound(
    await w.admin.request("door.update", { door_id: door, attributes: { "unlock-schedule": 9 } }),
    "schedule",
    9,
  );
  for (
    const [key, value] of [
      ["unlock-duration", 50],
      ["unlock-duration", "5"],
      ["held-open-threshold", -1],
      ["unlock-after-first-card", "yes"],
      ["alias", 3],
    ] as const
  ) {
    assertModelError(
      await w.admin.request("door.update", { door_id: door, attributes: { [key]: value } }),
      `data/attributes/${key}`,
    );
  }
  assert.equal(auditRows(w.server, AUDIT_KIND.DOOR, AUDIT_EVENT.DOOR_UPDATED).length, 2);
});

Deno.test("door.read, door.update and door.delete report a missing door", async () => {
  await using w = await startCrudWorld();
  assertNotFound(await w.admin.request("door.read", { door_id: 7 }), "door", 7);
  assertNotFound(
    await w.admin.request("door.update", { door_id: 7, attributes: { alias: "x" } }),
    "door",
    7,
  );
  assertNotFound(await w.admin.request("door.delete", { door_id: 7 }), "door", 7);
  failed(await w.admin.request("door.read", {}), 1);
});

Deno.test("door.delete removes the door and frees its access point", async () => {
  await using w = await startCrudWorld();
  const ap = await createAccessPoint(w.admin, "r");
  const door = await createDoor(w.admin, { alias: "Gone", access_point_id: ap });
  assert.equal(ok(await w.admin.request("door.delete", { door_id: door })), null);
  assertNotFound(await w.admin.request("door.read", { door_id: door }), "door", door);
  const apRead = ok(await w.admin.request("access_point.read", { access_point_id: ap }));
  assert.equal(apRead.data.relationships, undefined);
  const rows = auditRows(w.server, AUDIT_KIND.DOOR, AUDIT_EVENT.DOOR_DELETED);
  assert.deepEqual(rows.map((r) => r.target_id), [door]);
  assert.equal(JSON.parse(rows[0]!.before!).alias, "Gone");
});

Deno.test("door writes are denied to users and viewers", async () => {
  await using w = await startCrudWorld();
  const door = await createDoor(w.admin, { alias: "D" });
  for (const client of [w.user, w.viewer]) {
    failed(await client.request("door.create", { attributes: { alias: "x" } }), 2);
    failed(await client.request("door.update", { door_id: door, attributes: { alias: "x" } }), 2);
    failed(await client.request("door.delete", { door_id: door }), 2);
  }
  assert.equal(
    ok(await w.viewer.request("door.read", { door_id: door })).data.attributes.alias,
    "D",
  );
});

Deno.test("door.read lists every door for a viewer and only mapped doors for a user", async () => {
  await using w = await startCrudWorld();
  const mine = await createDoor(w.admin, { alias: "mine" });
  const other = await createDoor(w.admin, { alias: "other" });
  const schedule = ok(
    await w.admin.request("schedule.create", { attributes: { name: "always", timeframes: [] } }),
  ).data.id;
  ok(
    await w.admin.request("schedule.update", {
      schedule_id: schedule,
      attributes: { timeframes: [] },
      mapping: [{
        alias: "",
        users: [w.userId],
        groups: [],
        credentials: [],
        doors: [mine],
        zones: [],
      }],
    }),
  );
  const all = ok(await w.viewer.request("door.read", { door_id: 0 }));
  assert.deepEqual(all.data.map((d: { id: number }) => d.id), [mine, other]);
  const filtered = ok(await w.user.request("door.read", { door_id: 0 }));
  assert.deepEqual(filtered.data.map((d: { id: number }) => d.id), [mine]);
  ok(await w.user.request("door.read", { door_id: mine }));
  failed(await w.user.request("door.read", { door_id: other }), 2);
});

Deno.test("door.update refuses an input line as strike and an output line as contact", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const gpio = async (name: string, direction: number, offset: number): Promise<string> => {
    const reply = await admin.request("gpio.create", {
      attributes: { name, direction, device: "gpiochip0", offset },
    });
    assert.equal(reply.status_code, 0, JSON.stringify(reply));
    return (reply.content as { data: { id: string } }).data.id;
  };
  const input = await gpio("button", 0, 1);
  const output = await gpio("relay", 1, 2);
  const door = await admin.request("door.create", { attributes: { alias: "Lab" } });
  const doorId = (door.content as { data: { id: number } }).data.id;
  const bad = await admin.request("door.update", {
    door_id: doorId,
    attributes: { "strike-gpio": input },
  });
  assert.equal(bad.status_code, 11);
  const pointer = (bad.content as { errors: Array<{ source: { pointer: string } }> }).errors[0]!
    .source.pointer;
  assert.equal(pointer, "data/attributes/strike-gpio");
  const alsoBad = await admin.request("door.update", {
    door_id: doorId,
    attributes: { "contact-gpio": output },
  });
  assert.equal(alsoBad.status_code, 11);
  const good = await admin.request("door.update", {
    door_id: doorId,
    attributes: { "strike-gpio": output, "rex-gpio": input },
  });
  assert.equal(good.status_code, 0, JSON.stringify(good));
});
