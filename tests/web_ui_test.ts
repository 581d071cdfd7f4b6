/**
 * The built-in web UI: every file of `src/web/ui/` (and every module of
 * `src/shared/` it imports) is served, and a real Chromium (Debian's, driven
 * by playwright-core) logs in, configures access, simulates a card and sees the decision in the
 * live feed, on a server with a real controller worker on simulated
 * hardware. Screenshots go to `.tmp/screenshots/`.
 *
 * The GPIO lines and the reader are created through the API (the device
 * forms are exercised by hand); the access point, the door, the user, the
 * card, the PIN and the schedule through the UI.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
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
import { cardIdHex, encodeCard, H10301 } from "../src/hardware/wiegand/formats.ts";
import {
  createUserViaApi,
  startTestServer,
  TEST_ADMIN_PASSWORD,
  TestClient,
} from "../src/testing.ts";
import { serveStatic } from "../src/web/static.ts";
import { UI_FILES } from "../src/web/ui_files.ts";
import { h10301CardId } from "../src/web/ui/js/wiegand.js";
import { LINES, ok } from "./_controller_fixtures.ts";

/** The files under `dir` as paths relative to it (links, such as `js/shared`, are left out). */
async function filesUnder(dir: URL, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) {
      found.push(...await filesUnder(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`));
    } else if (entry.isFile) found.push(`${prefix}${entry.name}`);
  }
  return found;
}

Deno.test("every file of src/web/ui/ and every src/shared/ module it imports is served as on disk", async () => {
  const ui = new URL("../src/web/ui/", import.meta.url);
  const onDisk = (await filesUnder(ui)).filter((name) => name !== "deno.json");
  const expected = new Map<string, URL>(
    onDisk.map((name) => [name === "index.html" ? "/" : `/${name}`, new URL(name, ui)]),
  );
  for (const { body } of UI_FILES.values()) {
    for (const [, name] of body.matchAll(/from "(?:\.\.?\/)+shared\/([\w-]+\.js)"/g)) {
      expected.set(`/js/shared/${name}`, new URL(`../src/shared/${name}`, import.meta.url));
    }
  }
  assert.deepEqual([...UI_FILES.keys()].sort(), [...expected.keys()].sort());
  for (const [path, file] of expected) {
    assert.equal(UI_FILES.get(path)?.body, await Deno.readTextFile(file), path);
  }
});

Deno.test("serveStatic() serves every UI file with its type and the CSP", async () => {
  for (const [path, asset] of UI_FILES) {
    const response = serveStatic(path);
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get("content-type"), asset.type);
    assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    await response.body?.cancel();
  }
  assert.equal(await serveStatic("/index.html").text(), UI_FILES.get("/")!.body);
  assert.equal(serveStatic("/nope.js").status, 404);
  await serveStatic("/nope.js").body?.cancel();
  const html = UI_FILES.get("/")!.body;
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script");
  assert.doesNotMatch(html, /https?:\/\//, "no external resource");
});

Deno.test("the UI's H10301 helper gives the server's card ids", () => {
  for (const [facility, number] of [[12, 3456], [123, 45678], [0, 0], [255, 65535], [1, 1]]) {
    const frame = encodeCard(H10301, facility!, number!);
    assert.equal(h10301CardId(facility!, number!), cardIdHex(frame.bits, frame.nbBits));
  }
});

/** Lines and reader "front-reader" through the device endpoints (the UI wires the door). */
async function createFrontDevices(admin: TestClient): Promise<void> {
  const gpio = async (name: string, offset: number, direction: 0 | 1): Promise<string> =>
    ok(
      await admin.request("gpio.create", {
        attributes: { name, device: "gpiochip0", offset, direction },
      }),
    ).data.id;
  const d0 = await gpio("front-d0", LINES.d0, 0);
  const d1 = await gpio("front-d1", LINES.d1, 0);
  await gpio("front-strike", LINES.strike, 1);
  await gpio("front-contact", LINES.contact, 0);
  await gpio("front-rex", LINES.rex, 0);
  ok(
    await admin.request("wiegand-reader.create", {
      attributes: {
        name: "front-reader",
        mode: "SIMPLE_WIEGAND",
        gpio_low_id: d0,
        gpio_high_id: d1,
      },
    }),
  );
}

Deno.test({
  name: "web UI: log in, configure access, simulate a card, see it granted live; ranks",
  ignore: NO_CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await startTestServer({ hardware: "sim" });
    await using admin = await TestClient.connect(server.wsUrl);
    await admin.login();

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

      // A wrong password says so and stays on the login page.
      await login(page, "admin", "not-the-password");
      await page.getByText("Wrong username or password.").waitFor();
      await shot(page, "01-login-wrong-password");

      await login(page, "admin", TEST_ADMIN_PASSWORD);
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      await page.getByText("No door yet.").waitFor();

      // Wiring: devices through the API, the access point and the door through the UI.
      await createFrontDevices(admin);
      await goTo(page, "Doors & readers");
      await page.getByRole("link", { name: "Access points" }).click();
      await page.getByRole("link", { name: "New access point" }).click();
      await page.getByLabel("Name", { exact: true }).fill("front-ap");
      await page.getByLabel("Reader", { exact: true }).selectOption({ label: "front-reader" });
      await page.getByLabel("Reader asks for").selectOption({ label: "Card only" });
      await page.getByRole("button", { name: "Create access point" }).click();
      await page.getByRole("heading", { name: "Access point front-ap" }).waitFor();

      await goTo(page, "Doors & readers");
      await page.getByRole("link", { name: "New door" }).click();
      await page.getByLabel("Name", { exact: true }).fill("Front");
      await page.getByLabel("Access point (reader)").selectOption({ label: "front-ap" });
      await page.getByLabel("Strike (output line)").selectOption({
        label: "front-strike (gpiochip0:2)",
      });
      await page.getByLabel("Door contact (input line)").selectOption({
        label: "front-contact (gpiochip0:3)",
      });
      await page.getByLabel("Request-to-exit button (input line)").selectOption({
        label: "front-rex (gpiochip0:4)",
      });
      await page.getByLabel("Unlock time (ms)").fill("1500");
      await page.getByRole("button", { name: "Create door" }).click();
      await page.getByRole("heading", { name: "Door Front" }).waitFor();
      await shot(page, "02-door-form");
      const doorId = ok(await admin.request("door.read", { door_id: 0 })).data[0].id;

      // A user, with a per-field error first (bad e-mail), then a card and a PIN.
      await goTo(page, "People");
      await page.getByRole("link", { name: "New user" }).click();
      await page.getByLabel("Username").fill("carol");
      await page.getByLabel("First name").fill("Carol");
      await page.getByLabel("Last name").fill("Danvers");
      await page.getByLabel("E-mail").fill("not-an-address");
      await page.getByLabel("Password", { exact: true }).fill("password-carol");
      await page.getByRole("button", { name: "Create user" }).click();
      await page.locator('[data-keys~="email"] .field-error', { hasText: "Invalid e-mail" })
        .waitFor();
      assert.equal(await page.getByLabel("E-mail").getAttribute("aria-invalid"), "true");
      await shot(page, "03-user-field-error");
      await page.getByLabel("E-mail").fill("carol@example.com");
      await page.getByRole("button", { name: "Create user" }).click();
      await page.getByRole("heading", { name: "Carol Danvers (carol)" }).waitFor();
      const cardForm = page.getByRole("form", { name: "Add a card" });
      // The hexadecimal entry is checked as it is typed, with the server's rule.
      await cardForm.getByLabel("Entry").selectOption("raw");
      await cardForm.getByLabel("Card id").fill("ff:ff:ff:ff");
      const hexError = cardForm.locator('[data-keys~="cardId"] .field-error').first();
      await hexError.getByText(
        "A 26-bit card id has 4 bytes (aa:bb:cc:dd) with the last 6 bits zero.",
      ).waitFor();
      await cardForm.getByLabel("Bits").fill("32");
      await hexError.waitFor({ state: "hidden" }); // ff:ff:ff:ff fits 32 bits
      await cardForm.getByLabel("Card id").fill("a1:b2");
      await hexError.getByText("A 32-bit card id has 4 bytes (aa:bb:cc:dd), not 2.").waitFor();
      await cardForm.getByRole("button", { name: "Add card" }).click();
      await hexError.getByText("not 2.").waitFor();
      await cardForm.getByLabel("Entry").selectOption("H10301");
      await cardForm.getByLabel("Alias").fill("badge 3456");
      await cardForm.getByLabel("Facility code").fill("12");
      await cardForm.getByLabel("Card number").fill("3456");
      await cardForm.getByText(`Stored card id: ${h10301CardId(12, 3456)} (26 bits)`).waitFor();
      await cardForm.getByRole("button", { name: "Add card" }).click();
      // The card's row in the table, not the form's "Stored card id" preview (which shows the
      // same id before the save): the forms are redrawn once the card is saved, so filling the
      // PIN form before then would type into a form about to be replaced.
      await page.locator("#credentials table").getByText(h10301CardId(12, 3456)).waitFor();
      const pinForm = page.getByRole("form", { name: "Add a PIN" });
      await pinForm.getByLabel("Alias").fill("keypad");
      await pinForm.getByLabel("PIN", { exact: true }).fill("4821");
      await pinForm.getByRole("button", { name: "Add PIN" }).click();
      await page.locator("#credentials table").getByText("PIN set (never shown)").waitFor();
      assert.equal(await page.content().then((html) => html.includes("4821")), false);
      await shot(page, "04-user-detail");

      // A schedule, every day all day, mapping carol to the door.
      await goTo(page, "Access rules");
      await page.getByRole("link", { name: "New schedule" }).click();
      await page.getByLabel("Name", { exact: true }).fill("always");
      await page.getByRole("button", { name: "Add every day, all day" }).click();
      const mapping = page.getByRole("group", { name: "Mapping" });
      await mapping.getByLabel("Mapping name").fill("carol at the front");
      await pick(mapping, "Users", "carol");
      await mapping.getByLabel("Doors").selectOption({ label: "Front" });
      await page.getByRole("button", { name: "Create schedule" }).click();
      await page.getByRole("heading", { name: "Schedule always" }).waitFor();
      await shot(page, "05-schedule");
      await goTo(page, "Dashboard");
      await page.locator(`[data-door-id="${doorId}"]`).waitFor();
      await page.getByText("Live", { exact: true }).waitFor();

      // Simulate the card from the dashboard: the decision appears in the live feed.
      const simulate = page.locator("#simulate");
      await simulate.getByLabel("Facility").fill("12");
      await simulate.getByLabel("Card number").fill("3456");
      await simulate.getByRole("button", { name: "Present card" }).click();
      const granted = page.locator("#event-feed li.granted").first();
      await granted.waitFor();
      assert.match(await granted.innerText(), /Access granted at Front/);
      assert.match(await granted.innerText(), /carol/);
      await page.locator("#event-feed li", { hasText: "Front unlocked" }).first().waitFor();

      // An unknown card is denied with its reason.
      await simulate.getByLabel("Card number").fill("1");
      await simulate.getByRole("button", { name: "Present card" }).click();
      const denied = page.locator("#event-feed li.denied").first();
      await denied.waitFor();
      assert.match(await denied.innerText(), /unknown credential/);

      // Once relocked, opening the door contact without a grant raises a forced-open alarm, live.
      await page.locator("#event-feed li", { hasText: "Front relocked" }).first().waitFor();
      await simulate.getByRole("button", { name: "Open door contact" }).click();
      await page.locator("#event-feed li.alarm", { hasText: "Front forced open" }).first()
        .waitFor();
      await page.locator(`[data-door-id="${doorId}"] .badge.alarm`).waitFor();
      await simulate.getByRole("button", { name: "Close door contact" }).click();
      await page.locator("#event-feed li", { hasText: "Front closed" }).first().waitFor();
      await page.locator(`[data-door-id="${doorId}"] .badge.closed`).waitFor();
      await shot(page, "06-dashboard-granted");
      await page.setViewportSize({ width: 390, height: 844 });
      await shot(page, "06b-dashboard-phone");
      await page.setViewportSize({ width: 1366, height: 860 });

      // A reload keeps the session (token in sessionStorage → authenticate_with_token).
      await page.reload();
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      await page.locator("#current-user", { hasText: "admin" }).waitFor();

      // The audit log shows the decisions, readable, filtered by type.
      await goTo(page, "Audit log");
      await page.getByLabel("Show").selectOption({ label: "Access decisions" });
      await page.getByRole("cell", { name: /Access granted at Front · carol/ }).first().waitFor();
      await shot(page, "07-audit");
      // ...and by person, door and time range (the server filters).
      const filters = page.getByRole("form", { name: "Audit filters" });
      const carolIn = page.getByRole("cell", { name: /Access granted at Front · carol/ }).first();
      const nothing = page.getByText("Nothing recorded for this filter.");
      await pick(filters, "Person", "admin");
      await nothing.waitFor();
      await pick(filters, "Person", "carol");
      await carolIn.waitFor();
      await filters.getByLabel("Door", { exact: true }).selectOption({ label: "Front" });
      await carolIn.waitFor();
      await filters.getByLabel("From", { exact: true }).fill("2999-01-01T00:00");
      await nothing.waitFor();
      await filters.getByRole("button", { name: "Clear filters" }).click();
      await carolIn.waitFor();

      // A viewer sees the doors and the feed, without door controls or simulation.
      await createUserViaApi(admin, "victor", 1, "victor-pw-1");
      await logout(page);
      await login(page, "victor", "victor-pw-1");
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      await page.locator(`[data-door-id="${doorId}"]`).waitFor();
      assert.equal(await page.getByRole("button", { name: /^Open/ }).count(), 0);
      assert.equal(await page.locator("#simulate").count(), 0);
      await shot(page, "08-dashboard-viewer");

      // A rank-0 user has only their account page.
      await logout(page);
      await login(page, "carol", "password-carol");
      await page.getByRole("heading", { name: "My account" }).waitFor();
      const nav = page.getByRole("navigation", { name: "Main" });
      assert.deepEqual(await nav.getByRole("link").allInnerTexts(), ["My account"]);
      await page.goto(`${server.url}#/dashboard`);
      await page.getByRole("heading", { name: "My account" }).waitFor();
      assert.equal(await page.locator("#simulate, [data-door-id]").count(), 0);
      await shot(page, "09-rank0-account");
      await logout(page);

      // Repeated failures from one address: the rate-limit message, then a login after the cool-down.
      for (let i = 0; i < 6; i++) {
        await login(page, "mallory", `guess-${i}`);
        const message = page.locator("#login-message");
        await message.filter({ hasText: /Wrong username|Too many/ }).waitFor();
        if (/Too many/.test(await message.innerText())) break;
      }
      await page.getByText("Too many failed login attempts").waitFor();
      await shot(page, "10-login-rate-limited");
      server.clock.advance(5 * 60_000 + 1);
      await login(page, "admin", TEST_ADMIN_PASSWORD);
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();

      assert.deepEqual(problems, [], "no console errors");
    } finally {
      await context.close();
      await Deno.remove(userDataDir, { recursive: true });
    }
  },
});
