/**
 * Fixtures of the site tests (`site_test.ts`, `site_permissions_test.ts`):
 * controller processes (`main.ts serve --site …`) on simulated hardware,
 * each wiring its own door, and what a test reads back from their SQLite
 * files; and an in-process {@linkcode SiteLink} for the tests of one part
 * (`site_events_test.ts`, `site_policy_apply_test.ts`) and the `--site`
 * setting behind it (`site_join_test.ts`).
 *
 * @module
 */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { adminClient, ok, ServerProcess } from "./_crash_fixtures.ts";
import type { NatsCluster } from "./_nats.ts";
import type { TestClient } from "../src/testing.ts";
import { cardIdHex, encodeCard, H10301 } from "../src/hardware/wiegand/formats.ts";
import { SiteLink } from "../src/site/link.ts";
import type { SiteSetting } from "../src/cli/site_flags.ts";

/** The `--site` setting of controller `controller` in site `siteName` on `nats`, without credentials or TLS. */
export function siteSetting(nats: NatsCluster, siteName: string, controller: string): SiteSetting {
  return {
    servers: [...nats.urls],
    controller,
    siteName,
    credsFile: null,
    user: null,
    tlsCaFile: null,
  };
}

/** A link of controller `controller` to site `siteName` on `nats` ({@linkcode siteSetting}). */
export function siteLinkTo(nats: NatsCluster, siteName: string, controller: string): SiteLink {
  return new SiteLink(siteSetting(nats, siteName, controller));
}

/** Every day, all day (a schedule's timeframes). */
export const ALL_WEEK = [0, 1, 2, 3, 4, 5, 6].map((day) => ({
  day,
  "start-time": "00:00",
  "end-time": "23:59",
}));

export interface Controller {
  name: string;
  dir: string;
  server: ServerProcess;
  admin: TestClient;
  reader: string;
  door: number;
}

export async function startController(
  cluster: NatsCluster,
  root: string,
  name: string,
  servers: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<{ server: ServerProcess; admin: TestClient; dir: string }> {
  const dir = join(root, name);
  const server = await ServerProcess.start(dir, [
    "--site",
    servers,
    "--controller",
    name,
    ...extra,
  ], env);
  const admin = await adminClient(server);
  void cluster;
  return { server, admin, dir };
}

/** Wires one door on `admin`'s controller (its own devices), returns the reader's name and the door. */
export async function wireDoor(
  admin: TestClient,
  name: string,
): Promise<{ reader: string; door: number }> {
  const gpio = async (suffix: string, offset: number, direction: 0 | 1): Promise<string> =>
    ok(
      await admin.request("gpio.create", {
        attributes: {
          name: `${name}-${suffix}`,
          "device-class": 1,
          enabled: true,
          offset,
          direction,
        },
      }),
    ).data.id;
  const d0 = await gpio("d0", 0, 0);
  const d1 = await gpio("d1", 1, 0);
  const strike = await gpio("strike", 2, 1);
  const reader = `${name}-reader`;
  const readerId = ok(
    await admin.request("wiegand-reader.create", {
      attributes: { name: reader, mode: "SIMPLE_WIEGAND", gpio_low_id: d0, gpio_high_id: d1 },
    }),
  ).data.id;
  const ap = ok(
    await admin.request("access_point.create", {
      attributes: {
        alias: `${name}-ap`,
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        reader: readerId,
        "reader-mode": "card",
      },
    }),
  ).data.id;
  const door = ok(
    await admin.request("door.create", {
      attributes: {
        alias: `${name}-door`,
        access_point_id: ap,
        "strike-gpio": strike,
        "unlock-duration": 200,
      },
    }),
  ).data.id;
  return { reader, door };
}

/** Presents card 12/`number` on `reader` and returns the decision the controller recorded. */
export async function present(c: Controller, number: number): Promise<boolean> {
  const before = lastAccessId(c);
  ok(
    await c.admin.request("hardware.simulate", {
      action: "card",
      reader: c.reader,
      format: "H10301",
      facility: 12,
      number,
      instant: true,
    }),
  );
  const deadline = Date.now() + 5_000;
  for (;;) {
    const row = lastAccess(c);
    if (row !== null && row.id > before) return row.granted;
    if (Date.now() > deadline) throw new Error(`${c.name}: no access decision recorded`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function lastAccess(c: Controller): { id: number; granted: boolean } | null {
  return readLastAccess(join(c.dir, "leosac.db"));
}

export function lastAccessId(c: Controller): number {
  return lastAccess(c)?.id ?? 0;
}

export function readLastAccess(path: string): { id: number; granted: boolean } | null {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const row = db.prepare(
      "SELECT id, data FROM audit_events WHERE kind = 'Leosac::Audit::AuthEvent' ORDER BY id DESC LIMIT 1",
    ).get();
    if (row === undefined) return null;
    return { id: Number(row.id), granted: JSON.parse(String(row.data)).granted === true };
  } finally {
    db.close();
  }
}

export function count(c: Controller, sql: string, ...args: (string | number)[]): number {
  const db = new DatabaseSync(join(c.dir, "leosac.db"), { readOnly: true });
  try {
    return Number(Object.values(db.prepare(sql).get(...args) ?? { n: 0 })[0]);
  } finally {
    db.close();
  }
}

export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until `x` has applied everything `writer` had applied (the writer's replies came after). */
export async function caughtUp(x: Controller, writer: Controller, ms = 15_000): Promise<void> {
  const seq = Number(count(writer, "SELECT applied_seq FROM site_state"));
  await until(
    `${x.name} at ${writer.name}'s sequence ${seq}`,
    () => Number(count(x, "SELECT applied_seq FROM site_state")) >= seq,
    ms,
  );
}

export async function createCardholder(
  admin: TestClient,
  username: string,
  number: number,
  doors: number[],
): Promise<{ userId: number; card: number }> {
  const userId = ok(await admin.request("user.create", { attributes: { username } })).data.id;
  const frame = encodeCard(H10301, 12, number);
  const card = ok(
    await admin.request("credential.create", {
      "credential-type": "rfid-card",
      attributes: {
        alias: `${username}-card`,
        owner_id: userId,
        "card-id": cardIdHex(frame.bits, frame.nbBits),
        "nb-bits": 26,
      },
    }),
  ).data.id;
  const schedule = ok(
    await admin.request("schedule.create", {
      attributes: { name: `${username}-always`, timeframes: ALL_WEEK },
    }),
  ).data.id;
  ok(
    await admin.request("schedule.update", {
      schedule_id: schedule,
      attributes: { name: `${username}-always`, timeframes: ALL_WEEK },
      mapping: [{
        alias: username,
        users: [userId],
        groups: [],
        credentials: [],
        doors,
        zones: [],
      }],
    }),
  );
  return { userId: userId as number, card: card as number };
}
