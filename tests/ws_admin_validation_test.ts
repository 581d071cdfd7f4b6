// Issue 16: impossible values are refused, not silently changed. Dates that do not exist in the
// calendar and card ids that no reader of their bit count can produce are model errors naming the
// attribute; nothing is written.
import assert from "node:assert/strict";
import { createCredential } from "../src/store/credentials.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";
import { assertModelError, ok, startWorld, type World } from "./_entity_world.ts";

const P = "data/attributes/";

function card(w: World, attributes: Record<string, unknown>): Promise<ServerMessage> {
  return w.admin.request("credential.create", {
    "credential-type": "rfid-card",
    attributes: { alias: "card", owner_id: 0, ...attributes },
  });
}

function credentialCount(w: World): number {
  const row = w.server.store.db.prepare("SELECT count(*) AS n FROM credentials").get();
  return Number(row?.n);
}

Deno.test("dates that do not exist are refused on the attribute, not rolled over", async () => {
  await using w = await startWorld();
  const base = { "card-id": "80:80:33:80", "nb-bits": 26 };
  const detail = assertModelError(
    await card(w, { ...base, "validity-end": "2026-02-30T00:00:00Z" }),
    P + "validity-end",
  );
  assert.equal(detail, "Invalid date: February 2026 has no day 30.");
  assertModelError(
    await card(w, { ...base, "validity-start": "2025-02-29T00:00:00.000000000+0000" }),
    P + "validity-start",
  );
  assert.equal(credentialCount(w), 0);
  const id = ok(await card(w, { ...base, "validity-end": "2028-02-29T23:59:59Z" })).data.id;
  const user = (attributes: Record<string, unknown>) =>
    w.admin.request("user.update", { user_id: w.userId, attributes });
  assertModelError(await user({ "validity-start": "2026-04-31T00:00:00Z" }), P + "validity-start");
  assertModelError(await user({ "validity-end": "2026-13-01T00:00:00Z" }), P + "validity-end");
  assertModelError(await user({ "validity-end": "2026-01-01T24:00:00Z" }), P + "validity-end");
  const read = ok(await w.admin.request("credential.read", { credential_id: id })).data;
  assert.equal(read.attributes["validity-end"], "2028-02-29T23:59:59.000000000+0000");
  const holiday = assertModelError(
    await w.admin.request("holiday.create", { attributes: { date: "2100-02-29" } }),
    P + "date",
  );
  assert.equal(holiday, 'Invalid date "2100-02-29": February 2100 has no day 29');
  ok(await w.admin.request("holiday.create", { attributes: { date: "2000-02-29" } }));
});

Deno.test("credential.create refuses a card id that does not fit its bit count, showing the expected length", async () => {
  await using w = await startWorld();
  const refused: [string, number, string][] = [
    ["ff:ff:ff:ff", 26, "A 26-bit card id has 4 bytes (aa:bb:cc:dd) with the last 6 bits zero."],
    ["a1:b2", 32, "A 32-bit card id has 4 bytes (aa:bb:cc:dd), not 2."],
    ["01:02:03:04:05", 8, "An 8-bit card id has 1 byte (aa), not 5."],
  ];
  for (const [cardId, nbBits, message] of refused) {
    const reply = await card(w, { "card-id": cardId, "nb-bits": nbBits });
    assert.equal(assertModelError(reply, P + "cardId"), message, `${cardId}/${nbBits}`);
  }
  assert.equal(credentialCount(w), 0);
  const made = ok(await card(w, { "card-id": "FF:FF:FF:C0", "nb-bits": 26 })).data;
  assert.equal(made.attributes["card-id"], "ff:ff:ff:c0");
  ok(await card(w, { "card-id": "0102030405", "nb-bits": 40 }));
});

Deno.test("credential.update checks the resulting pair; a stored card that does not fit keeps loading and editing", async () => {
  await using w = await startWorld();
  const id = ok(await card(w, { "card-id": "01:02:03:04", "nb-bits": 32 })).data.id;
  const update = (credential_id: number, attributes: Record<string, unknown>) =>
    w.admin.request("credential.update", { credential_id, attributes });
  // new bit count with the stored card id; new card id with the stored bit count
  assert.equal(
    assertModelError(await update(id, { "nb-bits": 26 }), P + "cardId"),
    "A 26-bit card id has 4 bytes (aa:bb:cc:dd) with the last 6 bits zero.",
  );
  assertModelError(await update(id, { "card-id": "ff:ff" }), P + "cardId");
  assertModelError(await update(id, { "card-id": "01:02:03:05", "nb-bits": 30 }), P + "cardId");
  let data = ok(await w.admin.request("credential.read", { credential_id: id })).data;
  assert.deepEqual([data.attributes["card-id"], data.attributes["nb-bits"]], ["01:02:03:04", 32]);
  ok(await update(id, { "card-id": "01:02:03:00", "nb-bits": 26 }));
  data = ok(await w.admin.request("credential.read", { credential_id: id })).data;
  assert.deepEqual([data.attributes["card-id"], data.attributes["nb-bits"]], ["01:02:03:00", 26]);

  // written before the rule existed (the store itself does not refuse it)
  const legacy = createCredential(w.server.store.db, {
    type: "rfid-card",
    alias: "old",
    cardId: "ff:ff:ff:ff",
    nbBits: 26,
  }).id;
  data = ok(await w.admin.request("credential.read", { credential_id: legacy })).data;
  assert.equal(data.attributes["card-id"], "ff:ff:ff:ff");
  // the web client sends card-id and nb-bits back unchanged with every save
  ok(await update(legacy, { alias: "renamed", "card-id": "ff:ff:ff:ff", "nb-bits": 26 }));
  assertModelError(await update(legacy, { "nb-bits": 27 }), P + "cardId");
  ok(await update(legacy, { "nb-bits": 32 }));
});

Deno.test("group names are unique regardless of case: the same error as an exact duplicate", async () => {
  await using w = await startWorld();
  const create = (name: string) =>
    w.admin.request("group.create", { attributes: { name, description: "" } });
  const staff = ok(await create("Staff")).data.id;
  const exact = await create("Staff");
  const byCase = await create("staff");
  assert.equal(assertModelError(exact, P + "name"), "A group named Staff already exists.");
  assert.deepEqual(byCase.content, exact.content);
  assert.equal(byCase.status_string, exact.status_string);
  const crew = ok(await create("crew")).data.id;
  const rename = (group_id: number, name: string) =>
    w.admin.request("group.update", { group_id, attributes: { name } });
  assertModelError(await rename(crew, "STAFF"), P + "name");
  ok(await rename(staff, "STAFF"));
  const names = ok(await w.admin.request("group.read", { group_id: 0 })).data.map(
    (g: { attributes: { name: string } }) => g.attributes.name,
  );
  assert.deepEqual(names.sort(), ["STAFF", "crew"]);
});

Deno.test("a database with Staff and staff keeps serving both; renaming one is the way out", async () => {
  await using w = await startWorld();
  w.server.store.db.exec(
    "INSERT INTO groups (name, description) VALUES ('Staff', ''), ('staff', '')",
  );
  const groups = ok(await w.admin.request("group.read", { group_id: 0 })).data;
  const id = (name: string) =>
    groups.find((g: { attributes: { name: string } }) => g.attributes.name === name).id;
  const update = (group_id: number, attributes: Record<string, unknown>) =>
    w.admin.request("group.update", { group_id, attributes });
  // the web client sends the name back unchanged with every save
  ok(await update(id("staff"), { name: "staff", description: "night shift" }));
  assertModelError(await update(id("staff"), { name: "STAFF" }), P + "name");
  ok(await update(id("staff"), { name: "staff-night" }));
  assertModelError(
    await w.admin.request("group.create", { attributes: { name: "STAFF" } }),
    P + "name",
  );
});
