import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createPrivateKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import {
  BACKDATE_MS,
  createSelfSignedCertificate,
  DEFAULT_VALIDITY_DAYS,
  ipBytes,
  sha256Fingerprint,
} from "./certificate.ts";

const NOW = new Date("2026-06-01T12:00:00Z");

Deno.test("createSelfSignedCertificate() makes a P-256 v3 certificate that node:crypto parses and verifies", () => {
  const pair = createSelfSignedCertificate({
    names: ["controller", "controller.local", "192.0.2.10", "2001:db8::1", "localhost"],
    now: NOW,
  });
  const cert = new X509Certificate(pair.certPem);
  assert.equal(
    cert.subjectAltName,
    "DNS:controller, DNS:controller.local, IP Address:192.0.2.10, IP Address:2001:db8::1, DNS:localhost",
  );
  assert.equal(cert.subject, "O=Leosac\nCN=controller");
  assert.equal(cert.issuer, cert.subject);
  assert.equal(new Date(cert.validFrom).getTime(), NOW.getTime() - BACKDATE_MS);
  assert.equal(
    new Date(cert.validTo).getTime(),
    NOW.getTime() + DEFAULT_VALIDITY_DAYS * 86_400_000,
  );
  assert.equal(cert.ca, false);
  assert.deepEqual(cert.keyUsage, ["DigitalSignature"]);
  assert.equal(cert.publicKey.asymmetricKeyType, "ec");
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
  assert.ok(cert.verify(cert.publicKey), "signed by its own key");
  assert.ok(cert.checkPrivateKey(createPrivateKey(pair.keyPem)));
  assert.equal(sha256Fingerprint(pair.der), cert.fingerprint256);
  assert.match(pair.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
});

Deno.test("createSelfSignedCertificate() certifies a given key, with a fresh serial each time", () => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const a = new X509Certificate(
    createSelfSignedCertificate({ names: ["a"], now: NOW, privateKey }).certPem,
  );
  const b = new X509Certificate(
    createSelfSignedCertificate({ names: ["a"], now: NOW, privateKey, validityDays: 10 }).certPem,
  );
  assert.ok(a.checkPrivateKey(privateKey) && b.checkPrivateKey(privateKey));
  assert.notEqual(a.serialNumber, b.serialNumber);
  assert.equal(a.serialNumber.length, 32, "16 bytes");
  assert.equal(new Date(b.validTo).getTime(), NOW.getTime() + 10 * 86_400_000);
});

Deno.test("createSelfSignedCertificate() refuses no names, bad names, bad validity and non-EC keys", () => {
  assert.throws(() => createSelfSignedCertificate({ names: [], now: NOW }), RangeError);
  for (const bad of ["under_score", "-lead", "a..b", "é.example", "x".repeat(64)]) {
    assert.throws(() => createSelfSignedCertificate({ names: [bad], now: NOW }), RangeError, bad);
  }
  assert.throws(
    () => createSelfSignedCertificate({ names: ["a"], now: NOW, validityDays: 0 }),
    RangeError,
  );
  const { privateKey } = generateKeyPairSync("ed25519");
  assert.throws(
    () => createSelfSignedCertificate({ names: ["a"], now: NOW, privateKey }),
    /EC key/,
  );
});

Deno.test("ipBytes() encodes IPv4, compressed IPv6 and IPv4-mapped IPv6", () => {
  const hex = (address: string): string => Buffer.from(ipBytes(address)).toString("hex");
  assert.equal(hex("192.0.2.10"), "c000020a");
  assert.equal(hex("::1"), "00000000000000000000000000000001");
  assert.equal(hex("2001:db8::1"), "20010db8000000000000000000000001");
  assert.equal(hex("fe80::1%eth0"), "fe800000000000000000000000000001");
  assert.equal(hex("::ffff:192.0.2.1"), "00000000000000000000ffffc0000201");
  assert.equal(hex("1:2:3:4:5:6:7:8"), "00010002000300040005000600070008");
  assert.throws(() => ipBytes("example"), RangeError);
});

function hasOpenssl(): boolean {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "createSelfSignedCertificate() output passes OpenSSL's strict DER parse and verify",
  ignore: !hasOpenssl(), // a second, independent decoder where the machine has one
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const pair = createSelfSignedCertificate({
        names: ["localhost", "127.0.0.1"],
        now: new Date(),
      });
      const file = `${dir}/cert.pem`;
      await Deno.writeTextFile(file, pair.certPem);
      const verify = await new Deno.Command("openssl", {
        args: ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", file, file],
      }).output();
      const text = new TextDecoder().decode(verify.stdout) +
        new TextDecoder().decode(verify.stderr);
      assert.ok(verify.success, text);
      assert.match(text, /: OK/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
