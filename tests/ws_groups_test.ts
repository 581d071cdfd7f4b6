import assert from "node:assert/strict";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../src/store/audit.ts";
import { TestClient } from "../src/testing.ts";
import {
  assertModelError,
  assertNotFound,
  failed,
  ok,
  readAuditRows,
  startWorld,
} from "./_entity_world.ts";

const NAME = "data/attributes/name";

Deno.test("group.create makes a creator below Manager an ADMIN member and audits both events", async () => {
  await using w = await startWorld();
  const content = ok(
    await w.user.request("group.create", { attributes: { name: "night-shift", description: "N" } }),
  );
  const group = content.data;
  assert.equal(group.type, "group");
  assert.deepEqual(group.attributes, { name: "night-shift", description: "N", version: 1 });
  assert.equal(group.relationships.memberships.data.length, 1);
  assert.deepEqual(group.relationships.schedules, { data: null });
  const membershipId = group.relationships.memberships.data[0].id;
  const membership = ok(
    await w.user.request("user-group-membership.read", { membership_id: membershipId }),
  ).data;
  assert.equal(membership.attributes.rank, 2);
  assert.deepEqual(membership.relationships.user.data, { id: w.userId, type: "user" });
  const rows = await readAuditRows(w.server);
  const created = rows.find((r) => r.kind === AUDIT_KIND.GROUP);
  assert.equal(created?.event_mask, auditMask(AUDIT_EVENT.GROUP_CREATED));
  assert.equal(created?.target_id, group.id);
  const joined = rows.find((r) => r.kind === AUDIT_KIND.USER_GROUP_MEMBERSHIP);
  assert.equal(joined?.event_mask, auditMask(AUDIT_EVENT.GROUP_MEMBERSHIP_JOINED));
  assert.equal(joined?.target_id, w.userId);
  assert.equal(joined?.target2_id, group.id);
  assert.match(String(joined?.description), /joined it as Administrator/);
});

Deno.test("group.create by a Manager or above adds no member: no door access nobody chose", async () => {
  await using w = await startWorld();
  const group = ok(await w.admin.request("group.create", { attributes: { name: "day-shift" } }))
    .data;
  assert.deepEqual(group.relationships.memberships, { data: null });
  ok(await w.admin.request("group.update", { group_id: group.id, attributes: { name: "days" } }));
  const rows = await readAuditRows(w.server);
  assert.equal(rows.filter((r) => r.kind === AUDIT_KIND.USER_GROUP_MEMBERSHIP).length, 0);
});

Deno.test("group.create validates the name like Leosac", async () => {
  await using w = await startWorld();
  const create = (name: unknown) => w.admin.request("group.create", { attributes: { name } });
  assert.equal(assertModelError(await create("ab"), NAME), "Length must be >=3 and <=50.");
  assert.equal(
    assertModelError(await create("a".repeat(51)), NAME),
    "Length must be >=3 and <=50.",
  );
  assert.equal(assertModelError(await create(null), NAME), "Length must be >=3 and <=50.");
  assert.equal(
    assertModelError(await create("bad name"), NAME),
    "Usage of unauthorized character:  ",
  );
  assert.equal(
    assertModelError(await create("café-team"), NAME),
    "Usage of unauthorized character: é",
  );
  assertModelError(await create(42), NAME);
  ok(await create("A.b_c-1"));
  assert.equal(
    assertModelError(await create("A.b_c-1"), NAME),
    "A group named A.b_c-1 already exists.",
  );
  failed(await w.admin.request("group.create", {}), 1);
});

Deno.test("group.read lists only readable groups; single reads check membership", async () => {
  await using w = await startWorld();
  const mine = ok(await w.user.request("group.create", { attributes: { name: "mine" } })).data;
  const other = ok(await w.admin.request("group.create", { attributes: { name: "other" } })).data;
  const names = async (client: typeof w.user) =>
    ok(await client.request("group.read", { group_id: 0 })).data.map(
      (g: { attributes: { name: string } }) => g.attributes.name,
    );
  assert.deepEqual(await names(w.user), ["mine"]);
  assert.deepEqual(await names(w.viewer), ["mine", "other"]);
  assert.deepEqual(await names(w.admin), ["mine", "other"]);
  assert.equal(ok(await w.user.request("group.read", { group_id: mine.id })).data.id, mine.id);
  failed(await w.user.request("group.read", { group_id: other.id }), 2);
  ok(await w.viewer.request("group.read", { group_id: other.id }));
  assertNotFound(await w.admin.request("group.read", { group_id: 999 }), "group", 999);
  failed(await w.admin.request("group.read", {}), 1);
});

Deno.test("group.read hides memberships the caller may not read and sends {data: null} when empty", async () => {
  await using w = await startWorld();
  const group = ok(await w.admin.request("group.create", { attributes: { name: "staff" } })).data;
  const adminMembership = ok(
    await w.admin.request("user-group-membership.create", {
      attributes: { group_id: group.id, user_id: 1, rank: 2 },
    }),
  ).data.id;
  ok(
    await w.admin.request("user-group-membership.create", {
      attributes: { group_id: group.id, user_id: w.userId, rank: 0 },
    }),
  );
  const seenByUser = ok(await w.user.request("group.read", { group_id: group.id })).data;
  assert.equal(seenByUser.relationships.memberships.data.length, 1, "only alice's own membership");
  const all = ok(await w.viewer.request("group.read", { group_id: group.id })).data;
  assert.equal(all.relationships.memberships.data.length, 2);
  ok(await w.admin.request("user-group-membership.delete", { membership_id: adminMembership }));
  const aliceMembership = all.relationships.memberships.data.find(
    (m: { id: number }) => m.id !== adminMembership,
  ).id;
  ok(await w.admin.request("user-group-membership.delete", { membership_id: aliceMembership }));
  const empty = ok(await w.admin.request("group.read", { group_id: group.id })).data;
  assert.deepEqual(empty.relationships, { memberships: { data: null }, schedules: { data: null } });
});

Deno.test("group.update is for managers and group admins and returns the group", async () => {
  await using w = await startWorld();
  const group = ok(await w.user.request("group.create", { attributes: { name: "team" } })).data;
  ok(await w.admin.request("group.create", { attributes: { name: "taken" } }));
  const updated = ok(
    await w.user.request("group.update", {
      group_id: group.id,
      attributes: { name: "team-2", description: null },
    }),
  ).data;
  assert.deepEqual(updated.attributes, { name: "team-2", description: "", version: 2 });
  const desc = ok(
    await w.admin.request("group.update", { group_id: group.id, attributes: { description: "d" } }),
  ).data;
  assert.deepEqual(
    desc.attributes,
    { name: "team-2", description: "d", version: 3 },
    "patch semantics",
  );
  failed(await w.viewer.request("group.update", { group_id: group.id, attributes: {} }), 2);
  const { client: bob } = await w.connectAs("bob", 0);
  failed(await bob.request("group.update", { group_id: group.id, attributes: {} }), 2);
  assertNotFound(
    await w.admin.request("group.update", { group_id: 77, attributes: {} }),
    "group",
    77,
  );
  assertModelError(
    await w.user.request("group.update", { group_id: group.id, attributes: { name: "x" } }),
    NAME,
  );
  assert.equal(
    assertModelError(
      await w.user.request("group.update", { group_id: group.id, attributes: { name: "taken" } }),
      NAME,
    ),
    "A group named taken already exists.",
  );
  const rows = await readAuditRows(w.server);
  const updates = rows.filter((r) => r.event_mask === auditMask(AUDIT_EVENT.GROUP_UPDATED));
  assert.equal(updates.length, 2);
  assert.equal(JSON.parse(updates[0]!.before!).name, "team");
  assert.equal(JSON.parse(updates[0]!.after!).name, "team-2");
});

Deno.test("group.delete returns null, cascades memberships and is audited", async () => {
  await using w = await startWorld();
  const group = ok(await w.user.request("group.create", { attributes: { name: "gone" } })).data;
  failed(await w.viewer.request("group.delete", { group_id: group.id }), 2);
  const { client: bob } = await w.connectAs("bob", 0);
  failed(await bob.request("group.delete", { group_id: group.id }), 2);
  assertNotFound(await w.admin.request("group.delete", { group_id: 555 }), "group", 555);
  assert.equal(ok(await w.user.request("group.delete", { group_id: group.id })), null);
  assertNotFound(await w.admin.request("group.read", { group_id: group.id }), "group", group.id);
  const membershipId = group.relationships.memberships.data[0].id;
  assertNotFound(
    await w.admin.request("user-group-membership.read", { membership_id: membershipId }),
    "user-group-membership",
    membershipId,
  );
  const user = ok(await w.user.request("user.read", { user_id: w.userId })).data;
  assert.deepEqual(user.relationships.memberships, { data: null });
  const rows = await readAuditRows(w.server);
  const deleted = rows.find((r) => r.event_mask === auditMask(AUDIT_EVENT.GROUP_DELETED));
  assert.equal(deleted?.target_id, group.id);
  assert.equal(JSON.parse(deleted!.before!).name, "gone");
});

Deno.test("group endpoints refuse anonymous callers", async () => {
  await using w = await startWorld();
  await using anon = await TestClient.connect(w.server.wsUrl);
  failed(await anon.request("group.create", { attributes: { name: "anon" } }), 2);
  failed(await anon.request("group.read", { group_id: 0 }), 2);
});
