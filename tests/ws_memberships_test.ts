import assert from "node:assert/strict";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../src/store/audit.ts";
import {
  assertModelError,
  assertNotFound,
  failed,
  ok,
  readAuditRows,
  startWorld,
  type World,
} from "./_entity_world.ts";

const M = "user-group-membership";

async function createGroup(w: World, name: string): Promise<number> {
  return ok(await w.admin.request("group.create", { attributes: { name } })).data.id;
}

function add(
  w: World,
  groupId: number,
  userId: number,
  rank = 0,
): ReturnType<World["admin"]["request"]> {
  return w.admin.request(`${M}.create`, {
    attributes: { group_id: groupId, user_id: userId, rank, timestamp: null },
  });
}

Deno.test("user-group-membership.create returns Leosac's shape with a timestamp in seconds", async () => {
  await using w = await startWorld();
  const groupId = await createGroup(w, "staff");
  const data = ok(await add(w, groupId, w.userId, 1)).data;
  assert.equal(data.type, M);
  assert.deepEqual(data.attributes, {
    rank: 1,
    timestamp: Math.floor(w.server.clock.now() / 1000),
    version: 1,
  });
  assert.deepEqual(data.relationships, {
    user: { data: { id: w.userId, type: "user" } },
    group: { data: { id: groupId, type: "group" } },
  });
  const rows = await readAuditRows(w.server);
  const joined = rows.filter((r) => r.kind === AUDIT_KIND.USER_GROUP_MEMBERSHIP).at(-1);
  assert.equal(joined?.event_mask, auditMask(AUDIT_EVENT.GROUP_MEMBERSHIP_JOINED));
  assert.equal(joined?.target_id, w.userId);
  assert.equal(joined?.target2_id, groupId);
});

Deno.test("user-group-membership.create also accepts top-level keys; rank defaults to member", async () => {
  await using w = await startWorld();
  const groupId = await createGroup(w, "staff");
  const data = ok(
    await w.admin.request(`${M}.create`, { group_id: groupId, user_id: w.userId }),
  ).data;
  assert.equal(data.attributes.rank, 0);
});

Deno.test("user-group-membership.create rejects duplicates, unknown ids and bad ranks", async () => {
  await using w = await startWorld();
  const groupId = await createGroup(w, "staff");
  ok(await add(w, groupId, w.userId));
  const dup = await add(w, groupId, w.userId);
  failed(dup, 1);
  assert.equal(dup.status_string, "[LEOSACException]: User alice is already in group staff");
  assertNotFound(await add(w, 404, w.userId), "group", 404);
  assertNotFound(await add(w, groupId, 404), "user", 404);
  assertModelError(await add(w, groupId, w.viewerId, 3), "data/attributes/rank");
  failed(await w.admin.request(`${M}.create`, { attributes: { user_id: w.userId } }), 1);
});

Deno.test("user-group-membership.create: group operators add members up to their rank (Leosac key mismatch fixed)", async () => {
  await using w = await startWorld();
  const groupId = await createGroup(w, "staff");
  ok(await add(w, groupId, w.userId, 1));
  const { id: bobId } = await w.connectAs("bob", 0);
  const { id: carolId } = await w.connectAs("carol", 0);
  const attributes = (userId: number, rank: number) => ({
    attributes: { group_id: groupId, user_id: userId, rank },
  });
  ok(await w.user.request(`${M}.create`, attributes(bobId, 1)));
  failed(await w.user.request(`${M}.create`, attributes(carolId, 2)), 2);
  failed(await w.viewer.request(`${M}.create`, attributes(carolId, 0)), 2);
  const { client: dave } = await w.connectAs("dave", 0);
  failed(await dave.request(`${M}.create`, attributes(carolId, 0)), 2);
  failed(
    await dave.request(`${M}.create`, { attributes: { group_id: 999, user_id: carolId } }),
    2,
  ); // no existence leak before the permission check
});

Deno.test("user-group-membership.read: own, group listers and viewers; no list mode", async () => {
  await using w = await startWorld();
  const groupId = await createGroup(w, "staff");
  const own = ok(await add(w, groupId, w.userId)).data.id;
  const { id: bobId, client: bob } = await w.connectAs("bob", 0);
  const bobs = ok(await add(w, groupId, bobId)).data.id;
  assert.equal(ok(await w.user.request(`${M}.read`, { membership_id: own })).data.id, own);
  failed(await w.user.request(`${M}.read`, { membership_id: bobs }), 2);
  ok(await w.viewer.request(`${M}.read`, { membership_id: bobs }));
  ok(await bob.request(`${M}.read`, { membership_id: bobs }));
  assertNotFound(await w.admin.request(`${M}.read`, { membership_id: 0 }), M, 0);
  assertNotFound(await w.admin.request(`${M}.read`, { membership_id: 321 }), M, 321);
});

Deno.test("user-group-membership.update changes the rank (implemented, unlike Leosac)", async () => {
  await using w = await startWorld();
  const groupId = await createGroup(w, "staff");
  const aliceM = ok(await add(w, groupId, w.userId, 2)).data.id;
  const { id: bobId, client: bob } = await w.connectAs("bob", 0);
  const bobM = ok(await add(w, groupId, bobId)).data.id;
  const update = (membership_id: number, rank: unknown) => ({
    membership_id,
    attributes: { rank },
  });
  const data = ok(await w.user.request(`${M}.update`, update(bobM, 1))).data;
  assert.equal(data.attributes.rank, 1, "a group admin promotes a member");
  failed(await w.user.request(`${M}.update`, update(aliceM, 0)), 2);
  failed(await bob.request(`${M}.update`, update(bobM, 2)), 2);
  failed(await w.viewer.request(`${M}.update`, update(bobM, 0)), 2);
  assertModelError(await w.admin.request(`${M}.update`, update(bobM, 7)), "data/attributes/rank");
  assertNotFound(await w.admin.request(`${M}.update`, update(999, 0)), M, 999);
  assert.equal(ok(await w.admin.request(`${M}.update`, update(aliceM, 0))).data.attributes.rank, 0);
  const rows = await readAuditRows(w.server);
  const changes = rows.filter((r) =>
    r.kind === AUDIT_KIND.USER_GROUP_MEMBERSHIP &&
    r.event_mask === auditMask(AUDIT_EVENT.GROUP_UPDATED)
  );
  assert.equal(changes.length, 2);
  assert.equal(JSON.parse(changes[0]!.before!).rank, 0);
  assert.equal(JSON.parse(changes[0]!.after!).rank, 1);
  assert.equal(changes[0]!.target_id, bobId);
});

Deno.test("user-group-membership.delete: leaving, operators over lower ranks, managers", async () => {
  await using w = await startWorld();
  const groupId = await createGroup(w, "staff");
  const aliceM = ok(await add(w, groupId, w.userId, 1)).data.id;
  const { id: bobId, client: bob } = await w.connectAs("bob", 0);
  const bobM = ok(await add(w, groupId, bobId, 0)).data.id;
  const { id: carolId } = await w.connectAs("carol", 0);
  const carolM = ok(await add(w, groupId, carolId, 2)).data.id;
  failed(await w.user.request(`${M}.delete`, { membership_id: carolM }), 2);
  failed(await w.viewer.request(`${M}.delete`, { membership_id: bobM }), 2);
  failed(await bob.request(`${M}.delete`, { membership_id: aliceM }), 2);
  assert.equal(ok(await w.user.request(`${M}.delete`, { membership_id: bobM })), null);
  assert.equal(ok(await w.user.request(`${M}.delete`, { membership_id: aliceM })), null, "leave");
  assertNotFound(await w.admin.request(`${M}.delete`, { membership_id: bobM }), M, bobM);
  const rows = await readAuditRows(w.server);
  const left = rows.filter((r) => r.event_mask === auditMask(AUDIT_EVENT.GROUP_MEMBERSHIP_LEFT));
  assert.deepEqual(left.map((r) => [r.target_id, r.target2_id]), [[bobId, groupId], [
    w.userId,
    groupId,
  ]]);
});
