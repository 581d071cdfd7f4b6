/**
 * The People page's CSV import in a real Chromium (Debian's, driven by
 * playwright-core): an administrator chooses a file, previews the plan,
 * imports it and sees the people in the list; a file with an error shows
 * the line and column and imports nothing; a manager does not see the
 * panel. Also `people.import` over the WebSocket API: administrators only,
 * a dry run by default, the size limit.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import {
  createUserViaApi,
  startTestServer,
  TEST_ADMIN_PASSWORD,
  TestClient,
} from "../src/testing.ts";
import { MAX_CSV_CHARS } from "../src/ws/handlers/people/import.ts";
import { type Json, ok } from "./_controller_fixtures.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-sync",
];
const NO_CHROMIUM = (() => {
  try {
    return !Deno.statSync(CHROMIUM).isFile;
  } catch {
    return true;
  }
})();

const CSV = "username,firstname,lastname,groups,card_format,facility,card_number,pin\n" +
  "ann,Ann,Lee,staff,H10301,1,103,1234\n" +
  "bob,Bob,Ray,staff;night,H10301,1,104,\n";

Deno.test("people.import: administrators only, a dry run by default, then the import", async () => {
  await using server = await startTestServer();
  await using admin = await TestClient.connect(server.wsUrl);
  await admin.login();
  await createUserViaApi(admin, "mgr", 2, "manager-pw-1");
  await using manager = await TestClient.connect(server.wsUrl);
  await manager.login("mgr", "manager-pw-1");
  const denied = await manager.request("people.import", { csv: CSV });
  assert.equal(denied.status_code, 2);

  const plan: Json = ok(await admin.request("people.import", { csv: CSV }));
  assert.equal(plan.applied, false);
  assert.deepEqual([plan.rows, plan.add, plan.cards_add, plan.pins, plan.memberships], [
    2,
    2,
    2,
    1,
    3,
  ]);
  assert.deepEqual(plan.groups_to_create, ["staff", "night"]);
  assert.equal(server.store.db.prepare("SELECT count(*) AS n FROM users").get()!.n, 2);

  const done: Json = ok(await admin.request("people.import", { csv: CSV, dry_run: false }));
  assert.equal(done.applied, true);
  assert.match(done.summary, /^2 people added/);
  const again: Json = ok(await admin.request("people.import", { csv: CSV, dry_run: false }));
  assert.deepEqual([again.applied, again.unchanged], [false, 2]);

  const bad: Json = ok(
    await admin.request("people.import", { csv: 'username\n"ann\n', dry_run: false }),
  );
  assert.equal(bad.applied, false);
  assert.equal(bad.errors[0].line, 2);
  const big = await admin.request("people.import", { csv: "x".repeat(MAX_CSV_CHARS + 1) });
  assert.equal(big.status_code, 1);
});

async function login(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

Deno.test({
  name: "web UI: import people from a CSV file on the People page",
  ignore: NO_CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await startTestServer();
    await using admin = await TestClient.connect(server.wsUrl);
    await admin.login();
    await createUserViaApi(admin, "mgr", 2, "manager-pw-1");
    const dir = await Deno.makeTempDir({ prefix: "leosac-ui-import-" });
    const context = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    const problems: string[] = [];
    try {
      const good = join(dir, "people.csv");
      const wrong = join(dir, "wrong.csv");
      await Deno.writeTextFile(good, CSV);
      await Deno.writeTextFile(wrong, CSV + "cy,Cy,,,H10301,300,1,\n");
      const page = context.pages()[0] ?? await context.newPage();
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.setDefaultTimeout(30_000);
      await page.goto(server.url);
      await login(page, "admin", TEST_ADMIN_PASSWORD);
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      await page.goto(`${server.url}#/people`);
      const panel = page.getByRole("region", { name: "Import people from a CSV file" });
      await panel.waitFor();

      await panel.getByLabel("CSV file").setInputFiles(wrong);
      await panel.getByRole("button", { name: "Preview" }).click();
      await panel.getByText("1 error: nothing was imported.").waitFor();
      await panel.getByRole("cell", { name: "facility", exact: true }).waitFor();
      await panel.getByRole("cell", { name: "4", exact: true }).waitFor();
      assert.equal(await panel.getByRole("button", { name: "Import" }).isDisabled(), true);

      await panel.getByLabel("CSV file").setInputFiles(good);
      await panel.getByRole("button", { name: "Preview" }).click();
      await panel.getByText(/^Plan: 2 people to add/).waitFor();
      await panel.getByRole("cell", { name: "bob" }).waitFor();
      await page.screenshot({ path: join(Deno.cwd(), ".tmp", "people-import-preview.png") }).catch(
        () => {},
      );
      await panel.getByRole("button", { name: "Import" }).click();
      await panel.getByText(/^Imported: 2 people added/).waitFor();
      // The list reloads with the new people.
      await page.getByRole("link", { name: "ann", exact: true }).waitFor();
      const count = server.store.db.prepare("SELECT count(*) AS n FROM users").get()!.n;
      assert.equal(count, 4);

      // A manager does not get the panel (the server refuses them anyway).
      await page.getByRole("button", { name: "Log out" }).click();
      await login(page, "mgr", "manager-pw-1");
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      await page.goto(`${server.url}#/people`);
      await page.getByRole("region", { name: "Users" }).waitFor();
      assert.equal(
        await page.getByRole("region", { name: "Import people from a CSV file" }).count(),
        0,
      );
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
