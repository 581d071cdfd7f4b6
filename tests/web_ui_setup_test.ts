/**
 * The built-in web UI, as an integrator and then the site's staff use it:
 * everything is created through the UI pages (GPIO lines, LED, Wiegand
 * reader, access point, door, zone, group, users with ranks, a card, a PIN, a
 * Mon–Fri schedule mapped to the group and the zone, a holiday) on a server
 * with a real controller worker on simulated hardware; then a manager, a
 * viewer and a plain user see what the permission table lets them do.
 * Screenshots go to `.tmp/screenshots/`.
 */
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  goTo,
  login,
  logout,
  NO_CHROMIUM,
  pick,
  shot,
} from "./_browser.ts";
import { startTestServer, TEST_ADMIN_PASSWORD } from "../src/testing.ts";

async function toast(page: Page, text: string): Promise<void> {
  await page.locator("#toasts .toast", { hasText: text }).first().waitFor();
}

/** Doors & readers → Devices → New GPIO line. */
async function createLine(page: Page, name: string, offset: number, output: boolean) {
  await page.getByRole("link", { name: "New GPIO line" }).click();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Line offset").fill(String(offset));
  await page.getByLabel("Direction").selectOption({ label: output ? "Output" : "Input" });
  await page.getByRole("button", { name: "Create GPIO line" }).click();
  await page.getByRole("heading", { name, exact: true }).waitFor();
  await page.getByRole("link", { name: "← Devices" }).click();
}

/** People → New user. */
async function createUser(page: Page, username: string, rank: string, first: string) {
  await goTo(page, "People");
  await page.getByRole("link", { name: "New user" }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Rank").selectOption({ label: rank });
  await page.getByLabel("First name").fill(first);
  await page.getByLabel("Password", { exact: true }).fill(`${username}-password-1`);
  await page.getByRole("button", { name: "Create user" }).click();
  await page.getByRole("heading", { name: `${first} (${username})` }).waitFor();
}

Deno.test({
  name: "web UI: an integrator sets a site up through the pages; roles see what they may do" +
    (NO_CHROMIUM ? ` (ignored: no Chromium at ${CHROMIUM})` : ""),
  ignore: NO_CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await startTestServer({ hardware: "sim" });
    const userDataDir = await Deno.makeTempDir({ prefix: "leosac-chromium-" });
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: { width: 1366, height: 860 },
    });
    const problems: string[] = [];
    try {
      const page = context.pages()[0] ?? await context.newPage();
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") {
          problems.push(`${m.type()}: ${m.text()}`);
        }
      });
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.setDefaultTimeout(30_000); // generous: CI machines may be loaded
      await page.goto(server.url);
      await login(page, "admin", TEST_ADMIN_PASSWORD);
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      // From zero, the dashboard says where to start.
      await page.getByRole("list", { name: "Setting up a door" }).getByRole("link", {
        name: "Devices",
      }).click();

      // Devices: the lines, an LED, the reader. The success notice survives the navigation.
      await page.getByText("No GPIO line yet").waitFor();
      await createLine(page, "d0", 0, false);
      await toast(page, "GPIO line created");
      await createLine(page, "d1", 1, false);
      await createLine(page, "strike", 2, true);
      await createLine(page, "contact", 3, false);
      await createLine(page, "rex", 4, false);
      await createLine(page, "led", 5, true);
      await page.getByRole("link", { name: "New LED" }).click();
      await page.getByLabel("Name", { exact: true }).fill("green");
      // An LED drives an output: input lines are not offered.
      await page.getByLabel("Output line").waitFor();
      const ledLines = await page.getByLabel("Output line").locator("option").allInnerTexts();
      assert.deepEqual(ledLines, ["— none —", "led (gpiochip0:5)", "strike (gpiochip0:2)"]);
      await page.getByLabel("Output line").selectOption({ label: "led (gpiochip0:5)" });
      await page.getByRole("button", { name: "Create LED" }).click();
      await page.getByRole("heading", { name: "green", exact: true }).waitFor();
      await page.getByRole("link", { name: "← Devices" }).click();
      await page.getByRole("link", { name: "New Wiegand reader" }).click();
      // A missing name is caught next to the field, before anything is sent.
      await page.getByRole("button", { name: "Create Wiegand reader" }).click();
      await page.locator('[data-keys~="name"] .field-error', { hasText: "Name is required." })
        .waitFor();
      assert.equal(
        await page.getByLabel("Name", { exact: true }).getAttribute("aria-invalid"),
        "true",
      );
      await page.getByLabel("Name", { exact: true }).fill("front-reader");
      await page.getByLabel("D0 line (input)").waitFor();
      const d0Lines = await page.getByLabel("D0 line (input)").locator("option").allInnerTexts();
      assert.deepEqual(d0Lines, [
        "— none —",
        "contact (gpiochip0:3)",
        "d0 (gpiochip0:0)",
        "d1 (gpiochip0:1)",
        "rex (gpiochip0:4)",
      ]);
      await page.getByLabel("D0 line (input)").selectOption({ label: "d0 (gpiochip0:0)" });
      await page.getByLabel("D1 line (input)").selectOption({ label: "d1 (gpiochip0:1)" });
      await page.getByLabel("Green LED").selectOption({ label: "green" });
      await page.getByRole("button", { name: "Create Wiegand reader" }).click();
      await page.getByRole("heading", { name: "front-reader" }).waitFor();
      await page.getByRole("link", { name: "← Devices" }).click();
      await page.getByRole("row", { name: /d0 .*reader front-reader D0/ }).waitFor();
      await shot(page, "setup-01-devices");

      // The access point and the door; lines already in use say so.
      await page.getByRole("link", { name: "Access points", exact: true }).click();
      await page.getByRole("link", { name: "New access point" }).click();
      await page.getByLabel("Name", { exact: true }).fill("front-ap");
      await page.getByLabel("Reader", { exact: true }).selectOption({ label: "front-reader" });
      await page.getByLabel("Reader asks for").selectOption({ label: "Card or PIN" });
      await page.getByRole("button", { name: "Create access point" }).click();
      await page.getByRole("heading", { name: "Access point front-ap" }).waitFor();
      await toast(page, "Access point created");
      await goTo(page, "Doors & readers");
      await page.getByRole("link", { name: "New door" }).click();
      await page.getByLabel("Name", { exact: true }).fill("Front");
      await page.getByLabel("Access point (reader)").selectOption({ label: "front-ap" });
      await page.getByLabel("Strike (output line)").waitFor();
      const strikeLines = await page.getByLabel("Strike (output line)").locator("option")
        .allInnerTexts();
      assert.deepEqual(strikeLines, [
        "— none —",
        "led (gpiochip0:5) — used by LED green",
        "strike (gpiochip0:2)",
      ]);
      await page.getByLabel("Strike (output line)").selectOption({ label: "strike (gpiochip0:2)" });
      await page.getByLabel("Door contact (input line)").selectOption({
        label: "contact (gpiochip0:3)",
      });
      await page.getByLabel("Request-to-exit button (input line)").selectOption({
        label: "rex (gpiochip0:4)",
      });
      await page.getByRole("button", { name: "Create door" }).click();
      await page.getByRole("heading", { name: "Door Front" }).waitFor();

      // A zone holding the door.
      await goTo(page, "Doors & readers");
      await page.getByRole("link", { name: "Zones" }).click();
      await page.getByRole("link", { name: "New zone" }).click();
      await page.getByLabel("Name", { exact: true }).fill("Building");
      await page.getByLabel("Doors").selectOption({ label: "Front" });
      await page.getByRole("button", { name: "Create zone" }).click();
      await page.getByRole("heading", { name: "Zone Building" }).waitFor();

      // People: a group, three users with ranks, carol's card and PIN and membership.
      await goTo(page, "People");
      await page.getByRole("link", { name: "Groups" }).click();
      await page.getByLabel("Name", { exact: true }).fill("staff");
      await page.getByRole("button", { name: "Create group" }).click();
      await page.getByRole("heading", { name: "Group staff" }).waitFor();
      await createUser(page, "victor", "Viewer", "Victor");
      await createUser(page, "manny", "Manager", "Manny");
      await createUser(page, "carol", "User", "Carol");
      const cardForm = page.getByRole("form", { name: "Add a card" });
      await cardForm.getByLabel("Facility code").fill("12");
      await cardForm.getByLabel("Card number").fill("3456");
      await cardForm.getByRole("button", { name: "Add card" }).click();
      await page.locator("#credentials table").getByText("facility 12, number 3456").waitFor();
      await page.locator("#credentials table").getByText("06:06:c0:40 · 26 bits").waitFor();
      const pinForm = page.getByRole("form", { name: "Add a PIN" });
      await pinForm.getByLabel("PIN", { exact: true }).fill("12");
      await pinForm.getByRole("button", { name: "Add PIN" }).click();
      await pinForm.locator('[data-keys~="code"] .field-error:not(:empty)').waitFor();
      await pinForm.getByLabel("PIN", { exact: true }).fill("4821");
      await pinForm.getByRole("button", { name: "Add PIN" }).click();
      await page.locator("#credentials table").getByText("PIN set (never shown)").waitFor();
      const memberForm = page.getByRole("form", { name: "Add to a group" });
      await pick(memberForm, "Group", "staff");
      await memberForm.getByRole("button", { name: "Add to group" }).click();
      await page.locator("#memberships").getByRole("link", { name: "staff" }).waitFor();

      // Office hours for the group, at the zone; a holiday.
      await goTo(page, "Access rules");
      await page.getByRole("link", { name: "New schedule" }).click();
      await page.getByLabel("Name", { exact: true }).fill("office-hours");
      await page.getByRole("button", { name: "Add Mon–Fri 8:00 AM–6:00 PM" }).click();
      const mapping = page.getByRole("group", { name: "Mapping" });
      await mapping.getByLabel("Mapping name").fill("staff in the building");
      await pick(mapping, "Groups", "staff");
      await mapping.getByLabel("Zones").selectOption({ label: "Building" });
      await page.getByRole("button", { name: "Create schedule" }).click();
      await page.getByRole("heading", { name: "Schedule office-hours" }).waitFor();
      await toast(page, "Schedule created");
      await page.getByRole("link", { name: "← Schedules" }).click();
      await page.getByRole("cell", { name: "Mon–Fri 8:00 AM–6:00 PM", exact: true }).waitFor();
      await page.getByRole("link", { name: "Holidays" }).click();
      await page.getByRole("button", { name: "Add holiday" }).click();
      await page.getByText("Pick a date.").waitFor();
      await page.getByLabel("Date").fill("2030-12-25");
      await page.getByLabel("Name", { exact: true }).fill("Christmas");
      await page.getByLabel("Every year").check();
      await page.getByRole("button", { name: "Add holiday" }).click();
      await page.getByRole("cell", { name: "Christmas", exact: true }).waitFor();
      await shot(page, "setup-02-holidays");

      // Carol's card at the door: granted in office hours, else denied for that reason
      // (never "no schedule": the group → zone → door mapping is what this checks).
      await goTo(page, "Dashboard");
      await page.getByText("Live", { exact: true }).waitFor();
      const simulate = page.locator("#simulate");
      await simulate.getByLabel("Facility").fill("12");
      await simulate.getByLabel("Card number").fill("3456");
      await simulate.getByRole("button", { name: "Present card" }).click();
      const decision = page.locator("#event-feed li", { hasText: /Access (granted|denied)/ })
        .first();
      await decision.waitFor();
      assert.match(
        await decision.innerText(),
        /Access granted at Front[\s\S]*carol|Access denied at Front[\s\S]*(outside schedule|holiday) · carol/,
      );

      // Lockdown asks first; then remote opening is not offered.
      const modes = page.getByRole("group", { name: "Mode of Front" });
      await modes.getByRole("button", { name: "Lockdown" }).click();
      await page.getByRole("dialog").getByText("The exit button (REX) still opens the door.")
        .waitFor();
      await page.getByRole("dialog").getByRole("button", { name: "Lock down" }).click();
      await page.locator(".door-card .badge.mode-lockdown").waitFor();
      assert.equal(
        await page.getByRole("button", { name: "Open door Front momentarily" }).isDisabled(),
        true,
      );
      await shot(page, "setup-03-lockdown");
      await modes.getByRole("button", { name: "Normal" }).click();
      await page.locator(".door-card .badge.mode-normal").waitFor();
      assert.equal(
        await page.getByRole("button", { name: "Open door Front momentarily" }).isDisabled(),
        false,
      );

      // The audit log leaves the API call rows out by default.
      await goTo(page, "Audit log");
      await page.getByRole("cell", { name: /Front mode changed/ }).first().waitFor();
      assert.equal(await page.getByRole("cell", { name: /Websocket API call/ }).count(), 0);
      await logout(page);

      // A manager: daily administration, no hardware wiring.
      await login(page, "manny", "manny-password-1");
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      await page.getByRole("button", { name: "Open door Front momentarily" }).waitFor();
      await page.locator("#simulate").waitFor();
      await goTo(page, "People");
      await page.getByRole("link", { name: "New user" }).click();
      await page.getByRole("heading", { name: "New user" }).waitFor();
      assert.deepEqual(await page.getByLabel("Rank").locator("option").allInnerTexts(), [
        "User",
        "Viewer",
      ]);
      await goTo(page, "Doors & readers");
      await page.getByRole("link", { name: "Front", exact: true }).click();
      await page.getByRole("heading", { name: "Door Front" }).waitFor();
      assert.equal(await page.getByLabel("Strike (output line)").getAttribute("readonly"), "");
      await page.getByLabel("Unlock time (ms)").fill("2500");
      await page.getByRole("button", { name: "Save" }).click();
      await toast(page, "Saved");
      await goTo(page, "Doors & readers");
      await page.getByRole("cell", { name: "2.5 s" }).waitFor();
      await page.getByRole("link", { name: "Devices" }).click();
      await page.getByText("Devices are visible to supervisors and administrators.").waitFor();
      assert.equal(await page.getByRole("link", { name: /^New GPIO line/ }).count(), 0);
      await shot(page, "setup-04-manager-devices");
      await logout(page);

      // A viewer: everything readable, nothing to press.
      await login(page, "victor", "victor-password-1");
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      await page.locator(".door-card").waitFor();
      assert.equal(await page.locator("main .door-card button, #simulate").count(), 0);
      for (
        const [section, list, name] of [
          ["People", "Users", "New user"],
          ["Access rules", "Schedules (1)", "New schedule"],
        ] as const
      ) {
        await goTo(page, section);
        await page.getByRole("heading", { name: list }).waitFor();
        assert.equal(await page.getByRole("link", { name }).count(), 0, name);
      }
      await page.getByRole("link", { name: "office-hours" }).click();
      await page.getByRole("heading", { name: "Schedule office-hours" }).waitFor();
      assert.equal(await page.locator("main button").count(), 0);
      assert.equal(await page.locator("main input:enabled, main select:enabled").count(), 0);
      await goTo(page, "Doors & readers");
      await page.getByRole("link", { name: "Front", exact: true }).click();
      await page.getByRole("heading", { name: "Door Front" }).waitFor();
      assert.equal(await page.locator("main button").count(), 0);
      await goTo(page, "Audit log");
      await page.getByRole("cell", { name: /Front mode changed/ }).first().waitFor();
      await shot(page, "setup-05-viewer-schedule");
      await logout(page);

      // A plain user: their own account only.
      await login(page, "carol", "carol-password-1");
      await page.getByRole("heading", { name: "My account" }).waitFor();
      assert.deepEqual(
        await page.getByRole("navigation", { name: "Main" }).getByRole("link").allInnerTexts(),
        ["My account"],
      );
      await page.locator("#my-credentials").getByText("06:06:c0:40").waitFor();
      await page.locator("#my-doors").getByText("Front", { exact: true }).waitFor();
      await shot(page, "setup-06-user-account");
      await logout(page);

      assert.deepEqual(problems, [], "no console errors");
    } finally {
      await context.close();
      await Deno.remove(userDataDir, { recursive: true });
    }
  },
});
