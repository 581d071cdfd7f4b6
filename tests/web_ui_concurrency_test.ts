/**
 * Two people edit the same door (person, schedule) in the web UI (two browser
 * pages, real Chromium via playwright-core): the first save wins; the second
 * gets the server's sentence with a Reload button, and the form keeps what
 * they typed until they press it. After reloading they see the first
 * person's change, and their next save (with the new version) wins. A delete
 * button sends the version too: deleting a door someone else changed
 * meanwhile shows the sentence instead of deleting.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { browserTest } from "./_browser.ts";
import {
  createUserViaApi,
  startTestServer,
  TEST_ADMIN_PASSWORD,
  TestClient,
} from "../src/testing.ts";
import { failed, ok } from "./_replies.ts";

const STALE_DOOR =
  "This door was changed by someone else after you opened it. Reload to see their change.";
const STALE_SCHEDULE =
  "This schedule was changed by someone else after you opened it. Reload to see their change.";

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

browserTest("web UI: concurrent edits from two pages", async (browser, t) => {
  await t.step(
    "web UI: two pages save the same door; the second gets the sentence and keeps its typing",
    async () => {
      await using server = await startTestServer();
      await using admin = await TestClient.connect(server.wsUrl);
      await admin.login();
      const doorId: number = ok(
        await admin.request("door.create", { attributes: { alias: "Front", access_point_id: 0 } }),
      ).data.id;
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
        await first.getByRole("heading", { name: "Door North" }).waitFor(); // the title follows

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
        await Promise.all(browser.contexts().map((c) => c.close()));
      }
    },
  );

  await t.step(
    "web UI: two pages save the same person; the second gets the sentence and keeps its typing",
    async () => {
      await using server = await startTestServer();
      await using admin = await TestClient.connect(server.wsUrl);
      await admin.login();
      const userId = await createUserViaApi(admin, "carol", 0);
      const firstname = async () =>
        ok(await admin.request("user.read", { user_id: userId })).data.attributes.firstname;
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
        await Promise.all(browser.contexts().map((c) => c.close()));
      }
    },
  );

  await t.step(
    "web UI: two pages save the same schedule; the second gets the sentence and keeps its typing",
    async () => {
      await using server = await startTestServer();
      await using admin = await TestClient.connect(server.wsUrl);
      await admin.login();
      const scheduleId: number = ok(
        await admin.request("schedule.create", {
          attributes: { name: "office", description: "", timeframes: [] },
        }),
      ).data.id;
      const stored = async () =>
        ok(await admin.request("schedule.read", { schedule_id: scheduleId })).data.attributes;
      const problems: string[] = [];
      try {
        const open = async () => {
          const page = await openPage(browser, server.url, `access/schedule/${scheduleId}`);
          await page.getByRole("heading", { name: "Schedule office" }).waitFor();
          return page;
        };
        const first = await open();
        const second = await open();
        second.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
        const save = (page: Page) => page.getByRole("button", { name: "Save schedule" }).click();
        const frames = (page: Page) => page.locator("table.timeframes tbody tr");

        // The first person renames the schedule: it wins.
        await first.getByLabel("Name", { exact: true }).fill("day");
        await save(first);
        await first.getByText("Schedule saved").waitFor();
        assert.equal((await stored()).name, "day");

        // The second person describes it and adds a timeframe in the form they opened before:
        // refused, what they typed is kept.
        const description = second.getByLabel("Description");
        await description.fill("night shift");
        await second.getByRole("button", { name: "Add Mon–Fri 8:00 AM–6:00 PM" }).click();
        await save(second);
        await second.getByRole("alert").getByText(STALE_SCHEDULE).waitFor();
        assert.equal(await description.inputValue(), "night shift");
        assert.equal(await frames(second).count(), 5, "the timeframes they added are still there");
        assert.equal(await second.getByLabel("Name", { exact: true }).inputValue(), "office");
        const refused = await stored();
        assert.deepEqual([refused.name, refused.description, refused.timeframes], ["day", "", []]);

        // Reload shows the first person's change; saving again now wins.
        await second.getByRole("button", { name: "Reload" }).click();
        await second.getByRole("heading", { name: "Schedule day" }).waitFor();
        assert.equal(await description.inputValue(), "");
        assert.equal(await frames(second).count(), 0);
        await description.fill("night shift");
        await save(second);
        await second.getByText("Schedule saved").waitFor();
        const won = await stored();
        assert.deepEqual([won.name, won.description], ["day", "night shift"]);

        // The first page's next save carries a version that is now stale.
        await first.getByLabel("Description").fill("early");
        await save(first);
        await first.getByRole("alert").getByText(STALE_SCHEDULE).waitFor();
        assert.equal((await stored()).description, "night shift");
        assert.deepEqual(problems, []);
      } finally {
        await Promise.all(browser.contexts().map((c) => c.close()));
      }
    },
  );

  await t.step(
    "web UI: deleting a door someone else changed meanwhile shows the sentence, not a delete",
    async () => {
      await using server = await startTestServer();
      await using admin = await TestClient.connect(server.wsUrl);
      await admin.login();
      const doorId: number = ok(
        await admin.request("door.create", { attributes: { alias: "Front", access_point_id: 0 } }),
      ).data.id;
      try {
        const first = await openDoor(browser, server.url, doorId);
        const second = await openDoor(browser, server.url, doorId);
        const remove = async (page: Page) => {
          await page.getByRole("button", { name: "Delete door" }).click();
          await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
        };

        // The first person renames the door.
        await first.getByLabel("Name", { exact: true }).fill("North");
        await first.getByRole("button", { name: "Save" }).click();
        await first.getByText("Saved").waitFor();

        // The second person deletes the door as they saw it: refused, the door stays.
        await remove(second);
        await second.getByRole("alert").getByText(STALE_DOOR).waitFor();
        assert.equal(await storedAlias(admin, doorId), "North");
        await second.getByRole("button", { name: "Reload" }).click();
        await second.getByRole("heading", { name: "Door North" }).waitFor();

        // The first page holds the version its own save returned: its delete goes through.
        await remove(first);
        await first.getByRole("status").getByText("Deleted", { exact: true }).waitFor();
        await first.getByRole("heading", { name: "Doors & readers" }).waitFor();
        failed(await admin.request("door.read", { door_id: doorId }), 8);
      } finally {
        await Promise.all(browser.contexts().map((c) => c.close()));
      }
    },
  );
});
