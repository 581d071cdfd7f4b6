/**
 * The web UI's OSDP page (Doors & readers → OSDP) in Chromium, on a real
 * server with simulated hardware: an administrator adds a `sim:` bus and two
 * readers with the forms; once wired to doors (over the API) the readers'
 * status shows online, a card presented with `hardware.simulate` shows as the
 * last card, install mode gives a secure reader its key; the page passes
 * axe-core.
 */
import assert from "node:assert/strict";
import { startTestServer, TEST_ADMIN_PASSWORD, TestClient } from "../src/testing.ts";
import { assertAccessible, browserTest, login, openPage } from "./_browser.ts";
import { ok } from "./_controller_fixtures.ts";
import type { Page } from "playwright-core";

/** Wires reader `readerId` to a new door. */
async function wire(admin: TestClient, readerId: string, alias: string): Promise<void> {
  const apId = ok(
    await admin.request("access_point.create", {
      attributes: {
        alias: `${alias}-ap`,
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        reader: readerId,
        "reader-mode": "card",
      },
    }),
  ).data.id;
  ok(await admin.request("door.create", { attributes: { alias, access_point_id: apId } }));
}

/** Clicks Refresh until the reader's row contains `text`. */
async function rowShows(page: Page, reader: string, text: string): Promise<void> {
  const row = page.getByRole("row").filter({ hasText: reader });
  const deadline = Date.now() + 10_000;
  while (!(await row.innerText()).includes(text)) {
    if (Date.now() > deadline) {
      throw new Error(`row "${reader}" never showed "${text}": ${await row.innerText()}`);
    }
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.waitForTimeout(100);
  }
}

browserTest("web UI OSDP page: add a bus and readers, status, install mode", async (browser) => {
  await using server = await startTestServer({ hardware: "sim" });
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  const problems: string[] = [];
  const { page, context } = await openPage(browser, { problems });
  try {
    await page.goto(server.url);
    await login(page, "admin", TEST_ADMIN_PASSWORD);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.goto(`${server.url}#/doors/osdp`);
    await page.getByRole("heading", { name: "OSDP buses (0)" }).waitFor();
    await assertAccessible(page, "OSDP page, empty");

    const busForm = page.getByRole("form", { name: "Add an OSDP bus" });
    await busForm.getByLabel("Bus name").fill("lobby-bus");
    await busForm.getByLabel("Port").fill("sim:lobby");
    await busForm.getByLabel("Poll interval (ms)").fill("20");
    await busForm.getByRole("button", { name: "Add bus" }).click();
    await page.getByRole("heading", { name: "OSDP buses (1)" }).waitFor();

    const readerForm = page.getByRole("form", { name: "Add an OSDP reader" });
    await readerForm.getByLabel("Reader name").fill("front");
    await readerForm.getByLabel("Address").fill("1");
    await readerForm.getByLabel("Secure Channel required").uncheck();
    await readerForm.getByRole("button", { name: "Add reader" }).click();
    await page.getByRole("heading", { name: "OSDP readers (1)" }).waitFor();
    await readerForm.getByLabel("Reader name").fill("back");
    await readerForm.getByLabel("Address").fill("2");
    await readerForm.getByRole("button", { name: "Add reader" }).click();
    await page.getByRole("heading", { name: "OSDP readers (2)" }).waitFor();

    const readers = ok(await admin.request("osdp-reader.read", { reader_id: 0 })).data as {
      id: string;
      attributes: { name: string; secure: boolean };
    }[];
    assert.deepEqual(
      readers.map((r) => [r.attributes.name, r.attributes.secure]).sort(),
      [["back", true], ["front", false]],
    );
    for (const r of readers) await wire(admin, r.id, `${r.attributes.name}-door`);

    await rowShows(page, "front", "Online");
    ok(
      await admin.request("hardware.simulate", {
        action: "card",
        reader: "front",
        facility: 1,
        number: 2,
      }),
    );
    await rowShows(page, "front", new Date().getFullYear().toString());
    await rowShows(page, "back", "No key");
    await assertAccessible(page, "OSDP page, with readers");

    await page.getByRole("button", { name: "Install mode for back" }).click();
    await rowShows(page, "back", "Key installed");
    await rowShows(page, "back", "Secure Channel");
    assert.deepEqual(problems.filter((p) => !p.includes("favicon")), []);
  } finally {
    await context.close();
  }
});
