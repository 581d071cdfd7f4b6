/**
 * The browser tests' one Chromium fixture: Debian's Chromium driven by
 * playwright-core (headless, no sandbox, no GPU, no background networking),
 * one browser per test file ({@linkcode browserTest}), pages that collect
 * console errors, screenshots, the UI's login/navigation steps, and an
 * accessibility check with axe-core (its source injected into the page).
 *
 * @module
 */
import assert from "node:assert/strict";
import axe from "npm:axe-core@4.14.1";
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from "playwright-core";

/** Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** The flags every browser test starts Chromium with. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

/** True when there is no Chromium to drive (the browser tests are then ignored). */
export const NO_CHROMIUM: boolean = (() => {
  try {
    return !Deno.statSync(CHROMIUM).isFile;
  } catch {
    return true;
  }
})();

/** Where screenshots go unless a test names another folder (not committed). */
export const SHOTS: URL = new URL("../.tmp/screenshots/", import.meta.url);

/** Desktop and phone viewports (a 390 px wide phone, as the issue's). */
export const DESKTOP = { width: 1366, height: 860 } as const;
/** A 390 × 844 phone. */
export const PHONE = { width: 390, height: 844 } as const;

/** Starts Chromium with the shared flags (plus `extraArgs`). */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * Registers one test that gets one browser, closed afterwards: put a file's
 * scenarios in `t.step`s so that the file starts Chromium once.
 */
export function browserTest(
  name: string,
  fn: (browser: Browser, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: NO_CHROMIUM,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const browser = await launchBrowser();
      try {
        await fn(browser, t);
      } finally {
        await browser.close();
      }
    },
  });
}

/** A page in a fresh context (its own session storage) whose console errors land in `problems`. */
export async function openPage(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; problems?: string[] } = {},
): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000); // generous: CI machines may be loaded
  if (options.problems) watchConsole(page, options.problems);
  return { page, context };
}

/** Collects console errors and warnings and uncaught page errors into `problems`. */
export function watchConsole(page: Page, problems: string[]): void {
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
}

/** A full-page screenshot `name.png` in `dir`. */
export async function shot(page: Page, name: string, dir: URL = SHOTS): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, dir).pathname, fullPage: true });
}

/** Fills the login form and submits it. */
export async function login(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

/** Logs out and waits for the login form. */
export async function logout(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("button", { name: "Log in" }).waitFor();
}

/** Follows a link of the main navigation. */
export async function goTo(page: Page, name: string): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();
}

/**
 * Chooses in the search picker labelled `label` inside `scope`: types `typed`
 * and clicks the first match whose text holds `choice` (default: `typed`).
 */
export async function pick(
  scope: Locator | Page,
  label: string,
  typed: string,
  choice: string | RegExp = typed,
): Promise<void> {
  await scope.getByLabel(label, { exact: true }).fill(typed);
  await scope.getByRole("option", { name: choice }).first().click();
}

/** One axe-core finding: rule, impact, and where. */
export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2.x A and AA rules) on the page as it is and returns the
 * serious and critical violations. The axe source is evaluated once per page.
 */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  const loaded = await page.evaluate(() => "axe" in globalThis);
  // Evaluated through the DevTools protocol, which the page's CSP (no inline script) does not block.
  if (!loaded) await page.evaluate(axe.source);
  const found = await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const page = globalThis as any;
    const result = await page.axe.run(page.document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    // deno-lint-ignore no-explicit-any
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact ?? "",
      help: v.help,
      // deno-lint-ignore no-explicit-any
      targets: v.nodes.slice(0, 5).map((n: any) => String(n.target)),
    }));
  });
  return (found as AxeFinding[]).filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Fails with the findings when axe finds a serious or critical violation on the page. */
export async function assertAccessible(page: Page, where: string): Promise<void> {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${where}: ${JSON.stringify(violations, null, 1)}`);
}
