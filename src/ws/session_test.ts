import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import { openStore } from "../store/store.ts";
import { STATUS } from "../errors.ts";
import { Session } from "./session.ts";
import type { ServerMessage } from "./protocol.ts";

/** A socket the test drives by hand: frames arrive exactly when the test says. */
class FakeSocket extends EventTarget {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  readonly sent: ServerMessage[] = [];
  #waiters: Array<{ count: number; resolve: () => void }> = [];
  send(text: string): void {
    this.sent.push(JSON.parse(text));
    const due = this.#waiters.filter((w) => this.sent.length >= w.count);
    this.#waiters = this.#waiters.filter((w) => this.sent.length < w.count);
    for (const w of due) w.resolve();
  }
  /** Resolves once `count` frames have been sent (an awaited event, not a sleep). */
  sentCount(count: number): Promise<void> {
    if (this.sent.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
  closedWith: { code: number | undefined; reason: string | undefined } | null = null;
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = WebSocket.CLOSED;
  }
  deliver(frame: string): void {
    this.dispatchEvent(new MessageEvent("message", { data: frame }));
  }
}

Deno.test("Session refuses requests beyond its queued-text bound, in order, and keeps working", async () => {
  const dir = await Deno.makeTempDir();
  const store = openStore(dir);
  const app = createApp({ store });
  try {
    const socket = new FakeSocket();
    new Session(socket as unknown as WebSocket, app.deps, { address: "127.0.0.1", port: 1 }, {
      maxQueuedChars: 10_000,
    });
    socket.dispatchEvent(new Event("open"));
    const frame = (uuid: string, content: unknown): string =>
      JSON.stringify({ type: "create_auth_token", uuid, content });
    // The first request is slow (a password check off the event loop); the
    // large ones arrive while it runs, all in this same turn.
    socket.deliver(frame("slow", { username: "nobody", password: "x" }));
    const padding = "x".repeat(4_500);
    for (let i = 0; i < 4; i++) {
      socket.deliver(
        JSON.stringify({ type: "get_leosac_version", uuid: `big-${i}`, content: { padding } }),
      );
    }
    await socket.sentCount(5);
    assert.deepEqual(socket.sent.map((m) => m.uuid), ["slow", "big-0", "big-1", "big-2", "big-3"]);
    assert.deepEqual(socket.sent.map((m) => m.status_code), [0, 0, 0, 3, 3]);
    assert.match(socket.sent[3]!.status_string, /^\[RateLimited\]: /);
    socket.deliver(
      JSON.stringify({ type: "get_leosac_version", uuid: "after", content: { padding } }),
    );
    await socket.sentCount(6);
    assert.equal(socket.sent.length, 6);
    assert.equal(socket.sent.at(-1)!.uuid, "after");
    assert.equal(socket.sent.at(-1)!.status_code, 0, "usable once the queue drained");
  } finally {
    await app.close();
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('Session closes with 1008 "Too many requests" on the refusal after maxRefused, not before', async () => {
  const dir = await Deno.makeTempDir();
  const store = openStore(dir);
  const app = createApp({ store });
  try {
    const limits = { mailboxDepth: 2, maxRefused: 3 };
    const flood = (frames: number): FakeSocket => {
      const socket = new FakeSocket();
      new Session(
        socket as unknown as WebSocket,
        app.deps,
        { address: "127.0.0.1", port: 1 },
        limits,
      );
      socket.dispatchEvent(new Event("open"));
      // All in this turn: the first (slow) request runs, two wait, three are
      // refused; the frame after that closes the session.
      for (let i = 0; i < frames; i++) {
        socket.deliver(JSON.stringify({
          type: "create_auth_token",
          uuid: `f-${i}`,
          content: { username: "nobody", password: "x" },
        }));
      }
      return socket;
    };
    const open = flood(1 + 2 + 3);
    const closed = flood(1 + 2 + 3 + 1);
    assert.equal(open.closedWith, null);
    assert.deepEqual(closed.closedWith, { code: 1008, reason: "Too many requests" });
    await open.sentCount(6);
    assert.deepEqual(open.sent.map((m) => m.status_code), [
      STATUS.SUCCESS,
      STATUS.SUCCESS,
      STATUS.SUCCESS,
      STATUS.RATE_LIMITED,
      STATUS.RATE_LIMITED,
      STATUS.RATE_LIMITED,
    ]);
  } finally {
    await app.close();
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
