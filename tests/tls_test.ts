/**
 * TLS end to end, over real handshakes: `leosac serve --tls self-signed`
 * as a process (files, fingerprint line, `https://` ready line, reuse), a
 * WebSocket client that trusts the certificate and one that does not, the
 * Origin check over TLS, plain HTTP refused off loopback, and
 * `leosac simulate` over `wss://` with `--ca` and `--fingerprint`.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { runSimulate } from "../src/cli/simulate.ts";
import { parseSimulateFlags } from "../src/cli/simulate_flags.ts";
import { startTestServer, TEST_ADMIN_PASSWORD } from "../src/testing.ts";
import { createSelfSignedCertificate } from "../src/tls/certificate.ts";
import { TLS_FILES } from "../src/tls/server_tls.ts";
import { configureDoor } from "./_controller_fixtures.ts";
import { TestClient } from "../src/testing.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const PASSWORD = "tls-admin-password";

interface Started {
  child: Deno.ChildProcess;
  lines: string[];
  url: string;
}

/** Starts `main.ts` and reads stdout up to the ready line. */
async function startServe(args: string[]): Promise<Started> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1", LEOSAC_ADMIN_PASSWORD: PASSWORD },
  }).spawn();
  const lines: string[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let url = "";
  while (!url) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve ended before its ready line: ${lines.join("\n")}`);
    buffer += value;
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    lines.push(...parts);
    url = /^Listening on (\S+)$/.exec(lines.at(-1) ?? "")?.[1] ?? "";
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  return { child, lines, url };
}

async function stopServe(started: Started): Promise<void> {
  started.child.kill("SIGTERM");
  assert.equal((await started.child.status).code, 0);
}

/** Opens a WebSocket; resolves with the socket or the error event's message. */
function openSocket(url: string, client?: Deno.HttpClient): Promise<WebSocket | string> {
  const socket = new WebSocket(url, client ? { client } : undefined);
  return new Promise((resolve) => {
    socket.onopen = () => resolve(socket);
    socket.onerror = (e) => resolve(e instanceof ErrorEvent ? e.message : "error");
  });
}

function login(socket: WebSocket): Promise<{ status: number }> {
  return new Promise((resolve) => {
    socket.onmessage = (e) => resolve(JSON.parse(e.data as string).content);
    socket.send(JSON.stringify({
      type: "create_auth_token",
      uuid: "1",
      content: { username: "admin", password: PASSWORD },
    }));
  });
}

async function closeSocket(socket: WebSocket): Promise<void> {
  const closed = new Promise((r) => socket.onclose = r);
  socket.close();
  await closed;
}

Deno.test("leosac serve --tls self-signed: 0600 key, fingerprint line, https ready line, wss login for a client that trusts it only; reused at the next start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leosac-tls-e2e-" });
  try {
    const first = await startServe([
      "--data",
      dir,
      "--listen",
      "127.0.0.1:0",
      "--tls",
      "self-signed",
    ]);
    const certPem = await Deno.readTextFile(join(dir, TLS_FILES.certificate));
    const cert = new X509Certificate(certPem);
    try {
      assert.match(first.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
      assert.deepEqual(first.lines.slice(-2), [
        `TLS certificate SHA-256 fingerprint: ${cert.fingerprint256}`,
        `Listening on ${first.url}`,
      ]);
      assert.match(cert.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      assert.equal((await Deno.stat(join(dir, TLS_FILES.key))).mode! & 0o777, 0o600);
      const sans = cert.subjectAltName ?? "";
      for (const name of ["IP Address:127.0.0.1", "DNS:localhost", `DNS:${Deno.hostname()}`]) {
        assert.ok(sans.includes(name), `${name} in ${sans}`);
      }
      const now = Date.now();
      assert.ok(
        new Date(cert.validFrom).getTime() <= now && now < new Date(cert.validTo).getTime(),
      );

      const wsUrl = first.url.replace(/^https/, "wss") + "websocket";
      using client = Deno.createHttpClient({ caCerts: [certPem] });
      const trusted = await openSocket(wsUrl, client);
      assert.ok(trusted instanceof WebSocket, String(trusted));
      assert.equal((await login(trusted)).status, 0);
      await closeSocket(trusted);
      const health = await fetch(`${first.url}healthz`, { client });
      assert.equal(health.status, 200);
      await health.body?.cancel();

      const refused = await openSocket(wsUrl);
      assert.equal(typeof refused, "string");
      assert.match(refused as string, /certificate/i);
      const plain = await openSocket(first.url.replace(/^https/, "ws") + "websocket");
      assert.equal(typeof plain, "string", "no plain WebSocket on the TLS port");
    } finally {
      await stopServe(first);
    }
    const second = await startServe([
      "--data",
      dir,
      "--listen",
      "127.0.0.1:0",
      "--tls",
      "self-signed",
    ]);
    await stopServe(second);
    assert.ok(second.lines.includes(`TLS certificate SHA-256 fingerprint: ${cert.fingerprint256}`));
    assert.equal(await Deno.readTextFile(join(dir, TLS_FILES.certificate)), certPem, "reused");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leosac serve refuses plain HTTP off loopback (exit 2) unless --insecure-http", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leosac-tls-e2e-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "--data", dir, "--listen", "0.0.0.0:0"],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(out.code, 2);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.match(stderr, /^leosac: refusing plain HTTP on 0\.0\.0\.0: passwords would cross/);
    assert.equal(stderr.trim().split("\n").length, 1, "one line");
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), [], "nothing written");

    const insecure = await startServe(["--data", dir, "--listen", "0.0.0.0:0", "--insecure-http"]);
    assert.match(insecure.url, /^http:\/\/0\.0\.0\.0:\d+\/$/);
    await stopServe(insecure);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A test server over TLS with the front door wired. */
async function tlsServerWithDoor() {
  const pair = createSelfSignedCertificate({ names: ["127.0.0.1"], now: new Date() });
  const server = await startTestServer({
    hardware: "sim",
    tls: { cert: pair.certPem, key: pair.keyPem },
  });
  const client = Deno.createHttpClient({ caCerts: [pair.certPem] });
  return { pair, server, client };
}

Deno.test("the Origin check follows the scheme: over TLS only an https page of the same host", async () => {
  const { server, client } = await tlsServerWithDoor();
  try {
    const host = new URL(server.url).host;
    const open = async (origin: string): Promise<boolean> => {
      const socket = new WebSocket(server.wsUrl, { client, headers: { origin } });
      const opened = await new Promise<boolean>((resolve) => {
        socket.onopen = () => resolve(true);
        socket.onerror = () => resolve(false);
      });
      if (opened) await closeSocket(socket);
      return opened;
    };
    assert.equal(await open(`https://${host}`), true);
    assert.equal(await open(`http://${host}`), false);
    assert.equal(await open("https://evil.example"), false);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("leosac simulate over wss://: granted with --fingerprint or --ca; refused untrusted or with a wrong fingerprint", async () => {
  const { pair, server, client } = await tlsServerWithDoor();
  const dir = await Deno.makeTempDir();
  try {
    await using admin = await TestClient.connect(server.wsUrl, { client });
    await admin.login();
    await configureDoor(server, admin);
    const lines: string[] = [];
    const io = { print: (l: string) => lines.push(l), error: (l: string) => lines.push(`E ${l}`) };
    const card = ["card", "--reader", "front-reader", "--facility", "12", "--number", "3456"];
    const env = { LEOSAC_PASSWORD: TEST_ADMIN_PASSWORD };
    const fingerprint = new X509Certificate(pair.certPem).fingerprint256;
    const run = (...extra: string[]) =>
      runSimulate(parseSimulateFlags([...card, "--url", server.url, ...extra], env), io);

    assert.equal(await run("--fingerprint", fingerprint.toLowerCase()), 0, lines.join("\n"));
    assert.match(lines.at(-1)!, /^granted: GRANTED/);
    const caFile = join(dir, "controller.pem");
    await Deno.writeTextFile(caFile, pair.certPem);
    assert.equal(await run("--ca", caFile), 0, lines.join("\n"));
    assert.match(lines.at(-1)!, /^granted: GRANTED/);

    assert.equal(await run(), 1);
    assert.match(lines.at(-1)!, /^E leosac: Cannot connect to wss:.*certificate.*--fingerprint/);
    const wrong = "00:" + fingerprint.slice(3);
    assert.equal(await run("--fingerprint", wrong), 1);
    assert.equal(
      lines.at(-1),
      `E leosac: the certificate of ${
        new URL(server.url).host
      } has fingerprint ${fingerprint}, not ${wrong}: refusing to connect`,
    );
    const other = createSelfSignedCertificate({ names: ["127.0.0.1"], now: new Date() });
    await Deno.writeTextFile(caFile, other.certPem);
    assert.equal(await run("--ca", caFile), 1, "a CA file with another certificate");
  } finally {
    client.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
