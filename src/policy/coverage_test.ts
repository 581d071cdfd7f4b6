import assert from "node:assert/strict";
import { openTempDatabase } from "../store/_test_db.ts";
import { createCredential } from "../store/credentials.ts";
import { createDoor } from "../store/doors.ts";
import { createGroup } from "../store/groups.ts";
import { createMembership } from "../store/memberships.ts";
import { createMapping, createSchedule, listMappingsOfSchedule } from "../store/schedules.ts";
import { createUser } from "../store/users.ts";
import { createZone, updateZone } from "../store/zones.ts";
import {
  coversDoor,
  DOOR_ZONES_SQL,
  doorCoverage,
  MAPPING_SCOPE_COLUMNS,
  MAPPING_ZONES_SQL,
  mappingCoversDoor,
  type MappingScopeRow,
  usersByMapping,
} from "./coverage.ts";

Deno.test("coversDoor(): the door, every door when nothing is named, else a named zone", () => {
  const never = () => assert.fail("zones read although the answer does not depend on them");
  assert.equal(coversDoor({ namesDoor: true, namesDoors: true, namesZones: true }, never), true);
  assert.equal(coversDoor({ namesDoor: false, namesDoors: false, namesZones: false }, never), true);
  assert.equal(coversDoor({ namesDoor: false, namesDoors: true, namesZones: false }, never), false);
  for (const namesDoors of [false, true]) {
    const scope = { namesDoor: false, namesDoors, namesZones: true };
    assert.equal(coversDoor(scope, () => true), true);
    assert.equal(coversDoor(scope, () => false), false);
  }
});

/** Doors front (in zone inner, child of outer), back (in no zone), side (in zone lone). */
function site() {
  const t = openTempDatabase();
  const db = t.db;
  const [front, back, side] = ["front", "back", "side"].map((alias) => createDoor(db, { alias }));
  const inner = createZone(db, { alias: "inner" });
  const outer = createZone(db, { alias: "outer" });
  const lone = createZone(db, { alias: "lone" });
  updateZone(db, inner.id, { doorIds: [front!.id] });
  updateZone(db, outer.id, { childIds: [inner.id] });
  updateZone(db, lone.id, { doorIds: [side!.id] });
  const schedule = createSchedule(db, { name: "always" });
  const map = (targets: { doorIds?: number[]; zoneIds?: number[] }) =>
    createMapping(db, schedule.id, targets).id;
  const mappings = {
    everyDoor: map({}),
    back: map({ doorIds: [back!.id] }),
    outer: map({ zoneIds: [outer.id] }),
    backOrLone: map({ doorIds: [back!.id], zoneIds: [lone.id] }),
  };
  return { t, db, doors: { front: front!.id, back: back!.id, side: side!.id }, schedule, mappings };
}

Deno.test("doorCoverage() over SQL and mappingCoversDoor() in memory agree, zone ancestors included", () => {
  const { t, db, doors, schedule, mappings } = site();
  using _ = t;
  const expected: Record<string, Record<keyof typeof doors, boolean>> = {
    [mappings.everyDoor]: { front: true, back: true, side: true },
    [mappings.back]: { front: false, back: true, side: false },
    [mappings.outer]: { front: true, back: false, side: false },
    [mappings.backOrLone]: { front: false, back: true, side: true },
  };
  const statements = {
    doorZones: db.prepare(DOOR_ZONES_SQL),
    mappingZones: db.prepare(MAPPING_ZONES_SQL),
  };
  const scope = db.prepare(
    `SELECT m.id, ${MAPPING_SCOPE_COLUMNS} FROM schedule_mappings m WHERE m.id = ?`,
  );
  for (const [name, doorId] of Object.entries(doors) as [keyof typeof doors, number][]) {
    const covers = doorCoverage(statements, doorId);
    const zones = new Set((statements.doorZones.all(doorId) as { id: number }[]).map((z) => z.id));
    for (const mapping of listMappingsOfSchedule(db, schedule.id)) {
      const want = expected[mapping.id]![name];
      const row = scope.get(doorId, mapping.id) as unknown as MappingScopeRow;
      assert.equal(covers(row), want, `SQL: mapping ${mapping.id}, door ${name}`);
      assert.equal(
        mappingCoversDoor(mapping, doorId, zones),
        want,
        `memory: ${mapping.id}, ${name}`,
      );
    }
  }
});

Deno.test("usersByMapping(): named users, members of named groups, owners of named credentials", () => {
  using t = openTempDatabase();
  const db = t.db;
  const [ann, ben, cid, dot] = ["ann", "ben", "cid", "dot"].map((username) =>
    createUser(db, { username })
  );
  const group = createGroup(db, { name: "staff" });
  createMembership(db, { userId: ben!.id, groupId: group.id, timestamp: 0 });
  const owned = createCredential(db, {
    type: "rfid-card",
    cardId: "aa:bb",
    nbBits: 16,
    ownerId: cid!.id,
  });
  const ownerless = createCredential(db, { type: "rfid-card", cardId: "cc:dd", nbBits: 16 });
  const schedule = createSchedule(db, { name: "always" });
  const all = createMapping(db, schedule.id, {
    userIds: [ann!.id, ben!.id],
    groupIds: [group.id],
    credentialIds: [owned.id, ownerless.id],
  });
  const none = createMapping(db, schedule.id, { credentialIds: [ownerless.id] });
  const users = usersByMapping(db);
  assert.deepEqual([...users.get(all.id) ?? []].sort((a, b) => a - b), [ann!.id, ben!.id, cid!.id]);
  assert.equal(users.has(none.id), false);
  assert.equal([...users.values()].some((ids) => ids.has(dot!.id)), false);
});
