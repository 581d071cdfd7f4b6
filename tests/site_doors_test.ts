/**
 * The site's doors (issue 12, `src/site/doors.ts`) against a real
 * nats-server: two controllers A and B, each a real controller worker on
 * simulated hardware over its own SQLite copy (the same users and doors
 * with the same ids, as the policy log leaves them), each wiring only its
 * own door. A opens and sets the mode of B's door through the site; B
 * checks the author against its own copy of the accounts, drops a command
 * past its deadline, and records what it did with the author. The KV bucket
 * holds both controllers' doors, and `door.status` on A lists B's.
 *
 * Skipped without /usr/sbin/nats-server unless LEOSAC_REQUIRE_NATS=1.
 */
import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { connect } from "@nats-io/transport-node";
import { FakeClock } from "../src/clock.ts";
import { ControllerClient } from "../src/controller/supervisor.ts";
import { SiteLink } from "../src/site/link.ts";
import { siteNames } from "../src/site/names.ts";
import { SiteDoors, type SiteDoorState, STALE_MS } from "../src/site/doors.ts";
import type { SiteService } from "../src/site/service.ts";
import { AUDIT_KIND } from "../src/store/audit.ts";
import { ensureAdministrator } from "../src/store/bootstrap.ts";
import { createDevice } from "../src/store/devices.ts";
import { createDoor, getDoor } from "../src/store/doors.ts";
import { openStore, type Store } from "../src/store/store.ts";
import { TEST_WORKER_START_MS } from "../src/testing.ts";
import { createUser, USER_RANK } from "../src/store/users.ts";
import {
  startTestServer,
  TEST_ADMIN_PASSWORD,
  TestClient,
  type TestServer,
} from "../src/testing.ts";
import { type NatsCluster, skipWithoutNats, startNats } from "./_nats.ts";
import { failed, ok } from "./_replies.ts";

const ignore = skipWithoutNats("site_doors_test");
const SITE = "doors";
const names = siteNames(SITE);
/** Ids every copy shares. */
const ADMIN = 1, MANAGER = 2, VIEWER = 3, SPLIT = 4;
const DOOR_A = 1, DOOR_B = 2, DOOR_C = 3;

/**
 * The site's common policy, written the same way into each copy: users
 * (`split` is a manager on A's copy but a viewer on B's, to show that the
 * target judges with its own copy), a strike per door and three doors (C's
 * controller never runs).
 */
async function seed(db: DatabaseSync, self: "A" | "B"): Promise<void> {
  await ensureAdministrator(db, TEST_ADMIN_PASSWORD);
  assert.equal(createUser(db, { username: "manny", rank: USER_RANK.MANAGER }).id, MANAGER);
  assert.equal(createUser(db, { username: "vic", rank: USER_RANK.VIEWER }).id, VIEWER);
  const splitRank = self === "A" ? USER_RANK.MANAGER : USER_RANK.VIEWER;
  assert.equal(createUser(db, { username: "split", rank: splitRank }).id, SPLIT);
  for (
    const [door, controller, offset] of [[DOOR_A, "A", 1], [DOOR_B, "B", 2], [
      DOOR_C,
      "C",
      3,
    ]] as const
  ) {
    const strike = createDevice(db, {
      id: `strike-${controller}`,
      name: `strike-${controller}`,
      type: "gpio",
      config: { offset, direction: "out" },
      controller,
    });
    const created = createDoor(db, {
      alias: `door-${controller}`,
      strikeGpioId: strike.id,
      controller,
    });
    assert.equal(created.id, door);
  }
}

/** One running controller of the site. */
interface Member extends AsyncDisposable {
  store: Store;
  controller: ControllerClient;
  link: SiteLink;
  doors: SiteDoors;
}

function linkTo(nats: NatsCluster, controller: string): SiteLink {
  return new SiteLink({
    servers: [...nats.urls],
    controller,
    siteName: SITE,
    credsFile: null,
    user: null,
    tlsCaFile: null,
  });
}

async function startMember(
  nats: NatsCluster,
  name: "B",
  options: { clock?: FakeClock } = {},
): Promise<Member> {
  const dir = await Deno.makeTempDir({ prefix: "leosac-site-doors-" });
  const store = openStore(dir, { reserveBytes: 0 });
  await seed(store.db, name);
  const controller = new ControllerClient({
    databasePath: store.databasePath,
    secret: store.secret,
    hardware: "sim",
    db: store.db,
    controllerName: name,
    startTimeoutMs: TEST_WORKER_START_MS,
  });
  await controller.start();
  const link = linkTo(nats, name);
  await link.start();
  const doors = new SiteDoors({
    link,
    names,
    controller: name,
    db: store.db,
    port: controller,
    events: controller,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  await doors.start();
  return {
    store,
    controller,
    link,
    doors,
    async [Symbol.asyncDispose]() {
      await doors.close();
      await link.close();
      await controller.stop();
      store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Controller A: a test server (real worker, its WebSocket API) in the site. */
async function startServerA(
  nats: NatsCluster,
  clock: FakeClock,
): Promise<
  { server: TestServer; admin: TestClient; link: SiteLink; doors: SiteDoors } & AsyncDisposable
> {
  const dataDir = await Deno.makeTempDir({ prefix: "leosac-site-doors-a-" });
  // Seed the copy before the server opens it (the administrator comes first, as id 1).
  const seeded = openStore(dataDir, { reserveBytes: 0 });
  await seed(seeded.db, "A");
  seeded.close();
  const link = linkTo(nats, "A");
  await link.start();
  const site: { doors: SiteDoors | null } = { doors: null };
  const service: SiteService = {
    siteName: SITE,
    controller: "A",
    status: () => ({
      name: SITE,
      controller: "A",
      connected: link.connected,
      lag_ms: 0,
      applied_sequence: 0,
    }),
    policy: {
      get capture(): never {
        throw new Error("no site-wide writes in this test");
      },
      write: () => Promise.reject(new Error("no site-wide writes in this test")),
    },
    get doors() {
      return site.doors;
    },
  };
  const server = await startTestServer({
    dataDir,
    hardware: "sim",
    controllerName: "A",
    site: service,
    clock,
  });
  const doors = new SiteDoors({
    link,
    names,
    controller: "A",
    db: server.store.db,
    port: server.controller,
    events: server.controller,
    clock,
  });
  site.doors = doors;
  await doors.start();
  const admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  return {
    server,
    admin,
    link,
    doors,
    async [Symbol.asyncDispose]() {
      await admin.close();
      await doors.close();
      await link.close();
      await server.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}

/** Reads the bucket until `ready` holds (the controllers publish asynchronously), at most 10 s. */
async function statesUntil(
  doors: SiteDoors,
  ready: (states: SiteDoorState[]) => boolean,
): Promise<SiteDoorState[]> {
  const until = Date.now() + 10_000;
  for (;;) {
    const states = await doors.states() ?? [];
    if (ready(states)) return states;
    if (Date.now() > until) throw new Error(`states never ready: ${JSON.stringify(states)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function doorRows(db: DatabaseSync, doorId: number): { author_id: number | null; event: string }[] {
  return db.prepare(
    `SELECT author_id, json_extract(data, '$.event') AS event FROM audit_events
     WHERE kind = ? AND target_id = ? ORDER BY id`,
  ).all(AUDIT_KIND.DOOR, doorId).map((row) => ({ ...row })) as unknown as {
    author_id: number | null;
    event: string;
  }[];
}

Deno.test({
  name:
    "SiteDoors: remote commands are checked and recorded by the owner; the bucket holds every door",
  ignore,
  async fn() {
    await using nats = await startNats();
    const clockA = new FakeClock(Date.now());
    await using a = await startServerA(nats, clockA);
    await using b = await startMember(nats, "B");
    const db = b.store.db;

    // Both controllers' doors are in the bucket, each under its owner.
    const states = await statesUntil(
      a.doors,
      (s) => s.some((d) => d.controller === "A") && s.some((d) => d.controller === "B"),
    );
    assert.deepEqual(
      states.map((s) => [s.controller, s.door_id, s.alias, s.mode, s.online]),
      [["A", DOOR_A, "door-A", "normal", true], ["B", DOOR_B, "door-B", "normal", true]],
    );

    // door.open on A for B's door: B opens it and records it with the author.
    const opened = ok(await a.admin.request("door.open", { door_id: DOOR_B }));
    assert.deepEqual(opened, { door_id: DOOR_B, opened: true });
    assert.deepEqual(
      doorRows(db, DOOR_B).filter((r) => r.event === "OPENED_MANUALLY"),
      [{ author_id: ADMIN, event: "OPENED_MANUALLY" }],
    );
    assert.deepEqual(doorRows(a.server.store.db, DOOR_B), [], "nothing happened on A's copy");
    await statesUntil(a.doors, (s) => s.some((d) => d.door_id === DOOR_B && !d.locked));

    // A manager by id, straight through the command client.
    const byManager = await a.doors.command("B", {
      op: "set_mode",
      door_id: DOOR_B,
      mode: "locked",
      actor: { user_id: MANAGER, username: "manny" },
    });
    assert.equal(byManager.status_code, 0, JSON.stringify(byManager));
    assert.equal((byManager.content as { mode: string }).mode, "locked");
    assert.equal(getDoor(db, DOOR_B)?.mode, "locked", "the owner stores its mode");
    assert.equal(getDoor(a.server.store.db, DOOR_B)?.mode, "normal", "the mode is not replicated");
    assert.deepEqual(
      doorRows(db, DOOR_B).filter((r) => r.event === "MODE_CHANGED"),
      [{ author_id: MANAGER, event: "MODE_CHANGED" }],
    );
    await statesUntil(a.doors, (s) => s.some((d) => d.door_id === DOOR_B && d.mode === "locked"));
    // The owner's refusal reaches the client as the owner said it.
    const refused = await a.admin.request("door.open", { door_id: DOOR_B });
    failed(refused, 1);
    assert.match(refused.status_string, /Door 2 is in locked mode: remote opening refused/);

    // The owner judges with its own copy: a viewer, an unknown user, and a
    // user who is a manager on A's copy but a viewer on B's.
    const rowsBefore = doorRows(db, DOOR_B).length;
    for (const user_id of [VIEWER, 99, SPLIT]) {
      const reply = await a.doors.command("B", {
        op: "set_mode",
        door_id: DOOR_B,
        mode: "normal",
        actor: { user_id, username: "someone" },
      });
      assert.equal(reply.status_code, 2, `user ${user_id}: ${JSON.stringify(reply)}`);
    }
    // A door B does not own.
    const notOwned = await a.doors.command("B", {
      op: "open",
      door_id: DOOR_A,
      actor: { user_id: ADMIN, username: "admin" },
    });
    assert.equal(notOwned.status_code, 8);

    // A command past its deadline is dropped, whatever it says.
    const nc = await connect({ servers: [...nats.urls] });
    try {
      const late = await nc.request(
        names.commandSubject("B"),
        JSON.stringify({
          op: "set_mode",
          door_id: DOOR_B,
          mode: "unlocked",
          actor: { user_id: ADMIN, username: "admin" },
          deadline: Date.now() - 1,
          request_id: "late-1",
        }),
        { timeout: 5_000 },
      );
      const reply = late.json<{ status_code: number; status_string: string }>();
      assert.equal(reply.status_code, 6);
      assert.match(reply.status_string, /after its deadline and was dropped: nothing was done/);
      const malformed = await nc.request(names.commandSubject("B"), "{", { timeout: 5_000 });
      assert.equal(malformed.json<{ status_code: number }>().status_code, 4);
    } finally {
      await nc.close();
    }
    assert.equal(getDoor(db, DOOR_B)?.mode, "locked");
    assert.equal(
      doorRows(db, DOOR_B).length,
      rowsBefore,
      "refusals and late commands write nothing",
    );

    // door.status on A: its door, B's live one, and C's, known only from the database.
    const status = ok(await a.admin.request("door.status", { door_id: 0 })).doors as Record<
      string,
      unknown
    >[];
    assert.deepEqual(status.map((s) => [s.door_id, s.controller, s.online, s.mode ?? null]), [
      [DOOR_A, "A", true, "normal"],
      [DOOR_B, "B", true, "locked"],
      [DOOR_C, "C", false, null],
    ]);
    assert.equal(status[2]!.updated_at, null);
    const one = ok(await a.admin.request("door.status", { door_id: DOOR_B })).doors;
    assert.deepEqual(one.map((s: Record<string, unknown>) => s.door_id), [DOOR_B]);

    // C's controller is not in the site: a clear error, nothing waits 5 s.
    const started = performance.now();
    const toC = await a.admin.request("door.open", { door_id: DOOR_C });
    failed(toC, 1);
    assert.match(
      toC.status_string,
      /wired on controller C, which cannot be reached: it is not connected/,
    );
    assert.ok(performance.now() - started < 2_000);

    // B stops refreshing its doors (as if gone): past the stale limit A shows them offline.
    await b.doors.close();
    clockA.set(Date.now() + STALE_MS + 1);
    const stale = await a.doors.states();
    assert.equal(stale?.find((s) => s.door_id === DOOR_B)?.online, false);
    const offline = ok(await a.admin.request("door.status", { door_id: DOOR_B })).doors[0];
    assert.deepEqual([offline.controller, offline.online, offline.mode], ["B", false, "locked"]);
  },
});
