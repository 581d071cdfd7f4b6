import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import { openStore } from "../store/store.ts";
import { Session } from "./session.ts";
import type { ServerMessage } from "./protocol.ts";

/** A socket the test drives by hand: frames arrive exactly when the test says. */
class FakeSocket extends EventTarget {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  readonly sent: ServerMessage[] = [];
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  close(): void {
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
    for (let i = 0; i < 200 && socket.sent.length < 5; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(socket.sent.map((m) => m.uuid), ["slow", "big-0", "big-1", "big-2", "big-3"]);
    assert.deepEqual(socket.sent.map((m) => m.status_code), [0, 0, 0, 3, 3]);
    assert.match(socket.sent[3]!.status_string, /^\[RateLimited\]: /);
    socket.deliver(
      JSON.stringify({ type: "get_leosac_version", uuid: "after", content: { padding } }),
    );
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(socket.sent.at(-1)!.uuid, "after");
    assert.equal(socket.sent.at(-1)!.status_code, 0, "usable once the queue drained");
  } finally {
    await app.close();
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
