import assert from "node:assert/strict";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../src/store/audit.ts";
import { createMapping, createSchedule } from "../src/store/schedules.ts";
import { hashPin } from "../src/store/secrets.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";
import {
  assertModelError,
  assertNotFound,
  failed,
  ok,
  readAuditRows,
  startWorld,
  type World,
} from "./_entity_world.ts";

const P = "data/attributes/";

function card(w: World, attributes: Record<string, unknown>): Promise<ServerMessage> {
  return w.admin.request("credential.create", {
    "credential-type": "rfid-card",
    attributes: { alias: "card", "nb-bits": 32, owner_id: 0, ...attributes },
  });
}

function pin(w: World, attributes: Record<string, unknown>): Promise<ServerMessage> {
  return w.admin.request("credential.create", {
    "credential-type": "pin-code",
    attributes: { alias: "pin", owner_id: 0, ...attributes },
  });
}

Deno.test("credential.create makes an rfid-card in Leosac's shape", async () => {
  await using w = await startWorld();
  const data = ok(
    await card(w, {
      "card-id": "AA:BB:CC:11",
      owner_id: w.userId,
      description: "blue",
      "validity-enabled": true,
      "validity-start": "2026-01-01T00:00:00Z",
      "validity-end": null,
      version: 0,
    }),
  ).data;
  assert.equal(data.type, "rfid-card");
  assert.deepEqual(data.attributes, {
    version: 1,
    alias: "card",
    description: "blue",
    "validity-enabled": true,
    "validity-start": "2026-01-01T00:00:00.000000000+0000",
    "validity-end": "2262-04-11T23:47:16.854775807+0000",
    "card-id": "aa:bb:cc:11",
    "nb-bits": 32,
    "required-pin-id": null,
  });
  assert.deepEqual(data.relationships, {
    owner: { data: { id: w.userId, type: "user" } },
    schedules: { data: null },
  });
  const unowned = ok(await card(w, { "card-id": "00:00:00:01" })).data;
  assert.deepEqual(unowned.relationships, { schedules: { data: null } });
  const rows = await readAuditRows(w.server);
  const created = rows.filter((r) => r.kind === AUDIT_KIND.CREDENTIAL);
  assert.equal(created.length, 2);
  assert.equal(created[0]!.event_mask, auditMask(AUDIT_EVENT.CREDENTIAL_CREATED));
  assert.equal(JSON.parse(created[0]!.after!).card_id, "aa:bb:cc:11");
});

Deno.test("credential.create validates type, card id, bit count, alias, owner", async () => {
  await using w = await startWorld();
  const unsupported = await w.admin.request("credential.create", {
    "credential-type": "iris",
    attributes: {},
  });
  failed(unsupported, 1);
  assert.equal(unsupported.status_string, "[LEOSACException]: Credential iris are not supported.");
  assert.equal(
    assertModelError(await card(w, { "card-id": "aa:bb:c" }), P + "cardId"),
    "Card id must have aa:bb:cc:11 format.",
  );
  assertModelError(await card(w, {}), P + "cardId");
  assertModelError(await card(w, { "card-id": 12 }), P + "cardId");
  assertModelError(await card(w, { "card-id": "aa:bb:cc:dd", "nb-bits": 0 }), P + "nbBits");
  assertModelError(await card(w, { "card-id": "aa:bb:cc:dd", "nb-bits": 129 }), P + "nbBits");
  assertModelError(await card(w, { "card-id": "aa:bb:cc:dd", "nb-bits": null }), P + "nbBits");
  assertModelError(await card(w, { "card-id": "aa:bb:cc:dd", alias: "x".repeat(51) }), P + "alias");
  assertModelError(
    await card(w, { "card-id": "aa:bb:cc:dd", "validity-start": "tomorrow" }),
    P + "validity-start",
  );
  assertNotFound(await card(w, { "card-id": "aa:bb:cc:dd", owner_id: 999 }), "user", 999);
  ok(await card(w, { "card-id": "aa:bb:cc:dd" }));
  assertModelError(await card(w, { "card-id": "AABBCCDD" }), P + "cardId");
  failed(await w.admin.request("credential.create", { attributes: {} }), 1);
});

Deno.test("credential.create, .update and .delete are manager-only", async () => {
  await using w = await startWorld();
  const id = ok(await card(w, { "card-id": "00:00:01:02" })).data.id;
  for (const client of [w.user, w.viewer]) {
    const create = { "credential-type": "rfid-card", attributes: { "card-id": "00:00:0a:0b" } };
    failed(await client.request("credential.create", create), 2);
    failed(await client.request("credential.update", { credential_id: id, attributes: {} }), 2);
    failed(await client.request("credential.delete", { credential_id: id }), 2);
  }
});

Deno.test("credential.read: id 0 lists what the caller may read; others' credentials are denied", async () => {
  await using w = await startWorld();
  const mine = ok(await card(w, { "card-id": "00:00:01:01", owner_id: w.userId })).data.id;
  const theirs = ok(await card(w, { "card-id": "00:00:02:02", owner_id: w.viewerId })).data.id;
  const ids = async (client: World["user"]) =>
    ok(await client.request("credential.read", { credential_id: 0 })).data.map(
      (c: { id: number }) => c.id,
    );
  assert.deepEqual(await ids(w.user), [mine]);
  assert.deepEqual(await ids(w.viewer), [mine, theirs]);
  assert.equal(ok(await w.user.request("credential.read", { credential_id: mine })).data.id, mine);
  failed(await w.user.request("credential.read", { credential_id: theirs }), 2);
  ok(await w.viewer.request("credential.read", { credential_id: mine }));
  assertNotFound(await w.admin.request("credential.read", { credential_id: 99 }), "credential", 99);
  const user = ok(await w.user.request("user.read", { user_id: w.userId })).data;
  assert.deepEqual(user.relationships.credentials.data, [{ id: mine, type: "rfid-card" }]);
});

Deno.test("credential.update patches, returns null and is audited", async () => {
  await using w = await startWorld();
  const id = ok(await card(w, { "card-id": "01:02:03:00", owner_id: w.userId })).data.id;
  ok(await card(w, { "card-id": "00:00:09:09" }));
  const update = (attributes: Record<string, unknown>) =>
    w.admin.request("credential.update", { credential_id: id, attributes });
  assert.equal(ok(await update({ alias: "renamed", "card-id": null })), null);
  let data = ok(await w.admin.request("credential.read", { credential_id: id })).data;
  assert.equal(data.attributes.alias, "renamed");
  assert.equal(data.attributes["card-id"], "01:02:03:00");
  assert.equal(data.attributes.version, 2);
  assert.equal(data.relationships.owner.data.id, w.userId);
  ok(await update({ owner_id: 0, "nb-bits": 26 }));
  data = ok(await w.admin.request("credential.read", { credential_id: id })).data;
  assert.equal(data.relationships.owner, undefined);
  assert.equal(data.attributes["nb-bits"], 26);
  assertModelError(await update({ "card-id": "00:00:09:09" }), P + "cardId");
  assertModelError(await update({ "card-id": "zz" }), P + "cardId");
  assertNotFound(
    await w.admin.request("credential.update", { credential_id: 404, attributes: {} }),
    "credential",
    404,
  );
  const rows = await readAuditRows(w.server);
  const updates = rows.filter((r) => r.event_mask === auditMask(AUDIT_EVENT.CREDENTIAL_UPDATED));
  assert.equal(updates.length, 2);
  assert.equal(JSON.parse(updates[0]!.before!).alias, "card");
  assert.equal(JSON.parse(updates[0]!.after!).alias, "renamed");
});

Deno.test("credential.delete returns null (id 0 does nothing) and is audited", async () => {
  await using w = await startWorld();
  const id = ok(await card(w, { "card-id": "00:00:01:02" })).data.id;
  assert.equal(ok(await w.admin.request("credential.delete", { credential_id: 0 })), null);
  assert.equal(ok(await w.admin.request("credential.delete", { credential_id: id })), null);
  assertNotFound(
    await w.admin.request("credential.delete", { credential_id: id }),
    "credential",
    id,
  );
  const rows = await readAuditRows(w.server);
  const deleted = rows.find((r) => r.event_mask === auditMask(AUDIT_EVENT.CREDENTIAL_DELETED));
  assert.equal(deleted?.target_id, id);
});

Deno.test("credential schedules relationship lists the schedules mapped to the credential", async () => {
  await using w = await startWorld();
  const id = ok(await card(w, { "card-id": "00:00:01:02", owner_id: w.userId })).data.id;
  const db = w.server.store.db;
  const schedule = createSchedule(db, { name: "office" });
  createMapping(db, schedule.id, { credentialIds: [id] });
  const data = ok(await w.user.request("credential.read", { credential_id: id })).data;
  assert.deepEqual(data.relationships.schedules, { data: [{ id: schedule.id, type: "schedule" }] });
});

Deno.test("PIN codes are stored hashed and never appear in a reply or an audit row", async () => {
  await using w = await startWorld();
  const PIN1 = "90817263", PIN2 = "55019384";
  const replies: ServerMessage[] = [];
  const send = async (type: string, content: unknown) => {
    const reply = await w.admin.request(type, content);
    replies.push(reply);
    return reply;
  };
  const created = ok(
    await send("credential.create", {
      "credential-type": "pin-code",
      attributes: { alias: "door pin", code: PIN1, owner_id: w.userId },
    }),
  ).data;
  assert.equal(created.type, "pin-code");
  assert.equal(created.attributes.code, "");
  const id = created.id;
  const stored = () =>
    (w.server.store.db.prepare("SELECT pin_hash FROM credentials WHERE id = ?").get(id) as {
      pin_hash: string;
    }).pin_hash;
  assert.equal(stored(), hashPin(w.server.store.secret, PIN1));
  ok(await send("credential.update", { credential_id: id, attributes: { code: "" } }));
  assert.equal(stored(), hashPin(w.server.store.secret, PIN1), '"" keeps the PIN');
  ok(await send("credential.update", { credential_id: id, attributes: { code: PIN2 } }));
  assert.equal(stored(), hashPin(w.server.store.secret, PIN2));
  const bad = await send("credential.update", { credential_id: id, attributes: { code: "12a4" } });
  assert.equal(assertModelError(bad, P + "code"), "PIN code must be 4 to 12 digits.");
  assert.ok(!bad.status_string.includes("12a4"));
  assertModelError(await pin(w, { code: "123" }), P + "code");
  assertModelError(await pin(w, { code: "1".repeat(13) }), P + "code");
  assertModelError(await pin(w, {}), P + "code");
  replies.push(await send("credential.read", { credential_id: id }));
  replies.push(await send("credential.read", { credential_id: 0 }));
  replies.push(await send("search.credential_alias", { partial_name: "pin" }));
  ok(await send("credential.delete", { credential_id: id }));
  for (const reply of replies) {
    const text = JSON.stringify(reply);
    assert.ok(!text.includes(PIN1) && !text.includes(PIN2), `PIN leaked in ${text}`);
    assert.ok(!text.includes(hashPin(w.server.store.secret, PIN2)), "hash leaked");
  }
  const rows = await readAuditRows(w.server);
  assert.ok(rows.some((r) => r.event_mask === auditMask(AUDIT_EVENT.CREDENTIAL_UPDATED)));
  for (const row of rows) {
    const text = JSON.stringify(row);
    assert.ok(!text.includes(PIN1) && !text.includes(PIN2), `PIN leaked in audit ${text}`);
    for (const code of [PIN1, PIN2]) {
      assert.ok(!text.includes(hashPin(w.server.store.secret, code)), "no PIN hash in audit rows");
    }
  }
  for (const suffix of ["", "-wal"]) {
    const bytes = await Deno.readFile(w.server.store.databasePath + suffix).catch(() => null);
    if (bytes === null) continue;
    const raw = new TextDecoder("latin1").decode(bytes);
    assert.ok(!raw.includes(PIN1) && !raw.includes(PIN2), `PIN in database file${suffix}`);
  }
});
