/**
 * The NATS permissions of a site's controllers (`deploy/nats-server.conf`,
 * {@linkcode controllerPermissions}) against the real server with the real
 * client: a controller does everything the site needs (streams, buckets,
 * object store, consumers, commands) and cannot speak for another
 * controller (its events, its doors, its commands).
 *
 * Skipped without /usr/sbin/nats-server unless LEOSAC_REQUIRE_NATS=1.
 */
import assert from "node:assert/strict";
import {
  connect,
  type NatsConnection,
  PermissionViolationError,
  type Subscription,
} from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { join } from "node:path";
import { siteNames } from "../src/site/names.ts";
import { createSelfSignedCertificate } from "../src/tls/certificate.ts";
import {
  controllerPermissions,
  type NatsCluster,
  natsServerPath,
  skipWithoutNats,
  startNats,
} from "./_nats.ts";

const ignore = skipWithoutNats("nats_permissions_test");
const SITE = "hq";
const names = siteNames(SITE);
const SAMPLE = new URL("../deploy/nats-server.conf", import.meta.url);

function password(controller: string): string {
  return `${controller}-test-password`;
}

function startSite(): Promise<NatsCluster> {
  return startNats({
    users: ["door-a", "door-b"].map((controller) => ({
      user: controller,
      password: password(controller),
      permissions: controllerPermissions(SITE, controller),
    })),
  });
}

/** Connects as the controller does (`src/site/link.ts`): its user, its inbox prefix. */
function connectAs(nats: NatsCluster, controller: string): Promise<NatsConnection> {
  return connect({
    servers: [...nats.urls],
    user: controller,
    pass: password(controller),
    inboxPrefix: names.inboxPrefix(controller),
  });
}

/**
 * Asserts that `promise` rejects with a permission violation on `subject`
 * (a request's RequestError holds it as its cause).
 */
async function assertDenied(promise: Promise<unknown>, subject: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    const violation = error instanceof Error && !(error instanceof PermissionViolationError)
      ? error.cause
      : error;
    assert.ok(violation instanceof PermissionViolationError, `${error}`);
    assert.equal(violation.operation, "publish");
    assert.equal(violation.subject, subject);
    return true;
  });
}

/** Waits until the server has refused `sub` (or accepted it: then null after a round trip). */
async function subscriptionError(nc: NatsConnection, sub: Subscription): Promise<Error | null> {
  await nc.flush(); // the server answers SUB with -ERR before the PONG
  const closed = await Promise.race([sub.closed, Promise.resolve("open" as const)]);
  return closed === "open" ? null : closed ?? null;
}

Deno.test({
  name: "a controller uses the site's streams, buckets and object store but speaks only for itself",
  ignore,
  async fn() {
    await using nats = await startSite();
    const a = await connectAs(nats, "door-a");
    const b = await connectAs(nats, "door-b");
    try {
      // The first controller creates the site's streams, buckets and store.
      const jsmA = await jetstreamManager(a);
      await jsmA.streams.add({
        name: names.policyStream,
        subjects: [names.policySubject],
      });
      await jsmA.streams.add({
        name: names.eventsStream,
        subjects: [names.eventsWildcard],
        duplicate_window: 120_000_000_000,
      });
      const doorsA = await new Kvm(a).create(names.doorsBucket, { history: 1 });
      const controllersA = await new Kvm(a).create(names.controllersBucket);
      const snapshotsA = await new Objm(a).create(names.snapshotStore);

      // Events: its own subject, idempotently; never another controller's.
      const jsA = jetstream(a);
      const event = await jsA.publish(names.eventsSubject("door-a"), "granted", {
        msgID: "door-a:1",
      });
      assert.equal(event.seq, 1);
      const again = await jsA.publish(names.eventsSubject("door-a"), "granted", {
        msgID: "door-a:1",
      });
      assert.equal(again.duplicate, true);
      await assertDenied(
        jsA.publish(names.eventsSubject("door-b"), "forged", { msgID: "door-b:1" }),
        names.eventsSubject("door-b"),
      );
      a.publish(names.eventsSubject("door-b"), "forged, without an ack");
      await a.flush();
      assert.equal((await jsmA.streams.info(names.eventsStream)).state.messages, 1);

      // Policy: any controller, in one order (expected last sequence).
      const policy = await jsA.publish(names.policySubject, "change 1", {
        expect: { lastSequence: 0 },
      });
      assert.equal(policy.seq, 1);
      const jsB = jetstream(b);
      await assert.rejects(
        jsB.publish(names.policySubject, "stale change", { expect: { lastSequence: 0 } }),
        /wrong last sequence/,
      );
      assert.equal(
        (await jsB.publish(names.policySubject, "change 2", { expect: { lastSequence: 1 } })).seq,
        2,
      );

      // Door states and presence: its own keys only; every key readable.
      await doorsA.put("door-a.1", "closed");
      await controllersA.put("door-a", "up");
      await assertDenied(doorsA.put("door-b.1", "open"), `$KV.${names.doorsBucket}.door-b.1`);
      await assertDenied(
        controllersA.put("door-b", "down"),
        `$KV.${names.controllersBucket}.door-b`,
      );
      // The site's coordination keys are everyone's (src/site/site.ts).
      await controllersA.create("_founder", "door-a");
      const controllersB = await new Kvm(b).open(names.controllersBucket);
      await assert.rejects(controllersB.create("_founder", "door-b"), /wrong last sequence/);
      const snapshotKey = await controllersB.create("_snapshot", "10");
      await controllersA.update("_snapshot", "20", snapshotKey);
      assert.equal((await controllersB.get("_snapshot"))?.string(), "20");
      const doorsB = await new Kvm(b).open(names.doorsBucket);
      await doorsB.put("door-b.7", "open");
      assert.equal((await doorsA.get("door-b.7"))?.string(), "open");
      assert.equal((await doorsB.get("door-a.1"))?.string(), "closed");
      // A watch is a push consumer with flow control.
      const watch = await doorsA.watch({ key: "door-b.*" });
      const seen: string[] = [];
      for await (const entry of watch) {
        seen.push(`${entry.key}=${entry.string()}`);
        if (seen.length === 1) await doorsB.put("door-b.7", "closed");
        if (seen.length === 2) break;
      }
      assert.deepEqual(seen, ["door-b.7=open", "door-b.7=closed"]);

      // Snapshots: written by one controller, read (and replaced) by another.
      const snapshot = new Uint8Array(300_000).map((_, i) => i % 251);
      await snapshotsA.putBlob({ name: "policy-2" }, snapshot);
      const snapshotsB = await new Objm(b).open(names.snapshotStore);
      assert.deepEqual(await snapshotsB.getBlob("policy-2"), snapshot);
      await snapshotsB.putBlob({ name: "policy-2" }, snapshot.subarray(0, 10));
      assert.equal((await snapshotsA.getBlob("policy-2"))?.length, 10);
      // The old chunks were purged (the client ignores a refused purge):
      // one chunk and one meta message remain.
      const store = await jsmA.streams.info(`OBJ_${names.snapshotStore}`);
      assert.equal(store.state.messages, 2);

      // Consumers: a durable pull consumer of the site's events, and an
      // ordered one.
      const jsmB = await jetstreamManager(b);
      await jsmB.consumers.add(names.eventsStream, {
        durable_name: "door-b",
        ack_policy: AckPolicy.Explicit,
      });
      const durable = await jsB.consumers.get(names.eventsStream, "door-b");
      const first = await durable.next({ expires: 5_000 });
      assert.equal(first?.subject, names.eventsSubject("door-a"));
      assert.equal(await first?.ackAck(), true);
      assert.equal((await durable.info()).num_ack_pending, 0);
      const ordered = await jsB.consumers.get(names.eventsStream);
      assert.equal((await ordered.next({ expires: 5_000 }))?.string(), "granted");

      // A controller cannot destroy the site's history.
      await assertDenied(
        jsmA.streams.delete(names.eventsStream),
        `$JS.API.STREAM.DELETE.${names.eventsStream}`,
      );
      await assertDenied(
        jsmA.streams.purge(names.eventsStream),
        `$JS.API.STREAM.PURGE.${names.eventsStream}`,
      );
      await assertDenied(
        jsmA.streams.deleteMessage(names.policyStream, 1),
        `$JS.API.STREAM.MSG.DELETE.${names.policyStream}`,
      );
      assert.equal((await jsmB.streams.info(names.policyStream)).state.messages, 2);
    } finally {
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name: "door commands: any controller asks, only the door's controller listens and answers",
  ignore,
  async fn() {
    await using nats = await startSite();
    const a = await connectAs(nats, "door-a");
    const b = await connectAs(nats, "door-b");
    try {
      const own = a.subscribe(names.commandSubject("door-a"), {
        callback: (error, msg) => {
          if (error === null) msg.respond(`door-a did ${msg.string()}`);
        },
      });
      assert.equal(await subscriptionError(a, own), null);
      const reply = await b.request(names.commandSubject("door-a"), "door.open 1", {
        timeout: 5_000,
      });
      assert.equal(reply.string(), "door-a did door.open 1");

      // door-a cannot listen to (or answer for) door-b's commands.
      const other = a.subscribe(names.commandSubject("door-b"));
      const error = await subscriptionError(a, other);
      assert.ok(error instanceof PermissionViolationError, `${error}`);
      assert.equal(error.operation, "subscription");
      assert.equal(error.subject, names.commandSubject("door-b"));
      const wildcard = a.subscribe(`leosac.${SITE}.cmd.*`);
      assert.ok((await subscriptionError(a, wildcard)) instanceof PermissionViolationError);
      // Nor eavesdrop on the site's events as they are published.
      const events = a.subscribe(names.eventsWildcard);
      assert.ok((await subscriptionError(a, events)) instanceof PermissionViolationError);
      // Nor read the replies meant for another controller, or for anyone.
      for (const inbox of [`${names.inboxPrefix("door-b")}.>`, "_INBOX.>"]) {
        const replies = a.subscribe(inbox);
        const denied = await subscriptionError(a, replies);
        assert.ok(denied instanceof PermissionViolationError, `${inbox}: ${denied}`);
        assert.equal(denied.subject, inbox);
      }
      // Nor publish to an inbox it was not asked to answer.
      a.publish("_INBOX.forged", "x");
      const status = a.status();
      const next = await status[Symbol.asyncIterator]().next();
      assert.equal(next.value?.type, "error");
      assert.match(String(next.value?.type === "error" && next.value.error), /_INBOX\.forged/);
    } finally {
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name: "a controller connects over TLS trusting the site's CA (--site-tls-ca), not without it",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "leosac-nats-tls-" });
    try {
      const pair = createSelfSignedCertificate({ names: ["localhost"], now: new Date() });
      const certFile = join(dir, "server.pem");
      const keyFile = join(dir, "server-key.pem");
      await Deno.writeTextFile(certFile, pair.certPem);
      await Deno.writeTextFile(keyFile, pair.keyPem);
      await using nats = await startNats({
        tls: { certFile, keyFile },
        users: [{
          user: "door-a",
          password: password("door-a"),
          permissions: controllerPermissions(SITE, "door-a"),
        }],
      });
      // By name: with an IP address the client (under Deno's node:tls)
      // checks the certificate against "localhost", not against the address.
      const servers = nats.urls.map((url) => url.replace("nats://127.0.0.1", "tls://localhost"));
      const nc = await connect({
        servers,
        user: "door-a",
        pass: password("door-a"),
        tls: { caFile: certFile },
        inboxPrefix: names.inboxPrefix("door-a"),
      });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.add({ name: names.eventsStream, subjects: [names.eventsWildcard] });
        const ack = await jetstream(nc).publish(names.eventsSubject("door-a"), "over TLS");
        assert.equal(ack.seq, 1);
      } finally {
        await nc.close();
      }
      // Without the CA, the server's certificate is not trusted.
      await assert.rejects(
        connect({ servers, user: "door-a", pass: password("door-a"), reconnect: false }),
      );
      // Nor does the server take a plain connection.
      await assert.rejects(
        connect({
          servers: [...nats.urls],
          user: "door-a",
          pass: password("door-a"),
          reconnect: false,
        }),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/**
 * The `permissions: { … }` block of user `user` in the sample, without
 * comments and blanks.
 */
function samplePermissions(text: string, user: string): string {
  const stripped = text.split("\n").map((line) => line.replace(/#.*$/, "").trim())
    .filter((line) => line !== "").join("\n");
  const at = stripped.search(new RegExp(`user:\\s*"?${user}"?[\\s,]`));
  assert.ok(at >= 0, `no user ${user} in deploy/nats-server.conf`);
  const start = stripped.indexOf("permissions:", at);
  let depth = 0;
  for (let i = stripped.indexOf("{", start); i < stripped.length; i++) {
    if (stripped[i] === "{") depth++;
    if (stripped[i] === "}" && --depth === 0) return stripped.slice(start, i + 1);
  }
  throw new Error(`unbalanced permissions of ${user}`);
}

function normalize(block: string): string {
  return block.split("\n").map((line) => line.trim()).filter((line) => line !== "").join("\n");
}

Deno.test("deploy/nats-server.conf gives each controller exactly controllerPermissions()", () => {
  const sample = Deno.readTextFileSync(SAMPLE);
  for (const controller of ["door-a", "door-b", "door-c"]) {
    assert.equal(
      normalize(samplePermissions(sample, controller)),
      normalize(controllerPermissions(SITE, controller)),
      controller,
    );
  }
});

Deno.test({
  name: "nats-server -t accepts deploy/nats-server.conf (certificate paths and store made local)",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "leosac-nats-sample-" });
    try {
      const pair = createSelfSignedCertificate({ names: ["nats-1.example.net"], now: new Date() });
      await Deno.writeTextFile(join(dir, "server.pem"), pair.certPem);
      await Deno.writeTextFile(join(dir, "server-key.pem"), pair.keyPem);
      await Deno.writeTextFile(join(dir, "ca.pem"), pair.certPem);
      const sample = Deno.readTextFileSync(SAMPLE);
      const local = sample.replaceAll("/etc/nats-server/tls/", `${dir}/`)
        .replace('"/var/lib/nats-server"', JSON.stringify(join(dir, "store")));
      assert.notEqual(local, sample);
      const config = join(dir, "nats-server.conf");
      await Deno.writeTextFile(config, local);
      const out = await new Deno.Command(natsServerPath(), {
        args: ["-c", config, "-t"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, text); // -t prints nothing when the file is good
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
