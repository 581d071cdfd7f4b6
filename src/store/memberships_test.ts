import assert from "node:assert/strict";
import { openTempDatabase } from "./_test_db.ts";
import { isCheckViolation, isForeignKeyViolation, isUniqueViolation } from "./constraint.ts";
import { createGroup } from "./groups.ts";
import {
  createMembership,
  deleteMembership,
  getMembership,
  getMembershipOf,
  GROUP_RANK,
  type GroupRank,
  listMembershipsOfGroup,
  listMembershipsOfUser,
  updateMembershipRank,
} from "./memberships.ts";
import { createUser, deleteUser } from "./users.ts";

Deno.test("createMembership() stores a membership that reads back by id and by pair", () => {
  using t = openTempDatabase();
  const user = createUser(t.db, { username: "alice" });
  const group = createGroup(t.db, { name: "staff" });
  const m = createMembership(t.db, {
    userId: user.id,
    groupId: group.id,
    rank: GROUP_RANK.ADMIN,
    timestamp: 1_700_000_000_123,
  });
  assert.deepEqual(m, {
    id: 1,
    userId: user.id,
    groupId: group.id,
    rank: 2,
    timestamp: 1_700_000_000_123,
    version: 1,
  });
  assert.deepEqual(getMembership(t.db, m.id), m);
  assert.deepEqual(getMembershipOf(t.db, user.id, group.id), m);
  assert.equal(getMembershipOf(t.db, user.id, 99), undefined);
  assert.equal(getMembership(t.db, 99), undefined);
});

Deno.test("createMembership() defaults to MEMBER rank", () => {
  using t = openTempDatabase();
  const user = createUser(t.db, { username: "alice" });
  const group = createGroup(t.db, { name: "staff" });
  assert.equal(
    createMembership(t.db, { userId: user.id, groupId: group.id, timestamp: 5 }).rank,
    GROUP_RANK.MEMBER,
  );
});

Deno.test("createMembership() rejects a duplicate, an unknown user and a bad rank", () => {
  using t = openTempDatabase();
  const user = createUser(t.db, { username: "alice" });
  const group = createGroup(t.db, { name: "staff" });
  createMembership(t.db, { userId: user.id, groupId: group.id, timestamp: 5 });
  assert.throws(
    () => createMembership(t.db, { userId: user.id, groupId: group.id, timestamp: 6 }),
    isUniqueViolation,
  );
  assert.throws(
    () => createMembership(t.db, { userId: 99, groupId: group.id, timestamp: 6 }),
    isForeignKeyViolation,
  );
  const other = createGroup(t.db, { name: "other" });
  assert.throws(
    () =>
      createMembership(t.db, {
        userId: user.id,
        groupId: other.id,
        rank: 3 as GroupRank,
        timestamp: 6,
      }),
    isCheckViolation,
  );
});

Deno.test("listMembershipsOfUser() and listMembershipsOfGroup() list by id", () => {
  using t = openTempDatabase();
  const alice = createUser(t.db, { username: "alice" });
  const bob = createUser(t.db, { username: "bob" });
  const staff = createGroup(t.db, { name: "staff" });
  const ops = createGroup(t.db, { name: "ops" });
  const m1 = createMembership(t.db, { userId: alice.id, groupId: staff.id, timestamp: 1 });
  const m2 = createMembership(t.db, { userId: bob.id, groupId: staff.id, timestamp: 2 });
  const m3 = createMembership(t.db, { userId: alice.id, groupId: ops.id, timestamp: 3 });
  assert.deepEqual(listMembershipsOfUser(t.db, alice.id), [m1, m3]);
  assert.deepEqual(listMembershipsOfGroup(t.db, staff.id), [m1, m2]);
  assert.deepEqual(listMembershipsOfGroup(t.db, 99), []);
});

Deno.test("updateMembershipRank() changes only the rank", () => {
  using t = openTempDatabase();
  const user = createUser(t.db, { username: "alice" });
  const group = createGroup(t.db, { name: "staff" });
  const m = createMembership(t.db, { userId: user.id, groupId: group.id, timestamp: 7 });
  assert.deepEqual(updateMembershipRank(t.db, m.id, GROUP_RANK.OPERATOR), {
    ...m,
    rank: 1,
    version: 2,
  });
  assert.equal(updateMembershipRank(t.db, 99, GROUP_RANK.ADMIN), undefined);
  assert.throws(() => updateMembershipRank(t.db, m.id, 7 as GroupRank), isCheckViolation);
});

Deno.test("deleteMembership() removes one row; deleteUser() cascades to memberships", () => {
  using t = openTempDatabase();
  const alice = createUser(t.db, { username: "alice" });
  const bob = createUser(t.db, { username: "bob" });
  const group = createGroup(t.db, { name: "staff" });
  const m = createMembership(t.db, { userId: alice.id, groupId: group.id, timestamp: 1 });
  createMembership(t.db, { userId: bob.id, groupId: group.id, timestamp: 1 });
  assert.equal(deleteMembership(t.db, m.id), true);
  assert.equal(deleteMembership(t.db, m.id), false);
  assert.equal(getMembership(t.db, m.id), undefined);
  deleteUser(t.db, bob.id);
  assert.deepEqual(listMembershipsOfGroup(t.db, group.id), []);
});
