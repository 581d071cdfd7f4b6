/**
 * The real Leosac clients, replayed against our server: the Ember web UI
 * (../shared/protocol/leosac-web-client.md §1–§4: the message table of §3
 * with the exact content shapes the UI sends, and its page-load sequences),
 * the Python `leosacpy` client (leosac-ws-api.md §11.1) and the C#
 * `LeosacAPI` client (§11.2).
 *
 * Each Ember step sends what the UI's adapters send (every attribute present,
 * `null` for unset ones, module ids as strings, `owner_id: 0`, ...) and then
 * checks every field the UI reads, in the form ember-data needs: JSON:API
 * documents with dasherized keys and model type names the UI maps, status 11
 * errors as `[{detail, source: {pointer}}]`, and so on.
 */
import assert from "node:assert/strict";
import {
  createUserViaApi,
  startTestServer,
  TEST_ADMIN_PASSWORD,
  TestClient,
  type TestServer,
} from "../src/testing.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** JSON:API types the web client has a model for (§2, §4). */
const MODEL_TYPES = new Set([
  "user",
  "group",
  "user-group-membership",
  "rfid-card",
  "pin-code",
  "schedule",
  "schedule-mapping",
  "door",
  "zone",
  "access-point",
  "leosac-builtin-access-point",
  "access-point-update",
  "log-message",
  "piface-digital-gpio",
  "libgpiod-gpio",
  "led",
  "buzzer",
  "wiegand-reader",
]);

/** The audit types /auditlog reads (§4). */
const AUDIT_MODEL_TYPES = new Set([
  "audit-user-event",
  "audit-wsapicall-event",
  "audit-door-event",
  "audit-user-group-membership-event",
  "audit-schedule-event",
  "audit-credential-event",
  "audit-group-event",
  "audit-update-event",
  "audit-zone-event",
]);

/** What the /auditlog page sends as `enabled_type`. */
const AUDITLOG_ENABLED_TYPES = [
  "Leosac::Audit::WSAPICall",
  "Leosac::Audit::UserEvent",
  "Leosac::Audit::DoorEvent",
  "Leosac::Audit::CredentialEvent",
  "Leosac::Audit::ScheduleEvent",
  "Leosac::Audit::GroupEvent",
  "Leosac::Audit::UserGroupMembershipEvent",
  "Leosac::Audit::UpdateEvent",
  "Leosac::Audit::ZoneEvent",
];

const DASHERIZED = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** The pointers ember-data's `extractErrors` maps onto a record (or "" for a banner). */
const POINTER = /^\/?data\/(attributes|relationships)\/[A-Za-z][A-Za-z0-9-]*$/;

// --- The envelope, as the Ember websocket service reads it -----------------

/** Every reply: the five keys, uuid and type echoed, status_string "" on success. */
function checkEnvelope(reply: ServerMessage, uuid?: string): void {
  assert.deepEqual(Object.keys(reply).sort(), [
    "content",
    "status_code",
    "status_string",
    "type",
    "uuid",
  ]);
  assert.equal(typeof reply.status_code, "number");
  assert.equal(typeof reply.status_string, "string");
  if (uuid !== undefined) assert.equal(reply.uuid, uuid);
  if (reply.status_code === 0) assert.equal(reply.status_string, "");
  else assert.notEqual(reply.status_string, "", "the UI flashes status_string on errors");
  // leosacpy's _message_from_dict: string type and uuid; content a dict, a list or null.
  assert.equal(typeof reply.type, "string");
  assert.equal(typeof reply.uuid, "string");
  assert.ok(
    reply.content === null || typeof reply.content === "object",
    `content must be a dict, a list or null: ${JSON.stringify(reply.content)}`,
  );
}

/** The Ember UI's socket: Math.random uuids in 8-4-4-4-12 form, replies by uuid. */
class EmberSocket {
  readonly sent: string[] = [];
  private constructor(readonly client: TestClient) {}

  static async open(server: TestServer): Promise<EmberSocket> {
    return new EmberSocket(await TestClient.connect(server.wsUrl));
  }

  async send(type: string, content: unknown): Promise<ServerMessage> {
    this.sent.push(type);
    const reply = await this.client.request(type, content);
    checkEnvelope(reply);
    assert.equal(reply.type, type);
    return reply;
  }

  /** `sendJson` resolving: status 0, then the content. */
  async ok(type: string, content: unknown): Promise<Json> {
    const reply = await this.send(type, content);
    assert.equal(reply.status_code, 0, `${type}: ${JSON.stringify(reply)}`);
    return reply.content;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

// --- JSON:API as ember-data's JSONAPISerializer consumes it ---------------

function checkIdentifier(ref: Json, where: string): void {
  assert.equal(typeof ref, "object", where);
  assert.ok(ref !== null, where);
  assert.ok(
    (typeof ref.id === "number" && Number.isSafeInteger(ref.id)) ||
      (typeof ref.id === "string" && ref.id !== ""),
    `${where}: id ${JSON.stringify(ref.id)}`,
  );
  assert.ok(MODEL_TYPES.has(ref.type), `${where}: type ${JSON.stringify(ref.type)} has no model`);
}

/** One resource object: id, a mapped type, dasherized attributes, relationships with `data`. */
function checkResource(resource: Json, type?: string | string[]): void {
  checkIdentifier(resource, "resource");
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    assert.ok(types.includes(resource.type), `type ${resource.type}, expected ${types}`);
  }
  assert.equal(typeof resource.attributes, "object");
  for (const key of Object.keys(resource.attributes)) {
    assert.match(key, DASHERIZED, `attribute key ${key} of ${resource.type}`);
  }
  if (resource.relationships === undefined) return;
  for (const [key, rel] of Object.entries<Json>(resource.relationships)) {
    assert.match(key, DASHERIZED, `relationship key ${key} of ${resource.type}`);
    assert.ok(rel !== null && typeof rel === "object" && "data" in rel, `${key} needs data`);
    const data = rel.data;
    if (data === null) continue;
    if (Array.isArray(data)) data.forEach((r, i) => checkIdentifier(r, `${key}[${i}]`));
    else checkIdentifier(data, key);
  }
}

/** A single-record document `{data: {...}, included?: [...]}`. */
function checkDocument(content: Json, type: string | string[]): Json {
  assert.ok(content !== null && typeof content === "object" && !Array.isArray(content));
  assert.ok(!Array.isArray(content.data), "single record expected");
  checkResource(content.data, type);
  for (const r of content.included ?? []) checkResource(r);
  return content.data;
}

/** A list document `{data: [...]}`. */
function checkList(content: Json, type: string | string[]): Json[] {
  assert.ok(content !== null && typeof content === "object" && Array.isArray(content.data));
  for (const r of content.data) checkResource(r, type);
  for (const r of content.included ?? []) checkResource(r);
  return content.data;
}

/** A status 11 reply the form can show: errors[0] has `detail` and a matchable pointer. */
function checkModelError(reply: ServerMessage, pointer: string | RegExp): void {
  assert.equal(reply.status_code, 11, JSON.stringify(reply));
  const errors = (reply.content as Json)?.errors;
  assert.ok(Array.isArray(errors) && errors.length > 0, JSON.stringify(reply.content));
  for (const error of errors) {
    assert.equal(typeof error.detail, "string");
    assert.equal(typeof error.source?.pointer, "string");
    assert.ok(error.source.pointer === "" || POINTER.test(error.source.pointer));
  }
  if (typeof pointer === "string") assert.equal(errors[0].source.pointer, pointer);
  else assert.match(errors[0].source.pointer, pointer);
}

// --- What the UI's transforms send back --------------------------------------

/** The `utc` transform: read, clamp to [1800, 2100], send `moment.utc().format()`. */
function utcRoundTrip(value: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?([+-]\d\d):?(\d\d)$/.exec(value);
  assert.ok(m, `unparseable date ${value}`);
  let ms = Date.parse(`${m[1]}${m[2]}:${m[3]}`);
  if (Number.isNaN(ms)) ms = m[1]! < "1800" ? -Infinity : Infinity;
  const min = Date.parse("1800-01-01T00:00:00Z"), max = Date.parse("2100-01-01T00:00:00Z");
  ms = Math.min(Math.max(ms, min), max);
  return new Date(ms).toISOString().slice(0, 19) + "Z";
}

/** The user record as the user adapter serializes it for `user.update`. */
function userAttributesFromRecord(user: Json): Record<string, unknown> {
  const a = user.attributes;
  return {
    username: a.username,
    firstname: a.firstname,
    lastname: a.lastname,
    email: a.email ?? null,
    password: null,
    rank: a.rank,
    "validity-enabled": a["validity-enabled"],
    "validity-start": utcRoundTrip(a["validity-start"]),
    "validity-end": utcRoundTrip(a["validity-end"]),
    version: a.version,
  };
}

// --- Sessions and page loads ---------------------------------------------------

/** /login: `create_auth_token`, then `user.read {user_id}`; returns the stored token. */
async function login(
  server: TestServer,
  username = "admin",
  password = TEST_ADMIN_PASSWORD,
): Promise<{ token: string; userId: number; ws: EmberSocket }> {
  const ws = await EmberSocket.open(server);
  const version = await ws.ok("get_leosac_version", {});
  assert.equal(typeof version.version, "string");
  const auth = await ws.ok("create_auth_token", { username, password });
  assert.equal(auth.status, 0);
  assert.equal(typeof auth.user_id, "number");
  assert.equal(typeof auth.token, "string");
  const me = checkDocument(await ws.ok("user.read", { user_id: auth.user_id }), "user");
  assert.equal(String(me.id), String(auth.user_id));
  return { token: auth.token, userId: auth.user_id, ws };
}

/**
 * A full page load: a fresh socket, `get_leosac_version`,
 * `authenticate_with_token`, `user.read {me}`, `system_overview`.
 */
async function pageLoad(server: TestServer, token: string, userId: number): Promise<EmberSocket> {
  const ws = await EmberSocket.open(server);
  const version = await ws.ok("get_leosac_version", {});
  assert.equal(typeof version.version, "string");
  const auth = await ws.ok("authenticate_with_token", { token });
  assert.equal(auth.status, 0);
  assert.equal(auth.user_id, userId);
  assert.equal(typeof auth.username, "string");
  const me = checkDocument(await ws.ok("user.read", { user_id: auth.user_id }), "user");
  assert.equal(typeof me.attributes.rank, "number");
  const overview = await ws.ok("system_overview", {});
  assert.ok(Array.isArray(overview.modules));
  for (const m of overview.modules) assert.equal(typeof m, "string");
  assert.equal(typeof overview.instance_name, "string");
  assert.equal(typeof overview.config_version, "number");
  assert.equal(typeof overview.uptime, "number");
  return ws;
}

async function adminPage(server: TestServer): Promise<EmberSocket> {
  const { token, userId, ws } = await login(server);
  await ws.close();
  return await pageLoad(server, token, userId);
}

// --- Tests ------------------------------------------------------------------------

Deno.test("Ember: login, page load, failed login, logout and a dead token", async () => {
  await using server = await startTestServer();
  const bad = await EmberSocket.open(server);
  const failed = await bad.ok("create_auth_token", { username: "admin", password: "wrong" });
  assert.equal(failed.status, -1);
  assert.equal(typeof failed.message, "string");
  await bad.close();

  const { token, userId, ws } = await login(server);
  await ws.close();
  const page = await pageLoad(server, token, userId);
  // Logout: the UI ignores the reply content.
  await page.ok("logout", {});
  await page.close();
  const next = await EmberSocket.open(server);
  const dead = await next.ok("authenticate_with_token", { token });
  assert.equal(dead.status, -1, "the UI clears auth on a non-zero status");
  // Logged out: the model hooks' calls fail with PERMISSION_DENIED, which ws-error shows.
  assert.equal((await next.send("user.read", { user_id: userId })).status_code, 2);
  await next.close();
});

Deno.test("Ember /users: list, create with every attribute, profile updates", async () => {
  await using server = await startTestServer();
  const ws = await adminPage(server);
  checkList(await ws.ok("user.read", { user_id: 0 }), "user");

  // /users/create: every attribute, unset ones null; rank comes from the transform.
  const created = checkDocument(
    await ws.ok("user.create", {
      attributes: {
        username: "alice",
        firstname: "Alice",
        lastname: "Liddell",
        email: "alice@example.com",
        password: "alice-password-1",
        rank: 0,
        "validity-enabled": true,
        "validity-start": null,
        "validity-end": null,
        version: null,
      },
    }),
    "user",
  );
  assert.ok(created.id !== undefined && created.id !== null, "ember-data needs the new id");
  for (const key of ["username", "firstname", "lastname", "email", "validity-enabled"]) {
    assert.ok(key in created.attributes, key);
  }
  assert.equal(typeof created.attributes.rank, "number");
  assert.equal(typeof created.attributes.version, "number");
  assert.equal(typeof created.attributes["validity-start"], "string");
  assert.equal(typeof created.attributes["validity-end"], "string");
  for (const rel of ["memberships", "credentials", "schedules"]) {
    assert.ok(rel in created.relationships, rel);
  }
  // A create with no rank (the transform leaves it out) and null strings.
  checkDocument(
    await ws.ok("user.create", {
      attributes: {
        username: "bob",
        firstname: null,
        lastname: null,
        email: null,
        password: null,
        "validity-enabled": null,
        "validity-start": null,
        "validity-end": null,
        version: null,
      },
    }),
    "user",
  );
  // A duplicate username: a per-field error on username.
  checkModelError(
    await ws.send("user.create", {
      attributes: { username: "alice", firstname: null, lastname: null, email: null },
    }),
    /^\/?data\/attributes\/username$/,
  );

  // /profile/:id as the administrator: the record comes back through the utc transform.
  const alice = checkDocument(await ws.ok("user.read", { user_id: Number(created.id) }), "user");
  const edited = { ...userAttributesFromRecord(alice), firstname: "Alicia" };
  const update = await ws.send("user.update", { user_id: Number(created.id), attributes: edited });
  assert.equal(update.status_code, 0, JSON.stringify(update));
  const after = checkDocument(await ws.ok("user.read", { user_id: Number(created.id) }), "user");
  assert.equal(after.attributes.firstname, "Alicia");
  // The clamped dates mean "unbounded" again, not 1800 and 2100.
  assert.equal(after.attributes["validity-start"], alice.attributes["validity-start"]);
  assert.equal(after.attributes["validity-end"], alice.attributes["validity-end"]);

  // /profile/:id as a plain user editing their own (never edited) profile.
  await createUserViaApi(ws.client, "henry", 0, "henry-password-1");
  const own = await login(server, "henry", "henry-password-1");
  const self = checkDocument(await own.ws.ok("user.read", { user_id: own.userId }), "user");
  const mine = await own.ws.send("user.update", {
    user_id: own.userId,
    attributes: { ...userAttributesFromRecord(self), lastname: "L." },
  });
  assert.equal(mine.status_code, 0, JSON.stringify(mine));
  const henry = checkDocument(await own.ws.ok("user.read", { user_id: own.userId }), "user");
  assert.equal(henry.attributes.lastname, "L.");
  assert.equal(henry.attributes["validity-start"], self.attributes["validity-start"]);
  assert.equal(henry.attributes["validity-end"], self.attributes["validity-end"]);
  // password_change on /profile: current_password required for oneself.
  assert.equal(
    await own.ws.ok("password_change", {
      user_id: own.userId,
      current_password: "henry-password-1",
      new_password: "henry-password-2",
    }),
    null,
  );
  const wrong = await own.ws.send("password_change", {
    user_id: own.userId,
    current_password: "nope",
    new_password: "x-password",
  });
  assert.equal(wrong.status_code, 2);
  await own.ws.close();
  await ws.close();
});

Deno.test("Ember /groups: create, read, update, add and remove a member, delete", async () => {
  await using server = await startTestServer();
  const ws = await adminPage(server);
  const userId = await createUserViaApi(ws.client, "carol", 0);
  checkList(await ws.ok("group.read", { group_id: 0 }), "group");
  const group = checkDocument(
    await ws.ok("group.create", { attributes: { name: "Staff", description: null } }),
    "group",
  );
  const groupId = Number(group.id);
  assert.equal(typeof group.attributes.name, "string");
  assert.equal(typeof group.attributes.description, "string");
  assert.ok("memberships" in group.relationships && "schedules" in group.relationships);
  checkModelError(
    await ws.send("group.create", { attributes: { name: "Staff", description: null } }),
    /^\/?data\/attributes\/name$/,
  );
  checkModelError(
    await ws.send("group.create", { attributes: { name: "x", description: null } }),
    /^\/?data\/attributes\/name$/,
  );
  const updated = checkDocument(
    await ws.ok("group.update", {
      group_id: groupId,
      attributes: { name: "Staff2", description: "All staff" },
    }),
    "group",
  );
  assert.equal(updated.attributes.name, "Staff2");

  // "add user": rank from the group-rank transform, timestamp inside attributes.
  const membership = checkDocument(
    await ws.ok("user-group-membership.create", {
      attributes: { rank: 0, timestamp: null, group_id: groupId, user_id: userId },
    }),
    "user-group-membership",
  );
  assert.equal(typeof membership.attributes.rank, "number");
  assert.equal(typeof membership.attributes.timestamp, "number");
  assert.equal(String(membership.relationships.user.data.id), String(userId));
  assert.equal(membership.relationships.user.data.type, "user");
  assert.equal(String(membership.relationships.group.data.id), String(groupId));
  assert.equal(membership.relationships.group.data.type, "group");
  checkDocument(
    await ws.ok("user-group-membership.read", { membership_id: Number(membership.id) }),
    "user-group-membership",
  );
  const read = checkDocument(await ws.ok("group.read", { group_id: groupId }), "group");
  const ids = read.relationships.memberships.data.map((m: Json) => String(m.id));
  assert.ok(ids.includes(String(membership.id)));
  await ws.ok("user-group-membership.delete", { membership_id: Number(membership.id) });
  await ws.ok("group.delete", { group_id: groupId });
  await ws.close();
});

Deno.test("Ember /credentials: the list twice, rfid and pin create, update, delete", async () => {
  await using server = await startTestServer();
  const ws = await adminPage(server);
  const ownerId = await createUserViaApi(ws.client, "dave", 0);
  // /credentials/list: once through the rfid-card adapter, once through the pin-code one.
  checkList(await ws.ok("credential.read", { credential_id: 0 }), ["rfid-card", "pin-code"]);
  checkList(await ws.ok("credential.read", { credential_id: 0 }), ["rfid-card", "pin-code"]);

  const card = checkDocument(
    await ws.ok("credential.create", {
      "credential-type": "rfid-card",
      attributes: {
        alias: "Card1",
        description: null,
        "validity-enabled": true,
        "validity-start": null,
        "validity-end": null,
        version: null,
        owner_id: 0,
        "card-id": "aa:bb:cc:dd",
        "nb-bits": 32,
      },
    }),
    "rfid-card",
  );
  assert.equal(card.attributes["card-id"], "aa:bb:cc:dd");
  assert.equal(card.attributes["nb-bits"], 32);
  for (const key of ["alias", "description", "validity-enabled", "validity-start", "version"]) {
    assert.ok(key in card.attributes, key);
  }
  const pin = checkDocument(
    await ws.ok("credential.create", {
      "credential-type": "pin-code",
      attributes: {
        alias: "Pin1",
        description: null,
        "validity-enabled": true,
        "validity-start": null,
        "validity-end": null,
        version: null,
        owner_id: ownerId,
        code: "1234",
      },
    }),
    "pin-code",
  );
  assert.equal(typeof pin.attributes.code, "string");
  assert.equal(pin.relationships.owner.data.type, "user");
  assert.equal(String(pin.relationships.owner.data.id), String(ownerId));

  // Form errors the rfid form matches to its fields.
  checkModelError(
    await ws.send("credential.create", {
      "credential-type": "rfid-card",
      attributes: { alias: "Bad", owner_id: 0, "card-id": "nonsense", "nb-bits": 32 },
    }),
    /^\/?data\/attributes\/(cardId|card-id)$/,
  );

  // Credential pages: update with every attribute; dates through the utc transform.
  const read = checkDocument(
    await ws.ok("credential.read", { credential_id: Number(card.id) }),
    "rfid-card",
  );
  const a = read.attributes;
  const reply = await ws.send("credential.update", {
    credential_id: Number(card.id),
    attributes: {
      alias: "Card1b",
      description: a.description,
      "validity-enabled": a["validity-enabled"],
      "validity-start": utcRoundTrip(a["validity-start"]),
      "validity-end": utcRoundTrip(a["validity-end"]),
      version: a.version,
      owner_id: ownerId,
      "card-id": a["card-id"],
      "nb-bits": a["nb-bits"],
    },
  });
  assert.equal(reply.status_code, 0, JSON.stringify(reply));
  const after = checkDocument(
    await ws.ok("credential.read", { credential_id: Number(card.id) }),
    "rfid-card",
  );
  assert.equal(after.attributes.alias, "Card1b");
  assert.equal(after.attributes["validity-start"], a["validity-start"]);
  assert.equal(after.attributes["validity-end"], a["validity-end"]);
  assert.equal(String(after.relationships.owner.data.id), String(ownerId));
  // The pin form sends back the "" it read: the PIN stays.
  const pinUpdate = await ws.send("credential.update", {
    credential_id: Number(pin.id),
    attributes: { alias: "Pin1b", owner_id: 0, code: pin.attributes.code, version: 1 },
  });
  assert.equal(pinUpdate.status_code, 0, JSON.stringify(pinUpdate));
  // The owner's user record lists the credentials with their model types.
  const owner = checkDocument(await ws.ok("user.read", { user_id: ownerId }), "user");
  assert.deepEqual(owner.relationships.credentials.data, [{
    id: Number(card.id),
    type: "rfid-card",
  }]);
  await ws.ok("credential.delete", { credential_id: Number(card.id) });
  await ws.ok("credential.delete", { credential_id: Number(pin.id) });
  await ws.close();
});

Deno.test("Ember /schedules: create, update with mapping[].id, read with included mappings", async () => {
  await using server = await startTestServer();
  const ws = await adminPage(server);
  const userId = await createUserViaApi(ws.client, "erin", 0);
  const door = checkDocument(
    await ws.ok("door.create", {
      attributes: { alias: "Front", description: null, access_point_id: 0 },
    }),
    "door",
  );
  checkList(await ws.ok("schedule.read", { schedule_id: 0 }), "schedule");
  // A new schedule without timeframes: the transform sends null.
  const empty = checkDocument(
    await ws.ok("schedule.create", {
      attributes: { name: "Empty", description: null, timeframes: null },
    }),
    "schedule",
  );
  assert.ok(Array.isArray(empty.attributes.timeframes));
  const schedule = checkDocument(
    await ws.ok("schedule.create", {
      attributes: {
        name: "Office",
        description: "Office hours",
        timeframes: [
          { "start-time": "8:00", "end-time": "18:30", day: 0 },
          { "start-time": "8:00", "end-time": "18:30", day: 4 },
        ],
      },
    }),
    "schedule",
  );
  for (const tf of schedule.attributes.timeframes) {
    assert.equal(typeof tf.day, "number");
    assert.match(tf["start-time"], /^\d{1,2}:\d{1,2}$/);
    assert.match(tf["end-time"], /^\d{1,2}:\d{1,2}$/);
  }
  checkModelError(
    await ws.send("schedule.create", {
      attributes: { name: "x", description: null, timeframes: null },
    }),
    /^\/?data\/attributes\/name$/,
  );
  const scheduleId = Number(schedule.id);
  // A new mapping: its numericId is NaN, which JSON sends as null.
  const first = await ws.ok("schedule.update", {
    schedule_id: scheduleId,
    attributes: { name: "Office", description: "Office hours", timeframes: null },
    mapping: [{
      id: null,
      alias: "Staff",
      users: [userId],
      groups: [],
      credentials: [],
      doors: [Number(door.id)],
      zones: [],
    }],
  });
  const updated = checkDocument(first, "schedule");
  assert.ok(Array.isArray(first.included));
  const mapping = first.included.find((r: Json) => r.type === "schedule-mapping");
  assert.ok(mapping, "schedule-mapping in included");
  assert.equal(typeof mapping.attributes.alias, "string");
  for (const rel of ["users", "groups", "credentials", "doors", "zones"]) {
    assert.ok(Array.isArray(mapping.relationships[rel].data), rel);
  }
  assert.deepEqual(
    updated.relationships.mapping.data.map((m: Json) => String(m.id)),
    [String(mapping.id)],
  );
  // The schedules tab sends the existing mapping back with its id.
  const second = await ws.ok("schedule.update", {
    schedule_id: scheduleId,
    attributes: { name: "Office", description: "Office hours", timeframes: null },
    mapping: [{
      id: Number(mapping.id),
      alias: "Staff",
      users: [userId],
      groups: [],
      credentials: [],
      doors: [Number(door.id)],
      zones: [],
    }],
  });
  checkDocument(second, "schedule");
  const read = await ws.ok("schedule.read", { schedule_id: scheduleId });
  checkDocument(read, "schedule");
  assert.ok(read.included.some((r: Json) => r.type === "schedule-mapping"));
  // The user's schedules relationship now names it.
  const user = checkDocument(await ws.ok("user.read", { user_id: userId }), "user");
  assert.deepEqual(user.relationships.schedules.data, [{ id: scheduleId, type: "schedule" }]);
  await ws.ok("schedule.delete", { schedule_id: scheduleId });
  await ws.close();
});

Deno.test("Ember /doors, /access-points, /zones and /access-overview", async () => {
  await using server = await startTestServer();
  const ws = await adminPage(server);
  // /access-points/create (builtin).
  const ap = checkDocument(
    await ws.ok("access_point.create", {
      attributes: {
        alias: "AP1",
        description: null,
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        "authentication-backend": null,
      },
    }),
    "leosac-builtin-access-point",
  );
  assert.equal(ap.attributes["controller-module"], "LEOSAC-BUILTIN-ACCESS-POINT");
  checkList(await ws.ok("access_point.read", { access_point_id: 0 }), [
    "leosac-builtin-access-point",
    "access-point",
  ]);
  checkDocument(
    await ws.ok("access_point.update", {
      access_point_id: Number(ap.id),
      attributes: {
        alias: "AP1b",
        description: "door AP",
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        "authentication-backend": null,
      },
    }),
    "leosac-builtin-access-point",
  );

  // /doors/create with no access point, then /door/:id picks one.
  checkList(await ws.ok("door.read", { door_id: 0 }), "door");
  const door = checkDocument(
    await ws.ok("door.create", {
      attributes: { alias: "Front", description: null, access_point_id: 0 },
    }),
    "door",
  );
  const doorId = Number(door.id);
  const linked = checkDocument(
    await ws.ok("door.update", {
      door_id: doorId,
      attributes: { alias: "Front", description: "Main door", access_point_id: Number(ap.id) },
    }),
    "door",
  );
  assert.equal(linked.relationships["access-point"].data.type, "leosac-builtin-access-point");
  assert.equal(String(linked.relationships["access-point"].data.id), String(ap.id));
  // Saving the door again with the same access point works (Leosac refused it).
  checkDocument(
    await ws.ok("door.update", {
      door_id: doorId,
      attributes: { alias: "Front", description: "Main door", access_point_id: Number(ap.id) },
    }),
    "door",
  );
  const apRead = checkDocument(
    await ws.ok("access_point.read", { access_point_id: Number(ap.id) }),
    "leosac-builtin-access-point",
  );
  assert.equal(String(apRead.relationships.door.data.id), String(doorId));

  // /zones/create: no type (the transform drops it), doors and children lists.
  checkList(await ws.ok("zone.read", { zone_id: 0 }), "zone");
  const zone = checkDocument(
    await ws.ok("zone.create", {
      attributes: { alias: "Hall", description: null, doors: [doorId], children: [] },
    }),
    "zone",
  );
  assert.equal(zone.attributes.type, 1, "no type: a logical zone (1)");
  const child = checkDocument(
    await ws.ok("zone.create", {
      attributes: { alias: "Room", description: null, type: 1, doors: [], children: [] },
    }),
    "zone",
  );
  const zoneUpdate = checkDocument(
    await ws.ok("zone.update", {
      zone_id: Number(zone.id),
      attributes: {
        alias: "Hall",
        description: "Ground floor",
        type: 1,
        doors: [doorId],
        children: [Number(child.id)],
      },
    }),
    "zone",
  );
  assert.deepEqual(
    zoneUpdate.relationships.children.data.map((z: Json) => String(z.id)),
    [String(child.id)],
  );
  assert.deepEqual(
    zoneUpdate.relationships.doors.data.map((d: Json) => String(d.id)),
    [String(doorId)],
  );
  checkModelError(
    await ws.send("zone.create", {
      attributes: { alias: "Bad", description: null, type: 42, doors: [], children: [] },
    }),
    /^\/?data\/attributes\/type$/,
  );
  // Cycles are model-wide errors: pointer "" (the UI shows a banner).
  checkModelError(
    await ws.send("zone.update", {
      zone_id: Number(child.id),
      attributes: {
        alias: "Room",
        description: null,
        type: 1,
        doors: [],
        children: [Number(zone.id)],
      },
    }),
    "",
  );
  // The zone form's searches.
  const zones = await ws.ok("search.zone_alias", { partial_name: "o" });
  assert.ok(Array.isArray(zones));
  for (const z of zones) {
    assert.equal(typeof z.id, "number");
    assert.equal(typeof z.alias, "string");
  }
  const aps = await ws.ok("search.access_point_alias", { partial_name: "AP" });
  assert.deepEqual(aps, [{ id: Number(ap.id), alias: "AP1b" }]);

  // /access-overview: user.read 0, door.read 0, access_overview.
  const userId = await createUserViaApi(ws.client, "frank", 0);
  const schedule = checkDocument(
    await ws.ok("schedule.create", {
      attributes: { name: "Always", description: null, timeframes: null },
    }),
    "schedule",
  );
  await ws.ok("schedule.update", {
    schedule_id: Number(schedule.id),
    attributes: { name: "Always", description: null, timeframes: null },
    mapping: [{
      id: null,
      alias: "m",
      users: [userId],
      groups: [],
      credentials: [],
      doors: [doorId],
      zones: [],
    }],
  });
  await ws.close();
  const { token, userId: me } = await login(server);
  const page = await pageLoad(server, token, me);
  const users = checkList(await page.ok("user.read", { user_id: 0 }), "user");
  const doors = checkList(await page.ok("door.read", { door_id: 0 }), "door");
  const overview = await page.ok("access_overview", {});
  assert.ok(Array.isArray(overview));
  for (const row of overview) {
    assert.equal(typeof row.door_id, "number");
    assert.ok(Array.isArray(row.user_ids));
    for (const id of row.user_ids) assert.equal(typeof id, "number");
    // The page looks the ids up among the records it just loaded.
    assert.ok(doors.some((d) => Number(d.id) === row.door_id));
    for (const id of row.user_ids) assert.ok(users.some((u) => Number(u.id) === id));
  }
  assert.deepEqual(overview.find((r: Json) => r.door_id === doorId)?.user_ids, [userId]);
  assert.deepEqual(page.sent, [
    "get_leosac_version",
    "authenticate_with_token",
    "user.read",
    "system_overview",
    "user.read",
    "door.read",
    "access_overview",
  ]);
  await page.ok("zone.delete", { zone_id: Number(child.id) });
  await page.ok("door.delete", { door_id: doorId });
  await page.ok("access_point.delete", { access_point_id: Number(ap.id) });
  await page.close();
});

Deno.test("Ember device engines: libgpiod gpio, led, buzzer, wiegand reader, device pickers", async () => {
  await using server = await startTestServer();
  const ws = await adminPage(server);
  checkList(await ws.ok("libgpiod.gpio.read", { gpio_id: 0 }), "libgpiod-gpio");

  /** What the libgpiod gpio form serializes. */
  const gpioAttributes = (name: string, offset: number, direction: 0 | 1) => ({
    name,
    "device-class": null,
    enabled: true,
    number: null,
    direction,
    "default-value": false,
    device: "gpiochip0",
    offset,
    "interrupt-mode": "none",
  });
  const d0 = checkDocument(
    await ws.ok("libgpiod.gpio.create", { attributes: gpioAttributes("d0", 5, 0) }),
    "libgpiod-gpio",
  );
  assert.equal(typeof d0.id, "string");
  for (const key of ["name", "device-class", "enabled", "direction", "default-value"]) {
    assert.ok(key in d0.attributes, key);
  }
  assert.equal(d0.attributes.device, "gpiochip0");
  assert.equal(d0.attributes.offset, 5);
  assert.equal(d0.attributes["interrupt-mode"], "none");
  assert.equal(d0.attributes.direction, 0);
  const d1 = checkDocument(
    await ws.ok("libgpiod.gpio.create", { attributes: gpioAttributes("d1", 6, 0) }),
    "libgpiod-gpio",
  );
  const ledLine = checkDocument(
    await ws.ok("libgpiod.gpio.create", { attributes: gpioAttributes("ledline", 7, 1) }),
    "libgpiod-gpio",
  );
  const buzzerLine = checkDocument(
    await ws.ok("libgpiod.gpio.create", { attributes: gpioAttributes("buzline", 8, 1) }),
    "libgpiod-gpio",
  );
  checkModelError(
    await ws.send("libgpiod.gpio.create", { attributes: gpioAttributes("d0", 9, 0) }),
    /^\/?data\/attributes\/name$/,
  );
  // The detail page sends the string id from the URL, and the record's attributes.
  const gpioUpdate = checkDocument(
    await ws.ok("libgpiod.gpio.update", {
      gpio_id: d0.id,
      attributes: { ...d0.attributes, name: "D0", "interrupt-mode": "both" },
    }),
    "libgpiod-gpio",
  );
  assert.equal(gpioUpdate.attributes.name, "D0");
  checkDocument(await ws.ok("libgpiod.gpio.read", { gpio_id: d0.id }), "libgpiod-gpio");

  // led-buzzer engine: gpio_id as a string (or 0 when unset).
  const blink = { "device-class": null, enabled: true, "default-blink-duration": 2000 };
  const unwired = checkDocument(
    await ws.ok("led.create", {
      attributes: { name: "led0", ...blink, "default-blink-speed": 200, gpio_id: 0 },
    }),
    "led",
  );
  assert.equal(unwired.relationships.gpio.data, null);
  const led = checkDocument(
    await ws.ok("led.create", {
      attributes: { name: "led1", ...blink, "default-blink-speed": 200, gpio_id: ledLine.id },
    }),
    "led",
  );
  assert.deepEqual(led.relationships.gpio.data, { id: ledLine.id, type: "libgpiod-gpio" });
  assert.equal(led.attributes["default-blink-duration"], 2000);
  assert.equal(led.attributes["default-blink-speed"], 200);
  const buzzer = checkDocument(
    await ws.ok("buzzer.create", {
      attributes: { name: "buz1", ...blink, "default-blink-speed": 100, gpio_id: buzzerLine.id },
    }),
    "buzzer",
  );
  checkDocument(
    await ws.ok("led.update", {
      led_id: led.id,
      attributes: { name: "led1b", ...blink, "default-blink-speed": 300, gpio_id: ledLine.id },
    }),
    "led",
  );
  checkDocument(await ws.ok("led.read", { led_id: led.id }), "led");
  checkList(await ws.ok("led.read", { led_id: 0 }), "led");
  checkDocument(await ws.ok("buzzer.read", { buzzer_id: buzzer.id }), "buzzer");
  checkList(await ws.ok("buzzer.read", { buzzer_id: 0 }), "buzzer");

  // wiegand-reader engine: ids are strings, "0" when unset.
  const naked = checkDocument(
    await ws.ok("wiegand-reader.create", {
      attributes: {
        name: "reader0",
        "device-class": null,
        enabled: true,
        mode: "SIMPLE_WIEGAND",
        gpio_high_id: "0",
        gpio_low_id: "0",
        buzzer_id: "0",
        green_led_id: "0",
      },
    }),
    "wiegand-reader",
  );
  for (const rel of ["gpio-high", "gpio-low", "buzzer", "green-led"]) {
    assert.equal(naked.relationships[rel].data, null, rel);
  }
  const reader = checkDocument(
    await ws.ok("wiegand-reader.update", {
      reader_id: naked.id,
      attributes: {
        name: "reader1",
        "device-class": null,
        enabled: true,
        mode: "WIEGAND_PIN_4BITS",
        gpio_high_id: d1.id,
        gpio_low_id: d0.id,
        buzzer_id: buzzer.id,
        green_led_id: led.id,
      },
    }),
    "wiegand-reader",
  );
  assert.equal(reader.attributes.mode, "WIEGAND_PIN_4BITS");
  assert.deepEqual(reader.relationships["gpio-high"].data, { id: d1.id, type: "libgpiod-gpio" });
  assert.deepEqual(reader.relationships["gpio-low"].data, { id: d0.id, type: "libgpiod-gpio" });
  assert.deepEqual(reader.relationships.buzzer.data, { id: buzzer.id, type: "buzzer" });
  assert.deepEqual(reader.relationships["green-led"].data, { id: led.id, type: "led" });
  checkDocument(await ws.ok("wiegand-reader.read", { reader_id: reader.id }), "wiegand-reader");
  checkList(await ws.ok("wiegand-reader.read", { reader_id: 0 }), "wiegand-reader");

  // Device pickers: search.hardware_name `type` goes straight to findRecord.
  const found = await ws.ok("search.hardware_name", { partial_name: "" });
  assert.ok(Array.isArray(found));
  for (const item of found) {
    assert.equal(typeof item.id, "string");
    assert.equal(typeof item.name, "string");
    assert.equal(typeof item["device-class"], "number");
    assert.ok(MODEL_TYPES.has(item.type), `search type ${item.type} has no model`);
    // findRecord(type, id) then reads that id with the type's adapter.
    const message = {
      "libgpiod-gpio": ["libgpiod.gpio.read", "gpio_id"],
      "led": ["led.read", "led_id"],
      "buzzer": ["buzzer.read", "buzzer_id"],
      "wiegand-reader": ["wiegand-reader.read", "reader_id"],
    }[item.type as string];
    assert.ok(message, item.type);
    const doc = checkDocument(await ws.ok(message[0]!, { [message[1]!]: item.id }), item.type);
    assert.equal(doc.id, item.id);
  }
  assert.equal(found.length, 8, "4 gpios, 2 leds, 1 buzzer, 1 reader");

  // Deleting from the engines' lists (string ids).
  await ws.ok("wiegand-reader.delete", { reader_id: reader.id });
  await ws.ok("led.delete", { led_id: led.id });
  await ws.ok("buzzer.delete", { buzzer_id: buzzer.id });
  await ws.ok("libgpiod.gpio.delete", { gpio_id: d1.id });
  await ws.close();
});

Deno.test("Ember /auditlog, /system-overview logs, /updates, /settings", async () => {
  await using server = await startTestServer();
  const ws = await adminPage(server);
  // Some history of every kind, ours included (device, access point).
  await ws.ok("group.create", { attributes: { name: "Audited", description: null } });
  await ws.ok("libgpiod.gpio.create", {
    attributes: { name: "g", direction: 0, device: "gpiochip0", offset: 1 },
  });
  await ws.ok("access_point.create", {
    attributes: { alias: "a", "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT" },
  });
  await ws.ok("door.create", { attributes: { alias: "d", description: null, access_point_id: 0 } });
  await ws.ok("zone.create", { attributes: { alias: "z", doors: [], children: [] } });
  // WSAPICall rows are buffered (auditFlushMs) before each reply is sent: write them now.
  server.app.deps.audit.flush();

  const page = await ws.ok("audit.get", { enabled_type: AUDITLOG_ENABLED_TYPES, p: 1, ps: 5 });
  assert.equal(typeof page.meta.total_page, "number");
  assert.equal(typeof page.meta.count, "number");
  assert.equal(page.meta.total_page, Math.ceil(page.meta.count / 5));
  assert.ok(Array.isArray(page.data) && page.data.length === 5);
  const all = await ws.ok("audit.get", { enabled_type: AUDITLOG_ENABLED_TYPES, p: 1, ps: 1000 });
  assert.equal(all.data.length, all.meta.count);
  // store.pushPayload needs a model for every type on the page.
  for (const entry of all.data) {
    assert.ok(AUDIT_MODEL_TYPES.has(entry.type), `audit type ${entry.type} has no model`);
    assert.equal(typeof entry.attributes["event-mask"], "number");
    assert.equal(typeof entry.attributes.timestamp, "number");
    assert.equal(typeof entry.attributes.description, "string");
    assert.equal(typeof entry.attributes.finalized, "boolean");
    for (const key of Object.keys(entry.attributes)) assert.match(key, DASHERIZED);
    if (entry.relationships.author !== undefined) {
      assert.equal(entry.relationships.author.data.type, "user");
    }
    if (entry.type === "audit-wsapicall-event") {
      assert.equal(typeof entry.attributes.uuid, "string");
      assert.equal(typeof entry.attributes.method, "string");
    }
  }
  const ids = all.data.map((e: Json) => Number(e.id));
  assert.deepEqual(ids, ids.toSorted((a: number, b: number) => b - a), "newest first");
  for (const type of ["audit-group-event", "audit-door-event", "audit-zone-event"]) {
    assert.ok(all.data.some((e: Json) => e.type === type), type);
  }
  const page2 = await ws.ok("audit.get", { enabled_type: AUDITLOG_ENABLED_TYPES, p: 2, ps: 5 });
  assert.equal(page2.meta.count, page.meta.count);
  assert.equal(Number(page2.data[0].id) < Number(page.data[4].id), true);

  // /system-overview log panel (p, ps, sort) and a plain findAll ({}).
  for (const request of [{ p: 0, ps: 20, sort: "desc" }, {}]) {
    const logs = await ws.ok("get_logs", request);
    checkList(logs, "log-message");
    assert.equal(typeof logs.meta.total, "number");
    assert.equal(typeof logs.meta.last, "number");
    for (const m of logs.data) {
      assert.equal(typeof m.attributes.message, "string");
      assert.equal(typeof m.attributes.timestamp, "number");
    }
  }

  // /updates.
  const updates = await ws.ok("check_update", {});
  assert.ok(Array.isArray(updates));
  checkList(await ws.ok("get_pending_update", {}), "access-point-update");
  checkList(await ws.ok("get_update_history", {}), "access-point-update");

  // /settings: restart; the UI ignores the content.
  await ws.ok("restart", {});
  await ws.close();
});

Deno.test("Ember search.*: item shapes of every picker and the global search", async () => {
  await using server = await startTestServer();
  const ws = await adminPage(server);
  const userId = await createUserViaApi(ws.client, "grace", 0);
  const group = checkDocument(
    await ws.ok("group.create", { attributes: { name: "Searchers", description: null } }),
    "group",
  );
  const door = checkDocument(
    await ws.ok("door.create", {
      attributes: { alias: "SearchDoor", description: null, access_point_id: 0 },
    }),
    "door",
  );
  const zone = checkDocument(
    await ws.ok("zone.create", {
      attributes: { alias: "SearchZone", description: null, doors: [], children: [] },
    }),
    "zone",
  );
  const schedule = checkDocument(
    await ws.ok("schedule.create", {
      attributes: { name: "SearchSchedule", description: null, timeframes: null },
    }),
    "schedule",
  );
  const card = checkDocument(
    await ws.ok("credential.create", {
      "credential-type": "rfid-card",
      attributes: { alias: "SearchCard", owner_id: 0, "card-id": "01:02:03:04", "nb-bits": 32 },
    }),
    "rfid-card",
  );
  const pin = checkDocument(
    await ws.ok("credential.create", {
      "credential-type": "pin-code",
      attributes: { alias: "SearchPin", owner_id: 0, code: "4321" },
    }),
    "pin-code",
  );
  const search = (type: string) => ws.ok(`search.${type}`, { partial_name: "search" });
  assert.deepEqual(await search("group_name"), [{ id: Number(group.id), name: "Searchers" }]);
  assert.deepEqual(await search("door_alias"), [{ id: Number(door.id), alias: "SearchDoor" }]);
  assert.deepEqual(await search("zone_alias"), [{ id: Number(zone.id), alias: "SearchZone" }]);
  assert.deepEqual(await search("schedule_name"), [{
    id: Number(schedule.id),
    name: "SearchSchedule",
  }]);
  const users = await ws.ok("search.user_username", { partial_name: "grac" });
  assert.deepEqual(users, [{ id: userId, username: "grace" }]);
  // The global search maps "pincode" to pin-code and anything else to rfid-card.
  const credentials = await search("credential_alias");
  assert.deepEqual(credentials, [
    { id: Number(card.id), alias: "SearchCard", type: "rfid-card" },
    { id: Number(pin.id), alias: "SearchPin", type: "pin-code" },
  ]);
  // Nothing found: the global search skips null and [] alike; Leosac answers
  // null for zones, schedules and users, [] for the others.
  for (const type of ["group_name", "door_alias", "credential_alias", "access_point_alias"]) {
    assert.deepEqual(await ws.ok(`search.${type}`, { partial_name: "zzz-none" }), [], type);
  }
  for (const type of ["zone_alias", "schedule_name", "user_username"]) {
    assert.equal(await ws.ok(`search.${type}`, { partial_name: "zzz-none" }), null, type);
  }
  await ws.close();
});

Deno.test("Ember errors: status 8 content, flashes, ws-error codes, session_closed push", async () => {
  await using server = await startTestServer();
  const { token, userId } = await login(server);
  const a = await pageLoad(server, token, userId);
  const notFound = await a.send("user.read", { user_id: 999 });
  assert.equal(notFound.status_code, 8);
  assert.deepEqual(notFound.content, { entity_id: "999", entity_type: "user" });
  assert.match(notFound.status_string, /^\[[^\]]+\]: /);
  const unknown = await a.send("module.smtp.getconfig", {});
  assert.equal(unknown.status_code, 5);
  const pfd = await a.send("pfdigital.gpio.read", { gpio_id: 0 });
  assert.equal(pfd.status_code, 5, "no piface module: the engine is not listed either");
  const overview = await a.ok("system_overview", {});
  assert.ok(!overview.modules.some((m: string) => /PIFACE|SMTP/.test(m)));

  // Another page of the same user changes the password: the first page gets the push.
  const b = await pageLoad(server, token, userId);
  await b.ok("password_change", {
    user_id: userId,
    current_password: TEST_ADMIN_PASSWORD,
    new_password: "new-admin-password-1",
  });
  const push = await a.client.nextUnsolicited((m) => m.type === "session_closed");
  checkEnvelope(push, "");
  assert.equal(push.status_code, 0);
  assert.equal(typeof (push.content as Json).reason, "string");
  // The closed page's next call fails; the UI then sends the user to /login.
  const after = await a.send("user.read", { user_id: userId });
  assert.notEqual(after.status_code, 0);
  await a.close();
  await b.close();
});

// --- Python leosacpy (§11.1) ------------------------------------------------------

/** A leosacpy LowLevelWSClient: uuid4().hex ids, `_message_from_dict` on every frame. */
class PythonClient {
  private constructor(readonly socket: WebSocket, readonly frames: Json[]) {}

  static async connect(url: string): Promise<PythonClient> {
    const socket = new WebSocket(url.replace(/\/websocket$/, "/"));
    const frames: Json[] = [];
    socket.addEventListener("message", (e) => frames.push(JSON.parse(e.data as string)));
    await new Promise((resolve) => socket.addEventListener("open", resolve, { once: true }));
    return new PythonClient(socket, frames);
  }

  /** `_message_from_dict`: string type and uuid, content dict / list / null (→ {}). */
  static messageFromDict(frame: Json): { type: string; uuid: string; content: Json } {
    assert.equal(typeof frame.type, "string");
    assert.equal(typeof frame.uuid, "string");
    assert.equal(typeof frame.status_code, "number");
    const c = frame.content;
    assert.ok(c === null || Array.isArray(c) || typeof c === "object");
    return { type: frame.type, uuid: frame.uuid, content: c ?? {} };
  }

  async reqRep(type: string, content: unknown): Promise<Json> {
    const uuid = crypto.randomUUID().replaceAll("-", "");
    const reply = this.#reply(type, uuid);
    this.socket.send(JSON.stringify({ type, content, uuid }));
    const frame = await reply;
    PythonClient.messageFromDict(frame);
    return frame;
  }

  /** The frame answering `uuid`, taken out of `frames` when its message event fires. */
  #reply(type: string, uuid: string): Promise<Json> {
    return new Promise((resolve, reject) => {
      const onMessage = (): void => {
        // Registered after connect()'s listener, so the frame is already in `frames`.
        const index = this.frames.findIndex((f) => f.uuid === uuid);
        if (index < 0) return;
        stop();
        resolve(this.frames.splice(index, 1)[0]);
      };
      const onClose = (): void => {
        stop();
        reject(new Error(`no reply to ${type}: the socket closed`));
      };
      const stop = (): void => {
        this.socket.removeEventListener("message", onMessage);
        this.socket.removeEventListener("close", onClose);
      };
      this.socket.addEventListener("message", onMessage);
      this.socket.addEventListener("close", onClose);
    });
  }

  close(): void {
    this.socket.close();
  }
}

Deno.test("leosacpy: get_version, authenticate, zone_create, zone_edit, restart", async () => {
  await using server = await startTestServer();
  const py = await PythonClient.connect(server.wsUrl);
  const version = await py.reqRep("get_leosac_version", {});
  assert.equal(PythonClient.messageFromDict(version).content.version_short, "0.8.0");
  const auth = await py.reqRep("create_auth_token", {
    username: "admin",
    password: TEST_ADMIN_PASSWORD,
  });
  assert.equal(auth.status_code, 0);
  assert.equal(auth.content.status, 0);
  const zones = await py.reqRep("zone.read", { zone_id: 0 });
  assert.equal(zones.content.data.length, 0);
  const empty = await py.reqRep("search.zone_alias", { partial_name: "%" });
  assert.equal(Object.keys(PythonClient.messageFromDict(empty).content).length, 0);
  const created = await py.reqRep("zone.create", {
    attributes: {
      alias: "My Zone",
      type: 0,
      description: "A very nice zone",
      doors: [],
      children: [],
    },
  });
  assert.equal(created.status_code, 0);
  const zoneId = created.content.data.id;
  const edited = await py.reqRep("zone.update", {
    zone_id: zoneId,
    attributes: { alias: "My Zone 2", type: 1, description: "", doors: [], children: [] },
  });
  assert.equal(edited.status_code, 0);
  const read = await py.reqRep("zone.read", { zone_id: 0 });
  assert.equal(read.content.data[0].attributes.alias, "My Zone 2");
  assert.equal(read.content.data[0].attributes.type, 1);
  const audit = await py.reqRep("audit.get", {
    p: 1,
    ps: 25,
    enabled_types: ["Leosac::Audit::WSAPICall"],
  });
  assert.equal(audit.status_code, 0);
  const restart = await py.reqRep("restart", {});
  assert.equal(restart.status_code, 0);
  // Every frame the client saw parsed.
  for (const f of py.frames) PythonClient.messageFromDict(f);
  py.close();
});

// --- C# LeosacAPI (§11.2) ----------------------------------------------------------

/** The C# client: skips frames with an empty uuid and status 0; empty uuid + error is an error. */
class CSharpClient {
  private constructor(readonly client: TestClient) {}

  static async connect(url: string): Promise<CSharpClient> {
    return new CSharpClient(await TestClient.connect(url.replace(/\/websocket$/, "")));
  }

  async send(type: string, content: unknown): Promise<ServerMessage> {
    const reply = await this.client.request(type, content);
    checkEnvelope(reply);
    for (const frame of this.client.unsolicited) {
      assert.ok(frame.uuid === "" && frame.status_code === 0, JSON.stringify(frame));
    }
    return reply;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

Deno.test("LeosacSharp: login, bad login, password changes closing the other sessions", async () => {
  await using server = await startTestServer();
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => CSharpClient.connect(server.wsUrl)));
  const bad = await a!.send("create_auth_token", { username: "admin", password: "wrong" });
  assert.equal(bad.status_code, 0);
  assert.equal((bad.content as Json).status, -1);
  for (const client of [a!, b!, c!]) {
    const ok = await client.send("create_auth_token", {
      username: "admin",
      password: TEST_ADMIN_PASSWORD,
    });
    assert.equal((ok.content as Json).status, 0);
    assert.equal((ok.content as Json).user_id, 1);
  }
  const failure = await a!.send("password_change", {
    user_id: 1,
    current_password: "wrong_old_password",
    new_password: "toto",
  });
  assert.equal(failure.status_code, 2);
  const success = await a!.send("password_change", {
    user_id: 1,
    current_password: TEST_ADMIN_PASSWORD,
    new_password: "toto-password",
  });
  assert.equal(success.status_code, 0);
  // B and C got session_closed (uuid "", status 0: skipped) and lost their rights.
  await b!.client.nextUnsolicited((m) => m.type === "session_closed");
  await c!.client.nextUnsolicited((m) => m.type === "session_closed");
  for (const client of [b!, c!]) {
    const denied = await client.send("password_change", {
      user_id: 1,
      current_password: "toto-password",
      new_password: "x-password",
    });
    assert.equal(denied.status_code, 2);
  }
  const again = await a!.send("password_change", {
    user_id: 1,
    current_password: "toto-password",
    new_password: "toto-password-2",
  });
  assert.equal(again.status_code, 0);
  const calls = await a!.send("audit.get", {
    p: 1,
    ps: 100,
    enabled_type: ["Leosac::Audit::WSAPICall"],
  });
  const methods = (calls.content as Json).data.map((e: Json) => e.attributes.method);
  assert.ok(methods.includes("create_auth_token"));
  await Promise.all([a!, b!, c!].map((x) => x.close()));
});
