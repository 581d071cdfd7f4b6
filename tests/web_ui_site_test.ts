/**
 * The web UI in a site (issue 12, docs/site.md), in headless Chromium
 * against a real `leosac serve --site` process (controller A of site "hq")
 * over a one-node NATS JetStream server:
 *
 * - the dashboard shows the site's line (site, this controller, connected),
 *   each door's controller, and a door of controller B (which never ran) as
 *   offline, without controls;
 * - the audit log has a Scope select: "Whole site" reads `audit.get` with
 *   `site: true`, adds a Controller column ("A"), pages by keyset like the
 *   local view, and the Controller filter narrows ("B": nothing);
 * - with NATS gone, the dashboard says the controller is cut off;
 * - outside a site there is no Scope select, no Controller column, no site
 *   line.
 *
 * Both site views pass axe-core. The whole-site audit view and the dashboard
 * are screenshotted (to `docs/screenshots/` with
 * `LEOSAC_UPDATE_SCREENSHOTS=1`, else `.tmp/screenshots/`).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { startTestServer, TEST_ADMIN_PASSWORD, TestClient } from "../src/testing.ts";
import {
  assertAccessible,
  DESKTOP,
  launchBrowser,
  login,
  NO_CHROMIUM,
  openPage,
  PHONE,
  shot,
  SHOTS,
} from "./_browser.ts";
import { ADMIN_PASSWORD, adminClient, type Json, ok, ServerProcess } from "./_crash_fixtures.ts";
import { skipWithoutNats, startNats } from "./_nats.ts";

const DOCS_SHOTS = Deno.env.get("LEOSAC_UPDATE_SCREENSHOTS") === "1"
  ? new URL("../docs/screenshots/", import.meta.url)
  : undefined;
/** Group rows created so that the whole-site view has a second page of 25. */
const GROUPS = 30;

/** Wires door "Front" on this controller (A) and door "Annex" on controller B (never started). */
async function wireDoors(admin: TestClient): Promise<void> {
  const gpio = async (name: string, offset: number, direction: 0 | 1): Promise<string> =>
    ok(
      await admin.request("gpio.create", {
        attributes: { name, "device-class": 1, enabled: true, offset, direction },
      }),
    ).data.id;
  const reader = ok(
    await admin.request("wiegand-reader.create", {
      attributes: {
        name: "front-reader",
        mode: "SIMPLE_WIEGAND",
        gpio_low_id: await gpio("front-d0", 0, 0),
        gpio_high_id: await gpio("front-d1", 1, 0),
      },
    }),
  ).data.id;
  const ap = ok(
    await admin.request("access_point.create", {
      attributes: {
        alias: "front-ap",
        "controller-module": "LEOSAC-BUILTIN-ACCESS-POINT",
        reader,
        "reader-mode": "card",
      },
    }),
  ).data.id;
  ok(
    await admin.request("door.create", {
      attributes: { alias: "Front", access_point_id: ap, "strike-gpio": await gpio("s", 2, 1) },
    }),
  );
  ok(await admin.request("door.create", { attributes: { alias: "Annex", controller: "B" } }));
}

/** Waits until `check()` holds (polled every 100 ms) or fails naming `what`. */
async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The text of every cell of column `header` in the audit table. */
function column(page: Page, header: string): Promise<string[]> {
  return page.locator("section[aria-label='Audit log'] table").evaluate((table, name) => {
    const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
    const index = headers.indexOf(name);
    if (index < 0) return [];
    return [...table.querySelectorAll("tbody tr")].map((tr) =>
      tr.children[index]?.textContent ?? ""
    );
  }, header);
}

Deno.test({
  name: "web UI in a site: site line, remote doors, whole-site audit, cut off",
  ignore: NO_CHROMIUM || skipWithoutNats("tests/web_ui_site_test.ts"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using nats = await startNats();
    const dir = await Deno.makeTempDir({ prefix: "leosac-ui-site-" });
    const server = await ServerProcess.start(dir, [
      "--site",
      nats.urls[0]!,
      "--site-name",
      "hq",
      "--controller",
      "A",
    ]);
    const admin = await adminClient(server);
    const browser = await launchBrowser();
    try {
      await wireDoors(admin);
      for (let i = 0; i < GROUPS; i++) {
        ok(await admin.request("group.create", { attributes: { name: `team-${i}` } }));
      }
      // The outbox copies committed rows into the site's events within a poll (200 ms).
      await until("the group rows in the site's events", async () => {
        const reply = ok(
          await admin.request("audit.get", {
            site: true,
            after: "",
            ps: 50,
            enabled_type: ["Leosac::Audit::GroupEvent"],
          }),
        ) as Json;
        return reply.data.length >= GROUPS;
      });
      const problems: string[] = [];
      const { page, context } = await openPage(browser, { problems });
      try {
        await page.goto(server.url);
        await login(page, "admin", ADMIN_PASSWORD);
        await page.getByRole("heading", { name: "Dashboard" }).waitFor();

        await t.step("the dashboard shows the site, this controller, connected", async () => {
          const line = page.locator("#site-status");
          await line.getByText("Connected").waitFor();
          const text = await line.innerText();
          assert.match(text, /Site hq · this controller A · Connected/);
          assert.equal(await line.getAttribute("data-connected"), "true");
          assert.equal(await page.getByText("Cut off from the site").count(), 0);
        });

        await t.step("each door shows its controller; B's door is offline", async () => {
          const front = page.getByRole("article", { name: "Front" });
          const annex = page.getByRole("article", { name: "Annex" });
          await annex.getByText("Offline").waitFor();
          assert.match(await front.innerText(), /Controller A \(this one\)/);
          assert.equal(await front.getByText("Offline").count(), 0);
          const annexText = await annex.innerText();
          assert.match(annexText, /Controller B\b/);
          assert.match(annexText, /Never heard from/);
          assert.match(annexText, /Controller B cannot be reached/);
          assert.equal(await annex.getByRole("button", { name: /Open door/ }).count(), 0);
          assert.equal(await front.getByRole("button", { name: /Open door/ }).count(), 1);
          await assertAccessible(page, "dashboard in a site");
          await shot(page, "dashboard-site", DOCS_SHOTS);
        });

        await t.step("the audit log reads the whole site, with a Controller column", async () => {
          await page.goto(`${server.url}#/audit`);
          await page.getByRole("heading", { name: "Audit log", level: 1 }).waitFor();
          const scope = page.getByLabel("Scope");
          assert.equal(await scope.inputValue(), "local", "this controller by default");
          await page.locator("section[aria-label='Audit log'] table").waitFor();
          assert.deepEqual(await column(page, "Controller"), [], "no column for one controller");
          assert.equal(await page.getByLabel("Controller", { exact: true }).isVisible(), false);

          await page.getByLabel("Per page").selectOption("25");
          await scope.selectOption({ label: "Whole site" });
          await page.getByRole("columnheader", { name: "Controller" }).waitFor();
          await page.getByText("Page 1", { exact: true }).waitFor();
          const first = await column(page, "Controller");
          assert.equal(first.length, 25);
          assert.deepEqual(new Set(first), new Set(["A"]));
          assert.ok(await page.getByText(/team-29/).count() > 0, "the newest group is on page 1");
          await assertAccessible(page, "whole-site audit");
          await shot(page, "audit-site", DOCS_SHOTS);
          await page.setViewportSize(PHONE);
          try {
            const sideways = await page.evaluate(
              "document.documentElement.scrollWidth - document.documentElement.clientWidth",
            );
            assert.equal(sideways, 0, "nothing scrolls sideways at 390 px");
            // The toolbar is what changes: the top of the page, not the whole list.
            await Deno.mkdir(SHOTS, { recursive: true });
            await page.screenshot({ path: new URL("audit-site-phone.png", SHOTS).pathname });
          } finally {
            await page.setViewportSize(DESKTOP);
          }

          // Keyset paging as in the local view: page 2 starts after page 1's cursor.
          await page.getByRole("button", { name: "Older →" }).click();
          await page.getByText(/^Page 2/).waitFor();
          const second = await column(page, "Controller");
          assert.ok(second.length > 0);
          assert.deepEqual(new Set(second), new Set(["A"]));
          await page.getByRole("button", { name: "← Newer" }).click();
          await page.getByText("Page 1", { exact: true }).waitFor();

          const controller = page.getByLabel("Controller", { exact: true });
          await controller.fill("B");
          await controller.press("Enter");
          await page.getByText("Nothing recorded for this filter.").waitFor();
          await controller.fill("A");
          await controller.press("Enter");
          await page.getByRole("columnheader", { name: "Controller" }).waitFor();
          assert.deepEqual(new Set(await column(page, "Controller")), new Set(["A"]));

          await scope.selectOption({ label: "This controller" });
          await page.getByRole("columnheader", { name: "By" }).waitFor();
          await until(
            "the Controller column to go",
            async () => await page.getByRole("columnheader", { name: "Controller" }).count() === 0,
          );
          assert.equal(await controller.isVisible(), false);
        });

        await t.step("cut off from NATS, the open dashboard says so", async () => {
          await page.goto(`${server.url}#/`);
          const line = page.locator("#site-status");
          await line.getByText("Connected").waitFor();
          await nats.killAll();
          await until(
            "site.connected false in /healthz",
            async () => (await server.health()).site?.connected === false,
            60_000,
          );
          // The dashboard reads system_overview again with the door states (every 15 s).
          await line.getByText("Disconnected").waitFor({ timeout: 40_000 });
          assert.equal(await line.getAttribute("data-connected"), "false");
          assert.equal(
            await page.locator("#site-status + [role=status]").textContent(),
            "Cut off from site hq",
          );
          assert.match(
            await line.innerText(),
            /Cut off from the site: doors decide from the local copy; site-wide changes are refused/,
          );
          await assertAccessible(page, "dashboard cut off");
          await shot(page, "dashboard-site-cut-off");
        });
        assert.deepEqual(problems.filter((p) => !/WebSocket|Failed to load resource/.test(p)), []);
      } finally {
        await context.close();
      }
    } finally {
      await browser.close();
      await admin.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "web UI outside a site: no Scope select, no Controller column, no site line",
  ignore: NO_CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await startTestServer({ hardware: "sim" });
    const browser = await launchBrowser();
    try {
      const { page } = await openPage(browser);
      await page.goto(server.url);
      await login(page, "admin", TEST_ADMIN_PASSWORD);
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      await page.locator("#doors").waitFor();
      assert.equal(await page.locator("#site-status").count(), 0);
      await page.goto(`${server.url}#/audit`);
      await page.getByRole("columnheader", { name: "By" }).waitFor();
      assert.equal(await page.getByLabel("Scope").count(), 0);
      assert.equal(await page.locator("#audit-controller").count(), 0);
      assert.equal(await page.getByRole("columnheader", { name: "Controller" }).count(), 0);
    } finally {
      await browser.close();
    }
  },
});
