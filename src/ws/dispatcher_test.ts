import assert from "node:assert/strict";
import { FakeClock } from "../clock.ts";
import { STATUS } from "../errors.ts";
import { createHoliday, listHolidays } from "../store/holidays.ts";
import { openStore, type Store } from "../store/store.ts";
import { createUser, USER_RANK } from "../store/users.ts";
import { createToken } from "../store/tokens.ts";
import { AuditWriter } from "./audit_writer.ts";
import { Dispatcher, type DispatchSession } from "./dispatcher.ts";
import { type AnyEndpoint, defineEndpoint } from "./endpoint.ts";
import { EventHub } from "./event_hub.ts";
import { LoginLimiter } from "./login_limiter.ts";
import { sqlRelations } from "./permissions.ts";
import type { ServerMessage } from "./protocol.ts";
import { SessionRegistry } from "./registry.ts";
import { endpointTable } from "./router.ts";
import { SessionAuth } from "./session_auth.ts";
import { ignored } from "./validate.ts";

interface World {
  store: Store;
  clock: FakeClock;
  reloads: string[];
  session: DispatchSession;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

/** A dispatcher over `endpoints`, a logged-in administrator session, a fake controller port. */
async function world(endpoints: readonly AnyEndpoint[]): Promise<World> {
  const dir = await Deno.makeTempDir();
  const store = openStore(dir);
  const clock = new FakeClock();
  const reloads: string[] = [];
  const events = new EventHub();
  const audit = new AuditWriter(store.db);
  const dispatcher = new Dispatcher(
    {
      store,
      clock,
      audit,
      relations: sqlRelations(store.db),
      controller: {
        simulated: true,
        request: (message) => {
          reloads.push(message.type);
          return Promise.resolve(null);
        },
      },
      services: {
        logins: new LoginLimiter(),
        sessions: new SessionRegistry(),
        events,
        system: { instanceName: "test", startedAt: clock.now(), requestRestart: () => {} },
        site: null,
      },
    },
    1000,
    endpointTable(endpoints),
  );
  const admin = createUser(store.db, { username: "ada", rank: USER_RANK.ADMIN });
  const { record } = createToken(store.db, admin.id, clock.now());
  const auth = new SessionAuth(store.db);
  auth.login(admin.id, admin.rank, {
    tokenHash: record.tokenHash,
    username: admin.username,
    expiresAt: record.expiresAt,
    validity: admin.validity,
  });
  const session: DispatchSession = {
    id: "s1",
    remote: "127.0.0.1:1",
    remoteAddress: "127.0.0.1",
    auth,
    get actor() {
      return auth.actor;
    },
    get tokenHash() {
      return auth.tokenHash;
    },
    login: (userId, rank, token) => auth.login(userId, rank, token),
    logout: () => auth.logout(),
    subscribe: () => {},
  };
  return {
    store,
    clock,
    reloads,
    session,
    dispatcher,
    async close() {
      audit.close();
      store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function call(w: World, type: string): Promise<ServerMessage> {
  return await w.dispatcher.dispatch({ type, uuid: "u1", content: {} }, w.session);
}

Deno.test("Dispatcher: a handler that overruns gets TIMEOUT and cannot commit afterwards", async () => {
  let release!: () => void;
  const slow = new Promise<void>((resolve) => release = resolve);
  let committed: unknown = "not attempted";
  const slowWrite = defineEndpoint({
    names: ["test.slow_write"],
    session: "required",
    permission: { action: "HOLIDAY_WRITE" },
    access: "write",
    scope: "local",
    audit: "always",
    wiring: false,
    decode: ignored,
    async handle(ctx) {
      await slow;
      try {
        ctx.transaction(() =>
          createHoliday(ctx.store.db, { date: "2030-01-01", name: "late", recurring: false })
        );
        committed = true;
      } catch (error) {
        committed = error;
        throw error;
      }
      return null;
    },
  });
  const w = await world([slowWrite]);
  try {
    const reply = call(w, "test.slow_write");
    w.clock.advance(1000);
    assert.equal((await reply).status_code, STATUS.TIMEOUT);
    release();
    await slow;
    await Promise.resolve();
    assert.ok(committed instanceof Error, `the late write must be refused, got ${committed}`);
    assert.deepEqual(listHolidays(w.store.db), [], "nothing was written after the TIMEOUT");
  } finally {
    await w.close();
  }
});

Deno.test("Dispatcher: a by-handler endpoint that never checks its permission is an internal error", async () => {
  const forgetful = defineEndpoint({
    names: ["test.forgetful"],
    session: "required",
    permission: { action: "DOOR_READ", byHandler: true },
    access: "read",
    audit: "failures",
    wiring: false,
    decode: ignored,
    handle: () => ({ secret: true }),
  });
  const careful = defineEndpoint({
    names: ["test.careful"],
    session: "required",
    permission: { action: "DOOR_READ", byHandler: true },
    access: "read",
    audit: "failures",
    wiring: false,
    decode: ignored,
    handle: (ctx) => ({ allowed: ctx.can("DOOR_READ", { doorId: 1 }) }),
  });
  const w = await world([forgetful, careful]);
  try {
    const bad = await call(w, "test.forgetful");
    assert.equal(bad.status_code, STATUS.GENERAL_FAILURE);
    assert.equal(bad.content, null, "the unchecked reply content is never sent");
    const good = await call(w, "test.careful");
    assert.equal(good.status_code, STATUS.SUCCESS);
    assert.deepEqual(good.content, { allowed: true });
  } finally {
    await w.close();
  }
});

Deno.test("Dispatcher: only successful wiring writes make the controller reload", async () => {
  const decl = (name: string, wiring: boolean, fail: boolean) =>
    defineEndpoint({
      names: [name],
      session: "required",
      permission: { action: "HARDWARE_WRITE" },
      access: "write",
      scope: "local",
      audit: "always",
      wiring,
      decode: ignored,
      handle() {
        if (fail) throw new Error("boom");
        return null;
      },
    });
  const w = await world([
    decl("test.wiring", true, false),
    decl("test.wiring_fails", true, true),
    decl("test.other", false, false),
  ]);
  try {
    assert.equal((await call(w, "test.other")).status_code, STATUS.SUCCESS);
    assert.equal((await call(w, "test.wiring_fails")).status_code, STATUS.GENERAL_FAILURE);
    assert.deepEqual(w.reloads, []);
    assert.equal((await call(w, "test.wiring")).status_code, STATUS.SUCCESS);
    assert.deepEqual(w.reloads, ["reload"]);
  } finally {
    await w.close();
  }
});

Deno.test("Dispatcher: the declared permission is checked before the content is decoded", async () => {
  let decoded = false;
  const adminOnly = defineEndpoint({
    names: ["test.restart"],
    session: "required",
    permission: { action: "RESTART" },
    access: "write",
    scope: "local",
    audit: "always",
    wiring: false,
    decode: (value: unknown) => {
      decoded = true;
      return value;
    },
    handle: () => null,
  });
  const w = await world([adminOnly]);
  try {
    w.session.auth.logout();
    const loggedOut = await call(w, "test.restart");
    assert.equal(loggedOut.status_code, STATUS.PERMISSION_DENIED);
    assert.equal(decoded, false);
  } finally {
    await w.close();
  }
});
