/**
 * The worker channel over a fake endpoint and a fake clock: reply matching,
 * error replies, timeouts, abort signals, close, unsolicited messages.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../clock.ts";
import { WorkerChannel, type WorkerEndpoint } from "./channel.ts";
import {
  CONTROLLER_ERROR,
  ControllerError,
  type WorkerMessage,
  type WorkerRequest,
} from "./protocol.ts";

class FakeEndpoint implements WorkerEndpoint {
  readonly sent: WorkerRequest[] = [];
  onmessage: ((event: MessageEvent<WorkerMessage>) => void) | null = null;
  postMessage(message: WorkerRequest): void {
    this.sent.push(message);
  }
  /** Delivers a message from the "worker". */
  deliver(message: WorkerMessage): void {
    this.onmessage?.(new MessageEvent("message", { data: message }));
  }
}

function setup() {
  const endpoint = new FakeEndpoint();
  const clock = new FakeClock();
  const unsolicited: WorkerMessage[] = [];
  const channel = new WorkerChannel(endpoint, clock, (m) => unsolicited.push(m));
  return { endpoint, clock, unsolicited, channel };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

Deno.test("WorkerChannel: replies are matched by id, in any order", async () => {
  const { endpoint, clock, channel } = setup();
  const a = channel.send({ type: "door.status", doorId: 1 }, 1000);
  const b = channel.send({ type: "ping" }, 1000);
  assert.deepEqual(endpoint.sent.map((m) => [m.id, m.type]), [[1, "door.status"], [2, "ping"]]);
  endpoint.deliver({ type: "reply", id: 2, ok: true, value: { pong: true } });
  endpoint.deliver({ type: "reply", id: 1, ok: false, code: "NOT_FOUND", message: "door 1" });
  assert.deepEqual(await b, { pong: true });
  const error = await rejection(a);
  assert.ok(error instanceof ControllerError);
  assert.equal(error.code, CONTROLLER_ERROR.NOT_FOUND);
  assert.equal(channel.pending, 0);
  assert.equal(clock.pending, 0, "timers cleared");
});

Deno.test("WorkerChannel: no reply within the timeout is TIMEOUT; a late reply is ignored", async () => {
  const { endpoint, clock, channel } = setup();
  const reply = channel.send({ type: "ping" }, 2000);
  clock.advance(1999);
  assert.equal(channel.pending, 1);
  clock.advance(1);
  const error = await rejection(reply);
  assert.ok(error instanceof ControllerError);
  assert.equal(error.code, CONTROLLER_ERROR.TIMEOUT);
  assert.equal(channel.pending, 0);
  endpoint.deliver({ type: "reply", id: 1, ok: true, value: { pong: true } }); // no effect
});

Deno.test("WorkerChannel: an abort rejects with the signal's reason and drops the entry", async () => {
  const { endpoint, clock, channel } = setup();
  const abort = new AbortController();
  const reply = channel.send({ type: "reload" }, 5000, abort.signal);
  abort.abort(new Error("handler overran"));
  const error = await rejection(reply);
  assert.ok(error instanceof Error);
  assert.equal(error.message, "handler overran");
  assert.equal(channel.pending, 0);
  assert.equal(clock.pending, 0);
  endpoint.deliver({ type: "reply", id: 1, ok: true, value: null }); // ignored
  const already = await rejection(channel.send({ type: "ping" }, 5000, abort.signal));
  assert.equal((already as Error).message, "handler overran");
  assert.equal(endpoint.sent.length, 1, "an aborted signal sends nothing");
});

Deno.test("WorkerChannel: close fails waiting and later requests with UNAVAILABLE and stops listening", async () => {
  const { endpoint, clock, channel, unsolicited } = setup();
  const waiting = channel.send({ type: "ping" }, 5000);
  endpoint.deliver({ type: "wiring", safeOutputs: [] });
  channel.close("The controller worker died (killed)");
  const error = await rejection(waiting);
  assert.ok(error instanceof ControllerError);
  assert.equal(error.code, CONTROLLER_ERROR.UNAVAILABLE);
  assert.match(error.message, /killed/);
  assert.equal(clock.pending, 0);
  const later = await rejection(channel.send({ type: "ping" }, 5000));
  assert.equal((later as ControllerError).code, CONTROLLER_ERROR.UNAVAILABLE);
  assert.equal(endpoint.onmessage, null);
  assert.deepEqual(unsolicited, [{ type: "wiring", safeOutputs: [] }]);
});
