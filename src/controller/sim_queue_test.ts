import assert from "node:assert/strict";
import { FakeClock } from "../clock.ts";
import { ControllerError } from "./protocol.ts";
import { MAX_PENDING_PER_READER, type PlayJob, ReaderPlayQueue } from "./sim_queue.ts";

const GAP = 35;

/** Lets settled promises run their callbacks (no time passes). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A job that records when it played and takes `lengthMs` of clock time to play. */
function recorder(clock: FakeClock) {
  const played: Array<[string, number]> = [];
  const job = (name: string, lengthMs = 0, extra: Partial<PlayJob<string>> = {}) => ({
    gapMs: GAP,
    play: async () => {
      played.push([name, clock.monotonic()]);
      if (lengthMs > 0) {
        await new Promise((r) => clock.setTimeout(() => r(null), lengthMs));
      }
      return name;
    },
    ...extra,
  });
  return { played, job };
}

Deno.test("jobs on one reader play in order, each after the previous one's gap", async () => {
  const clock = new FakeClock(0);
  const queue = new ReaderPlayQueue(clock);
  const { played, job } = recorder(clock);
  const settled: string[] = [];
  const calls = ["a", "b", "c"].map((name) =>
    queue.enqueue("r1", "front", job(name, 52)).then((v) => settled.push(v))
  );
  assert.equal(queue.pending("r1"), 3);
  assert.deepEqual(played, [["a", 0]], "the first plays at once");
  clock.advance(52); // a's last edge
  await flush();
  clock.advance(GAP - 1);
  await flush();
  assert.deepEqual(played, [["a", 0]], "b waits for a's whole gap");
  assert.deepEqual(settled, ["a"], "a is answered once played, without waiting for its gap");
  assert.equal(queue.pending("r1"), 2);
  clock.advance(1);
  await flush();
  assert.deepEqual(played, [["a", 0], ["b", 52 + GAP]]);
  for (let i = 0; i < 2; i++) {
    clock.advance(52);
    await flush();
    clock.advance(GAP);
    await flush();
  }
  await Promise.all(calls);
  assert.deepEqual(played, [["a", 0], ["b", 87], ["c", 174]]);
  assert.deepEqual(settled, ["a", "b", "c"]);
  assert.equal(queue.pending("r1"), 0);
});

Deno.test("a job after an idle spell plays at once; within the gap it waits for the rest", async () => {
  const clock = new FakeClock(0);
  const queue = new ReaderPlayQueue(clock);
  const { played, job } = recorder(clock);
  await queue.enqueue("r1", "front", job("a"));
  clock.advance(GAP + 1000);
  void queue.enqueue("r1", "front", job("b"));
  assert.deepEqual(played, [["a", 0], ["b", 1035]]);
  await flush();
  clock.advance(10); // 10 ms into b's gap
  void queue.enqueue("r1", "front", job("c"));
  clock.advance(GAP - 10 - 1);
  assert.equal(played.length, 2);
  clock.advance(1);
  assert.deepEqual(played.at(-1), ["c", 1035 + GAP]);
});

Deno.test("an instant job (stamped back in time) waits until its first edge follows the gap", async () => {
  const clock = new FakeClock(0);
  const queue = new ReaderPlayQueue(clock);
  const { played, job } = recorder(clock);
  void queue.enqueue("r1", "front", job("a", 52));
  void queue.enqueue("r1", "front", job("b", 0, { backdateMs: 52 }));
  clock.advance(52);
  await flush();
  clock.advance(GAP); // a's gap is over, but b would be stamped from 52 ms ago
  await flush();
  assert.equal(played.length, 1);
  clock.advance(51);
  assert.equal(played.length, 1);
  clock.advance(1);
  assert.deepEqual(played, [["a", 0], ["b", 52 + GAP + 52]]);
});

Deno.test("readers play independently", async () => {
  const clock = new FakeClock(0);
  const queue = new ReaderPlayQueue(clock);
  const { played, job } = recorder(clock);
  void queue.enqueue("r1", "front", job("front-1", 52));
  void queue.enqueue("r2", "back", job("back-1", 52));
  void queue.enqueue("r1", "front", job("front-2", 52));
  void queue.enqueue("r2", "back", job("back-2", 52));
  assert.deepEqual(played, [["front-1", 0], ["back-1", 0]]);
  clock.advance(52);
  await flush();
  clock.advance(GAP);
  assert.deepEqual(played.slice(2), [["front-2", 87], ["back-2", 87]]);
});

Deno.test("a failing job rejects its own call only, and the next one still waits the gap", async () => {
  const clock = new FakeClock(0);
  const queue = new ReaderPlayQueue(clock);
  const { played, job } = recorder(clock);
  const failing = queue.enqueue("r1", "front", {
    gapMs: GAP,
    play: () => {
      throw new Error("reader gone");
    },
  });
  const next = queue.enqueue("r1", "front", job("b"));
  await assert.rejects(failing, /reader gone/);
  assert.deepEqual(played, []);
  clock.advance(GAP);
  assert.deepEqual(played, [["b", GAP]]);
  assert.equal(await next, "b");
});

Deno.test("beyond the bound a call is refused at once with BAD_REQUEST; the queue drains and accepts again", async () => {
  const clock = new FakeClock(0);
  const queue = new ReaderPlayQueue(clock);
  const { played, job } = recorder(clock);
  const calls: Promise<string>[] = [];
  for (let i = 0; i < MAX_PENDING_PER_READER; i++) {
    calls.push(queue.enqueue("r1", "front", job(`card-${i}`)));
  }
  assert.throws(
    () => queue.enqueue("r1", "front", job("one too many")),
    (error: unknown) =>
      error instanceof ControllerError && error.code === "BAD_REQUEST" &&
      /reader "front" already has 32 simulated reads waiting/.test(error.message),
  );
  // Another reader is not affected.
  void queue.enqueue("r2", "back", job("back"));
  assert.deepEqual(played.map(([name]) => name), ["card-0", "back"]);
  for (let i = 0; i < MAX_PENDING_PER_READER; i++) {
    await flush();
    clock.advance(GAP);
  }
  await Promise.all(calls);
  assert.equal(played.filter(([name]) => name.startsWith("card-")).length, MAX_PENDING_PER_READER);
  assert.ok(!played.some(([name]) => name === "one too many"));
  assert.equal(queue.pending("r1"), 0);
  void queue.enqueue("r1", "front", job("after"));
  assert.equal(played.at(-1)![0], "after");
});
