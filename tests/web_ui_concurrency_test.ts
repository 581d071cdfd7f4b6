/**
 * Two people edit the same door in the web UI (two browser pages, real
 * Chromium via playwright-core): the first save wins; the second gets the
 * server's sentence with a Reload button, and the form keeps what they typed
 * until they press it. After reloading they see the first person's change,
 * and their next save (with the new version) wins.
 */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import {
  createUserViaApi,
  startTestServer,
  TEST_ADMIN_PASSWORD,
  TestClient,
} from "../src/testing.ts";
import { ok } from "./_replies.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

function hasChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

const STALE_DOOR =
  "This door was changed by someone else after you opened it. Reload to see their change.";

/** A new browser context (its own session storage), logged in as admin, on `route`. */
async function openPage(browser: Browser, url: string, route: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(url);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(TEST_ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  await page.goto(`${url}#/${route}`);
  return page;
}

async function openDoor(browser: Browser, url: string, doorId: number): Promise<Page> {
  const page = await openPage(browser, url, `doors/door/${doorId}`);
  await page.getByRole("heading", { name: "Door Front" }).waitFor();
  return page;
}

async function storedAlias(admin: TestClient, doorId: number): Promise<string> {
  return ok(await admin.request("door.read", { door_id: doorId })).data.attributes.alias;
}

Deno.test({
  name: "web UI: two pages save the same door; the second gets the sentence and keeps its typing",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await startTestServer();
    await using admin = await TestClient.connect(server.wsUrl);
    await admin.login();
    const doorId: number = ok(
      await admin.request("door.create", { attributes: { alias: "Front", access_point_id: 0 } }),
    ).data.id;

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const problems: string[] = [];
    try {
      const first = await openDoor(browser, server.url, doorId);
      const second = await openDoor(browser, server.url, doorId);
      second.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));

      // The first person saves: it wins.
      await first.getByLabel("Name", { exact: true }).fill("North");
      await first.getByRole("button", { name: "Save" }).click();
      await first.getByText("Saved").waitFor();
      assert.equal(await storedAlias(admin, doorId), "North");

      // The second person saves the form they opened before: refused, typing kept.
      const name = second.getByLabel("Name", { exact: true });
      await name.fill("South");
      await second.getByRole("button", { name: "Save" }).click();
      await second.getByRole("alert").getByText(STALE_DOOR).waitFor();
      assert.equal(await name.inputValue(), "South", "what they typed is still there");
      assert.equal(await storedAlias(admin, doorId), "North", "nothing was written");

      // Reload shows the first person's change; saving again now wins.
      await second.getByRole("button", { name: "Reload" }).click();
      await second.getByRole("heading", { name: "Door North" }).waitFor();
      assert.equal(await name.inputValue(), "North");
      await name.fill("South");
      await second.getByRole("button", { name: "Save" }).click();
      await second.getByText("Saved").waitFor();
      assert.equal(await storedAlias(admin, doorId), "South");

      // The first page saved once and holds the version it got back, which is now stale.
      await first.getByLabel("Name", { exact: true }).fill("East");
      await first.getByRole("button", { name: "Save" }).click();
      await first.getByRole("alert").getByText(STALE_DOOR).waitFor();
      assert.equal(await storedAlias(admin, doorId), "South");
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "web UI: two pages save the same person; the second gets the sentence and keeps its typing",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await startTestServer();
    await using admin = await TestClient.connect(server.wsUrl);
    await admin.login();
    const userId = await createUserViaApi(admin, "carol", 0);
    const firstname = async () =>
      ok(await admin.request("user.read", { user_id: userId })).data.attributes.firstname;

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const [first, second] = [
        await openPage(browser, server.url, `people/user/${userId}`),
        await openPage(browser, server.url, `people/user/${userId}`),
      ];
      const field = (page: Page) => page.getByLabel("First name");
      await field(first).waitFor();
      await field(second).waitFor();

      await field(first).fill("Carol");
      await first.getByRole("button", { name: "Save" }).click();
      await first.getByText("Saved").waitFor();

      await field(second).fill("Caroline");
      await second.getByRole("button", { name: "Save" }).click();
      await second.getByRole("alert").getByText(
        "This person was changed by someone else after you opened it. Reload to see their change.",
      ).waitFor();
      assert.equal(await field(second).inputValue(), "Caroline");
      assert.equal(await firstname(), "Carol");

      // The first page's own second save carries the version its first save moved on to.
      await first.getByText("Saved").waitFor({ state: "detached" }); // the first notice is gone
      await field(first).fill("Caro");
      await first.getByRole("button", { name: "Save" }).click();
      await first.getByText("Saved").waitFor();
      assert.equal(await firstname(), "Caro");
    } finally {
      await browser.close();
    }
  },
});
