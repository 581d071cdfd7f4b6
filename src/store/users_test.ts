import assert from "node:assert/strict";
import { openTempDatabase } from "./_test_db.ts";
import {
  countUsersWithRank,
  createUser,
  deleteUser,
  getUser,
  getUserByUsername,
  listUserRelationIds,
  listUsers,
  searchUsers,
  updateUser,
  USER_RANK,
} from "./users.ts";
import { isUniqueViolation } from "./constraint.ts";
import {
  createToken,
  deleteUserTokens,
  findToken,
  purgeExpiredTokens,
  refreshToken,
  TOKEN_LIFETIME_MS,
} from "./tokens.ts";

Deno.test("createUser() stores lower-case usernames and defaults", () => {
  using t = openTempDatabase();
  const user = createUser(t.db, { username: "Alice" });
  assert.equal(user.username, "alice");
  assert.equal(user.rank, USER_RANK.USER);
  assert.deepEqual(user.validity, { enabled: true, start: null, end: null });
  assert.equal(user.version, 1);
  assert.equal(getUserByUsername(t.db, "ALICE")?.id, user.id);
  assert.throws(() => createUser(t.db, { username: "alice" }), isUniqueViolation);
});

Deno.test("updateUser() patches, bumps the version and keeps absent fields", () => {
  using t = openTempDatabase();
  const user = createUser(t.db, { username: "bob", firstname: "Bob", email: "b@x" });
  const after = updateUser(t.db, user.id, { lastname: "Smith" })!;
  assert.equal(after.firstname, "Bob");
  assert.equal(after.lastname, "Smith");
  assert.equal(after.email, "b@x");
  assert.equal(after.version, 2);
  assert.equal(updateUser(t.db, 999, { lastname: "x" }), undefined);
});

Deno.test("deleteUser() removes the user and cascades to tokens", () => {
  using t = openTempDatabase();
  const user = createUser(t.db, { username: "carol" });
  const { token } = createToken(t.db, user.id, 1000);
  assert.ok(findToken(t.db, token));
  assert.equal(deleteUser(t.db, user.id), true);
  assert.equal(getUser(t.db, user.id), undefined);
  assert.equal(findToken(t.db, token), undefined);
  assert.equal(deleteUser(t.db, user.id), false);
});

Deno.test("listUsers(), searchUsers() and countUsersWithRank() see the right users", () => {
  using t = openTempDatabase();
  createUser(t.db, { username: "dave", rank: USER_RANK.ADMIN });
  createUser(t.db, { username: "erin", rank: USER_RANK.MANAGER });
  createUser(t.db, { username: "frank" });
  assert.deepEqual(listUsers(t.db).map((u) => u.username), ["dave", "erin", "frank"]);
  assert.deepEqual(searchUsers(t.db, "R").map((u) => u.username), ["erin", "frank"]);
  assert.deepEqual(searchUsers(t.db, "%").map((u) => u.username), [], "% is literal");
  assert.equal(countUsersWithRank(t.db, USER_RANK.MANAGER), 2);
});

Deno.test("tokens are stored hashed, expire, refresh and can be revoked per user", () => {
  using t = openTempDatabase();
  const user = createUser(t.db, { username: "gina" });
  const { token, record } = createToken(t.db, user.id, 0);
  const raw = t.db.prepare("SELECT * FROM auth_tokens").all();
  assert.ok(!JSON.stringify(raw).includes(token), "clear token never stored");
  assert.equal(record.expiresAt, TOKEN_LIFETIME_MS);
  assert.equal(refreshToken(t.db, record.tokenHash, 5000), true);
  assert.equal(findToken(t.db, token)?.expiresAt, 5000 + TOKEN_LIFETIME_MS);
  const other = createToken(t.db, user.id, 0);
  deleteUserTokens(t.db, user.id, record.tokenHash);
  assert.ok(findToken(t.db, token));
  assert.equal(findToken(t.db, other.token), undefined);
  assert.equal(purgeExpiredTokens(t.db, 10_000 + TOKEN_LIFETIME_MS), 1);
});

Deno.test("listUserRelationIds() returns the memberships, credentials and directly mapped schedules", async () => {
  const { createGroup } = await import("./groups.ts");
  const { createMembership } = await import("./memberships.ts");
  const { createCredential } = await import("./credentials.ts");
  const { createSchedule, createMapping } = await import("./schedules.ts");
  using t = openTempDatabase();
  const user = createUser(t.db, { username: "henry" });
  const other = createUser(t.db, { username: "iris" });
  const group = createGroup(t.db, { name: "crew" });
  const membership = createMembership(t.db, { userId: user.id, groupId: group.id, timestamp: 0 });
  createMembership(t.db, { userId: other.id, groupId: group.id, timestamp: 0 });
  const card = createCredential(t.db, {
    type: "rfid-card",
    cardId: "aa:bb:cc:dd",
    nbBits: 32,
    ownerId: user.id,
  });
  const pin = createCredential(t.db, {
    type: "pin-code",
    pinHash: "x".repeat(64),
    ownerId: user.id,
  });
  const s1 = createSchedule(t.db, { name: "one" });
  const s2 = createSchedule(t.db, { name: "two" });
  createMapping(t.db, s1.id, { userIds: [user.id] });
  createMapping(t.db, s1.id, { userIds: [user.id, other.id] }); // same schedule twice: listed once
  createMapping(t.db, s2.id, { groupIds: [group.id] }); // through a group: not a direct mapping
  assert.deepEqual(listUserRelationIds(t.db, user.id), {
    memberships: [{ id: membership.id, groupId: group.id }],
    credentials: [{ id: card.id, type: "rfid-card" }, { id: pin.id, type: "pin-code" }],
    scheduleIds: [s1.id],
  });
  assert.deepEqual(listUserRelationIds(t.db, 999), {
    memberships: [],
    credentials: [],
    scheduleIds: [],
  });
});
