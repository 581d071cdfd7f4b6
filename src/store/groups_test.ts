import assert from "node:assert/strict";
import { openTempDatabase } from "./_test_db.ts";
import { ValidationError } from "../errors.ts";
import {
  createGroup,
  deleteGroup,
  getGroup,
  getGroupByName,
  groupNameClashes,
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

/** The error for a taken name: status 11 on the name, naming the group that has it. */
function taken(name: string): (error: unknown) => boolean {
  return (error) =>
    error instanceof ValidationError &&
    error.errors[0]?.pointer === "data/attributes/name" &&
    error.errors[0].detail === `A group named ${name} already exists.`;
}

Deno.test("createGroup() rejects a name another group has, regardless of case", () => {
  using t = openTempDatabase();
  createGroup(t.db, { name: "staff" });
  assert.throws(() => createGroup(t.db, { name: "staff" }), taken("staff"));
  assert.throws(() => createGroup(t.db, { name: "Staff" }), taken("staff"));
  assert.throws(() => createGroup(t.db, { name: "STAFF" }), taken("staff"));
  assert.deepEqual(listGroups(t.db).map((g) => g.name), ["staff"]);
});

Deno.test("a database holding names that differ only by case keeps working; renaming one is the way out", () => {
  using t = openTempDatabase();
  t.db.exec("INSERT INTO groups (name) VALUES ('Staff'), ('staff'), ('STAFF'), ('crew'), ('Ops')");
  assert.deepEqual(groupNameClashes(t.db), [["STAFF", "Staff", "staff"]]);
  const id = (name: string) => listGroups(t.db).find((g) => g.name === name)!.id;
  const [upper, mixed, lower] = [id("STAFF"), id("Staff"), id("staff")];
  // an edit that sends the current name back is not a rename
  assert.equal(updateGroup(t.db, lower, { name: "staff", description: "x" })?.description, "x");
  assert.throws(() => updateGroup(t.db, lower, { name: "sTaFf" }), taken("Staff"));
  assert.equal(updateGroup(t.db, lower, { name: "staff-old" })?.name, "staff-old");
  assert.equal(updateGroup(t.db, upper, { name: "staff-2" })?.name, "staff-2");
  assert.deepEqual(groupNameClashes(t.db), []);
  // a group may change the case of its own name
  assert.equal(updateGroup(t.db, mixed, { name: "STAFF" })?.name, "STAFF");
  assert.throws(() => createGroup(t.db, { name: "staff" }), taken("STAFF"));
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
  assert.throws(() => updateGroup(t.db, group.id, { name: "other" }), taken("other"));
  assert.throws(() => updateGroup(t.db, group.id, { name: "Other" }), taken("other"));
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
