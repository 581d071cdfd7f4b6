import assert from "node:assert/strict";
import { TestClient } from "./testing.ts";

/** A WebSocket peer on 127.0.0.1:0 that closes the connection on the first frame, never replying. */
function closingPeer(): { url: string; server: Deno.HttpServer } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = () => socket.close(4000, "no replies here");
    return response;
  });
  return { url: `ws://127.0.0.1:${server.addr.port}/`, server };
}

Deno.test("TestClient.request() rejects when the connection closes before the reply", async () => {
  const { url, server } = closingPeer();
  const client = await TestClient.connect(url);
  try {
    await assert.rejects(
      client.request("get_leosac_version"),
      /the connection closed \(4000 no replies here\) before the reply/,
    );
    // Once closed, a new request fails at once instead of waiting forever.
    await assert.rejects(client.request("get_leosac_version"), /the connection is closed/);
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("TestClient: a request nobody awaits does not fail the test when the connection closes", async () => {
  const { url, server } = closingPeer();
  const client = await TestClient.connect(url);
  try {
    void client.request("get_leosac_version");
    await client.closed;
    // Give an unhandled rejection, if there were one, a turn to surface.
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    await client.close();
    await server.shutdown();
  }
});
