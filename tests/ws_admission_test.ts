/**
 * Issue 14, findings 4 and 10: connection slots (per-address cap, a bounded
 * share for connections not logged in, a login deadline), bad upgrade
 * requests, and rate-limited refusal warnings. Real servers on 127.0.0.1; the
 * client address is set per connection by a test-only wrapper around the
 * app's handler (Deno.connect cannot choose its source address).
 */
import assert from "node:assert/strict";
import { resetLogging, setupLogging } from "../src/log.ts";
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from "../src/testing.ts";
import type { ServerMessage } from "../src/ws/protocol.ts";
import { DEFAULT_ADMISSION_LIMITS } from "../src/ws/admission.ts";
import { Session } from "../src/ws/session.ts";

/** Serves the test server's app again, taking the client address from `x-test-remote`. */
function serveWithAddresses(server: TestServer): { url: string } & AsyncDisposable {
  const abort = new AbortController();
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: abort.signal, onListen() {} },
    (req, info) =>
      server.app.handler(req, {
        ...info,
        remoteAddr: { ...info.remoteAddr, hostname: req.headers.get("x-test-remote") ?? "" },
      }),
  );
  return {
    url: `ws://127.0.0.1:${http.addr.port}/websocket`,
    async [Symbol.asyncDispose]() {
      abort.abort();
      await http.finished;
    },
  };
}

/** A raw client: opened, or refused (HTTP error on the upgrade). */
class Peer {
  readonly closed: Promise<CloseEvent>;
  readonly #replies = new Map<string, (m: ServerMessage) => void>();
  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.addEventListener("close", resolve));
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as ServerMessage;
      this.#replies.get(message.uuid)?.(message);
    });
  }

  static async open(url: string, address: string): Promise<Peer | null> {
    const socket = new WebSocket(url, { headers: { "x-test-remote": address } });
    const opened = await new Promise<boolean>((resolve) => {
      socket.addEventListener("open", () => resolve(true), { once: true });
      socket.addEventListener("error", () => resolve(false), { once: true });
    });
    if (opened) return new Peer(socket);
    if (socket.readyState !== WebSocket.CLOSED) {
      await new Promise((resolve) => socket.addEventListener("close", resolve, { once: true }));
    }
    return null;
  }

  request(type: string, content: unknown = {}): Promise<ServerMessage> {
    const uuid = crypto.randomUUID();
    const reply = new Promise<ServerMessage>((resolve) => this.#replies.set(uuid, resolve));
    this.socket.send(JSON.stringify({ type, uuid, content }));
    return reply;
  }

  async login(): Promise<void> {
    const reply = await this.request("create_auth_token", {
      username: "admin",
      password: TEST_ADMIN_PASSWORD,
    });
    assert.equal((reply.content as { status: number }).status, 0, JSON.stringify(reply));
  }

  async close(): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) {
      this.socket.close();
      await this.closed;
    }
  }
}

async function closeAll(peers: Iterable<Peer | null>): Promise<void> {
  await Promise.all([...peers].map((p) => p?.close()));
}

Deno.test("1,024 anonymous connections from one address cannot keep an administrator out (default limits)", async () => {
  await using server = await startTestServer();
  await using front = serveWithAddresses(server);
  const limits = DEFAULT_ADMISSION_LIMITS;
  // Fewer addresses than maxAnonymous / maxAnonymousPerAddress: the attacker cannot fill the share.
  const attackers = ["10.0.0.1"];
  assert.ok(attackers.length * limits.maxAnonymousPerAddress < limits.maxAnonymous);
  const attempts: Array<Promise<Peer | null>> = [];
  for (let i = 0; i < 1024; i++) {
    attempts.push(Peer.open(front.url, attackers[i % attackers.length]!));
  }
  const peers = await Promise.all(attempts);
  const held = peers.filter((p) => p !== null);
  try {
    assert.equal(
      held.length,
      attackers.length * limits.maxAnonymousPerAddress,
      "each address holds its share",
    );
    assert.equal(server.app.deps.sessions.size, held.length);
    const admin = await Peer.open(front.url, "10.0.0.99");
    assert.ok(admin, "the administrator's connection is admitted");
    await admin.login();
    assert.equal((await admin.request("user.read", { user_id: 1 })).status_code, 0);
    await admin.close();
  } finally {
    await closeAll(held);
  }
});

Deno.test("attackers who fill the anonymous share keep out new addresses, not one that logged in before, nor loopback", async () => {
  await using server = await startTestServer();
  await using front = serveWithAddresses(server);
  const limits = DEFAULT_ADMISSION_LIMITS;
  const before = (await Peer.open(front.url, "10.0.0.99"))!;
  await before.login();
  await before.close();
  const attempts: Array<Promise<Peer | null>> = [];
  for (let i = 0; i < 256; i++) attempts.push(Peer.open(front.url, `10.0.1.${i % 64}`));
  const held = (await Promise.all(attempts)).filter((p) => p !== null);
  const admitted: Array<Peer | null> = [];
  try {
    assert.equal(held.length, limits.maxAnonymous, "the shared anonymous bound holds");
    assert.equal(await Peer.open(front.url, "10.0.2.1"), null, "a new address waits");
    const admin = await Peer.open(front.url, "10.0.0.99");
    admitted.push(admin);
    assert.ok(admin, "an address that logged in before is admitted");
    await admin.login();
    for (let i = 0; i < 4; i++) {
      const local = await Peer.open(front.url, "127.0.0.1");
      admitted.push(local);
      assert.ok(local, "loopback is bounded by the total only");
    }
  } finally {
    await closeAll([...held, ...admitted]);
  }
});

Deno.test("one address cannot take more than its cap, logged in or not", async () => {
  await using server = await startTestServer({
    connectionLimits: { maxPerAddress: 3, maxAnonymousPerAddress: 1, maxAnonymous: 4 },
  });
  await using front = serveWithAddresses(server);
  const peers: Array<Peer | null> = [];
  try {
    const first = await Peer.open(front.url, "10.0.0.1");
    peers.push(first);
    assert.ok(first);
    assert.equal(await Peer.open(front.url, "10.0.0.1"), null, "one anonymous per address");
    await first.login(); // no longer anonymous: the address may open another
    for (let i = 0; i < 2; i++) {
      const next = await Peer.open(front.url, "10.0.0.1");
      peers.push(next);
      assert.ok(next);
      await next.login();
    }
    assert.equal(await Peer.open(front.url, "10.0.0.1"), null, "three connections per address");
    const other = await Peer.open(front.url, "10.0.0.2");
    peers.push(other);
    assert.ok(other, "other addresses are not affected");
    const response = await fetch(front.url.replace("ws:", "http:"), {
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
        "x-test-remote": "10.0.0.1",
      },
    });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "5");
    assert.equal(await response.text(), "Too many connections from this address\n");
  } finally {
    await closeAll(peers);
  }
  assert.equal(server.app.deps.sessions.size, 0);
});

Deno.test("a connection that does not log in is closed at the deadline (1008), a logged-in one is not", async () => {
  await using server = await startTestServer();
  await using front = serveWithAddresses(server);
  const silent = (await Peer.open(front.url, "10.0.0.1"))!;
  const chatty = (await Peer.open(front.url, "10.0.0.2"))!;
  const admin = (await Peer.open(front.url, "10.0.0.3"))!;
  try {
    await admin.login();
    assert.equal((await chatty.request("get_leosac_version")).status_code, 0);
    server.clock.advance(DEFAULT_ADMISSION_LIMITS.loginDeadlineMs - 1);
    assert.equal((await chatty.request("get_leosac_version")).status_code, 0, "still open");
    server.clock.advance(1);
    for (const peer of [silent, chatty]) {
      const event = await peer.closed;
      assert.equal(event.code, 1008);
      assert.equal(event.reason, "Not logged in in time");
    }
    assert.equal(admin.socket.readyState, WebSocket.OPEN);
    assert.equal((await admin.request("get_leosac_version")).status_code, 0);
    // A logout starts a new deadline.
    assert.equal((await admin.request("logout")).status_code, 0);
    server.clock.advance(DEFAULT_ADMISSION_LIMITS.loginDeadlineMs);
    assert.equal((await admin.closed).code, 1008);
    assert.equal(server.app.deps.sessions.size, 0);
  } finally {
    await closeAll([silent, chatty, admin]);
  }
});

/** Captures the log lines (JSON) while `fn` runs. */
async function withLogs(fn: (lines: Array<Record<string, unknown>>) => Promise<void>) {
  const lines: Array<Record<string, unknown>> = [];
  await setupLogging({ level: "debug", format: "json", write: (l) => lines.push(JSON.parse(l)) });
  try {
    await fn(lines);
  } finally {
    await resetLogging();
  }
}

Deno.test("a bad upgrade request gets 400 and a debug line, not 500 and an error", async () => {
  await withLogs(async (lines) => {
    await using server = await startTestServer();
    for (
      const headers of [
        { upgrade: "websocket" }, // no Connection: Upgrade
        { upgrade: "websocket", connection: "Upgrade" }, // no Sec-WebSocket-Key
      ]
    ) {
      const response = await fetch(server.url + "websocket", { headers });
      assert.equal(response.status, 400);
      assert.equal(await response.text(), "Bad WebSocket upgrade request\n");
    }
    const ws = lines.filter((l) => l.category === "leosac.ws");
    assert.equal(ws.length, 2, JSON.stringify(lines));
    assert.ok(ws.every((l) => l.level === "debug"));
    assert.match(String(ws[1]!.message), /sec-websocket-key/);
    assert.deepEqual(lines.filter((l) => l.level === "error"), []);
    assert.equal(server.app.deps.sessions.size, 0);
  });
});

Deno.test("refused origins and full-server refusals log once per interval, then a count", async () => {
  await withLogs(async (lines) => {
    await using server = await startTestServer({ maxSessions: 1 });
    const warnings = () => lines.filter((l) => l.level === "warning").map((l) => l.message);
    const upgrade = (origin?: string) =>
      fetch(server.url + "websocket", {
        headers: {
          upgrade: "websocket",
          connection: "Upgrade",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          "sec-websocket-version": "13",
          ...(origin === undefined ? {} : { origin }),
        },
      }).then(async (r) => {
        await r.body?.cancel();
        return r.status;
      });
    for (let i = 0; i < 5; i++) assert.equal(await upgrade("http://evil.example"), 403);
    assert.deepEqual(warnings(), ["Refused WebSocket from origin http://evil.example"]);
    const held = (await Peer.open(server.wsUrl, ""))!;
    try {
      for (let i = 0; i < 3; i++) assert.equal(await upgrade(), 503);
      assert.equal(warnings().length, 2);
      assert.match(String(warnings()[1]), /^Refused WebSocket from 127\.0\.0\.1: Too many/);
      server.clock.advance(60_000);
      assert.deepEqual(warnings().slice(2).sort(), [
        "Refused 2 more WebSockets (connection limits) in the last 60 s",
        "Refused 4 more WebSockets from foreign origins in the last 60 s",
      ]);
      server.clock.advance(60_000);
      assert.equal(warnings().length, 4, "nothing more to report");
      assert.equal(await upgrade("http://evil.example"), 403);
      assert.equal(warnings().length, 5, "a new interval logs the first again");
    } finally {
      await held.close();
    }
  });
});

Deno.test("a session closed before its socket opened (login deadline) closes the socket once it opens, and is never registered", async () => {
  await using server = await startTestServer();
  const closes: Array<[number, string]> = [];
  class ConnectingSocket extends EventTarget {
    readyState: number = WebSocket.CONNECTING;
    close(code: number, reason: string): void {
      if (this.readyState === WebSocket.CONNECTING) throw new DOMException("not open yet");
      closes.push([code, reason]);
      this.readyState = WebSocket.CLOSING;
    }
    send(): void {}
  }
  const socket = new ConnectingSocket();
  const session = new Session(
    socket as unknown as WebSocket,
    server.app.deps,
    { address: "10.0.0.1", port: 1 },
  );
  session.close(1008, "Not logged in in time");
  assert.deepEqual(closes, [], "nothing to close yet");
  socket.readyState = WebSocket.OPEN;
  socket.dispatchEvent(new Event("open"));
  assert.deepEqual(closes, [[1008, "Not logged in in time"]]);
  assert.equal(server.app.deps.sessions.size, 0, "a closed session is not registered");
});
