import assert from "node:assert/strict";
import { AUDIT_EVENT, AUDIT_KIND } from "../src/store/audit.ts";
import { createDevice } from "../src/store/devices.ts";
import type { TestClient } from "../src/testing.ts";
import {
  assertModelError,
  assertNotFound,
  auditRows,
  failed,
  ok,
  startCrudWorld,
} from "./_crud_fixtures.ts";

const BUILTIN = "LEOSAC-BUILTIN-ACCESS-POINT";

async function createAccessPoint(
  client: TestClient,
  attributes: Record<string, unknown> = {},
): Promise<number> {
  const content = ok(
    await client.request("access_point.create", {
      attributes: { alias: "ap", "controller-module": BUILTIN, ...attributes },
    }),
  );
  return content.data.id;
}

Deno.test("access_point.create makes a builtin access point and access_point.read lists it", async () => {
  await using w = await startCrudWorld();
  const empty = ok(await w.admin.request("access_point.read", { access_point_id: 0 }));
  assert.deepEqual(empty.data, []);
  const created = ok(
    await w.admin.request("access_point.create", {
      attributes: {
        alias: "Front reader",
        description: "Lobby",
        "controller-module": BUILTIN,
        "authentication-backend": "ignored",
      },
    }),
  );
  assert.deepEqual(created.data, {
    id: created.data.id,
    type: "leosac-builtin-access-point",
    attributes: {
      alias: "Front reader",
      description: "Lobby",
      "controller-module": BUILTIN,
      reader: null,
      "reader-mode": "card",
      direction: "none",
      "pin-timeout": 10000,
      "pairs-only": false,
      version: 1,
    },
  });
  const list = ok(await w.admin.request("access_point.read", { access_point_id: 0 }));
  assert.deepEqual(list.data, [created.data]);
  const one = ok(await w.admin.request("access_point.read", { access_point_id: created.data.id }));
  assert.deepEqual(one.data, created.data);
  const rows = auditRows(w.server, AUDIT_KIND.ACCESS_POINT, AUDIT_EVENT.ACCESS_POINT_CREATED);
  assert.deepEqual(rows.map((r) => r.target_id), [created.data.id]);
});

Deno.test("access_point.create refuses other controller modules", async () => {
  await using w = await startCrudWorld();
  const other = await w.admin.request("access_point.create", {
    attributes: { alias: "x", "controller-module": "EVOXS" },
  });
  failed(other, 1);
  assert.match(
    other.status_string,
    /Cannot find an AccessPointBackend corresponding to controller-module EVOXS$/,
  );
  const missing = await w.admin.request("access_point.create", { attributes: { alias: "x" } });
  failed(missing, 1);
  assert.match(missing.status_string, /key 'controller-module' not found/);
  assert.deepEqual(ok(await w.admin.request("access_point.read", { access_point_id: 0 })).data, []);
});

Deno.test("access point attributes: reader device, modes, direction, pin timeout", async () => {
  await using w = await startCrudWorld();
  const db = w.server.store.db;
  const reader = createDevice(db, { name: "reader", type: "wiegand-reader" });
  const gpio = createDevice(db, { name: "gpio", type: "gpio" });
  const ap = await createAccessPoint(w.admin, {
    reader: reader.id,
    "reader-mode": "card_and_pin",
    direction: "entry",
    "pin-timeout": 5000,
    "pairs-only": true,
  });
  const read = ok(await w.admin.request("access_point.read", { access_point_id: ap }));
  assert.equal(read.data.attributes["pairs-only"], true);
  assert.equal(read.data.attributes.reader, reader.id);
  assert.equal(read.data.attributes["reader-mode"], "card_and_pin");
  assert.equal(read.data.attributes.direction, "entry");
  assert.equal(read.data.attributes["pin-timeout"], 5000);
  for (
    const [key, value] of [
      ["reader-mode", "face"],
      ["direction", "up"],
      ["pin-timeout", 10],
      ["alias", false],
      ["pairs-only", "yes"],
    ] as const
  ) {
    assertModelError(
      await w.admin.request("access_point.update", {
        access_point_id: ap,
        attributes: { [key]: value },
      }),
      `data/attributes/${key}`,
    );
  }
  assertNotFound(
    await w.admin.request("access_point.update", {
      access_point_id: ap,
      attributes: { reader: gpio.id },
    }),
    "wiegand-reader",
    gpio.id,
  );
  const cleared = ok(
    await w.admin.request("access_point.update", {
      access_point_id: ap,
      attributes: { alias: "renamed", reader: null },
    }),
  );
  assert.equal(cleared.data.attributes.reader, null);
  assert.equal(cleared.data.attributes.alias, "renamed");
  assert.equal(cleared.data.attributes.direction, "entry", "absent keeps its value");
  assert.equal(cleared.data.attributes["pairs-only"], true, "absent keeps its value");
  const rows = auditRows(w.server, AUDIT_KIND.ACCESS_POINT, AUDIT_EVENT.ACCESS_POINT_UPDATED);
  assert.equal(rows.length, 1);
  assert.equal(JSON.parse(rows[0]!.before!).alias, "ap");
  assert.equal(JSON.parse(rows[0]!.after!).alias, "renamed");
});

Deno.test("access_point.update refuses a change of controller module", async () => {
  await using w = await startCrudWorld();
  const ap = await createAccessPoint(w.admin);
  const reply = await w.admin.request("access_point.update", {
    access_point_id: ap,
    attributes: { "controller-module": "OTHER" },
  });
  failed(reply, 1);
  assert.match(reply.status_string, /controller-module OTHER$/);
  ok(
    await w.admin.request("access_point.update", {
      access_point_id: ap,
      attributes: { "controller-module": BUILTIN },
    }),
  );
});

Deno.test("access_point endpoints report a missing access point as access-point", async () => {
  await using w = await startCrudWorld();
  assertNotFound(
    await w.admin.request("access_point.read", { access_point_id: 5 }),
    "access-point",
    5,
  );
  assertNotFound(
    await w.admin.request("access_point.update", { access_point_id: 5, attributes: {} }),
    "access-point",
    5,
  );
  assertNotFound(
    await w.admin.request("access_point.delete", { access_point_id: 5 }),
    "access-point",
    5,
  );
});

Deno.test("access_point.delete removes it and unlinks its door", async () => {
  await using w = await startCrudWorld();
  const ap = await createAccessPoint(w.admin);
  const door = ok(
    await w.admin.request("door.create", { attributes: { alias: "d", access_point_id: ap } }),
  ).data.id;
  assert.equal(ok(await w.admin.request("access_point.delete", { access_point_id: ap })), null);
  assertNotFound(
    await w.admin.request("access_point.read", { access_point_id: ap }),
    "access-point",
    ap,
  );
  const doorRead = ok(await w.admin.request("door.read", { door_id: door }));
  assert.equal(doorRead.data.relationships, undefined);
  const rows = auditRows(w.server, AUDIT_KIND.ACCESS_POINT, AUDIT_EVENT.ACCESS_POINT_DELETED);
  assert.deepEqual(rows.map((r) => r.target_id), [ap]);
});

Deno.test("access points: users may not read, viewers read but may not write", async () => {
  await using w = await startCrudWorld();
  const ap = await createAccessPoint(w.admin);
  failed(await w.user.request("access_point.read", { access_point_id: 0 }), 2);
  failed(await w.user.request("access_point.read", { access_point_id: ap }), 2);
  assert.equal(
    ok(await w.viewer.request("access_point.read", { access_point_id: 0 })).data.length,
    1,
  );
  ok(await w.viewer.request("access_point.read", { access_point_id: ap }));
  for (const client of [w.user, w.viewer]) {
    failed(
      await client.request("access_point.create", {
        attributes: { alias: "x", "controller-module": BUILTIN },
      }),
      2,
    );
    failed(
      await client.request("access_point.update", {
        access_point_id: ap,
        attributes: { alias: "x" },
      }),
      2,
    );
    failed(await client.request("access_point.delete", { access_point_id: ap }), 2);
  }
});
