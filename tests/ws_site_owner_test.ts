/**
 * The `controller` attribute of doors, access points and devices (issue 12)
 * over a real server: in a site (here a one-controller policy log that
 * applies each captured change at once) it is on every resource, defaults
 * to this controller, cannot change, and references cannot cross
 * controllers; outside a site it is absent and refused on create.
 */
import assert from "node:assert/strict";
import { Capture, ChangeApplier } from "../src/site/capture.ts";
import type { SiteService } from "../src/site/service.ts";
import { appendAudit } from "../src/store/audit.ts";
import { transaction } from "../src/store/db.ts";
import { getDevice } from "../src/store/devices.ts";
import { getDoor } from "../src/store/doors.ts";
import { startTestServer, TestClient, type TestServer } from "../src/testing.ts";
import { assertModelError, failed, ok } from "./_replies.ts";

/** A site service whose policy log applies every change at once (no NATS). */
function localSite(server: TestServer, controller: string): SiteService {
  const db = server.store.db;
  const capture = new Capture(db);
  const applier = new ChangeApplier(db, capture.shapes);
  return {
    siteName: "test",
    controller,
    status: () => ({
      name: "test",
      controller,
      connected: true,
      lag_ms: 0,
      applied_sequence: 0,
    }),
    policy: {
      capture,
      async write(compute) {
        const change = await compute();
        transaction(db, () => {
          applier.apply(change.changes);
          for (const audit of change.audits) appendAudit(db, { ...audit, timestamp: change.now });
        });
        return change.result;
      },
    },
    doors: null,
  };
}

async function siteWorld(): Promise<
  { server: TestServer; admin: TestClient } & AsyncDisposable
> {
  const site: { current: SiteService | null } = { current: null };
  // The app reads `services.site` once: give it a service whose parts are filled in below.
  const proxy = new Proxy({} as SiteService, {
    get: (_target, key) => (site.current as unknown as Record<PropertyKey, unknown>)[key],
  });
  const server = await startTestServer({ site: proxy });
  site.current = localSite(server, "A");
  const admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  return {
    server,
    admin,
    async [Symbol.asyncDispose]() {
      await admin.close();
      await server.close();
    },
  };
}

async function gpio(admin: TestClient, name: string, offset: number, controller?: string) {
  const reply = ok(
    await admin.request("gpio.create", {
      attributes: {
        name,
        device: "gpiochip0",
        offset,
        direction: 1,
        ...(controller === undefined ? {} : { controller }),
      },
    }),
  );
  return reply.data as { id: string; attributes: Record<string, unknown> };
}

Deno.test("in a site, doors and gpios carry their controller: default this one, another by name", async () => {
  await using w = await siteWorld();
  const { admin, server } = w;
  const local = await gpio(admin, "strike-a", 1);
  assert.equal(local.attributes.controller, "A");
  assert.equal(getDevice(server.store.db, local.id)?.controller, "A", "stored explicitly");
  // The same chip line on another controller is another line.
  const remote = await gpio(admin, "strike-b", 1, "B");
  assert.equal(remote.attributes.controller, "B");

  const doorA = ok(
    await admin.request("door.create", { attributes: { alias: "a", "strike-gpio": local.id } }),
  ).data;
  assert.equal(doorA.attributes.controller, "A");
  const doorB = ok(
    await admin.request("door.create", {
      attributes: { alias: "b", "strike-gpio": remote.id, controller: "B" },
    }),
  ).data;
  assert.equal(doorB.attributes.controller, "B");
  assert.equal(getDoor(server.store.db, doorB.id)?.controller, "B");

  const read = ok(await admin.request("door.read", { door_id: 0 })).data as {
    attributes: { controller: string };
  }[];
  assert.deepEqual(read.map((d) => d.attributes.controller), ["A", "B"]);
  // A row written before the site (NULL) is this controller's.
  server.store.db.prepare("UPDATE doors SET controller = NULL WHERE id = ?").run(doorA.id);
  const legacy = ok(await admin.request("door.read", { door_id: doorA.id })).data;
  assert.equal(legacy.attributes.controller, "A");
});

Deno.test("in a site, a reference cannot cross controllers and a row cannot move", async () => {
  await using w = await siteWorld();
  const { admin, server } = w;
  const strikeA = await gpio(admin, "strike-a", 1);
  const d0B = ok(
    await admin.request("gpio.create", {
      attributes: { name: "d0-b", device: "gpiochip0", offset: 2, direction: 0, controller: "B" },
    }),
  ).data;
  const d1A = ok(
    await admin.request("gpio.create", {
      attributes: { name: "d1-a", device: "gpiochip0", offset: 3, direction: 0 },
    }),
  ).data;

  // A door of B with A's strike.
  const detail = assertModelError(
    await admin.request("door.create", {
      attributes: { alias: "x", "strike-gpio": strikeA.id, controller: "B" },
    }),
    "data/attributes/strike-gpio",
  );
  assert.match(detail, /wired on controller A, not on B/);
  // A reader of A with B's D0.
  assertModelError(
    await admin.request("wiegand-reader.create", {
      attributes: { name: "r", gpio_low_id: d0B.id, gpio_high_id: d1A.id },
    }),
    "data/relationships/gpio-low",
  );
  // An access point of B with A's reader.
  const readerA = ok(
    await admin.request("wiegand-reader.create", {
      attributes: { name: "r-a", gpio_low_id: d1A.id },
    }),
  ).data;
  assertModelError(
    await admin.request("access_point.create", {
      attributes: {
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        reader: readerA.id,
        controller: "B",
      },
    }),
    "data/attributes/reader",
  );
  const apB = ok(
    await admin.request("access_point.create", {
      attributes: { "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT", controller: "B" },
    }),
  ).data;
  assert.equal(apB.attributes.controller, "B");
  // A door of A with B's access point.
  assertModelError(
    await admin.request("door.create", { attributes: { alias: "y", access_point_id: apB.id } }),
    "data/attributes/access_point_id",
  );

  // Moving: refused; repeating its own controller: fine.
  const door = ok(
    await admin.request("door.create", { attributes: { alias: "z", "strike-gpio": strikeA.id } }),
  ).data;
  const moved = assertModelError(
    await admin.request("door.update", { door_id: door.id, attributes: { controller: "B" } }),
    "data/attributes/controller",
  );
  assert.match(moved, /wired on controller A and cannot move to B/);
  ok(
    await admin.request("door.update", {
      door_id: door.id,
      attributes: { alias: "z2", controller: "A" },
    }),
  );
  assertModelError(
    await admin.request("gpio.update", { gpio_id: d0B.id, attributes: { controller: "A" } }),
    "data/attributes/controller",
  );
  assertModelError(
    await admin.request("access_point.update", {
      access_point_id: apB.id,
      attributes: { controller: "A" },
    }),
    "data/attributes/controller",
  );
  assertModelError(
    await admin.request("door.create", { attributes: { alias: "bad", controller: "a.b" } }),
    "data/attributes/controller",
  );
  assert.equal(getDoor(server.store.db, door.id)?.controller, "A");
});

Deno.test("outside a site the controller attribute is absent and refused on create", async () => {
  const server = await startTestServer();
  const admin = await TestClient.connect(server.wsUrl);
  try {
    await admin.login();
    const door = ok(await admin.request("door.create", { attributes: { alias: "d" } })).data;
    assert.equal(Object.hasOwn(door.attributes, "controller"), false);
    const refused = await admin.request("door.create", {
      attributes: { alias: "e", controller: "B" },
    });
    failed(refused, 12);
    assert.match(refused.status_string, /needs a site/);
    failed(
      await admin.request("gpio.create", {
        attributes: { name: "g", device: "gpiochip0", offset: 1, controller: "B" },
      }),
      12,
    );
    // null is "no controller": accepted, as absent.
    ok(await admin.request("door.update", { door_id: door.id, attributes: { controller: null } }));
    const count = server.store.db.prepare("SELECT count(*) AS n FROM doors").get() as { n: number };
    assert.equal(count.n, 1);
  } finally {
    await admin.close();
    await server.close();
  }
});
