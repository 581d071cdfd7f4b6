/**
 * The web UI over `https://` in a real Chromium (Debian's, driven by
 * playwright-core), on a server with a self-signed certificate made by
 * `createSelfSignedCertificate()`:
 *
 * - a browser that trusts the certificate (pinned by its public key with
 *   `--ignore-certificate-errors-spki-list`, which is how Chromium trusts one
 *   key without a CA store) loads the page, logs in, and its WebSocket is
 *   `wss://` on the same host;
 * - a browser that does not trust it gets a certificate error and no page.
 */
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { startTestServer, TEST_ADMIN_PASSWORD } from "../src/testing.ts";
import { createSelfSignedCertificate } from "../src/tls/certificate.ts";
import { launchBrowser, NO_CHROMIUM } from "./_browser.ts";

/** base64(SHA-256(SubjectPublicKeyInfo)): what `--ignore-certificate-errors-spki-list` takes. */
function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

Deno.test({
  name:
    "web UI over https: a browser trusting the certificate logs in over wss; one that does not gets a certificate error",
  ignore: NO_CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const pair = createSelfSignedCertificate({ names: ["127.0.0.1"], now: new Date() });
    await using server = await startTestServer({ tls: { cert: pair.certPem, key: pair.keyPem } });
    assert.match(server.url, /^https:/);

    // Two browsers: trust is a start-up flag (the SPKI pin), so each needs its own.
    const untrusting = await launchBrowser();
    try {
      const page = await untrusting.newPage();
      await assert.rejects(page.goto(server.url), /net::ERR_CERT_AUTHORITY_INVALID/);
    } finally {
      await untrusting.close();
    }

    const trusting = await launchBrowser([
      `--ignore-certificate-errors-spki-list=${spkiHash(pair.certPem)}`,
    ]);
    try {
      const page = await trusting.newPage();
      page.setDefaultTimeout(30_000);
      const sockets: string[] = [];
      page.on("websocket", (socket) => sockets.push(socket.url()));
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(e.message));
      const response = await page.goto(server.url);
      assert.equal(response?.status(), 200);
      assert.equal(await page.evaluate(() => location.protocol), "https:");
      await page.getByLabel("Username").fill("admin");
      await page.getByLabel("Password").fill(TEST_ADMIN_PASSWORD);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      const host = new URL(server.url).host;
      assert.ok(sockets.length > 0, "the UI opened a WebSocket");
      assert.deepEqual([...new Set(sockets)], [`wss://${host}/websocket`]);
      assert.deepEqual(problems, []);
    } finally {
      await trusting.close();
    }
  },
});
