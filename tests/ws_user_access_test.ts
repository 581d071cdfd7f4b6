/**
 * `user.access` (issue 10): the doors one person can open and why, through a
 * real server: named directly, through a group (with the rank), through a
 * card; zones and "every door" mappings follow the engine's rule; a person
 * sees their own doors, a viewer anyone's, a rank-0 user nobody else's.
 */
import assert from "node:assert/strict";
import { STATUS } from "../src/errors.ts";
import { failed, ok, startWorld } from "./_entity_world.ts";

const MAPPING = { alias: "m", users: [], groups: [], credentials: [], doors: [], zones: [] };

Deno.test("user.access lists each door a person opens with the mapping and the way it reaches them", async () => {
  await using w = await startWorld();
  const door = async (alias: string) =>
    ok(await w.admin.request("door.create", { attributes: { alias } })).data.id as number;
  const front = await door("Front");
  const back = await door("Back");
  const lab = await door("Lab");
  const zone = ok(
    await w.admin.request("zone.create", {
      attributes: { alias: "Labs", type: 0, doors: [lab], children: [] },
    }),
  ).data.id;
  const group = ok(await w.admin.request("group.create", { attributes: { name: "staff" } })).data
    .id;
  ok(
    await w.admin.request("user-group-membership.create", {
      attributes: { group_id: group, user_id: w.userId, rank: 1 },
    }),
  );
  const card = ok(
    await w.admin.request("credential.create", {
      "credential-type": "rfid-card",
      attributes: { alias: "badge", "card-id": "06:06:c0:40", "nb-bits": 26, owner_id: w.userId },
    }),
  ).data.id;
  const schedule = ok(
    await w.admin.request("schedule.create", { attributes: { name: "always", timeframes: [] } }),
  ).data.id;
  ok(
    await w.admin.request("schedule.update", {
      schedule_id: schedule,
      attributes: { timeframes: [] },
      mapping: [
        { ...MAPPING, alias: "alice front", users: [w.userId], doors: [front] },
        { ...MAPPING, alias: "staff labs", groups: [group], zones: [zone] },
        { ...MAPPING, alias: "badge back", credentials: [card], doors: [back] },
      ],
    }),
  );
  const grants = ok(await w.user.request("user.access", { user_id: w.userId })).data;
  assert.deepEqual(
    grants.map((g: Record<string, unknown>) => [g.door_alias, g.mapping_alias, g.via]),
    [
      ["Front", "alice front", "user"],
      ["Back", "badge back", "credential"],
      ["Lab", "staff labs", "group"],
    ],
  );
  const viaGroup = grants.find((g: Record<string, unknown>) => g.via === "group");
  assert.equal(viaGroup.group_name, "staff");
  assert.equal(viaGroup.group_rank, 1);
  assert.equal(viaGroup.schedule_name, "always");
  const viaCard = grants.find((g: Record<string, unknown>) => g.via === "credential");
  assert.equal(viaCard.credential_alias, "badge");

  // A viewer may look; another rank-0 user may not, not even learn whether the id exists.
  assert.equal(
    ok(await w.viewer.request("user.access", { user_id: w.userId })).data.length,
    3,
  );
  const bob = await w.connectAs("bob", 0);
  failed(await bob.client.request("user.access", { user_id: w.userId }), STATUS.PERMISSION_DENIED);
  failed(await bob.client.request("user.access", { user_id: 9999 }), STATUS.PERMISSION_DENIED);
  assert.deepEqual(ok(await bob.client.request("user.access", { user_id: bob.id })).data, []);

  // A mapping naming neither doors nor zones covers every door.
  ok(
    await w.admin.request("schedule.update", {
      schedule_id: schedule,
      attributes: { timeframes: [] },
      mapping: [{ ...MAPPING, alias: "bob everywhere", users: [bob.id] }],
    }),
  );
  const everywhere = ok(await bob.client.request("user.access", { user_id: bob.id })).data;
  assert.deepEqual(everywhere.map((g: { door_id: number }) => g.door_id), [front, back, lab]);
});
