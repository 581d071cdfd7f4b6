/**
 * `leosac import-leosac --from ws://…`: this controller's own server is the
 * source (a real server, real WebSocket): data exercising every entity is
 * created through its API, imported into a fresh data directory, and the two
 * databases are compared entity by entity (by names, since ids differ). The
 * conversion of Leosac-shaped replies (PIN codes in clear, `{data: null}`
 * relationships, unpadded times) is tested on recorded reply objects: no fake
 * Leosac server.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { type ImportLeosacCommand, runImportLeosac } from "../src/cli/import_leosac.ts";
import { LeosacSourceError } from "../src/migrate/leosac_ws.ts";
import { type LeosacReplies, planFromLeosacReplies } from "../src/migrate/leosac_ws_convert.ts";
import { applyMigrationPlan } from "../src/migrate/plan.ts";
import { listCredentials } from "../src/store/credentials.ts";
import { listDoors } from "../src/store/doors.ts";
import { listGroups } from "../src/store/groups.ts";
import { listMembershipsOfGroup } from "../src/store/memberships.ts";
import { listMappingsOfSchedule, listSchedules } from "../src/store/schedules.ts";
import { hashPin, verifyPassword } from "../src/store/secrets.ts";
import { openStore } from "../src/store/store.ts";
import { listUsers } from "../src/store/users.ts";
import { listZones } from "../src/store/zones.ts";
import { createSelfSignedCertificate } from "../src/tls/certificate.ts";
import {
  createUserViaApi,
  startTestServer,
  TEST_ADMIN_PASSWORD,
  TestClient,
} from "../src/testing.ts";

const NOW = Date.UTC(2026, 0, 1);

function fromCommand(
  url: string,
  dataDir: string,
  extra: Partial<ImportLeosacCommand> = {},
): ImportLeosacCommand {
  return {
    command: "import-leosac",
    kernel: null,
    from: url,
    user: "admin",
    password: TEST_ADMIN_PASSWORD,
    dataDir,
    dryRun: false,
    ...extra,
  };
}

async function run(cmd: ImportLeosacCommand) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runImportLeosac(cmd, {
    print: (l) => out.push(l),
    error: (l) => err.push(l),
    now: () => NOW,
  });
  return { status, out, err };
}

async function ok(admin: TestClient, type: string, content: unknown): Promise<number> {
  const reply = await admin.request(type, content);
  assert.equal(reply.status_code, 0, `${type}: ${reply.status_string}`);
  const data = (reply.content as { data?: { id: number } } | null)?.data;
  return data?.id ?? 0;
}

/** Every entity, through the API: users with validity, groups, ranks, cards, PINs, schedules … */
async function populate(admin: TestClient): Promise<void> {
  const alice = await createUserViaApi(admin, "alice", 0);
  const bob = await createUserViaApi(admin, "bob", 2);
  const carol = await createUserViaApi(admin, "carol", 1);
  await ok(admin, "user.update", {
    user_id: alice,
    attributes: {
      firstname: "Alice",
      lastname: "Martin",
      email: "alice@example.com",
      "validity-enabled": true,
      "validity-start": "2025-06-01T08:00:00Z",
      "validity-end": "2027-01-31T18:30:00Z",
    },
  });
  await ok(admin, "user.update", { user_id: bob, attributes: { "validity-enabled": false } });
  const staff = await ok(admin, "group.create", {
    attributes: { name: "staff", description: "Everyone on the payroll" },
  });
  const night = await ok(admin, "group.create", { attributes: { name: "night.shift" } });
  for (const [user, group, rank] of [[alice, staff, 2], [bob, staff, 0], [carol, night, 1]]) {
    await ok(admin, "user-group-membership.create", {
      attributes: { user_id: user, group_id: group, rank },
    });
  }
  const card = await ok(admin, "credential.create", {
    "credential-type": "rfid-card",
    attributes: {
      alias: "alice badge",
      description: "blue",
      owner_id: alice,
      "card-id": "AA:BB:CC:DD",
      "nb-bits": 32,
      "validity-enabled": true,
      "validity-end": "2026-12-31T23:59:00Z",
    },
  });
  await ok(admin, "credential.create", {
    "credential-type": "rfid-card",
    attributes: { alias: "spare", "card-id": "80:80:33:80", "nb-bits": 26 },
  });
  const pin = await ok(admin, "credential.create", {
    "credential-type": "pin-code",
    attributes: { alias: "carol pin", owner_id: carol, code: "97531" },
  });
  const officeFrames = [0, 1, 2, 3, 4].map((day) => ({
    day,
    "start-time": "8:00",
    "end-time": "18:30",
  }));
  const office = await ok(admin, "schedule.create", {
    attributes: {
      name: "office",
      description: "weekdays",
      "applies-on-holidays": true,
      timeframes: officeFrames,
    },
  });
  // Crosses midnight: Friday 22:00 to Saturday 06:00.
  const nightFrames = [{ day: 4, "start-time": "22:00", "end-time": "6:00" }];
  const nights = await ok(admin, "schedule.create", {
    attributes: { name: "nights", timeframes: nightFrames },
  });
  const front = await ok(admin, "door.create", {
    attributes: { alias: "front", description: "Main entrance", "unlock-duration": 3000 },
  });
  const lab = await ok(admin, "door.create", {
    attributes: {
      alias: "lab",
      "held-open-threshold": 45000,
      "unlock-schedule": office,
      "unlock-after-first-card": true,
    },
  });
  const back = await ok(admin, "door.create", { attributes: { alias: "back" } });
  await ok(admin, "door.set_mode", { door_id: back, mode: "locked" });
  const building = await ok(admin, "zone.create", {
    attributes: {
      alias: "building",
      description: "B1",
      type: 0,
      doors: [front, lab],
      children: [],
    },
  });
  const site = await ok(admin, "zone.create", {
    attributes: {
      alias: "site",
      type: 1,
      doors: [back],
      children: [building],
      antipassback: "soft",
      "antipassback-reset": 3600,
    },
  });
  await ok(admin, "schedule.update", {
    schedule_id: office,
    attributes: { timeframes: officeFrames },
    mapping: [
      {
        alias: "day staff",
        users: [alice],
        groups: [staff],
        credentials: [card],
        doors: [front],
        zones: [site],
      },
      { alias: "everywhere", users: [bob], groups: [], credentials: [], doors: [], zones: [] },
    ],
  });
  await ok(admin, "schedule.update", {
    schedule_id: nights,
    attributes: { timeframes: nightFrames },
    mapping: [{
      alias: "night pin",
      users: [],
      groups: [night],
      credentials: [pin],
      doors: [lab],
      zones: [],
    }],
  });
}

/** Everything, by names (ids differ between the two databases). */
function snapshot(db: DatabaseSync) {
  const users = new Map(listUsers(db).map((u) => [u.id, u.username]));
  const groups = new Map(listGroups(db).map((g) => [g.id, g.name]));
  const credentials = new Map(listCredentials(db).map((c) => [c.id, c.alias]));
  const doors = new Map(listDoors(db).map((d) => [d.id, d.alias]));
  const zones = new Map(listZones(db).map((z) => [z.id, z.alias]));
  const schedules = new Map(listSchedules(db).map((s) => [s.id, s.name]));
  const names = (ids: number[], map: Map<number, string>) => ids.map((id) => map.get(id)!).sort();
  return {
    users: listUsers(db).map(({ id: _, version: __, passwordHash: ___, ...u }) => u),
    groups: listGroups(db).map((g) => ({
      name: g.name,
      description: g.description,
      members: listMembershipsOfGroup(db, g.id).map((m) => [users.get(m.userId), m.rank]).sort(),
    })),
    credentials: listCredentials(db).map(({ id: _, version: __, ownerId, ...c }) => ({
      ...c,
      owner: ownerId === null ? null : users.get(ownerId),
      ...(c.type === "pin-code" ? { pinHash: "(compared apart)" } : {}),
    })),
    schedules: listSchedules(db).map(({ id, version: _, ...s }) => ({
      ...s,
      mappings: listMappingsOfSchedule(db, id).map((m) => ({
        alias: m.alias,
        users: names(m.userIds, users),
        groups: names(m.groupIds, groups),
        credentials: names(m.credentialIds, credentials),
        doors: names(m.doorIds, doors),
        zones: names(m.zoneIds, zones),
      })),
    })),
    doors: listDoors(db).map(({ id: _, version: __, unlockScheduleId, ...d }) => ({
      ...d,
      unlockSchedule: unlockScheduleId === null ? null : schedules.get(unlockScheduleId),
    })),
    zones: listZones(db).map(({ id: _, version: __, doorIds, childIds, ...z }) => ({
      ...z,
      doors: names(doorIds, doors),
      children: names(childIds, zones),
    })),
  };
}

Deno.test("import-leosac --from copies every entity from a running server, entity by entity", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  await populate(admin);
  const root = await Deno.makeTempDir();
  try {
    const dataDir = join(root, "data");
    const { status, out, err } = await run(fromCommand(server.wsUrl, dataDir));
    assert.equal(status, 0, err.join("\n"));
    const report = out.join("\n");
    assert.match(
      report,
      /0 readers, 3 doors, 2 zones, 4 users, 2 groups, 3 memberships, 2 cards, 1 pins, 2 schedules, 3 mappings/,
    );
    assert.match(report, /PIN "carol pin" of "carol": its code is not known .* give a new PIN/);
    assert.match(report, /door "back" is in mode locked/);
    assert.doesNotMatch(report, new RegExp(TEST_ADMIN_PASSWORD));

    const target = openStore(dataDir);
    try {
      const want = snapshot(server.store.db);
      const got = snapshot(target.db);
      // A PIN whose code the source did not give comes over disabled.
      const sourcePin = want.credentials.find((c) => c.alias === "carol pin")!;
      sourcePin.validity = { ...sourcePin.validity, enabled: false };
      // The comparison would pass on empty lists: check the data is there.
      assert.deepEqual(want.schedules.map((s) => [s.name, s.timeframes.length]), [
        ["office", 5],
        ["nights", 1],
      ]);
      assert.equal(want.schedules[1]!.timeframes[0]!.endMinute, 360);
      for (const key of Object.keys(want) as (keyof typeof want)[]) {
        assert.deepEqual(got[key], want[key], key);
      }
      const pin = listCredentials(target.db).find((c) => c.type === "pin-code")!;
      assert.ok(pin.type === "pin-code");
      for (const guess of ["97531", "", "0000"]) {
        assert.notEqual(pin.pinHash, hashPin(target.secret, guess));
      }
      // Each user's new password, printed once, works; admin's old one does not.
      for (const user of listUsers(target.db)) {
        const line = out.find((l) => l.startsWith(`  ${user.username}: `));
        assert.ok(line, `a password for ${user.username}`);
        assert.ok(await verifyPassword(line.slice(user.username.length + 4), user.passwordHash));
      }
      const admin = listUsers(target.db).find((u) => u.username === "admin")!;
      assert.equal(await verifyPassword(TEST_ADMIN_PASSWORD, admin.passwordHash), false);
      const audit = target.db.prepare(
        "SELECT description FROM audit_events WHERE description LIKE 'Imported from Leosac%'",
      ).all() as { description: string }[];
      assert.equal(audit.length, 1);
      assert.match(audit[0]!.description, new RegExp(`\\(${server.wsUrl}\\)`));
    } finally {
      target.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("import-leosac --from over wss:// with --fingerprint; an untrusted certificate writes nothing", async () => {
  const pair = createSelfSignedCertificate({ names: ["127.0.0.1"], now: new Date() });
  await using server = await startTestServer({ tls: { cert: pair.certPem, key: pair.keyPem } });
  const root = await Deno.makeTempDir();
  try {
    const dataDir = join(root, "data");
    const untrusted = await run(fromCommand(server.wsUrl, dataDir));
    assert.equal(untrusted.status, 1);
    assert.match(untrusted.err.join("\n"), /cannot read wss:.*certificate.*nothing was written/);
    await assert.rejects(Deno.stat(dataDir), Deno.errors.NotFound);
    const fingerprint = new X509Certificate(pair.certPem).fingerprint256;
    const pinned = await run(fromCommand(server.wsUrl, dataDir, { fingerprint }));
    assert.equal(pinned.status, 0, pinned.err.join("\n"));
    assert.match(pinned.out[0]!, /^Imported from wss:.* 1 users/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("import-leosac --from refuses an unreachable host, a wrong password and a non-administrator; nothing written", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  await createUserViaApi(admin, "manny", 2);
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const root = await Deno.makeTempDir();
  try {
    const dataDir = join(root, "data");
    const cases: [ImportLeosacCommand, RegExp][] = [
      [
        fromCommand(`ws://127.0.0.1:${port}/websocket`, dataDir),
        /cannot read ws:\/\/127\.0\.0\.1:\d+\/websocket: cannot connect to/,
      ],
      [
        fromCommand(server.wsUrl, dataDir, { password: "wrong-password" }),
        /refused the login of "admin": Invalid credentials/,
      ],
      [
        fromCommand(server.wsUrl, dataDir, { user: "manny", password: "password-manny" }),
        /"manny" is not an administrator there \(rank 2\)/,
      ],
    ];
    for (const [cmd, error] of cases) {
      const { status, err } = await run(cmd);
      assert.equal(status, 1);
      assert.match(err.join("\n"), error);
      assert.match(err.join("\n"), /nothing was written$/);
      await assert.rejects(Deno.stat(dataDir), Deno.errors.NotFound);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("import-leosac --dry-run creates neither the data directory nor a database", async () => {
  await using server = await startTestServer();
  const root = await Deno.makeTempDir();
  try {
    const missing = join(root, "data");
    const dry = await run(fromCommand(server.wsUrl, missing, { dryRun: true }));
    assert.equal(dry.status, 0, dry.err.join("\n"));
    assert.match(dry.out[0]!, /^Would import from ws:.*: .*1 users/);
    assert.ok(!dry.out.some((l) => l.startsWith("New passwords")));
    await assert.rejects(Deno.stat(missing), Deno.errors.NotFound);
    const empty = await run(fromCommand(server.wsUrl, root, { dryRun: true }));
    assert.equal(empty.status, 0);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(root)), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** Replies as a Leosac 0.8 sends them (shapes from its serialisers, §7 of the reference). */
function leosacReplies(): LeosacReplies {
  const unbounded = {
    "validity-enabled": true,
    "validity-start": "1677-09-21T00:12:43.145224192+0000",
    "validity-end": "2262-04-11T23:47:16.854775807+0000",
  };
  return {
    version: { version: "0.8.0-81e46ae9", version_short: "0.8.0" },
    users: {
      data: [
        {
          id: 1,
          type: "user",
          attributes: {
            version: 1,
            username: "admin",
            firstname: "Admin",
            lastname: "ADMIN",
            rank: 4,
            email: "",
            ...unbounded,
          },
          relationships: {
            memberships: { data: [{ id: 1, type: "user-group-membership" }] },
            credentials: { data: null },
            schedules: { data: null },
          },
        },
        {
          id: 7,
          type: "user",
          attributes: {
            version: 3,
            username: "dora",
            firstname: "Dora",
            lastname: "D",
            rank: 99,
            "validity-enabled": true,
            "validity-start": "2026-01-05T07:00:00.000000000+0000",
            "validity-end": "2262-04-11T23:47:16.854775807+0000",
          },
          relationships: {
            memberships: { data: null },
            credentials: { data: [{ id: 3, type: "pin-code" }] },
            schedules: { data: null },
          },
        },
      ],
    },
    groups: {
      data: [{
        id: 2,
        type: "group",
        attributes: { name: "Users", description: "" },
        relationships: { memberships: { data: null }, schedules: { data: null } },
      }],
    },
    memberships: [{
      data: {
        id: 1,
        type: "user-group-membership",
        attributes: { rank: 2, timestamp: 1700000000 },
        relationships: {
          user: { data: { id: 1, type: "user" } },
          group: { data: { id: 2, type: "group" } },
        },
      },
    }],
    credentials: {
      data: [
        {
          id: 3,
          type: "pin-code",
          attributes: {
            version: 1,
            alias: "dora pin",
            description: "",
            ...unbounded,
            code: "4321",
          },
          relationships: { owner: { data: { id: 7, type: "user" } }, schedules: { data: null } },
        },
        {
          id: 4,
          type: "rfid-card",
          attributes: {
            version: 1,
            alias: "Ownerless",
            description: "",
            ...unbounded,
            "card-id": "AA:BB:CC:DD",
            "nb-bits": 32,
          },
          relationships: { schedules: { data: null } },
        },
      ],
    },
    schedules: {
      data: [{
        id: 5,
        type: "schedule",
        attributes: {
          version: 2,
          name: "DummySchedule",
          description: "A test schedule, with mapping.",
          timeframes: [
            { id: 0, "start-time": "8:0", "end-time": "17:30", day: 0 },
            { id: 1, "start-time": "22:0", "end-time": "2:0", day: 4 },
          ],
        },
        relationships: { mapping: { data: [{ id: 9, type: "schedule-mapping" }] } },
      }],
      included: [{
        id: 9,
        type: "schedule-mapping",
        attributes: { alias: "My first mapping", version: 1 },
        relationships: {
          users: { data: [{ id: 7, type: "user" }] },
          groups: { data: [{ id: 2, type: "group" }] },
          credentials: { data: [{ id: 3, type: "pin-code" }, { id: 4, type: "rfid-card" }] },
          doors: { data: [{ id: 11, type: "door" }] },
          zones: { data: [] },
        },
      }],
    },
    zones: {
      data: [{
        id: 12,
        type: "zone",
        attributes: { alias: "Hall", description: "", type: 1 },
        relationships: { children: { data: [] }, doors: { data: [{ id: 11, type: "door" }] } },
      }],
    },
    doors: {
      data: [{
        id: 11,
        type: "door",
        attributes: { alias: "Entrance", description: "" },
        relationships: { "access-point": { data: { id: 1, type: "access-point" } } },
      }],
    },
  };
}

Deno.test("planFromLeosacReplies() re-hashes Leosac's clear PIN codes and keeps its rules", async () => {
  const plan = planFromLeosacReplies(leosacReplies(), {
    source: "ws://leosac:8888",
    newPassword: () => "new-password",
  });
  const pin = plan.credentials.find((c) => c.alias === "dora pin")!;
  assert.deepEqual({ ...pin, type: pin.type }, {
    key: "credential:3",
    alias: "dora pin",
    description: "",
    owner: "dora",
    validity: { enabled: true, start: null, end: null },
    type: "pin-code",
    pin: "4321",
  });
  const card = plan.credentials.find((c) => c.alias === "Ownerless")!;
  assert.equal(card.owner, null);
  assert.ok(card.type === "rfid-card" && card.cardId === "aa:bb:cc:dd");
  assert.equal(plan.users.find((u) => u.username === "dora")!.rank, 2);
  assert.deepEqual(plan.users.find((u) => u.username === "dora")!.validity, {
    enabled: true,
    start: Date.UTC(2026, 0, 5, 7),
    end: null,
  });
  assert.deepEqual(plan.schedules[0]!.timeframes, [{ day: 0, startMinute: 480, endMinute: 1050 }]);
  assert.deepEqual(plan.mappings, [{
    schedule: "schedule:5",
    alias: "My first mapping",
    users: ["dora"],
    groups: ["Users"],
    credentials: ["credential:3", "credential:4"],
    doors: ["Entrance"],
    zones: [],
  }]);
  for (
    const note of [
      /user "dora" has rank 99, which Leosac treated as a manager/,
      /schedule "DummySchedule": a frame on day 4 ends before it starts; .* dropped/,
      /door "Entrance": its access point \(reader\) are not carried over/,
    ]
  ) assert.ok(plan.notes.some((n) => note.test(n)), `${note} in ${plan.notes.join("\n")}`);

  // Written: the PIN is stored as this installation's HMAC of the clear code.
  const dir = await Deno.makeTempDir();
  try {
    const store = openStore(dir);
    try {
      applyMigrationPlan(store.db, plan, { secret: store.secret, nowMs: NOW, dryRun: false });
      const stored = listCredentials(store.db).find((c) => c.alias === "dora pin")!;
      assert.ok(stored.type === "pin-code");
      assert.equal(stored.pinHash, hashPin(store.secret, "4321"));
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("planFromLeosacReplies() names the reply and path of a missing field or unknown reference", () => {
  const convert = (edit: (r: LeosacReplies) => void) => {
    const replies = leosacReplies();
    edit(replies);
    return () => planFromLeosacReplies(replies, { source: "ws://x", newPassword: () => "p" });
  };
  const data = (content: unknown) => (content as { data: Record<string, unknown>[] }).data;
  const cases: [(r: LeosacReplies) => void, RegExp][] = [
    [
      (r) => delete (data(r.users)[1]!.attributes as Record<string, unknown>).username,
      /user\.read is not what Leosac sends: data\[1\]\.attributes\.username: expected a string, found nothing/,
    ],
    [
      (r) => (r.credentials = { datum: [] }),
      /credential\.read .*: data: expected a list, found nothing/,
    ],
    [
      (r) => ((data(r.credentials)[0]!.attributes as Record<string, unknown>).code = "12a4"),
      /data\[0\]\.attributes\.code: a PIN code holds digits only/,
    ],
    [
      (
        r,
      ) => (data(r.zones)[0]!.relationships = {
        children: { data: [] },
        doors: { data: [{ id: 99 }] },
      }),
      /zone\.read .*: data\[0\]\.relationships\.doors: names door 99, which its list does not hold/,
    ],
    [
      (
        r,
      ) => ((data(r.users)[0]!.attributes as Record<string, unknown>)["validity-end"] =
        "2026-02-30T00:00:00Z"),
      /data\[0\]\.attributes\.validity-end: Invalid date: February 2026 has no day 30/,
    ],
    [(r) => (r.version = {}), /get_leosac_version .*: version: expected a string/],
  ];
  for (const [edit, error] of cases) {
    assert.throws(convert(edit), (e: unknown) => {
      assert.ok(e instanceof LeosacSourceError, String(e));
      assert.match(e.message, error);
      return true;
    });
  }
});
