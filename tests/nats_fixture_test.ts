/**
 * The NATS test fixture (`tests/_nats.ts`) against the real server: a
 * 3-node JetStream cluster keeps an R3 stream writable with one node killed
 * and keeps its messages through a `kill -9` of every node. The restart of
 * the whole cluster takes about 10 s: nats-server 2.9 elects the meta leader,
 * then the stream's leader, each after an election timeout of 4-9 s that no
 * setting shortens.
 *
 * Skipped without /usr/sbin/nats-server unless LEOSAC_REQUIRE_NATS=1.
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { skipWithoutNats, startNats, startNatsCluster } from "./_nats.ts";

const ignore = skipWithoutNats("nats_fixture_test");

Deno.test({
  name: "a 3-node cluster keeps an R3 stream through one node killed and through all restarted",
  ignore,
  async fn() {
    const started = performance.now();
    await using nats = await startNatsCluster();
    const startMs = performance.now() - started;
    assert.equal(nats.urls.length, 3);
    assert.ok(startMs < 10_000, `cluster start took ${startMs.toFixed(0)} ms`);

    let nc = await connect({ servers: [...nats.urls], reconnectTimeWait: 100 });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = await jsm.streams.add({
        name: "FIXTURE",
        subjects: ["fixture.>"],
        num_replicas: 3,
      });
      const js = jetstream(nc);
      const first = await js.publish("fixture.a", "one");
      assert.equal(first.seq, 1);

      // A follower of the stream down: the leader and the other follower
      // are a quorum, so publishing goes on at once. (Killing the leader
      // works too but costs nats-server 2.9's election timeout, 4-9 s, which
      // has no setting.)
      const follower = [0, 1, 2].find((i) => stream.cluster?.leader !== `n${i}`)!;
      await nats.kill(follower);
      assert.equal(nats.running(follower), false);
      const second = await js.publish("fixture.a", "two", { msgID: "two", retries: 30 });
      assert.equal(second.seq, 2);
    } finally {
      await nc.close();
    }

    await nats.killAll();
    assert.deepEqual([0, 1, 2].map((i) => nats.running(i)), [false, false, false]);
    await nats.restartAll();
    assert.match(nats.log(0), /n0 exited \(SIGKILL\)/);

    nc = await connect({ servers: [...nats.urls] });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info("FIXTURE");
      assert.equal(info.state.messages, 2);
      const texts: string[] = [];
      for (const seq of [1, 2]) {
        const message = await jsm.streams.getMessage("FIXTURE", { seq });
        assert.ok(message !== null);
        texts.push(message.string());
      }
      assert.deepEqual(texts, ["one", "two"]);
    } finally {
      await nc.close();
    }
  },
});

Deno.test({
  name: "startNats() runs one JetStream node; a bad configuration fails with the server's log",
  ignore,
  async fn() {
    {
      await using nats = await startNats();
      assert.equal(nats.urls.length, 1);
      const nc = await connect({ servers: [...nats.urls] });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.add({ name: "ONE", subjects: ["one"] });
        assert.equal((await jetstream(nc).publish("one", "x")).seq, 1);
      } finally {
        await nc.close();
      }
      const dir = nats.dir;
      await nats.stop();
      await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
    }
    await assert.rejects(
      startNats({ extraConfig: "not_an_option_of_nats: 1" }),
      (error: Error) => {
        assert.match(error.message, /nats-server node n0 .* exited while starting/);
        assert.match(error.message, /not_an_option_of_nats/, "the server's own complaint is shown");
        return true;
      },
    );
  },
});
