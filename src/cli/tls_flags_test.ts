import assert from "node:assert/strict";
import { parseFlags, type ServeCommand, UsageError } from "./flags.ts";
import { parseSimulateFlags, webSocketUrl } from "./simulate_flags.ts";
import { normalizeFingerprint } from "./trust.ts";

const serve = (...args: string[]): ServeCommand => parseFlags(args) as ServeCommand;

Deno.test("parseFlags() reads --tls self-signed, --tls-cert/--tls-key and --insecure-http", () => {
  assert.deepEqual(serve().tls, { mode: "off" });
  assert.equal(serve().insecureHttp, false);
  assert.deepEqual(serve("--tls", "self-signed").tls, { mode: "self-signed" });
  assert.deepEqual(serve("--tls-cert", "c.pem", "--tls-key", "k.pem").tls, {
    mode: "files",
    certFile: "c.pem",
    keyFile: "k.pem",
  });
  const open = serve("--listen", "0.0.0.0:8443", "--tls", "self-signed");
  assert.equal(open.hostname, "0.0.0.0");
  assert.equal(serve("--listen", "192.0.2.1:80", "--insecure-http").insecureHttp, true);
  // Loopback stays plain HTTP by default, in every spelling.
  for (const listen of ["127.0.0.1:8888", "127.1.2.3:1", "[::1]:8888", "localhost:8888"]) {
    assert.deepEqual(serve("--listen", listen).tls, { mode: "off" }, listen);
  }
});

Deno.test("parseFlags() refuses plain HTTP off loopback, with the way out in the message", () => {
  for (const listen of ["0.0.0.0:8888", "[::]:8888", "192.0.2.1:80", "controller.local:80"]) {
    assert.throws(
      () => serve("--listen", listen),
      (e) =>
        e instanceof UsageError && /^refusing plain HTTP on /.test(e.message) &&
        e.message.includes("--tls self-signed") && e.message.includes("--insecure-http"),
      listen,
    );
  }
});

Deno.test("parseFlags() rejects bad TLS combinations", () => {
  const bad: Array<[string[], RegExp]> = [
    [["--tls", "on"], /invalid value for --tls: "on"/],
    [["--tls-cert", "c.pem"], /together/],
    [["--tls-key", "k.pem"], /together/],
    [["--tls-cert", "", "--tls-key", "k"], /--tls-cert: empty path/],
    [["--tls", "self-signed", "--tls-cert", "c", "--tls-key", "k"], /not both/],
    [["--tls", "self-signed", "--insecure-http"], /cannot be combined/],
  ];
  for (const [args, message] of bad) {
    assert.throws(() => serve(...args), (e) => e instanceof UsageError && message.test(e.message));
  }
});

Deno.test("webSocketUrl() follows the page scheme: https becomes wss, http ws", () => {
  assert.equal(webSocketUrl("https://door-7:8443/"), "wss://door-7:8443/websocket");
  assert.equal(webSocketUrl("https://door-7:8443"), "wss://door-7:8443/websocket");
  assert.equal(webSocketUrl("http://127.0.0.1:8888/"), "ws://127.0.0.1:8888/websocket");
  assert.equal(webSocketUrl("wss://door-7/websocket"), "wss://door-7/websocket");
  assert.throws(() => webSocketUrl("ftp://door-7/"), UsageError);
  assert.throws(() => webSocketUrl("door-7:8443"), UsageError);
});

Deno.test("parseSimulateFlags() takes --ca or --fingerprint for wss:// only", () => {
  const env = { LEOSAC_PASSWORD: "pw" };
  const base = ["card", "--reader", "r", "--number", "1"];
  const fp = "ab".repeat(32);
  const pinned = parseSimulateFlags([...base, "--url", "https://h:1/", "--fingerprint", fp], env);
  assert.equal(pinned.url, "wss://h:1/websocket");
  assert.equal(pinned.fingerprint, normalizeFingerprint(fp));
  assert.match(pinned.fingerprint!, /^AB(:AB){31}$/);
  const ca = parseSimulateFlags([...base, "--url", "wss://h:1/websocket", "--ca", "c.pem"], env);
  assert.equal(ca.caFile, "c.pem");
  assert.throws(
    () => parseSimulateFlags([...base, "--fingerprint", fp], env),
    /--fingerprint needs a wss:\/\/ or https:\/\/ --url/,
  );
  assert.throws(
    () => parseSimulateFlags([...base, "--url", "wss://h/", "--fingerprint", "AB:CD"], env),
    /invalid value for --fingerprint/,
  );
  assert.throws(
    () =>
      parseSimulateFlags(
        [...base, "--url", "wss://h/", "--fingerprint", fp, "--ca", "c.pem"],
        env,
      ),
    /not both/,
  );
});
