import assert from "node:assert/strict";
import { CONNECTION_CLOSED, TestClient } from "./testing.ts";

/** A WebSocket peer on 127.0.0.1:0 that closes the connection on the first frame, never replying. */
function closingPeer(): { url: string; server: Deno.HttpServer } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = () => socket.close(4000, "no replies here");
    return response;
  });
  return { url: `ws://127.0.0.1:${server.addr.port}/`, server };
}

Deno.test("TestClient.request() answers CONNECTION_CLOSED when the connection closes before the reply", async () => {
  const { url, server } = closingPeer();
  const client = await TestClient.connect(url);
  try {
    const reply = await client.request("get_leosac_version");
    assert.equal(reply.status_code, CONNECTION_CLOSED);
    assert.equal(reply.type, "get_leosac_version");
    assert.match(
      reply.status_string,
      /connection closed \(4000 no replies here\) before the reply/,
    );
    // Once closed, a new request is answered at once instead of waiting forever.
    const late = await client.request("get_leosac_version");
    assert.equal(late.status_code, CONNECTION_CLOSED);
    assert.match(late.status_string, /closed/);
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("TestClient: a request nobody awaits is harmless when the connection closes", async () => {
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
