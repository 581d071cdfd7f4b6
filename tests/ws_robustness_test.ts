/**
 * Robustness of the WebSocket API: random bytes, random text, truncated
 * JSON, wrong types in the envelope and in the content of every endpoint,
 * frames over the size limit and floods never crash the server, never block
 * other sessions, and always produce a valid envelope or a close. Nothing may
 * end as "Internal error." (an unvalidated input).
 *
 * Random inputs come from a seeded PRNG (SEED below): a failure names the
 * request that caused it and reproduces with the same seed.
 */
import assert from "node:assert/strict";
import { STATUS } from "../src/errors.ts";
import { startTestServer, TestClient, type TestServer } from "../src/testing.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";
import { ENDPOINTS } from "../src/ws/router.ts";
import { DEFAULT_SESSION_LIMITS } from "../src/ws/session.ts";

const SEED = 0x5eed_1e05;

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(length: number): Uint8Array {
    return Uint8Array.from({ length }, () => this.int(256));
  }
  /** Random text: JSON punctuation, ASCII, control characters, BMP and astral code points. */
  text(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) {
      const kind = this.int(5);
      if (kind === 0) out += this.pick(["{", "}", "[", "]", '"', ":", ",", "\\", "0", "-", "e"]);
      else if (kind === 1) out += String.fromCharCode(32 + this.int(95));
      else if (kind === 2) out += String.fromCharCode(this.int(32));
      else if (kind === 3) out += String.fromCharCode(0xa0 + this.int(0xd7ff - 0xa0));
      else out += String.fromCodePoint(0x10000 + this.int(0xfffff));
    }
    return out;
  }
}

const ENVELOPE_KEYS = ["content", "status_code", "status_string", "type", "uuid"];

/** Why `data` is not a valid reply envelope, or null when it is. */
function envelopeProblem(data: unknown): string | null {
  if (typeof data !== "string") return "binary frame from the server";
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return `not JSON: ${data.slice(0, 100)}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not an object";
  const m = value as Record<string, unknown>;
  if (JSON.stringify(Object.keys(m).sort()) !== JSON.stringify(ENVELOPE_KEYS)) {
    return `keys ${Object.keys(m)}`;
  }
  if (typeof m.type !== "string" || typeof m.uuid !== "string") return "type/uuid not strings";
  if (!Number.isInteger(m.status_code)) return "status_code not an integer";
  if (typeof m.status_string !== "string") return "status_string not a string";
  return null;
}

/** A WebSocket client that checks every frame it receives and counts them. */
class RawClient implements AsyncDisposable {
  readonly socket: WebSocket;
  readonly frames: ServerMessage[] = [];
  readonly problems: string[] = [];
  readonly closed: Promise<CloseEvent>;
  closeEvent: CloseEvent | null = null;
  #wake: (() => void) | null = null;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    this.closed = new Promise((resolve) =>
      socket.addEventListener("close", (event) => {
        this.closeEvent = event;
        this.#wake?.();
        resolve(event);
      })
    );
    socket.addEventListener("message", (event) => {
      const problem = envelopeProblem(event.data);
      if (problem !== null) this.problems.push(problem);
      else this.frames.push(JSON.parse(event.data as string) as ServerMessage);
      this.#wake?.();
    });
  }

  static async connect(url: string): Promise<RawClient> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error("WebSocket failed to open")), {
        once: true,
      });
    });
    return new RawClient(socket);
  }

  send(data: string | Uint8Array): void {
    this.socket.send(data);
  }

  /** Sends a request and returns its uuid. */
  request(type: string, content: unknown): string {
    const uuid = crypto.randomUUID();
    this.socket.send(JSON.stringify({ type, uuid, content }));
    return uuid;
  }

  /** Waits until `count` frames arrived in total (or the socket closed); false on timeout. */
  async waitFrames(count: number, timeoutMs = 20_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length + this.problems.length < count && this.closeEvent === null) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, remaining);
      });
      clearTimeout(timer);
      this.#wake = null;
    }
    return this.frames.length + this.problems.length >= count;
  }

  /** Sends frames in batches below the mailbox depth and returns one reply per frame. */
  async exchange(frames: readonly (string | Uint8Array)[], batch = 32): Promise<ServerMessage[]> {
    const start = this.frames.length;
    for (let i = 0; i < frames.length; i += batch) {
      const chunk = frames.slice(i, i + batch);
      for (const frame of chunk) this.send(frame);
      const arrived = await this.waitFrames(start + i + chunk.length);
      assert.ok(
        arrived,
        `no reply to frames ${i}..${i + chunk.length} (closed: ${this.closeEvent?.code})`,
      );
    }
    assert.deepEqual(this.problems, [], "invalid envelopes");
    return this.frames.slice(start);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close();
    if (this.socket.readyState !== WebSocket.CLOSED) await this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function assertAnonymousMalformed(replies: readonly ServerMessage[], what: string): void {
  for (const [i, reply] of replies.entries()) {
    assert.equal(reply.status_code, 4, `${what} #${i}: ${JSON.stringify(reply)}`);
    assert.equal(reply.uuid, "", `${what} #${i}`);
    assert.equal(reply.type, "", `${what} #${i}`);
  }
}

/** One round trip of get_leosac_version on `client`, in ms. */
async function versionRoundTrip(client: TestClient): Promise<number> {
  const started = performance.now();
  const reply = await client.request("get_leosac_version");
  assert.equal(reply.status_code, 0);
  return performance.now() - started;
}

async function assertHealthy(server: TestServer): Promise<void> {
  const response = await fetch(server.url + "healthz");
  assert.equal(response.status, 200);
  assert.equal((await response.json()).status, "ok");
}

Deno.test("random binary frames and random text get MALFORMED with empty uuid and type", async () => {
  await using server = await startTestServer();
  await using client = await RawClient.connect(server.wsUrl);
  const random = new Random(SEED);
  const binary = Array.from({ length: 150 }, () => random.bytes(random.int(2048)));
  assertAnonymousMalformed(await client.exchange(binary), `binary (seed ${SEED})`);
  const texts = Array.from({ length: 300 }, () => random.text(random.int(400)));
  const replies = await client.exchange(texts);
  for (const [i, reply] of replies.entries()) {
    // A random text is almost never a JSON object with string type and uuid.
    assert.equal(reply.status_code, 4, `text #${i} (seed ${SEED}): ${JSON.stringify(texts[i])}`);
  }
  assertAnonymousMalformed(await client.exchange(["", " ", "\u0000", "null", "{", "}"]), "edge");
  const version = await client.exchange([
    JSON.stringify({ type: "get_leosac_version", uuid: "v", content: null }),
  ]);
  assert.equal(version[0]!.status_code, 0, "the session still works");
  await assertHealthy(server);
});

Deno.test("every truncated prefix of real messages gets MALFORMED", async () => {
  await using server = await startTestServer();
  await using client = await RawClient.connect(server.wsUrl);
  const messages = [
    { type: "get_leosac_version", uuid: "a1", content: {} },
    { type: "create_auth_token", uuid: "a2", content: { username: "admin", password: "é€😀" } },
    {
      type: "zone.create",
      uuid: "a3",
      content: { attributes: { alias: "Z", type: 0, doors: [1, 2], children: [] } },
    },
    { type: "audit.get", uuid: "a4", content: { p: 1, ps: 25, enabled_type: ["x"] } },
  ];
  for (const message of messages) {
    const text = JSON.stringify(message, null, message.uuid === "a4" ? 1 : undefined).trimEnd();
    const prefixes = Array.from({ length: text.length }, (_, n) => text.slice(0, n));
    assertAnonymousMalformed(await client.exchange(prefixes), `prefixes of ${message.type}`);
    const [whole] = await client.exchange([text]);
    assert.equal(whole!.uuid, message.uuid);
    assert.notEqual(whole!.status_code, 4);
  }
});

Deno.test("wrong types in every envelope field get MALFORMED; wrong content never crashes", async () => {
  await using server = await startTestServer();
  await using client = await RawClient.connect(server.wsUrl);
  const weird: unknown[] = [
    null,
    1,
    -1,
    1e308,
    2 ** 64,
    true,
    [],
    ["get_leosac_version"],
    {},
    { a: { b: {} } },
    "x".repeat(300),
  ];
  const frames: string[] = [];
  for (const value of weird) {
    frames.push(JSON.stringify({ type: value, uuid: "u", content: {} }));
    frames.push(JSON.stringify({ type: "get_leosac_version", uuid: value, content: {} }));
  }
  frames.push(JSON.stringify({ type: "get_leosac_version", uuid: "u" })); // no content
  frames.push('{"__proto__":{"type":"get_leosac_version","uuid":"u","content":{}}}');
  frames.push('{"type":"get_leosac_version","uuid":"u","__proto__":{"content":{}}}');
  frames.push(`[${JSON.stringify({ type: "get_leosac_version", uuid: "u", content: {} })}]`);
  assertAnonymousMalformed(await client.exchange(frames), "envelopes");
  // Any JSON value is an acceptable `content` for a call that ignores it.
  const contents = [...weird, "string", JSON.parse('{"__proto__":{"polluted":1}}')];
  const replies = await client.exchange(
    contents.map((content, i) =>
      JSON.stringify({ type: "get_leosac_version", uuid: `c${i}`, content })
    ),
  );
  for (const [i, reply] of replies.entries()) {
    assert.equal(reply.status_code, 0);
    assert.equal(reply.uuid, `c${i}`);
  }
  // Duplicate keys: JSON.parse keeps the last one.
  const [dup] = await client.exchange([
    '{"type":1,"type":"get_leosac_version","uuid":"d","content":{}}',
  ]);
  assert.equal(dup!.status_code, 0);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, "no prototype pollution");
});

// --- content fuzzing ---------------------------------------------------------

const ID_KEYS = [
  "user_id",
  "group_id",
  "membership_id",
  "credential_id",
  "schedule_id",
  "door_id",
  "access_point_id",
  "zone_id",
  "holiday_id",
  "update_id",
  "door",
  "owner_id",
  "group_id",
];
const OTHER_KEYS = [
  "attributes",
  "mapping",
  "partial_name",
  "p",
  "ps",
  "enabled_type",
  "categories",
  "mode",
  "action",
  "token",
  "username",
  "password",
  "descriptor_uuid",
  "credential-type",
  "duration_ms",
  "reader",
  "input",
  "value",
  "instant",
  "format",
  "facility",
  "number",
  "card_id",
  "nb_bits",
  "pin",
  "sort",
  "rank",
  "new_password",
  "current_password",
  "__proto__",
  "constructor",
];
const ATTRIBUTE_KEYS = [
  "alias",
  "name",
  "description",
  "type",
  "doors",
  "children",
  "rank",
  "username",
  "firstname",
  "lastname",
  "email",
  "password",
  "card-id",
  "nb-bits",
  "code",
  "owner_id",
  "group_id",
  "user_id",
  "validity-enabled",
  "validity-start",
  "validity-end",
  "timeframes",
  "applies-on-holidays",
  "date",
  "recurring",
  "reader",
  "reader-mode",
  "direction",
  "pin-timeout",
  "controller-module",
  "unlock-duration",
  "held-open-threshold",
  "strike-gpio",
  "contact-gpio",
  "rex-gpio",
  "unlock-schedule",
  "unlock-after-first-card",
  "access_point_id",
  "antipassback",
  "antipassback-reset",
  "mode",
  "__proto__",
  "constructor",
  "toString",
];

/** Nesting that makes `String()`, `JSON.stringify()` or `structuredClone()` overflow the stack. */
const STACK_BREAKING_DEPTH = 4000;
const DEEP_MARKER = "<<deep>>";
const DEEP_ARRAY_MARKER = "<<deep arrays>>";

/** JSON text of `levels` nested arrays and objects, alternating (built as text: too deep to stringify). */
function deepText(levels: number): string {
  let open = "", close = "";
  for (let i = 0; i < levels; i++) {
    open += i % 2 === 0 ? "[" : '{"a":';
    close = (i % 2 === 0 ? "]" : "}") + close;
  }
  return `${open}1${close}`;
}

/** `levels` nested arrays and objects, alternating. */
function deep(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

/** Values of every JSON type, valid-looking and not. */
function weirdValue(random: Random, depth = 0): unknown {
  const scalars: unknown[] = [
    null,
    true,
    false,
    0,
    1,
    2,
    3,
    -1,
    -(2 ** 31),
    1.5,
    1e308,
    -1e308,
    2 ** 53 + 2,
    2 ** 64,
    "",
    "0",
    "1",
    "-1",
    "99999999999999999999",
    "x",
    "%",
    "_",
    "__proto__",
    "aa:bb:cc:dd",
    "1234",
    "2024-01-01T00:00:00Z",
    "2024-02-30",
    "8:00",
    "99:99",
    "LEOSAC-BUILTIN-ACCESS-POINT",
    "rfid-card",
    "pin-code",
    "card",
    "pin",
    "input",
    "rex",
    "normal",
    "locked",
    "\u0000",
    "é€😀",
    "y".repeat(5000),
  ];
  const kind = depth > 2 ? 0 : random.int(10);
  if (kind < 6) return random.pick(scalars);
  if (kind === 6) return Array.from({ length: random.int(4) }, () => weirdValue(random, depth + 1));
  if (kind === 7) return deep(1 + random.int(200));
  if (kind === 8) return weirdObject(random, ATTRIBUTE_KEYS, depth + 1);
  return JSON.parse('{"__proto__":{"isAdmin":true,"rank":4},"constructor":{"prototype":{}}}');
}

/** An object with random keys among `keys` (as own properties, `__proto__` included). */
function weirdObject(random: Random, keys: readonly string[], depth = 0): unknown {
  const entries = Array.from({ length: random.int(6) }, () => {
    const key = random.pick(keys);
    const value = key === "attributes"
      ? weirdObject(random, ATTRIBUTE_KEYS, depth + 1)
      : weirdValue(random, depth);
    return `${JSON.stringify(key)}:${JSON.stringify(value) ?? "null"}`;
  });
  return JSON.parse(`{${entries.join(",")}}`);
}

function weirdContent(random: Random): unknown {
  const kind = random.int(8);
  if (kind === 0) return weirdValue(random);
  if (kind === 1) {
    // Every id key with the same weird value.
    const value = weirdValue(random);
    return Object.fromEntries(ID_KEYS.map((key) => [key, value]));
  }
  return weirdObject(random, [...ID_KEYS, ...OTHER_KEYS]);
}

/** Calls that would end the fuzzing session, tested separately below with fixed targets. */
const FUZZ_SEPARATELY = new Set(["logout", "password_change", "user.update", "user.delete"]);

Deno.test("wrong content types for every endpoint: valid replies, never an internal error", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const create = async (type: string, content: unknown) => {
    const reply = await admin.request(type, content);
    assert.equal(reply.status_code, 0, JSON.stringify(reply));
  };
  // A little of everything, so that small ids point at real entities.
  await create("user.create", {
    attributes: { username: "fuzzer", password: "fuzzer-password", rank: 4 },
  });
  await create("user.create", { attributes: { username: "victim" } });
  await create("group.create", { attributes: { name: "group" } });
  await create("door.create", { attributes: { alias: "door" } });
  await create("zone.create", { attributes: { alias: "zone", doors: [1], children: [] } });
  await create("schedule.create", { attributes: { name: "sched", timeframes: [] } });
  await create("access_point.create", {
    attributes: { alias: "ap", "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT" },
  });
  await create("credential.create", {
    "credential-type": "rfid-card",
    attributes: { "card-id": "aa:bb:cc:dd", "nb-bits": 32, owner_id: 3 },
  });
  await create("holiday.create", { attributes: { date: "2030-01-01" } });
  const victim = 3;

  await using client = await RawClient.connect(server.wsUrl);
  const [login] = await client.exchange([
    JSON.stringify({
      type: "create_auth_token",
      uuid: "login",
      content: { username: "fuzzer", password: "fuzzer-password" },
    }),
  ]);
  assert.equal((login!.content as { status: number }).status, 0);

  const random = new Random(SEED + 1);
  const requests: { type: string; uuid: string; content: unknown }[] = [];
  for (const type of Object.keys(ENDPOINTS)) {
    if (FUZZ_SEPARATELY.has(type)) continue;
    for (let i = 0; i < 25; i++) {
      requests.push({ type, uuid: `${type}#${i}`, content: weirdContent(random) });
    }
  }
  for (let i = 0; i < 40; i++) {
    const attributes = weirdObject(random, ATTRIBUTE_KEYS);
    requests.push({
      type: "user.update",
      uuid: `uu#${i}`,
      content: { user_id: victim, attributes },
    });
    requests.push({
      type: "password_change",
      uuid: `pc#${i}`,
      content: {
        user_id: victim,
        new_password: weirdValue(random),
        current_password: weirdValue(random),
      },
    });
    requests.push({
      type: "user.update",
      uuid: `uw#${i}`,
      content: { user_id: weirdValue(random), attributes: {} },
    });
  }
  requests.push({ type: "user.delete", uuid: "ud", content: { user_id: victim } });
  requests.push({ type: "user.delete", uuid: "ud2", content: { user_id: weirdValue(random) } });

  const replies = await client.exchange(requests.map((r) => JSON.stringify(r)));
  const internal: string[] = [];
  for (const [i, reply] of replies.entries()) {
    const request = requests[i]!;
    assert.equal(reply.uuid, request.uuid, "replies come in request order");
    assert.equal(reply.type, request.type);
    assert.notEqual(reply.status_code, 3, `not rate limited: ${request.uuid}`);
    if (reply.status_string.includes("Internal error.") || reply.status_code === 9) {
      internal.push(`${JSON.stringify(request).slice(0, 400)} → ${reply.status_string}`);
    }
  }
  assert.deepEqual(internal, [], `internal errors (seed ${SEED + 1})`);
  const [overview] = await client.exchange([
    JSON.stringify({ type: "system_overview", uuid: "end", content: {} }),
  ]);
  assert.equal(overview!.status_code, 0, "the fuzzing session is still logged in");
  await assertHealthy(server);
});

/** Valid requests (against the world below) whose fields are replaced one at a time. */
const BASES: Array<[string, Record<string, unknown>]> = [
  ["user.create", { attributes: { username: "u1", firstname: "F", email: "a@b", rank: 0 } }],
  ["user.update", {
    user_id: 3,
    attributes: { firstname: "F", lastname: "L", email: "a@b", rank: 1, "validity-enabled": true },
  }],
  ["user.read", { user_id: 3 }],
  ["password_change", { user_id: 3, new_password: "new-password" }],
  ["group.create", { attributes: { name: "grp", description: "d" } }],
  ["group.update", { group_id: 1, attributes: { name: "grp2", description: "d" } }],
  ["user-group-membership.create", { attributes: { group_id: 1, user_id: 3, rank: 1 } }],
  ["user-group-membership.update", { membership_id: 1, attributes: { rank: 1 } }],
  ["credential.create", {
    "credential-type": "rfid-card",
    attributes: { alias: "c", "card-id": "11:22:33:44", "nb-bits": 32, owner_id: 3 },
  }],
  ["credential.create", { "credential-type": "pin-code", attributes: { code: "1234" } }],
  ["credential.update", {
    credential_id: 1,
    attributes: { alias: "c", "validity-start": "2024-01-01T00:00:00Z", owner_id: 0 },
  }],
  ["schedule.create", {
    attributes: { name: "sched", timeframes: [{ day: 1, "start-time": "8:0", "end-time": "9:0" }] },
  }],
  ["schedule.update", {
    schedule_id: 1,
    attributes: { name: "sched", timeframes: [], "applies-on-holidays": true },
    mapping: [{ alias: "m", users: [3], groups: [1], credentials: [1], doors: [1], zones: [1] }],
  }],
  ["door.create", {
    attributes: {
      alias: "d",
      access_point_id: 0,
      "unlock-duration": 3000,
      "strike-gpio": null,
      "unlock-schedule": 1,
      "unlock-after-first-card": false,
    },
  }],
  ["door.update", { door_id: 1, attributes: { alias: "d", access_point_id: 1 } }],
  ["access_point.create", {
    attributes: {
      alias: "ap",
      "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
      reader: null,
      "reader-mode": "card",
      direction: "in",
      "pin-timeout": 5000,
    },
  }],
  ["access_point.update", { access_point_id: 1, attributes: { alias: "ap2" } }],
  ["zone.create", {
    attributes: { alias: "z", type: 1, doors: [1], children: [], antipassback: "off" },
  }],
  ["zone.update", { zone_id: 1, attributes: { alias: "z", doors: [], children: [] } }],
  ["holiday.create", { attributes: { date: "2031-05-01", name: "h", recurring: true } }],
  ["holiday.update", { holiday_id: 1, attributes: { name: "h" } }],
  ["audit.get", { p: 1, ps: 10, enabled_type: ["Leosac::Audit::UserEvent"] }],
  ["get_logs", { p: 0, ps: 10, sort: "asc" }],
  ["door.status", { door_id: 1 }],
  ["door.set_mode", { door_id: 1, mode: "normal" }],
  ["door.open", { door_id: 1, duration_ms: 1000 }],
  ["antipassback.forgive", { user_id: 3, zone_id: 1 }],
  ["events.subscribe", { categories: ["door", "access"] }],
  ["hardware.simulate", { action: "card", reader: "r", card_id: "aa:bb", nb_bits: 26 }],
  ["search.user_username", { partial_name: "v" }],
];

/** Every leaf path of `value` (object keys and array indexes). */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== "object" || value === null) return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [
    prefix,
    ...keys.flatMap((k) => paths((value as Record<string, unknown>)[k], [...prefix, k])),
  ];
}

function replaced(value: unknown, path: readonly (string | number)[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  const [head, ...rest] = path;
  copy[head!] = replaced(copy[head!], rest, leaf);
  return copy;
}

const MUTATIONS: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  2 ** 53 + 2,
  "",
  "1",
  "x".repeat(5000),
  [],
  [[1]],
  {},
  { id: 1 },
  JSON.parse('{"__proto__":{"x":1}}'),
  // Replaced by deeply nested JSON text once stringified (see deepText).
  DEEP_MARKER,
  DEEP_ARRAY_MARKER,
];

Deno.test("each field of valid requests replaced by a wrong type: never an internal error", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const setup: Array<[string, unknown]> = [
    ["user.create", { attributes: { username: "fuzzer", password: "password-fuzzer", rank: 4 } }],
    ["user.create", { attributes: { username: "victim" } }],
    ["group.create", { attributes: { name: "group" } }],
    ["door.create", { attributes: { alias: "door" } }],
    ["zone.create", { attributes: { alias: "zone", doors: [1], children: [] } }],
    ["schedule.create", { attributes: { name: "sched", timeframes: [] } }],
    ["access_point.create", {
      attributes: { alias: "ap", "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT" },
    }],
    ["credential.create", {
      "credential-type": "rfid-card",
      attributes: { "card-id": "aa:bb:cc:dd", "nb-bits": 32, owner_id: 3 },
    }],
    ["holiday.create", { attributes: { date: "2030-01-01" } }],
  ];
  for (const [type, content] of setup) {
    const reply = await admin.request(type, content);
    assert.equal(reply.status_code, 0, JSON.stringify(reply));
  }
  await using client = await rawLogin(server, "fuzzer");
  const requests: { type: string; uuid: string; content: unknown }[] = [];
  for (const [type, base] of BASES) {
    assert.ok(Object.hasOwn(ENDPOINTS, type), type);
    for (const path of paths(base)) {
      for (const [m, leaf] of MUTATIONS.entries()) {
        requests.push({
          type,
          uuid: `${type} ${path.join(".")} #${m}`,
          content: replaced(base, path, leaf),
        });
      }
    }
  }
  const nested = deepText(STACK_BREAKING_DEPTH);
  const nestedArrays = "[".repeat(STACK_BREAKING_DEPTH) + "]".repeat(STACK_BREAKING_DEPTH);
  const replies = await client.exchange(
    requests.map((r) =>
      JSON.stringify(r).replace(JSON.stringify(DEEP_MARKER), nested)
        .replace(JSON.stringify(DEEP_ARRAY_MARKER), nestedArrays)
    ),
  );
  const internal: string[] = [];
  for (const [i, reply] of replies.entries()) {
    const request = requests[i]!;
    assert.equal(reply.uuid, request.uuid, "replies come in request order");
    if (reply.status_string.includes("Internal error.") || reply.status_code === 9) {
      internal.push(`${JSON.stringify(request).slice(0, 300)} → ${reply.status_string}`);
    }
  }
  assert.deepEqual(internal, []);
  const [overview] = await client.exchange([
    JSON.stringify({ type: "system_overview", uuid: "end", content: {} }),
  ]);
  assert.equal(overview!.status_code, 0, "the fuzzing session is still logged in");
});

// --- size limit, floods, liveness ----------------------------------------------

Deno.test("deeply nested values in every key of every endpoint: never an internal error", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const nestedArray = "[".repeat(STACK_BREAKING_DEPTH) + "]".repeat(STACK_BREAKING_DEPTH);
  const nestedMixed = deepText(STACK_BREAKING_DEPTH);
  const ids = ID_KEYS.map((key) => `${JSON.stringify(key)}:1`).join(",");
  const frames: string[] = [];
  const uuids: string[] = [];
  let n = 0;
  for (const type of Object.keys(ENDPOINTS)) {
    if (FUZZ_SEPARATELY.has(type) && type !== "user.update") continue;
    const keys = [
      ...OTHER_KEYS.map((key) => (value: string) => `{${ids},${JSON.stringify(key)}:${value}}`),
      ...ATTRIBUTE_KEYS.map((key) => (value: string) =>
        `{${ids},"attributes":{${JSON.stringify(key)}:${value}}}`
      ),
      (value: string) => `${value}`,
    ];
    for (
      const [make, value] of keys.flatMap((make) =>
        [[make, nestedArray], [make, nestedMixed]] as const
      )
    ) {
      const uuid = `${type} ${n++}`;
      uuids.push(uuid);
      frames.push(
        `{"type":${JSON.stringify(type)},"uuid":${JSON.stringify(uuid)},"content":${make(value)}}`,
      );
    }
  }
  const created = await admin.request("user.create", {
    attributes: { username: "fuzzer", password: "password-fuzzer", rank: 4 },
  });
  assert.equal(created.status_code, 0);
  await using client = await rawLogin(server, "fuzzer");
  const replies = await client.exchange(frames);
  const internal = replies.flatMap((reply, i) =>
    reply.status_string.includes("Internal error.") ? [uuids[i]!] : []
  );
  assert.deepEqual(internal, []);
  await assertHealthy(server);
});

Deno.test("a frame just over 1 MiB gets MALFORMED and the connection stays usable", async () => {
  await using server = await startTestServer();
  await using client = await RawClient.connect(server.wsUrl);
  const limit = DEFAULT_SESSION_LIMITS.maxFrameBytes;
  const padding = "x".repeat(limit);
  const text = JSON.stringify({ type: "get_leosac_version", uuid: "big", content: padding });
  const replies = await client.exchange([text, new Uint8Array(limit + 1)]);
  assertAnonymousMalformed(replies, "oversized");
  assert.match(replies[0]!.status_string, /too large/);
  const [after] = await client.exchange([
    JSON.stringify({ type: "get_leosac_version", uuid: "after", content: {} }),
  ]);
  assert.equal(after!.status_code, 0);
  assert.equal(after!.uuid, "after");
  // Just under the limit is a normal request.
  const under = JSON.stringify({ type: "get_leosac_version", uuid: "under", content: "" });
  const [fits] = await client.exchange([
    JSON.stringify({
      type: "get_leosac_version",
      uuid: "under",
      content: "y".repeat(limit - under.length),
    }),
  ]);
  assert.equal(fits!.status_code, 0);
});

/** Logs `username` in on a new raw connection. */
async function rawLogin(server: TestServer, username: string): Promise<RawClient> {
  const client = await RawClient.connect(server.wsUrl);
  const [reply] = await client.exchange([
    JSON.stringify({
      type: "create_auth_token",
      uuid: "login",
      content: { username, password: `password-${username}` },
    }),
  ]);
  assert.equal((reply!.content as { status: number }).status, 0);
  return client;
}

async function createUser(server: TestServer, username: string): Promise<number> {
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const reply = await admin.request("user.create", {
    attributes: { username, password: `password-${username}` },
  });
  assert.equal(reply.status_code, 0);
  return Number((reply.content as { data: { id: number } }).data.id);
}

/** A slow request: a wrong current password costs a scrypt hash, so the mailbox fills up. */
function slowRequest(userId: number, uuid: string): string {
  return JSON.stringify({
    type: "password_change",
    uuid,
    content: { user_id: userId, current_password: "wrong", new_password: "x" },
  });
}

Deno.test("a full mailbox refuses requests with RATE_LIMITED, in request order", async () => {
  await using server = await startTestServer({
    sessionLimits: { mailboxDepth: 4, maxRefused: 16 },
  });
  const userId = await createUser(server, "flooder");
  await using flooder = await rawLogin(server, "flooder");
  const frames = Array.from({ length: 12 }, (_, i) => slowRequest(userId, `slow-${i}`));
  for (const frame of frames) flooder.send(frame);
  assert.ok(await flooder.waitFrames(1 + frames.length));
  assert.deepEqual(flooder.problems, []);
  const replies = flooder.frames.slice(1);
  assert.deepEqual(replies.map((m) => m.uuid), frames.map((_, i) => `slow-${i}`));
  // One running, four waiting: the frames behind them are refused (a slot that
  // frees while the burst is still arriving may let one more in on a busy machine).
  const statuses = replies.map((m) => m.status_code);
  assert.deepEqual(statuses.slice(0, 5), [2, 2, 2, 2, 2], statuses.join());
  assert.ok(statuses.every((s) => s === 2 || s === 3), statuses.join());
  assert.ok(statuses.filter((s) => s === 3).length >= 4, statuses.join());
  for (const m of replies.filter((m) => m.status_code === 3)) {
    assert.match(m.status_string, /^\[RateLimited\]: /);
  }
  const [after] = await flooder.exchange([
    JSON.stringify({ type: "system_overview", uuid: "after", content: {} }),
  ]);
  assert.equal(after!.status_code, 0, "the session is usable afterwards");
});

Deno.test("a flood of slow requests ends with a 1008 close; other sessions stay live", async () => {
  await using server = await startTestServer();
  const userId = await createUser(server, "flooder");
  await using flooder = await rawLogin(server, "flooder");
  await using observer = await TestClient.connect(server.wsUrl);
  await observer.login();
  // One burst, read by the server long before the first request's scrypt hash
  // ends: the first request runs, the next `mailboxDepth` wait in the mailbox,
  // the next `maxRefused` are refused, and the one after closes the session.
  // No frame follows the closing one: a frame still in flight when the close
  // frame arrives breaks the closing handshake (the client then sees code 0,
  // not the 1008 the server sent).
  const { mailboxDepth, maxRefused } = DEFAULT_SESSION_LIMITS;
  const burst = 1 + mailboxDepth + maxRefused + 1;
  for (let i = 0; i < burst; i++) flooder.send(slowRequest(userId, "f"));
  const roundTrips: number[] = [];
  for (let i = 0; i < 5; i++) roundTrips.push(await versionRoundTrip(observer));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const closed = await Promise.race([
    flooder.closed,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no close after ${burst} frames`)), 20_000);
    }),
  ]).finally(() => clearTimeout(timer));
  assert.equal(closed.code, 1008, `close ${closed.code} ${closed.reason}`);
  assert.equal(closed.reason, "Too many requests");
  assert.equal(closed.wasClean, true);
  assert.deepEqual(flooder.problems, []);
  for (const m of flooder.frames.slice(1)) assert.ok([2, 3].includes(m.status_code));
  assert.ok(Math.max(...roundTrips) < 2000, `round trips ${roundTrips.map(Math.round)} ms`);
  const overview = await observer.request("system_overview");
  assert.equal(overview.status_code, 0);
  await assertHealthy(server);
});

Deno.test("floods of cheap, bad and huge frames never block another session", async () => {
  await using server = await startTestServer();
  await using observer = await TestClient.connect(server.wsUrl);
  const random = new Random(SEED + 2);
  // Each flood: its name, how to send it, and the one status every frame gets.
  const floods: Array<[string, (client: RawClient) => void, number]> = [
    ["5000 version requests", (c) => {
      const frame = JSON.stringify({ type: "get_leosac_version", uuid: "f", content: {} });
      for (let i = 0; i < 5000; i++) c.send(frame);
    }, STATUS.SUCCESS],
    ["3000 random frames", (c) => {
      for (let i = 0; i < 3000; i++) c.send(i % 2 === 0 ? random.bytes(64) : random.text(64));
    }, STATUS.MALFORMED],
    ["30 frames over 1 MiB", (c) => {
      const big = "z".repeat(DEFAULT_SESSION_LIMITS.maxFrameBytes + 1);
      for (let i = 0; i < 30; i++) c.send(big);
    }, STATUS.MALFORMED],
  ];
  for (const [name, flood, status] of floods) {
    await using flooder = await RawClient.connect(server.wsUrl);
    flood(flooder);
    const roundTrips: number[] = [];
    for (let i = 0; i < 5; i++) roundTrips.push(await versionRoundTrip(observer));
    assert.ok(
      Math.max(...roundTrips) < 2000,
      `${name}: round trips ${roundTrips.map(Math.round)} ms`,
    );
    // Cheap frames are answered as they arrive: one reply per frame, the same
    // status for all, and the connection stays open (the mailbox never fills).
    const expected = name.startsWith("5000") ? 5000 : name.startsWith("3000") ? 3000 : 30;
    assert.ok(await flooder.waitFrames(expected, 20_000), `${name}: ${flooder.frames.length}`);
    assert.deepEqual(flooder.problems, [], name);
    assert.equal(flooder.closeEvent, null, name);
    assert.equal(flooder.frames.length, expected, name);
    assert.deepEqual([...new Set(flooder.frames.map((m) => m.status_code))], [status], name);
  }
  await assertHealthy(server);
});
