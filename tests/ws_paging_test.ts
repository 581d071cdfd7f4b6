/**
 * The paged searches and the audit log's keyset pages (issue 10, "Scale"),
 * through a real server: `user.list`, `credential.list`, `group.list`,
 * `user-group-membership.list` and `audit.get` in keyset mode. What matches,
 * the order, the cursor walking every row exactly once even while rows are
 * added between pages, each audit filter, and bad input.
 */
import assert from "node:assert/strict";
import { appendAuditBatch, AUDIT_EVENT, AUDIT_KIND, auditMask } from "../src/store/audit.ts";
import type { AuditEntry } from "../src/store/audit.ts";
import { createCredential } from "../src/store/credentials.ts";
import { createGroup } from "../src/store/groups.ts";
import { createMembership } from "../src/store/memberships.ts";
import { createUser } from "../src/store/users.ts";
import { cardIdFromFields, H10301_LAYOUT } from "../src/shared/card_id.js";
import type { TestClient } from "../src/testing.ts";
import { failed, ok, startWorld } from "./_entity_world.ts";

/** Every page of `type` from the first, following `meta.next`. */
async function allPages(
  client: TestClient,
  type: string,
  content: Record<string, unknown>,
  // deno-lint-ignore no-explicit-any
): Promise<any[][]> {
  const pages = [];
  let after: string | undefined;
  for (let n = 0; n < 100; n++) {
    const reply = ok(await client.request(type, { ...content, ...(after ? { after } : {}) }));
    pages.push(reply.data);
    if (reply.meta.next === null) return pages;
    after = reply.meta.next;
  }
  throw new Error("more than 100 pages");
}

Deno.test("user.list pages by username and finds by the start of any name, any case", async () => {
  await using w = await startWorld();
  const db = w.server.store.db;
  for (let i = 0; i < 25; i++) {
    createUser(db, {
      username: `p${String(i).padStart(2, "0")}`,
      firstname: i % 2 ? "Ada" : "Grace",
      lastname: i % 5 ? "Lovelace" : "Hopper",
      email: `x${i}@Example.com`,
    });
  }
  const pages = await allPages(w.admin, "user.list", { limit: 7 });
  const names = pages.flat().map((u) => u.attributes.username);
  assert.deepEqual(names, [...names].sort());
  assert.equal(new Set(names).size, names.length);
  assert.equal(names.length, 25 + 3); // admin, alice, victor
  assert.deepEqual(pages.map((p) => p.length), [7, 7, 7, 7]);

  const found = async (q: string) =>
    ok(await w.admin.request("user.list", { q, limit: 50 })).data.map(
      (u: { attributes: { username: string } }) => u.attributes.username,
    );
  assert.deepEqual(await found("HOP"), ["p00", "p05", "p10", "p15", "p20"]);
  assert.deepEqual(await found("ada hop"), ["p05", "p15"]);
  assert.deepEqual(await found("x1"), [
    "p01",
    "p10",
    "p11",
    "p12",
    "p13",
    "p14",
    "p15",
    "p16",
    "p17",
    "p18",
    "p19",
  ]);
  assert.deepEqual(await found("ovelace"), [], "a prefix, not a substring");
  assert.deepEqual(await found("p2_"), [], "_ is not a wildcard");
  // The relationships are left out: a page costs one row per user.
  const [first] = ok(await w.admin.request("user.list", { q: "p00" })).data;
  assert.equal(first.relationships, undefined);
  assert.equal(first.attributes.email, "x0@Example.com");
});

Deno.test("user.list below viewer rank sees only the caller; bad input is status 1", async () => {
  await using w = await startWorld();
  const mine = ok(await w.user.request("user.list", {})).data;
  assert.deepEqual(mine.map((u: { id: number }) => u.id), [w.userId]);
  assert.deepEqual(ok(await w.user.request("user.list", { q: "admin" })).data, []);
  failed(await w.admin.request("user.list", { limit: 0 }), 1);
  failed(await w.admin.request("user.list", { limit: 201 }), 1);
  failed(await w.admin.request("user.list", { q: 5 }), 1);
  failed(await w.admin.request("user.list", { q: "x".repeat(257) }), 1);
});

Deno.test("user.list walks every user once while users are added between pages", async () => {
  await using w = await startWorld();
  const db = w.server.store.db;
  for (let i = 0; i < 20; i++) createUser(db, { username: `m${String(i * 2).padStart(2, "0")}` });
  const seen: string[] = [];
  let after: string | undefined;
  let added = 0;
  for (;;) {
    const reply = ok(
      await w.admin.request("user.list", { q: "m", limit: 6, ...(after ? { after } : {}) }),
    );
    seen.push(
      ...reply.data.map((u: { attributes: { username: string } }) => u.attributes.username),
    );
    // Before the cursor (never shown) and after it (shown once, in order).
    createUser(db, { username: `m${String(added * 2 + 1).padStart(2, "0")}x` });
    createUser(db, { username: `a-new-${added++}` });
    if (reply.meta.next === null) break;
    after = reply.meta.next;
  }
  assert.equal(new Set(seen).size, seen.length, "no user twice");
  assert.deepEqual(seen, [...seen].sort());
  for (let i = 0; i < 20; i++) assert.ok(seen.includes(`m${String(i * 2).padStart(2, "0")}`));
});

Deno.test("credential.list finds cards by facility/number, number, hex prefix and alias", async () => {
  await using w = await startWorld();
  const db = w.server.store.db;
  const owner = createUser(db, { username: "holder" });
  const card = (facility: number, number: number, alias = "") =>
    createCredential(db, {
      type: "rfid-card",
      cardId: cardIdFromFields(H10301_LAYOUT, facility, number),
      nbBits: 26,
      alias,
      ownerId: owner.id,
    }).id;
  const a = card(12, 3456, "Badge 1");
  const b = card(13, 3456, "badge 2");
  const c = card(12, 3457, "Visitor");
  const ids = async (q: string, extra: Record<string, unknown> = {}) =>
    ok(await w.admin.request("credential.list", { q, ...extra })).data.map(
      (x: { id: number }) => x.id,
    );
  assert.deepEqual(await ids("12/3456"), [a]);
  assert.deepEqual(await ids("12:3456"), [a]);
  assert.deepEqual(await ids("3456"), [a, b]);
  assert.deepEqual(await ids("badge"), [a, b]);
  assert.deepEqual(await ids(cardIdFromFields(H10301_LAYOUT, 12, 3457).slice(0, 10)), [c]);
  const reply = ok(await w.admin.request("credential.list", { q: "visitor" }));
  assert.equal(reply.meta.owners[owner.id], "holder");
  assert.equal(reply.data[0].attributes["card-id"], cardIdFromFields(H10301_LAYOUT, 12, 3457));
  // A rank-0 user sees only their own cards.
  assert.deepEqual(ok(await w.user.request("credential.list", {})).data, []);
  assert.deepEqual(
    ok(await w.user.request("credential.list", { owner_id: owner.id })).data,
    [],
  );
  const all = (await allPages(w.admin, "credential.list", { limit: 2 })).flat();
  assert.deepEqual(all.map((x) => x.id), [a, b, c]);
  failed(await w.admin.request("credential.list", { after: "x" }), 1);
});

Deno.test("group.list and user-group-membership.list page by name and username", async () => {
  await using w = await startWorld();
  const db = w.server.store.db;
  const staff = createGroup(db, { name: "staff" });
  createGroup(db, { name: "night-staff" });
  createGroup(db, { name: "visitors" });
  for (let i = 0; i < 9; i++) {
    const user = createUser(db, { username: `s${i}`, lastname: i < 3 ? "Smith" : "Jones" });
    createMembership(db, { userId: user.id, groupId: staff.id, rank: 0, timestamp: 0 });
  }
  const groups = (await allPages(w.admin, "group.list", { q: "STAFF", limit: 1 })).flat();
  assert.deepEqual(groups.map((g) => g.attributes.name), ["night-staff", "staff"]);
  assert.deepEqual(ok(await w.user.request("group.list", {})).data, [], "alice is in no group");

  const members = await allPages(w.admin, "user-group-membership.list", {
    group_id: staff.id,
    limit: 4,
  });
  assert.deepEqual(members.map((p) => p.length), [4, 4, 1]);
  const smiths = ok(
    await w.admin.request("user-group-membership.list", { group_id: staff.id, q: "smi" }),
  );
  assert.deepEqual(Object.values(smiths.meta.usernames), ["s0", "s1", "s2"]);
  failed(await w.user.request("user-group-membership.list", { group_id: staff.id }), 2);
  failed(await w.admin.request("user-group-membership.list", { group_id: 999 }), 8);
});

Deno.test("user.list, credential.list and group.list with ids read those rows only, as the caller may", async () => {
  await using w = await startWorld();
  const db = w.server.store.db;
  const ada = createUser(db, { username: "ada" });
  const bob = createUser(db, { username: "bob" });
  createUser(db, { username: "cyd" });
  const staff = createGroup(db, { name: "staff" });
  const night = createGroup(db, { name: "night" });
  createGroup(db, { name: "day" });
  const card = (ownerId: number, number: number) =>
    createCredential(db, {
      type: "rfid-card",
      cardId: cardIdFromFields(H10301_LAYOUT, 1, number),
      nbBits: 26,
      alias: "",
      ownerId,
    }).id;
  const adaCard = card(ada.id, 1);
  const bobCard = card(bob.id, 2);
  card(bob.id, 3);
  const ids = async (
    client: TestClient,
    type: string,
    content: Record<string, unknown>,
  ): Promise<number[]> =>
    ok(await client.request(type, content)).data.map((x: { id: number }) => x.id);
  assert.deepEqual(await ids(w.admin, "user.list", { ids: [bob.id, ada.id, 9999] }), [
    ada.id,
    bob.id,
  ]);
  assert.deepEqual(await ids(w.admin, "user.list", { ids: [ada.id, bob.id], q: "b" }), [bob.id]);
  assert.deepEqual(await ids(w.admin, "user.list", { ids: [] }), []);
  assert.deepEqual(await ids(w.admin, "group.list", { ids: [staff.id, night.id] }), [
    night.id,
    staff.id,
  ]);
  const cards = ok(await w.admin.request("credential.list", { ids: [bobCard, adaCard] }));
  assert.deepEqual(cards.data.map((c: { id: number }) => c.id), [adaCard, bobCard]);
  assert.deepEqual(cards.meta.owners, { [ada.id]: "ada", [bob.id]: "bob" });
  // Below viewer rank ids never reach past what the caller may see.
  assert.deepEqual(await ids(w.user, "user.list", { ids: [ada.id, w.userId] }), [w.userId]);
  assert.deepEqual(await ids(w.user, "group.list", { ids: [staff.id] }), []);
  assert.deepEqual(await ids(w.user, "credential.list", { ids: [adaCard] }), []);
  failed(await w.admin.request("user.list", { ids: [1, "x"] }), 1);
  failed(await w.admin.request("group.list", { ids: Array.from({ length: 201 }, (_, i) => i) }), 1);
});

function accessRow(at: number, user: number, door: number, credential: number): AuditEntry {
  return {
    kind: AUDIT_KIND.AUTH,
    mask: auditMask(AUDIT_EVENT.AUTH_GRANTED),
    authorId: null,
    description: `Access granted to user ${user} at door ${door}`,
    timestamp: at,
    targetId: user,
    target2Id: door,
    data: { granted: true, door, user, credential },
  };
}

Deno.test("audit.get keyset pages filter by door, user, card, type and time, stable across inserts", async () => {
  await using w = await startWorld();
  const db = w.server.store.db;
  const t0 = 1_700_000_000_000;
  const rows: AuditEntry[] = [];
  for (let i = 0; i < 60; i++) {
    rows.push(accessRow(t0 + i * 1000, 100 + (i % 3), 1 + (i % 2), 500 + (i % 4)));
  }
  rows.push({
    kind: AUDIT_KIND.DOOR,
    mask: auditMask(AUDIT_EVENT.DOOR_FORCED),
    authorId: null,
    description: "Door 2 forced",
    timestamp: t0 + 30_500,
    targetId: 2,
  });
  rows.push({
    kind: AUDIT_KIND.USER,
    mask: auditMask(AUDIT_EVENT.USER_EDITED),
    authorId: 101,
    description: "User 7 edited by 101",
    timestamp: t0 + 10_500,
    targetId: 7,
  });
  appendAuditBatch(db, rows);
  const filtered = async (filter: Record<string, unknown>) =>
    (await allPages(w.admin, "audit.get", { ps: 7, after: "", ...filter })).flat();

  const door2 = await filtered({ door_id: 2 });
  assert.equal(door2.length, 31);
  assert.equal(door2.filter((r) => r.type === "audit-door-event").length, 1);
  const times = door2.map((r) => r.attributes.timestamp);
  assert.deepEqual(times, [...times].sort((a, b) => b - a), "newest first");

  const user101 = await filtered({ user_id: 101 });
  assert.equal(user101.length, 21, "20 decisions and the change they made");
  const card503 = await filtered({ credential_id: 503 });
  assert.equal(card503.length, 15);
  const both = await filtered({ user_id: 100, door_id: 1 });
  assert.equal(both.length, 10);
  const changes = await filtered({ enabled_type: [AUDIT_KIND.USER, AUDIT_KIND.DOOR] });
  assert.ok(changes.every((r) => ["audit-user-event", "audit-door-event"].includes(r.type)));
  const descriptions = changes.map((r) => r.attributes.description);
  assert.ok(
    descriptions.includes("Door 2 forced") && descriptions.includes("User 7 edited by 101"),
  );
  const window = await filtered({ from: (t0 + 10_000) / 1000, to: (t0 + 20_000) / 1000 });
  assert.equal(window.length, 11, "10 decisions and the user event; `to` excluded");

  // Stable paging: rows appended between pages (newer) never appear in later pages.
  const first = ok(await w.admin.request("audit.get", { ps: 10, after: "", door_id: 1 }));
  appendAuditBatch(db, [accessRow(t0 + 999_000, 100, 1, 500)]);
  const seen = [...first.data];
  let after = first.meta.next;
  while (after !== null) {
    const page = ok(await w.admin.request("audit.get", { ps: 10, after, door_id: 1 }));
    seen.push(...page.data);
    after = page.meta.next;
  }
  assert.equal(seen.length, 30);
  assert.equal(new Set(seen.map((r) => r.id)).size, 30);

  // Leosac's pages keep their shape.
  const leosac = ok(await w.admin.request("audit.get", { p: 1, ps: 5 }));
  assert.ok(typeof leosac.meta.count === "number" && leosac.meta.total_page >= 1);
  failed(await w.admin.request("audit.get", { after: "nope" }), 1);
  failed(await w.admin.request("audit.get", { from: -1 }), 1);
  failed(await w.user.request("audit.get", { after: "" }), 2);
});
