/**
 * The permission matrix: every endpoint of the router × every rank (0 user,
 * 1 viewer, 2 manager, 3 supervisor, 4 administrator) and a logged-out
 * connection. A denied call must get PERMISSION_DENIED (2); an allowed one
 * its expected status (0 unless the row says otherwise). An endpoint without
 * a row fails the test, so a new endpoint cannot skip the matrix.
 *
 * Then the relationship rules (self vs others, group admin vs member,
 * credential owner, schedule and door mappings, manager vs administrator
 * accounts) as explicit cases.
 *
 * One server and one logged-in connection per rank for the whole file;
 * destructive rows act on fresh targets created by the administrator.
 */
import assert from "node:assert/strict";
import {
  startTestServer,
  TEST_ADMIN_PASSWORD,
  TestClient,
  type TestServer,
} from "../src/testing.ts";
import { ENDPOINTS } from "../src/ws/router.ts";
import { DECLARATIONS } from "../src/ws/handlers/mod.ts";
import { isAllowed, type Relations } from "../src/ws/permissions.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";

/** Who sends the request: logged out, or a user of that rank. */
type Who = "out" | 0 | 1 | 2 | 3 | 4;
const WHOS: readonly Who[] = ["out", 0, 1, 2, 3, 4];

/** Usernames of the rank connections (rank 4 is `ada`, not the setup `admin`). */
const RANK_USER = { 0: "alice", 1: "victor", 2: "manny", 3: "sue", 4: "ada" } as const;
const password = (username: string): string => `password-${username}`;

interface World {
  server: TestServer;
  /** The setup connection (`admin`, id 1). */
  admin: TestClient;
  clients: Map<Who, TestClient>;
  ids: Record<"alice" | "victor" | "manny" | "sue" | "ada" | "bob", number>;
  /** `G`: created by admin; bob is a member (membership `bobInG`). */
  groupId: number;
  bobInG: number;
  /** Bob's card and PIN. */
  cardId: number;
  pinId: number;
  /** `S` maps bob to door `D`. */
  scheduleId: number;
  doorId: number;
  accessPointId: number;
  zoneId: number;
  holidayId: number;
  extra: TestClient[];
}

let counter = 0;
const seq = (): number => ++counter;

/** Asserts success and returns the content. */
// deno-lint-ignore no-explicit-any
function ok(reply: ServerMessage): any {
  assert.equal(reply.status_code, 0, `expected success, got ${JSON.stringify(reply)}`);
  return reply.content;
}

function expectStatus(reply: ServerMessage, status: number, what: string): void {
  assert.equal(reply.status_code, status, `${what}: ${JSON.stringify(reply)}`);
}

async function idOf(admin: TestClient, type: string, content: unknown): Promise<number> {
  return Number(ok(await admin.request(type, content)).data.id);
}

async function connectAs(w: { server: TestServer }, username: string): Promise<TestClient> {
  const client = await TestClient.connect(w.server.wsUrl);
  await client.login(username, username === "admin" ? TEST_ADMIN_PASSWORD : password(username));
  return client;
}

// Fresh targets, made by the setup administrator.
const fresh = {
  user: (w: World, rank = 0) =>
    idOf(w.admin, "user.create", { attributes: { username: `tmp${seq()}`, rank } }),
  group: (w: World) => idOf(w.admin, "group.create", { attributes: { name: `grp${seq()}` } }),
  async membership(w: World): Promise<number> {
    const groupId = await fresh.group(w);
    return idOf(w.admin, "user-group-membership.create", {
      attributes: { group_id: groupId, user_id: w.ids.bob, rank: 0 },
    });
  },
  card: (w: World) => idOf(w.admin, "credential.create", cardContent()),
  schedule: (w: World) => idOf(w.admin, "schedule.create", scheduleContent()),
  door: (w: World) => idOf(w.admin, "door.create", { attributes: { alias: `door${seq()}` } }),
  accessPoint: (w: World) => idOf(w.admin, "access_point.create", accessPointContent()),
  zone: (w: World) => idOf(w.admin, "zone.create", zoneContent()),
  holiday: (w: World) => idOf(w.admin, "holiday.create", holidayContent()),
};

function cardContent(ownerId = 0): unknown {
  const n = seq();
  const hex = (v: number) => (v & 0xff).toString(16).padStart(2, "0");
  return {
    "credential-type": "rfid-card",
    attributes: {
      alias: `card${n}`,
      "card-id": `de:ad:${hex(n >> 8)}:${hex(n)}`,
      "nb-bits": 32,
      owner_id: ownerId,
    },
  };
}
const scheduleContent = () => ({ attributes: { name: `sched${seq()}`, timeframes: [] } });
const accessPointContent = () => ({
  attributes: { alias: `ap${seq()}`, "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT" },
});
const zoneContent = () => ({ attributes: { alias: `zone${seq()}`, doors: [], children: [] } });
const holidayContent = () => ({
  attributes: {
    date: new Date(Date.UTC(2040, 0, 1 + seq())).toISOString().slice(0, 10),
    name: "holiday",
  },
});

/** Allowed for each of WHOS, in order. */
type Allow = readonly [boolean, boolean, boolean, boolean, boolean, boolean];
/** Logged in with at least `rank`. */
const rankAtLeast = (rank: number): Allow =>
  WHOS.map((who) => who !== "out" && who >= rank) as unknown as Allow;
const LOGGED_IN = rankAtLeast(0);
const VIEWER = rankAtLeast(1);
const MANAGER = rankAtLeast(2);
const SUPERVISOR = rankAtLeast(3);
const ADMIN = rankAtLeast(4);
const EVERYONE: Allow = [true, true, true, true, true, true];
const LOGGED_OUT: Allow = [true, false, false, false, false, false];

interface Row {
  allow: Allow;
  /** The request content (may create fresh targets first). */
  content: (w: World, who: Who) => unknown;
  /** The status an allowed call gets (0 unless the request cannot succeed here). */
  okStatus?: number;
  /** Send on a new connection logged in as `who` (calls that end the session). */
  freshConnection?: boolean;
  /** Runs after an allowed call (e.g. to log out again). */
  after?: (client: TestClient) => Promise<void>;
}

const none = (): unknown => ({});

/** One row per endpoint. */
const ROWS: Record<string, Row> = {
  get_leosac_version: { allow: EVERYONE, content: none },
  create_auth_token: {
    allow: LOGGED_OUT,
    content: () => ({ username: "bob", password: password("bob") }),
    after: async (client) => expectStatus(await client.request("logout"), 0, "logout"),
  },
  authenticate_with_token: {
    allow: LOGGED_OUT,
    async content(w, who) {
      if (who !== "out") return { token: "not-a-token" };
      await using other = await TestClient.connect(w.server.wsUrl);
      const reply = ok(
        await other.request("create_auth_token", { username: "bob", password: password("bob") }),
      );
      return { token: reply.token };
    },
    after: async (client) => expectStatus(await client.request("logout"), 0, "logout"),
  },
  logout: { allow: LOGGED_IN, content: none, freshConnection: true },
  system_overview: { allow: LOGGED_IN, content: none },
  password_change: {
    allow: LOGGED_IN,
    content(w, who) {
      if (who === "out") return { user_id: 1, current_password: "x", new_password: "y" };
      const name = RANK_USER[who];
      return {
        user_id: w.ids[name],
        current_password: password(name),
        new_password: password(name),
      };
    },
  },

  "user.create": {
    allow: MANAGER,
    content: () => ({ attributes: { username: `new${seq()}`, rank: 0 } }),
  },
  "user.read": { allow: VIEWER, content: (w) => ({ user_id: w.ids.bob }) },
  "user.list": { allow: LOGGED_IN, content: () => ({ q: "b" }) },
  "user.access": { allow: VIEWER, content: (w) => ({ user_id: w.ids.bob }) },
  "user.update": {
    allow: MANAGER,
    content: (w) => ({ user_id: w.ids.bob, attributes: { firstname: `Bob${seq()}` } }),
  },
  "user.delete": { allow: MANAGER, content: async (w) => ({ user_id: await fresh.user(w) }) },

  "group.create": { allow: LOGGED_IN, content: () => ({ attributes: { name: `mine${seq()}` } }) },
  "group.read": { allow: VIEWER, content: (w) => ({ group_id: w.groupId }) },
  "group.list": { allow: LOGGED_IN, content: () => ({ q: "g" }) },
  "group.update": {
    allow: MANAGER,
    content: (w) => ({ group_id: w.groupId, attributes: { description: `d${seq()}` } }),
  },
  "group.delete": { allow: MANAGER, content: async (w) => ({ group_id: await fresh.group(w) }) },
  "user-group-membership.create": {
    allow: MANAGER,
    content: async (w) => ({
      attributes: { group_id: await fresh.group(w), user_id: w.ids.bob, rank: 0 },
    }),
  },
  "user-group-membership.read": { allow: VIEWER, content: (w) => ({ membership_id: w.bobInG }) },
  "user-group-membership.list": { allow: VIEWER, content: (w) => ({ group_id: w.groupId }) },
  "user-group-membership.update": {
    allow: MANAGER,
    content: async (w) => ({ membership_id: await fresh.membership(w), attributes: { rank: 1 } }),
  },
  "user-group-membership.delete": {
    allow: MANAGER,
    content: async (w) => ({ membership_id: await fresh.membership(w) }),
  },

  "credential.create": { allow: MANAGER, content: () => cardContent() },
  "credential.read": { allow: VIEWER, content: (w) => ({ credential_id: w.cardId }) },
  "credential.list": { allow: LOGGED_IN, content: () => ({ limit: 10 }) },
  "credential.update": {
    allow: MANAGER,
    content: (w) => ({ credential_id: w.pinId, attributes: { alias: `pin${seq()}` } }),
  },
  "credential.delete": {
    allow: MANAGER,
    content: async (w) => ({ credential_id: await fresh.card(w) }),
  },

  "schedule.create": { allow: MANAGER, content: scheduleContent },
  "schedule.read": { allow: VIEWER, content: (w) => ({ schedule_id: w.scheduleId }) },
  "schedule.update": { allow: MANAGER, content: (w) => scheduleUpdate(w) },
  "schedule.delete": {
    allow: MANAGER,
    content: async (w) => ({ schedule_id: await fresh.schedule(w) }),
  },

  "door.create": { allow: MANAGER, content: () => ({ attributes: { alias: `door${seq()}` } }) },
  "door.read": { allow: VIEWER, content: (w) => ({ door_id: w.doorId }) },
  "door.update": {
    allow: MANAGER,
    content: (w) => ({ door_id: w.doorId, attributes: { description: `d${seq()}` } }),
  },
  "door.delete": { allow: MANAGER, content: async (w) => ({ door_id: await fresh.door(w) }) },
  "door.status": { allow: VIEWER, content: (w) => ({ door_id: w.doorId }) },
  // No controller in this server: an allowed door.open reaches "controller not running".
  "door.open": { allow: MANAGER, content: (w) => ({ door_id: w.doorId }), okStatus: 1 },
  "door.set_mode": { allow: MANAGER, content: (w) => ({ door_id: w.doorId, mode: "normal" }) },
  "antipassback.forgive": { allow: MANAGER, content: (w) => ({ user_id: w.ids.bob }) },

  "access_point.create": { allow: MANAGER, content: accessPointContent },
  "access_point.read": { allow: VIEWER, content: (w) => ({ access_point_id: w.accessPointId }) },
  "access_point.update": {
    allow: MANAGER,
    content: (w) => ({ access_point_id: w.accessPointId, attributes: { alias: `ap${seq()}` } }),
  },
  "access_point.delete": {
    allow: MANAGER,
    content: async (w) => ({ access_point_id: await fresh.accessPoint(w) }),
  },

  "zone.create": { allow: MANAGER, content: zoneContent },
  "zone.read": { allow: VIEWER, content: (w) => ({ zone_id: w.zoneId }) },
  "zone.update": {
    allow: MANAGER,
    content: (w) => ({
      zone_id: w.zoneId,
      attributes: { alias: `zone${seq()}`, doors: [w.doorId], children: [] },
    }),
  },
  "zone.delete": { allow: MANAGER, content: async (w) => ({ zone_id: await fresh.zone(w) }) },

  "holiday.create": { allow: MANAGER, content: holidayContent },
  "holiday.read": { allow: VIEWER, content: (w) => ({ holiday_id: w.holidayId }) },
  "holiday.update": {
    allow: MANAGER,
    content: (w) => ({ holiday_id: w.holidayId, attributes: { name: `h${seq()}` } }),
  },
  "holiday.delete": {
    allow: MANAGER,
    content: async (w) => ({ holiday_id: await fresh.holiday(w) }),
  },

  "audit.get": { allow: VIEWER, content: () => ({ p: 1, ps: 5 }) },
  get_logs: { allow: SUPERVISOR, content: () => ({ p: 0, ps: 5 }) },
  // The test server's restart hook does nothing.
  restart: { allow: ADMIN, content: none },
  // A dry run (the default): a plan, nothing written.
  "people.import": { allow: ADMIN, content: () => ({ csv: "username\nimported-person\n" }) },
  check_update: { allow: MANAGER, content: none },
  get_pending_update: { allow: MANAGER, content: none },
  get_update_history: { allow: MANAGER, content: none },
  // There is no update backend: allowed calls get "doesn't exist" / not found.
  create_update: { allow: MANAGER, content: () => ({ descriptor_uuid: "x" }), okStatus: 1 },
  get_update: { allow: MANAGER, content: () => ({ update_id: 1 }), okStatus: 8 },
  ack_update: { allow: MANAGER, content: () => ({ update_id: 1 }), okStatus: 8 },
  cancel_update: { allow: MANAGER, content: () => ({ update_id: 1 }), okStatus: 8 },

  // Searches every user may run return only what the caller may read.
  "search.group_name": { allow: LOGGED_IN, content: () => ({ partial_name: "g" }) },
  "search.door_alias": { allow: LOGGED_IN, content: () => ({ partial_name: "door" }) },
  "search.credential_alias": { allow: LOGGED_IN, content: () => ({ partial_name: "c" }) },
  "search.schedule_name": { allow: LOGGED_IN, content: () => ({ partial_name: "s" }) },
  "search.zone_alias": { allow: VIEWER, content: () => ({ partial_name: "zone" }) },
  "search.access_point_alias": { allow: VIEWER, content: () => ({ partial_name: "ap" }) },
  "search.user_username": { allow: VIEWER, content: () => ({ partial_name: "b" }) },
  "search.hardware_name": { allow: SUPERVISOR, content: () => ({ partial_name: "" }) },
  access_overview: { allow: VIEWER, content: none },
  "hardware.warnings": { allow: VIEWER, content: none },

  "events.subscribe": { allow: VIEWER, content: () => ({ categories: ["door"] }) },
  "events.unsubscribe": { allow: LOGGED_IN, content: none },
  // No controller in this server: an allowed simulation reaches "controller not running".
  "hardware.simulate": {
    allow: MANAGER,
    content: (w) => ({ action: "input", door: w.doorId, input: "rex", value: true }),
    okStatus: 1,
  },
  ...deviceRows(),
  "osdp-reader.status": { allow: SUPERVISOR, content: () => ({}) },
  "osdp-reader.install": {
    allow: ADMIN,
    // A reader wired to no door: the controller refuses it (GENERAL_FAILURE) once permitted.
    content: async (w) => ({
      reader_id: ok(
        await w.admin.request("osdp-reader.create", { attributes: { name: `osdp${seq()}` } }),
      ).data.id,
    }),
    okStatus: 1,
  },
  "osdp-reader.rekey": {
    allow: ADMIN,
    // A reader wired to no door: the controller refuses it (GENERAL_FAILURE) once permitted.
    content: async (w) => ({
      reader_id: ok(
        await w.admin.request("osdp-reader.create", { attributes: { name: `osdp${seq()}` } }),
      ).data.id,
    }),
    okStatus: 1,
  },
};

/** gpio.*, libgpiod.gpio.*, led.*, buzzer.*, wiegand-reader.*, osdp-bus.*, osdp-reader.*: supervisor reads, admin writes. */
function deviceRows(): Record<string, Row> {
  const families = [
    ["gpio", "gpio_id"],
    ["libgpiod.gpio", "gpio_id"],
    ["led", "led_id"],
    ["buzzer", "buzzer_id"],
    ["wiegand-reader", "reader_id"],
    ["osdp-bus", "bus_id"],
    ["osdp-reader", "reader_id"],
  ] as const;
  const attributes = () => ({ name: `dev${seq()}`, offset: seq() });
  const freshDevice = async (w: World, family: string): Promise<string> =>
    ok(await w.admin.request(`${family}.create`, { attributes: attributes() })).data.id;
  return Object.fromEntries(families.flatMap(([family, key]) => [
    [`${family}.create`, { allow: ADMIN, content: () => ({ attributes: attributes() }) }],
    [`${family}.read`, { allow: SUPERVISOR, content: () => ({ [key]: 0 }) }],
    [`${family}.update`, {
      allow: ADMIN,
      content: async (w: World) => ({
        [key]: await freshDevice(w, family),
        attributes: { name: `dev${seq()}` },
      }),
    }],
    [`${family}.delete`, {
      allow: ADMIN,
      content: async (w: World) => ({ [key]: await freshDevice(w, family) }),
    }],
  ]));
}

function scheduleUpdate(w: World): unknown {
  return {
    schedule_id: w.scheduleId,
    attributes: {
      name: "bobs-schedule",
      timeframes: [{ day: 0, "start-time": "8:00", "end-time": "18:00" }],
    },
    mapping: [{
      alias: "bob at D",
      users: [w.ids.bob],
      groups: [],
      credentials: [],
      doors: [w.doorId],
      zones: [],
    }],
  };
}

async function startWorld(): Promise<World> {
  const server = await startTestServer();
  const admin = await connectAs({ server }, "admin");
  const create = (username: string, rank: number) =>
    idOf(admin, "user.create", { attributes: { username, rank, password: password(username) } });
  const ids = {
    alice: await create("alice", 0),
    victor: await create("victor", 1),
    manny: await create("manny", 2),
    sue: await create("sue", 3),
    ada: await create("ada", 4),
    bob: await create("bob", 0),
  };
  const groupId = await idOf(admin, "group.create", { attributes: { name: "G-group" } });
  const bobInG = await idOf(admin, "user-group-membership.create", {
    attributes: { group_id: groupId, user_id: ids.bob, rank: 0 },
  });
  // Creating a group does not make an administrator a member: joined by choice.
  await idOf(admin, "user-group-membership.create", {
    attributes: { group_id: groupId, user_id: 1, rank: 2 },
  });
  const cardId = await idOf(admin, "credential.create", cardContent(ids.bob));
  const pinId = await idOf(admin, "credential.create", {
    "credential-type": "pin-code",
    attributes: { alias: "bob-pin", code: "123456", owner_id: ids.bob },
  });
  const doorId = await idOf(admin, "door.create", { attributes: { alias: "door-D" } });
  const scheduleId = await idOf(admin, "schedule.create", scheduleContent());
  const accessPointId = await idOf(admin, "access_point.create", accessPointContent());
  const zoneId = await idOf(admin, "zone.create", zoneContent());
  const holidayId = await idOf(admin, "holiday.create", holidayContent());
  const clients = new Map<Who, TestClient>();
  clients.set("out", await TestClient.connect(server.wsUrl));
  for (const rank of [0, 1, 2, 3, 4] as const) {
    clients.set(rank, await connectAs({ server }, RANK_USER[rank]));
  }
  const world: World = {
    server,
    admin,
    clients,
    ids,
    groupId,
    bobInG,
    cardId,
    pinId,
    scheduleId,
    doorId,
    accessPointId,
    zoneId,
    holidayId,
    extra: [],
  };
  ok(await admin.request("schedule.update", scheduleUpdate(world)));
  return world;
}

async function closeWorld(w: World): Promise<void> {
  for (const client of [...w.extra, ...w.clients.values(), w.admin]) await client.close();
  await w.server.close();
}

/** Checks a reply against the expected outcome; returns a failure message or null. */
function check(
  reply: ServerMessage,
  allowed: boolean,
  label: string,
  okStatus = 0,
): string | null {
  if (reply.status_string.endsWith("Internal error.")) return `${label}: internal error`;
  if (allowed && reply.status_code !== okStatus) {
    return `${label}: expected ${okStatus}, got ${JSON.stringify(reply).slice(0, 300)}`;
  }
  if (!allowed && reply.status_code !== 2) {
    return `${label}: expected denied (2), got ${JSON.stringify(reply).slice(0, 300)}`;
  }
  return null;
}

Deno.test("permission matrix: every endpoint × every rank and logged out, then relationship rules", async (t) => {
  const w = await startWorld();
  try {
    await t.step("every endpoint has a row, and every row an endpoint", () => {
      const missing = Object.keys(ENDPOINTS).filter((name) => !Object.hasOwn(ROWS, name));
      const stale = Object.keys(ROWS).filter((name) => !Object.hasOwn(ENDPOINTS, name));
      assert.deepEqual(missing, [], "endpoints without a permission row");
      assert.deepEqual(stale, [], "rows for endpoints that do not exist");
    });

    await t.step(
      "rows agree with the declarations of endpoints checked before their handler",
      () => {
        // No relationship holds: a rule checked with an empty target depends on rank alone.
        const none: Relations = {
          groupRank: () => undefined,
          ownsCredential: () => false,
          scheduleMappedTo: () => false,
          doorMappedTo: () => false,
          sharesGroup: () => false,
        };
        const disagree: string[] = [];
        for (const declaration of DECLARATIONS) {
          const p = declaration.permission;
          if (p !== null && p.byHandler === true) continue;
          const expected = WHOS.map((who) => {
            if (who === "out") return declaration.session !== "required";
            if (declaration.session === "forbidden") return false;
            return p === null || isAllowed({ userId: 1_000_000, rank: who }, p.action, {}, none);
          });
          for (const name of declaration.names) {
            const row = ROWS[name];
            if (row !== undefined && JSON.stringify(row.allow) !== JSON.stringify(expected)) {
              disagree.push(`${name}: row ${JSON.stringify(row.allow)}, declared ${expected}`);
            }
          }
        }
        assert.deepEqual(disagree, []);
      },
    );

    await t.step("matrix", async () => {
      const failures: string[] = [];
      for (const type of Object.keys(ENDPOINTS)) {
        const row = ROWS[type];
        if (row === undefined) continue;
        for (const [index, who] of WHOS.entries()) {
          const allowed = row.allow[index]!;
          const content = await row.content(w, who);
          let client = w.clients.get(who)!;
          let temporary: TestClient | null = null;
          if (row.freshConnection && who !== "out") {
            temporary = client = await connectAs(w, RANK_USER[who]);
          }
          const reply = await client.request(type, content);
          const failure = check(reply, allowed, `${type} as ${who}`, row.okStatus);
          if (failure !== null) failures.push(failure);
          else if (allowed && row.after) await row.after(client);
          await temporary?.close();
        }
      }
      assert.deepEqual(failures, []);
      // The rank connections are still logged in (no row logged them out).
      for (const rank of [0, 1, 2, 3, 4] as const) {
        ok(await w.clients.get(rank)!.request("system_overview"));
      }
    });

    const as = (rank: 0 | 1 | 2 | 3 | 4) => w.clients.get(rank)!;
    const allowed = async (client: TestClient, type: string, content: unknown, what: string) => {
      const reply = await client.request(type, content);
      assert.equal(reply.status_code, 0, `${what} should be allowed: ${JSON.stringify(reply)}`);
      // deno-lint-ignore no-explicit-any
      return reply.content as any;
    };
    const denied = async (client: TestClient, type: string, content: unknown, what: string) => {
      const reply = await client.request(type, content);
      assert.equal(reply.status_code, 2, `${what} should be denied: ${JSON.stringify(reply)}`);
    };

    await t.step("users: self vs others", async () => {
      const { alice, bob } = w.ids;
      await allowed(as(0), "user.read", { user_id: alice }, "a user reading themselves");
      await denied(as(0), "user.read", { user_id: bob }, "a user reading a stranger");
      await allowed(
        as(0),
        "user.update",
        { user_id: alice, attributes: { firstname: "Alice" } },
        "a user editing their own name",
      );
      await denied(
        as(0),
        "user.update",
        { user_id: bob, attributes: { firstname: "X" } },
        "a user editing someone else",
      );
      await denied(
        as(0),
        "user.update",
        { user_id: alice, attributes: { rank: 1 } },
        "a user raising their own rank",
      );
      await denied(as(0), "user.delete", { user_id: bob }, "a user deleting someone");
      await denied(as(2), "user.delete", { user_id: w.ids.manny }, "a manager deleting themselves");
      await denied(as(4), "user.delete", { user_id: w.ids.ada }, "an admin deleting themselves");
    });

    await t.step("users: bob shares group G with admin and may read admin", async () => {
      await using bob = await connectAs(w, "bob");
      await allowed(bob, "user.read", { user_id: 1 }, "reading a fellow group member");
      await denied(bob, "user.read", { user_id: w.ids.alice }, "reading a non-member");
    });

    await t.step("ranks: only an administrator grants manager or above", async () => {
      const carl = await fresh.user(w, 0);
      await denied(
        as(2),
        "user.update",
        { user_id: carl, attributes: { rank: 2 } },
        "a manager granting manager",
      );
      await denied(
        as(3),
        "user.update",
        { user_id: carl, attributes: { rank: 3 } },
        "a supervisor granting supervisor",
      );
      await allowed(
        as(2),
        "user.update",
        { user_id: carl, attributes: { rank: 1 } },
        "a manager granting viewer",
      );
      await denied(
        as(2),
        "user.create",
        { attributes: { username: `mgr${seq()}`, rank: 2 } },
        "a manager creating a manager",
      );
      await allowed(
        as(4),
        "user.create",
        { attributes: { username: `sup${seq()}`, rank: 3 } },
        "an admin creating a supervisor",
      );
      await allowed(
        as(4),
        "user.update",
        { user_id: carl, attributes: { rank: 2 } },
        "an admin granting manager",
      );
      // carl is now a manager: other managers may no longer touch his account.
      await denied(
        as(2),
        "user.update",
        { user_id: carl, attributes: { firstname: "C" } },
        "a manager editing another manager",
      );
      await denied(
        as(2),
        "user.update",
        { user_id: carl, attributes: { rank: 0 } },
        "a manager demoting a manager",
      );
      await denied(as(2), "user.delete", { user_id: carl }, "a manager deleting a manager");
      await denied(
        as(2),
        "user.update",
        { user_id: w.ids.manny, attributes: { rank: 3 } },
        "a manager raising their own rank",
      );
      await allowed(
        as(2),
        "user.update",
        { user_id: w.ids.manny, attributes: { firstname: "Manny" } },
        "a manager editing their own name",
      );
      await allowed(as(4), "user.update", { user_id: carl, attributes: { rank: 0 } }, "admin");
      await allowed(as(2), "user.delete", { user_id: carl }, "a manager deleting a user");
    });

    await t.step("accounts: a manager cannot change an administrator's account", async () => {
      const ada = w.ids.ada;
      await denied(
        as(2),
        "user.update",
        { user_id: ada, attributes: { firstname: "X" } },
        "a manager editing an admin",
      );
      await denied(
        as(3),
        "user.update",
        { user_id: ada, attributes: { "validity-enabled": false } },
        "a supervisor disabling an admin",
      );
      await denied(
        as(2),
        "password_change",
        { user_id: ada, new_password: "pwned-password" },
        "a manager changing an admin's password",
      );
      await denied(as(3), "user.delete", { user_id: ada }, "a supervisor deleting an admin");
      await allowed(
        as(4),
        "user.update",
        { user_id: 1, attributes: { firstname: "Root" } },
        "an admin editing another admin",
      );
    });

    await t.step(
      "password_change: self with the current password, managers for users",
      async () => {
        const carl = await idOf(w.admin, "user.create", {
          attributes: { username: "carl", password: password("carl") },
        });
        await using carlClient = await connectAs(w, "carl");
        await denied(
          as(0),
          "password_change",
          { user_id: carl, new_password: "other-password" },
          "a user changing someone else's password",
        );
        await denied(
          carlClient,
          "password_change",
          { user_id: carl, current_password: "wrong", new_password: "new-password-1" },
          "own password with a wrong current password",
        );
        await denied(
          carlClient,
          "password_change",
          { user_id: carl, new_password: "new-password-1" },
          "own password without the current password",
        );
        await allowed(
          carlClient,
          "password_change",
          { user_id: carl, current_password: password("carl"), new_password: "new-password-2" },
          "own password with the current password",
        );
        await allowed(
          as(2),
          "password_change",
          { user_id: carl, new_password: password("carl") },
          "a manager resetting a user's password",
        );
        const closed = await carlClient.nextUnsolicited((m) => m.type === "session_closed");
        assert.equal(closed.uuid, "");
      },
    );

    await t.step("groups: group admin vs member vs operator", async () => {
      await using bob = await connectAs(w, "bob");
      const alice = as(0);
      await allowed(bob, "group.read", { group_id: w.groupId }, "a member reading their group");
      await denied(alice, "group.read", { group_id: w.groupId }, "a non-member reading a group");
      await denied(
        bob,
        "group.update",
        { group_id: w.groupId, attributes: { description: "x" } },
        "a member editing their group",
      );
      await denied(bob, "group.delete", { group_id: w.groupId }, "a member deleting their group");
      await allowed(
        bob,
        "user-group-membership.read",
        { membership_id: w.bobInG },
        "reading one's own membership",
      );
      await denied(
        bob,
        "user-group-membership.update",
        { membership_id: w.bobInG, attributes: { rank: 2 } },
        "a member raising their own group rank",
      );
      await denied(
        bob,
        "user-group-membership.create",
        { attributes: { group_id: w.groupId, user_id: w.ids.alice } },
        "a member adding someone to their group",
      );
      // bob creates his own group and is its administrator.
      const own = (await allowed(bob, "group.create", { attributes: { name: "bobs" } }, "create"))
        .data.id as number;
      await allowed(
        bob,
        "group.update",
        { group_id: own, attributes: { description: "mine" } },
        "a group admin editing the group",
      );
      const aliceIn = (await allowed(
        bob,
        "user-group-membership.create",
        { attributes: { group_id: own, user_id: w.ids.alice, rank: 0 } },
        "a group admin adding a member",
      )).data.id as number;
      await allowed(
        bob,
        "user-group-membership.update",
        { membership_id: aliceIn, attributes: { rank: 1 } },
        "a group admin making a member operator",
      );
      // alice is an operator now: she adds members up to her own rank.
      await denied(
        alice,
        "user-group-membership.create",
        { attributes: { group_id: own, user_id: w.ids.victor, rank: 2 } },
        "an operator adding an administrator",
      );
      const victorIn = (await allowed(
        alice,
        "user-group-membership.create",
        { attributes: { group_id: own, user_id: w.ids.victor, rank: 0 } },
        "an operator adding a member",
      )).data.id as number;
      await denied(
        alice,
        "user-group-membership.update",
        { membership_id: victorIn, attributes: { rank: 1 } },
        "an operator changing ranks",
      );
      await denied(alice, "group.update", { group_id: own, attributes: {} }, "an operator editing");
      await allowed(
        alice,
        "user-group-membership.delete",
        { membership_id: victorIn },
        "an operator removing a member",
      );
      await allowed(
        alice,
        "user-group-membership.delete",
        { membership_id: aliceIn },
        "a member leaving",
      );
      await allowed(bob, "group.delete", { group_id: own }, "a group admin deleting the group");
    });

    await t.step("credentials, schedules and doors: owners and mapped users", async () => {
      await using bob = await connectAs(w, "bob");
      const alice = as(0);
      await allowed(bob, "credential.read", { credential_id: w.cardId }, "owner reads card");
      await allowed(bob, "credential.read", { credential_id: w.pinId }, "owner reads PIN");
      await denied(alice, "credential.read", { credential_id: w.pinId }, "stranger reads PIN");
      await denied(
        bob,
        "credential.update",
        { credential_id: w.cardId, attributes: { alias: "mine" } },
        "an owner editing their card",
      );
      await denied(bob, "credential.delete", { credential_id: w.cardId }, "owner deletes card");
      await allowed(bob, "schedule.read", { schedule_id: w.scheduleId }, "mapped user, schedule");
      await denied(alice, "schedule.read", { schedule_id: w.scheduleId }, "unmapped, schedule");
      await allowed(bob, "door.read", { door_id: w.doorId }, "mapped user reads the door");
      await denied(alice, "door.read", { door_id: w.doorId }, "unmapped user reads the door");
      await denied(bob, "door.update", { door_id: w.doorId, attributes: {} }, "mapped, update");
      // Lists only show what the caller may read.
      const cards = await allowed(alice, "credential.read", { credential_id: 0 }, "list");
      assert.deepEqual(cards.data, []);
      const bobCards = await allowed(bob, "credential.read", { credential_id: 0 }, "list");
      assert.deepEqual(
        bobCards.data.map((c: { id: number }) => c.id).sort(),
        [w.cardId, w.pinId].sort(),
      );
    });
  } finally {
    await closeWorld(w);
  }
});
