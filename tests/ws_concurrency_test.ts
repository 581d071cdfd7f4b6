/**
 * Optimistic concurrency over the WebSocket API: an update or a delete that
 * carries the `version` the client read is applied only if it is still the
 * stored one; otherwise MODEL_EXCEPTION on `data/attributes/version` with a
 * sentence a person understands, and nothing is written. Without a version,
 * the last writer wins as before.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createUserViaApi, startTestServer, TestClient, type TestServer } from "../src/testing.ts";
import { assertModelError, assertNotFound, failed, ok } from "./_replies.ts";

const POINTER = "data/attributes/version";

/** The sentence a refused writer reads, by the thing they edited. */
function stale(subject: string): string {
  return `${subject} was changed by someone else after you opened it. Reload to see their change.`;
}

/** A server with two administrators, each on their own logged-in connection. */
interface TwoAdmins extends AsyncDisposable {
  server: TestServer;
  first: TestClient;
  second: TestClient;
}

async function startTwoAdmins(): Promise<TwoAdmins> {
  const server = await startTestServer();
  const first = await TestClient.connect(server.wsUrl);
  await first.login();
  await createUserViaApi(first, "admin2", 4);
  const second = await TestClient.connect(server.wsUrl);
  await second.login("admin2", "password-admin2");
  return {
    server,
    first,
    second,
    async [Symbol.asyncDispose]() {
      await second.close();
      await first.close();
      await server.close();
    },
  };
}

/** How one entity family is created, read, changed and deleted over the wire. */
interface Family {
  /** Test label and wire entity type of a not-found reply. */
  readonly name: string;
  /** The subject of the refusal sentence. */
  readonly subject: string;
  /** The read/update/delete call prefix and id key. */
  readonly call: string;
  readonly idKey: string;
  /** Creates one (the request carries a `version`, which must be ignored); returns its id. */
  create(admin: TestClient, tag: string): Promise<number | string>;
  /** The attribute an update changes, and the values it takes. */
  readonly field: string;
  readonly values: readonly [unknown, unknown, unknown, unknown];
  /** Further attributes an update must carry (Leosac requires them), and further content. */
  readonly attrs?: Record<string, unknown>;
  readonly extra?: Record<string, unknown>;
}

async function created(admin: TestClient, type: string, content: unknown): Promise<number> {
  return ok(await admin.request(type, content)).data.id;
}

const FAMILIES: readonly Family[] = [
  {
    name: "user",
    subject: "This person",
    call: "user",
    idKey: "user_id",
    create: (admin, tag) => createUserViaApi(admin, `u-${tag}`, 0),
    field: "firstname",
    values: ["Ann", "Bea", "Cy", "Dee"],
  },
  {
    name: "credential",
    subject: "This card",
    call: "credential",
    idKey: "credential_id",
    create: (admin) =>
      created(admin, "credential.create", {
        "credential-type": "rfid-card",
        attributes: { alias: "card", "card-id": "12:34:56:78", "nb-bits": 32, version: 42 },
      }),
    field: "alias",
    values: ["one", "two", "three", "four"],
  },
  {
    name: "schedule",
    subject: "This schedule",
    call: "schedule",
    idKey: "schedule_id",
    create: (admin) =>
      created(admin, "schedule.create", {
        attributes: { name: "office", description: "", timeframes: [], version: 42 },
      }),
    field: "name",
    values: ["day", "night", "weekend", "always"],
    attrs: { description: "", timeframes: [] },
    extra: { mapping: [] },
  },
  {
    name: "group",
    subject: "This group",
    call: "group",
    idKey: "group_id",
    create: (admin, tag) =>
      created(admin, "group.create", { attributes: { name: `g-${tag}`, version: 42 } }),
    field: "description",
    values: ["a", "b", "c", "d"],
  },
  {
    name: "user-group-membership",
    subject: "This membership",
    call: "user-group-membership",
    idKey: "membership_id",
    async create(admin, tag) {
      const userId = await createUserViaApi(admin, `m-${tag}`, 0);
      const groupId = await created(admin, "group.create", { attributes: { name: `mg-${tag}` } });
      return created(admin, "user-group-membership.create", {
        attributes: { rank: 0, group_id: groupId, user_id: userId, version: 42 },
      });
    },
    field: "rank",
    values: [1, 2, 0, 1],
  },
  {
    name: "door",
    subject: "This door",
    call: "door",
    idKey: "door_id",
    create: (admin) =>
      created(admin, "door.create", {
        attributes: { alias: "Front", description: "", access_point_id: 0, version: 42 },
      }),
    field: "alias",
    values: ["North", "South", "East", "West"],
  },
  {
    name: "access-point",
    subject: "This access point",
    call: "access_point",
    idKey: "access_point_id",
    create: (admin) =>
      created(admin, "access_point.create", {
        attributes: {
          alias: "reader",
          "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
          version: 42,
        },
      }),
    field: "alias",
    values: ["in", "out", "up", "down"],
  },
  {
    name: "zone",
    subject: "This zone",
    call: "zone",
    idKey: "zone_id",
    create: (admin) =>
      created(admin, "zone.create", {
        attributes: { alias: "Lobby", type: 1, doors: [], children: [], version: 42 },
      }),
    field: "alias",
    values: ["Hall", "Lab", "Roof", "Yard"],
    attrs: { doors: [], children: [] },
  },
  {
    name: "holiday",
    subject: "This holiday",
    call: "holiday",
    idKey: "holiday_id",
    create: (admin) =>
      created(admin, "holiday.create", {
        attributes: { date: "2025-12-25", name: "Christmas", version: 42 },
      }),
    field: "name",
    values: ["Xmas", "Noel", "Natale", "Navidad"],
  },
  {
    name: "gpio",
    subject: "This device",
    call: "gpio",
    idKey: "gpio_id",
    create: (admin, tag) =>
      created(admin, "gpio.create", {
        attributes: {
          name: `gpio-${tag}`,
          "device-class": 1,
          enabled: true,
          offset: 3,
          direction: 1,
          version: 42,
        },
      }),
    field: "name",
    values: ["strike-a", "strike-b", "strike-c", "strike-d"],
  },
  {
    name: "led",
    subject: "This device",
    call: "led",
    idKey: "led_id",
    create: (admin, tag) =>
      created(admin, "led.create", { attributes: { name: `led-${tag}`, version: 42 } }),
    field: "default-blink-speed",
    values: [100, 200, 300, 400],
  },
];

/** Reads one entity: its version and the attribute the test changes. */
async function read(
  client: TestClient,
  family: Family,
  entityId: number | string,
): Promise<{ version: number; value: unknown }> {
  const reply = await client.request(`${family.call}.read`, { [family.idKey]: entityId });
  const { attributes } = ok(reply).data;
  return { version: attributes.version, value: attributes[family.field] };
}

function update(
  client: TestClient,
  family: Family,
  entityId: number | string,
  value: unknown,
  version?: unknown,
) {
  return client.request(`${family.call}.update`, {
    [family.idKey]: entityId,
    attributes: {
      ...family.attrs,
      [family.field]: value,
      ...(version === undefined ? {} : { version }),
    },
    ...family.extra,
  });
}

for (const family of FAMILIES) {
  Deno.test(`${family.name}: a stale version is refused and changes nothing; the current one wins and bumps it; none keeps last-writer-wins`, async () => {
    await using w = await startTwoAdmins();
    const admin = w.first;
    const entityId = await family.create(admin, "1");
    const [a, b, c, d] = family.values;
    const start = await read(admin, family, entityId);
    assert.equal(start.version, 1, "a version sent on create is ignored");

    // The current version: applied, and the version moves on.
    ok(await update(admin, family, entityId, a, start.version));
    assert.deepEqual(await read(admin, family, entityId), { version: 2, value: a });

    // The version read before that change: refused, nothing written.
    const detail = assertModelError(
      await update(admin, family, entityId, b, start.version),
      POINTER,
    );
    assert.equal(detail, stale(family.subject));
    assert.deepEqual(await read(admin, family, entityId), { version: 2, value: a });

    // A version from the future is just as stale.
    assertModelError(await update(admin, family, entityId, b, 99), POINTER);

    // No version (absent or null): last writer wins, as before.
    ok(await update(admin, family, entityId, c));
    assert.deepEqual(await read(admin, family, entityId), { version: 3, value: c });
    ok(await update(admin, family, entityId, d, null));
    assert.deepEqual(await read(admin, family, entityId), { version: 4, value: d });

    // A version that is not a number is a model error on the same attribute.
    assertModelError(await update(admin, family, entityId, a, "soon"), POINTER);

    // Deletes: a stale version is refused and the entity stays; the current one deletes.
    const del = (version: number) =>
      admin.request(`${family.call}.delete`, { [family.idKey]: entityId, version });
    assert.equal(assertModelError(await del(3), POINTER), stale(family.subject));
    assert.deepEqual(await read(admin, family, entityId), { version: 4, value: d });
    ok(await del(4));
    const gone = await admin.request(`${family.call}.read`, { [family.idKey]: entityId });
    assert.equal(gone.status_code, 8, `${family.name} is deleted: ${JSON.stringify(gone)}`);
  });
}

Deno.test("a delete without a version deletes whatever the version (last writer wins)", async () => {
  await using w = await startTwoAdmins();
  const door = await created(w.first, "door.create", { attributes: { alias: "Side" } });
  ok(await w.second.request("door.update", { door_id: door, attributes: { alias: "Back" } }));
  ok(await w.first.request("door.delete", { door_id: door }));
  assertNotFound(await w.first.request("door.read", { door_id: door }), "door", door);
});

/** The families that two people edit at once in the scenario. */
const TWO_SESSIONS = ["user", "credential", "schedule", "door"] as const;

for (const name of TWO_SESSIONS) {
  const family = FAMILIES.find((f) => f.name === name)!;
  Deno.test(`two administrators save the same ${name}: exactly one wins, the other gets the sentence`, async () => {
    await using w = await startTwoAdmins();
    const entityId = await family.create(w.first, "two");
    const [mine, theirs, again, next] = family.values;

    // One after the other: both opened version 1, the first to save wins.
    const seenByFirst = await read(w.first, family, entityId);
    const seenBySecond = await read(w.second, family, entityId);
    assert.equal(seenByFirst.version, seenBySecond.version);
    ok(await update(w.first, family, entityId, mine, seenByFirst.version));
    const refused = await update(w.second, family, entityId, theirs, seenBySecond.version);
    assert.equal(assertModelError(refused, POINTER), stale(family.subject));
    assert.deepEqual(await read(w.second, family, entityId), {
      version: seenByFirst.version + 1,
      value: mine,
    });

    // At the same moment: both send the version they read without waiting.
    const opened = await read(w.first, family, entityId);
    const replies = await Promise.all([
      update(w.first, family, entityId, again, opened.version),
      update(w.second, family, entityId, next, opened.version),
    ]);
    const winners = replies.filter((r) => r.status_code === 0);
    assert.equal(winners.length, 1, `exactly one save wins: ${JSON.stringify(replies)}`);
    const loser = replies.find((r) => r.status_code !== 0)!;
    assert.equal(assertModelError(loser, POINTER), stale(family.subject));
    const winnerValue = replies[0]!.status_code === 0 ? again : next;
    assert.deepEqual(await read(w.first, family, entityId), {
      version: opened.version + 1,
      value: winnerValue,
    });

    // The loser reloads and saves again: that carries the new version and wins.
    const reloaded = await read(w.second, family, entityId);
    ok(await update(w.second, family, entityId, theirs, reloaded.version));
    assert.equal((await read(w.first, family, entityId)).value, theirs);
    failed(await update(w.first, family, entityId, mine, opened.version), 11);
  });
}
