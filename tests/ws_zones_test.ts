import assert from "node:assert/strict";
import { AUDIT_EVENT, AUDIT_KIND } from "../src/store/audit.ts";
import type { TestClient } from "../src/testing.ts";
import {
  assertModelError,
  assertNotFound,
  auditRows,
  failed,
  ok,
  startCrudWorld,
} from "./_crud_fixtures.ts";

const PHYSICAL = 0, LOGICAL = 1;

async function createZone(
  client: TestClient,
  alias: string,
  type: number | undefined,
  children: number[] = [],
  doors: number[] = [],
): Promise<number> {
  const content = ok(
    await client.request("zone.create", { attributes: { alias, type, doors, children } }),
  );
  return content.data.id;
}

async function zoneCount(client: TestClient): Promise<number> {
  return ok(await client.request("zone.read", { zone_id: 0 })).data.length;
}

// Python test_ws_zone.py test_create_zone.
Deno.test("zone.create then zone.read lists the zone (Python test_create_zone)", async () => {
  await using w = await startCrudWorld();
  assert.equal(await zoneCount(w.admin), 0);
  const created = ok(
    await w.admin.request("zone.create", {
      attributes: {
        alias: "My Zone",
        type: 0,
        description: "A very nice zone",
        doors: [],
        children: [],
      },
    }),
  );
  const list = ok(await w.admin.request("zone.read", { zone_id: 0 })).data;
  assert.equal(list.length, 1);
  assert.equal(list[0].attributes.alias, "My Zone");
  assert.equal(list[0].attributes.type, 0);
  assert.deepEqual(list[0], {
    id: created.data.id,
    type: "zone",
    attributes: {
      alias: "My Zone",
      description: "A very nice zone",
      type: 0,
      antipassback: "off",
      "antipassback-reset": 0,
      version: 1,
    },
    relationships: { children: { data: [] }, doors: { data: [] }, parent: { data: [] } },
  });
  const rows = auditRows(w.server, AUDIT_KIND.ZONE, AUDIT_EVENT.ZONE_CREATED);
  assert.deepEqual(rows.map((r) => r.target_id), [created.data.id]);
});

Deno.test("zone.create defaults the type to logical", async () => {
  await using w = await startCrudWorld();
  const zone = await createZone(w.admin, "no-type", undefined);
  const read = ok(await w.admin.request("zone.read", { zone_id: zone }));
  assert.equal(read.data.attributes.type, LOGICAL);
});

// Python test_zone_invalid_type.
Deno.test("zone.create refuses an invalid type (Python test_zone_invalid_type)", async () => {
  await using w = await startCrudWorld();
  const reply = await w.admin.request("zone.create", {
    attributes: { alias: "bad", type: 42, doors: [], children: [] },
  });
  assert.equal(assertModelError(reply, "data/attributes/type"), "Invalid zone type.");
  assert.equal(await zoneCount(w.admin), 0);
});

// Python test_zone_multiple_physical_parent.
Deno.test("a physical zone cannot have two physical parents (Python test)", async () => {
  await using w = await startCrudWorld();
  const child = await createZone(w.admin, "Child", PHYSICAL);
  await createZone(w.admin, "Parent", PHYSICAL, [child]);
  const reply = await w.admin.request("zone.create", {
    attributes: { alias: "SecondParent", type: PHYSICAL, doors: [], children: [child] },
  });
  assertModelError(reply, "");
  assert.equal(await zoneCount(w.admin), 2, "the failed create was rolled back");
  await createZone(w.admin, "LogicalParent", LOGICAL, [child]);
});

Deno.test("a logical zone cannot have a physical parent", async () => {
  await using w = await startCrudWorld();
  const child = await createZone(w.admin, "Logical", LOGICAL);
  const reply = await w.admin.request("zone.create", {
    attributes: { alias: "Building", type: PHYSICAL, doors: [], children: [child] },
  });
  assertModelError(reply, "");
  const parent = await createZone(w.admin, "Building", PHYSICAL);
  const update = await w.admin.request("zone.update", {
    zone_id: parent,
    attributes: { type: PHYSICAL, doors: [], children: [child] },
  });
  assertModelError(update, "");
  const read = ok(await w.admin.request("zone.read", { zone_id: parent }));
  assert.deepEqual(read.data.relationships.children, { data: [] });
});

// Python test_zone_no_cycle.
Deno.test("zones cannot form a cycle (Python test_zone_no_cycle)", async () => {
  await using w = await startCrudWorld();
  const z2 = await createZone(w.admin, "Z2", LOGICAL);
  const z1 = await createZone(w.admin, "Z1", LOGICAL, [z2]);
  const z0 = await createZone(w.admin, "Z0", LOGICAL, [z1]);
  const cycle = await w.admin.request("zone.update", {
    zone_id: z2,
    attributes: { alias: "Z2", type: LOGICAL, doors: [], children: [z0] },
  });
  assertModelError(cycle, "");
  const self = await w.admin.request("zone.update", {
    zone_id: z2,
    attributes: { type: LOGICAL, doors: [], children: [z2] },
  });
  assertModelError(self, "");
  const read = ok(await w.admin.request("zone.read", { zone_id: z2 }));
  assert.deepEqual(read.data.relationships.children, { data: [] }, "rolled back");
  assert.deepEqual(read.data.relationships.parent, { data: [{ id: z1, type: "zone" }] });
});

Deno.test("zone.update replaces doors and children and keeps absent attributes", async () => {
  await using w = await startCrudWorld();
  const door = ok(await w.admin.request("door.create", { attributes: { alias: "d" } })).data.id;
  const child = await createZone(w.admin, "child", LOGICAL);
  const zone = await createZone(w.admin, "site", LOGICAL, [child], [door]);
  const updated = ok(
    await w.admin.request("zone.update", {
      zone_id: zone,
      attributes: {
        description: "new",
        antipassback: "hard",
        "antipassback-reset": 3600,
        doors: [],
        children: null,
      },
    }),
  );
  assert.equal(updated.data.attributes.alias, "site");
  assert.equal(updated.data.attributes.type, LOGICAL);
  assert.equal(updated.data.attributes.antipassback, "hard");
  assert.equal(updated.data.attributes["antipassback-reset"], 3600);
  assert.deepEqual(updated.data.relationships.doors, { data: [] });
  assert.deepEqual(updated.data.relationships.children, { data: [] });
  const rows = auditRows(w.server, AUDIT_KIND.ZONE, AUDIT_EVENT.ZONE_UPDATED);
  assert.deepEqual(JSON.parse(rows[0]!.before!).doors, [door]);
  assert.deepEqual(JSON.parse(rows[0]!.after!).doors, []);
});

Deno.test("zone attributes are validated and ids must exist", async () => {
  await using w = await startCrudWorld();
  const zone = await createZone(w.admin, "z", LOGICAL);
  const missing = await w.admin.request("zone.create", { attributes: { alias: "x", doors: [] } });
  failed(missing, 1);
  assert.match(missing.status_string, /key 'children' not found/);
  assertNotFound(
    await w.admin.request("zone.create", { attributes: { alias: "x", doors: [9], children: [] } }),
    "door",
    9,
  );
  assertNotFound(
    await w.admin.request("zone.update", {
      zone_id: zone,
      attributes: { doors: [], children: [99] },
    }),
    "zone",
    99,
  );
  for (
    const [key, value] of [["antipassback", "maybe"], ["antipassback-reset", -5], [
      "type",
      "0",
    ]] as const
  ) {
    assertModelError(
      await w.admin.request("zone.update", {
        zone_id: zone,
        attributes: { [key]: value, doors: [], children: [] },
      }),
      `data/attributes/${key}`,
    );
  }
  assert.equal(await zoneCount(w.admin), 1);
});

Deno.test("zone endpoints report a missing zone; zone.delete removes it", async () => {
  await using w = await startCrudWorld();
  assertNotFound(await w.admin.request("zone.read", { zone_id: 3 }), "zone", 3);
  assertNotFound(
    await w.admin.request("zone.update", { zone_id: 3, attributes: { doors: [], children: [] } }),
    "zone",
    3,
  );
  assertNotFound(await w.admin.request("zone.delete", { zone_id: 3 }), "zone", 3);
  const child = await createZone(w.admin, "child", LOGICAL);
  const zone = await createZone(w.admin, "parent", LOGICAL, [child]);
  assert.equal(ok(await w.admin.request("zone.delete", { zone_id: zone })), null);
  assertNotFound(await w.admin.request("zone.read", { zone_id: zone }), "zone", zone);
  const childRead = ok(await w.admin.request("zone.read", { zone_id: child }));
  assert.deepEqual(childRead.data.relationships.parent, { data: [] });
  const rows = auditRows(w.server, AUDIT_KIND.ZONE, AUDIT_EVENT.ZONE_DELETED);
  assert.equal(JSON.parse(rows[0]!.before!).alias, "parent");
});

Deno.test("zones: users may not read, viewers read but may not write", async () => {
  await using w = await startCrudWorld();
  const zone = await createZone(w.admin, "z", LOGICAL);
  failed(await w.user.request("zone.read", { zone_id: 0 }), 2);
  failed(await w.user.request("zone.read", { zone_id: zone }), 2);
  assert.equal(await zoneCount(w.viewer), 1);
  ok(await w.viewer.request("zone.read", { zone_id: zone }));
  const attributes = { alias: "x", doors: [], children: [] };
  for (const client of [w.user, w.viewer]) {
    failed(await client.request("zone.create", { attributes }), 2);
    failed(await client.request("zone.update", { zone_id: zone, attributes }), 2);
    failed(await client.request("zone.delete", { zone_id: zone }), 2);
  }
});
