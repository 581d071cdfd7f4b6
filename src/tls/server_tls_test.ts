import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { createSelfSignedCertificate } from "./certificate.ts";
import {
  certificateNames,
  coveredNames,
  ensureSelfSigned,
  loadTlsFiles,
  RENEW_BEFORE_DAYS,
  resolveServerTls,
  TLS_FILES,
  TlsError,
} from "./server_tls.ts";

const DAY_MS = 86_400_000;
const NOW = new Date("2026-06-01T12:00:00Z");
const HOST = { hostname: "door-7", addresses: ["127.0.0.1", "192.0.2.7", "::1", "fe80::1"] };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "leosac-tls-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("certificateNames() covers the listen address, the host name and loopback when reachable", () => {
  assert.deepEqual(certificateNames("127.0.0.1", HOST), [
    "127.0.0.1",
    "door-7",
    "door-7.local",
    "localhost",
    "::1",
  ]);
  assert.deepEqual(certificateNames("192.0.2.7", HOST), ["192.0.2.7", "door-7", "door-7.local"]);
  assert.deepEqual(certificateNames("controller.example", HOST), [
    "controller.example",
    "door-7",
    "door-7.local",
  ]);
  assert.deepEqual(certificateNames("0.0.0.0", HOST), [
    "door-7",
    "door-7.local",
    "localhost",
    "127.0.0.1",
    "::1",
    "192.0.2.7",
  ]);
  // `::` listens on IPv6 too (not on link-local addresses, which need a zone).
  assert.ok(
    certificateNames("::", { ...HOST, addresses: ["2001:db8::7", "fe80::2"] })
      .includes("2001:db8::7"),
  );
  assert.ok(!certificateNames("::", { ...HOST, addresses: ["fe80::2"] }).includes("fe80::2"));
  // A host name that is not a DNS name is left out, not fatal.
  assert.deepEqual(certificateNames("192.0.2.7", { hostname: "bad_name", addresses: [] }), [
    "192.0.2.7",
  ]);
});

Deno.test("ensureSelfSigned() creates a 0600 key and a certificate for the names, then reuses them", async () => {
  await withDir(async (dir) => {
    const names = certificateNames("127.0.0.1", HOST);
    const first = await ensureSelfSigned(dir, { names, now: NOW });
    assert.equal(first.created, "first start");
    const keyPath = join(dir, TLS_FILES.key);
    assert.equal((await Deno.stat(keyPath)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(join(dir, TLS_FILES.certificate))).mode! & 0o077, 0o044);
    const cert = new X509Certificate(await Deno.readTextFile(join(dir, TLS_FILES.certificate)));
    assert.deepEqual(coveredNames(cert), names);
    assert.equal(first.fingerprint, cert.fingerprint256);
    assert.ok(new Date(cert.validFrom) <= NOW && NOW < new Date(cert.validTo));
    assert.deepEqual(first.notAfter, new Date(cert.validTo));
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
      TLS_FILES.certificate,
      TLS_FILES.key,
    ], "no temporary file left");

    const later = await ensureSelfSigned(dir, {
      names,
      now: new Date(NOW.getTime() + 90 * DAY_MS),
    });
    assert.equal(later.created, null);
    assert.equal(later.fingerprint, first.fingerprint);
    assert.equal(later.key, first.key);
  });
});

Deno.test("ensureSelfSigned() renews the certificate (same key) when it nears expiry or misses a name", async () => {
  await withDir(async (dir) => {
    const names = ["localhost", "127.0.0.1"];
    const first = await ensureSelfSigned(dir, { names, now: NOW });
    const nearEnd = new Date(first.notAfter.getTime() - (RENEW_BEFORE_DAYS - 1) * DAY_MS);
    const renewed = await ensureSelfSigned(dir, { names, now: nearEnd });
    assert.equal(renewed.created, "expiring");
    assert.notEqual(renewed.fingerprint, first.fingerprint);
    assert.equal(renewed.key, first.key, "the key is kept");
    assert.ok(renewed.notAfter > first.notAfter);

    const moved = await ensureSelfSigned(dir, { names: [...names, "192.0.2.8"], now: nearEnd });
    assert.equal(moved.created, "new names");
    assert.ok(coveredNames(new X509Certificate(moved.cert)).includes("192.0.2.8"));
    // An IPv6 address written another way is the same name.
    const v6 = await ensureSelfSigned(dir, { names: ["2001:db8:0::1"], now: nearEnd });
    assert.equal(v6.created, "new names");
    const again = await ensureSelfSigned(dir, { names: ["2001:DB8::1"], now: nearEnd });
    assert.equal(again.created, null);
  });
});

Deno.test("ensureSelfSigned() tightens a loose key mode and replaces a damaged certificate", async () => {
  await withDir(async (dir) => {
    const names = ["localhost"];
    const first = await ensureSelfSigned(dir, { names, now: NOW });
    const keyPath = join(dir, TLS_FILES.key);
    await Deno.chmod(keyPath, 0o644);
    await ensureSelfSigned(dir, { names, now: NOW });
    assert.equal((await Deno.stat(keyPath)).mode! & 0o777, 0o600);

    await Deno.writeTextFile(join(dir, TLS_FILES.certificate), "garbage");
    const repaired = await ensureSelfSigned(dir, { names, now: NOW });
    assert.equal(repaired.created, "unreadable");
    assert.equal(repaired.key, first.key);

    await Deno.writeTextFile(keyPath, "not a key");
    const rekeyed = await ensureSelfSigned(dir, { names, now: NOW });
    assert.equal(rekeyed.created, "unreadable");
    assert.notEqual(rekeyed.key, first.key);
    assert.equal((await Deno.stat(keyPath)).mode! & 0o777, 0o600);
  });
});

Deno.test("loadTlsFiles() reads a matching pair and names the file that is wrong", async () => {
  await withDir(async (dir) => {
    const a = createSelfSignedCertificate({ names: ["a.example"], now: NOW });
    const b = createSelfSignedCertificate({ names: ["b.example"], now: NOW });
    const file = (name: string, text: string): string => {
      Deno.writeTextFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const certA = file("a.crt", a.certPem), keyA = file("a.key", a.keyPem);
    const keyB = file("b.key", b.keyPem), junk = file("junk", "hello");
    const loaded = await loadTlsFiles(certA, keyA);
    assert.equal(loaded.fingerprint, new X509Certificate(a.certPem).fingerprint256);
    await assert.rejects(
      loadTlsFiles(certA, keyB),
      (e) =>
        e instanceof TlsError && e.message.includes(`${keyB} does not belong to the certificate`),
    );
    await assert.rejects(loadTlsFiles(junk, keyA), /is not a PEM certificate/);
    await assert.rejects(loadTlsFiles(certA, junk), /is not a PEM private key/);
    await assert.rejects(
      loadTlsFiles(join(dir, "missing.crt"), keyA),
      /cannot read the TLS certificate/,
    );
  });
});

Deno.test("resolveServerTls() is null for plain HTTP and uses the data directory for self-signed", async () => {
  await withDir(async (dir) => {
    const options = { dataDir: dir, listenHost: "127.0.0.1", now: NOW, host: HOST };
    assert.equal((await resolveServerTls({ mode: "off" }, options)).material, null);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), [], "plain HTTP writes nothing");
    const made = await resolveServerTls({ mode: "self-signed" }, options);
    assert.equal(made.created, "first start");
    assert.deepEqual(made.names, certificateNames("127.0.0.1", HOST));
    const files = await resolveServerTls({
      mode: "files",
      certFile: join(dir, TLS_FILES.certificate),
      keyFile: join(dir, TLS_FILES.key),
    }, options);
    assert.equal(files.material?.fingerprint, made.material?.fingerprint);
  });
});
