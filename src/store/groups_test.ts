import assert from "node:assert/strict";
import { openTempDatabase } from "./_test_db.ts";
import { isUniqueViolation } from "./constraint.ts";
import {
  createGroup,
  deleteGroup,
  getGroup,
  getGroupByName,
  listGroups,
  listGroupsOfUser,
  searchGroups,
  updateGroup,
} from "./groups.ts";
import { createMembership, listMembershipsOfUser } from "./memberships.ts";
import { createUser } from "./users.ts";

Deno.test("createGroup() stores a group that getGroup() and getGroupByName() read back", () => {
  using t = openTempDatabase();
  const group = createGroup(t.db, { name: "staff", description: "Employees" });
  assert.deepEqual(group, { id: 1, name: "staff", description: "Employees", version: 1 });
  assert.deepEqual(getGroup(t.db, group.id), group);
  assert.deepEqual(getGroupByName(t.db, "staff"), group);
  assert.equal(getGroup(t.db, 99), undefined);
  assert.equal(getGroupByName(t.db, "nobody"), undefined);
  assert.equal(createGroup(t.db, { name: "bare" }).description, "");
});

Deno.test("createGroup() rejects a duplicate name", () => {
  using t = openTempDatabase();
  createGroup(t.db, { name: "staff" });
  assert.throws(() => createGroup(t.db, { name: "staff" }), isUniqueViolation);
});

Deno.test("updateGroup() applies a patch and keeps absent fields", () => {
  using t = openTempDatabase();
  const group = createGroup(t.db, { name: "staff", description: "Employees" });
  assert.deepEqual(updateGroup(t.db, group.id, { description: "All staff" }), {
    id: group.id,
    name: "staff",
    description: "All staff",
    version: 2,
  });
  assert.equal(updateGroup(t.db, group.id, { name: "crew" })?.description, "All staff");
  assert.equal(updateGroup(t.db, 99, { name: "x" }), undefined);
  createGroup(t.db, { name: "other" });
  assert.throws(() => updateGroup(t.db, group.id, { name: "other" }), isUniqueViolation);
});

Deno.test("deleteGroup() removes the group and its memberships", () => {
  using t = openTempDatabase();
  const user = createUser(t.db, { username: "alice" });
  const group = createGroup(t.db, { name: "staff" });
  createMembership(t.db, { userId: user.id, groupId: group.id, timestamp: 1 });
  assert.equal(deleteGroup(t.db, group.id), true);
  assert.equal(deleteGroup(t.db, group.id), false);
  assert.deepEqual(listGroups(t.db), []);
  assert.deepEqual(listMembershipsOfUser(t.db, user.id), []);
});

Deno.test("listGroupsOfUser() lists the groups a user belongs to", () => {
  using t = openTempDatabase();
  const alice = createUser(t.db, { username: "alice" });
  const bob = createUser(t.db, { username: "bob" });
  const a = createGroup(t.db, { name: "aaa" });
  const b = createGroup(t.db, { name: "bbb" });
  createGroup(t.db, { name: "ccc" });
  createMembership(t.db, { userId: alice.id, groupId: b.id, timestamp: 1 });
  createMembership(t.db, { userId: alice.id, groupId: a.id, timestamp: 1 });
  assert.deepEqual(listGroupsOfUser(t.db, alice.id).map((g) => g.name), ["aaa", "bbb"]);
  assert.deepEqual(listGroupsOfUser(t.db, bob.id), []);
  assert.equal(listGroups(t.db).length, 3);
});

Deno.test("searchGroups() matches a case-insensitive substring without wildcards", () => {
  using t = openTempDatabase();
  createGroup(t.db, { name: "Night-Shift" });
  createGroup(t.db, { name: "day_shift" });
  createGroup(t.db, { name: "admins" });
  assert.deepEqual(searchGroups(t.db, "SHIFT").map((g) => g.name), ["Night-Shift", "day_shift"]);
  assert.deepEqual(searchGroups(t.db, "%"), []);
  assert.deepEqual(searchGroups(t.db, "y_s").map((g) => g.name), ["day_shift"]);
  assert.equal(searchGroups(t.db, "").length, 3);
});
