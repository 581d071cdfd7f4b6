/**
 * The People page in Chromium against a big site (issue 10, "Scale": usable
 * < 1 s after navigation at 1,000,000 cardholders). Runs the real CLI on a
 * data directory built by `scripts/bench_ui_scale.ts --dir DIR` (a copy is
 * not made: the file is migrated in place if needed), whose first start
 * creates `admin` with a known password, logs in with Chromium, and
 * times, from the click on "People" (and from typing a search), until the
 * first row of the list is shown. Prints one JSON line with the runs, the
 * median and the worst.
 *
 * ```sh
 * deno run -A scripts/bench_ui_scale.ts --dir /tmp/uiscale     # once, about 5 minutes
 * deno run -A scripts/bench_ui_people.ts --dir /tmp/uiscale [--runs 10]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, DESKTOP, login } from "../tests/_browser.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { dir: { type: "string" }, runs: { type: "string" } },
});
const dir = values.dir;
if (dir === undefined) {
  throw new Error("usage: bench_ui_people.ts --dir DIR (built by bench_ui_scale.ts --dir DIR)");
}
const runs = Number(values.runs ?? 10);
const main = new URL("../main.ts", import.meta.url).pathname;

// The benchmark population has no administrator: the first start with a
// password creates one (and later starts keep it).
const password = "bench-people-password";
const server = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    main,
    "serve",
    "--data",
    dir,
    "--listen",
    "127.0.0.1:0",
    "--disk-reserve-mb",
    "0",
  ],
  stdout: "piped",
  stderr: "null",
  env: { LEOSAC_ADMIN_PASSWORD: password },
}).spawn();
const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
let out = "";
let url = "";
while (!url) {
  const { value, done } = await reader.read();
  if (done) throw new Error(`the controller did not start:\n${out}`);
  out += value;
  url = /Listening on (http:\/\/\S+)/.exec(out)?.[1] ?? "";
}
reader.releaseLock();
void server.stdout.cancel().catch(() => {});

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [...CHROMIUM_ARGS],
});
const navigation: number[] = [];
const search: number[] = [];
try {
  const page = await browser.newPage({ viewport: DESKTOP });
  page.setDefaultTimeout(60_000);
  await page.goto(url);
  await login(page, "admin", password);
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  for (let i = 0; i < runs; i++) {
    await page.getByRole("link", { name: "Dashboard" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    const started = performance.now();
    await page.getByRole("link", { name: "People" }).click();
    await page.locator("main").getByRole("link").filter({ hasText: /^user-\d+$|^admin$/ }).first()
      .waitFor();
    navigation.push(performance.now() - started);
    const box = page.getByRole("searchbox").or(page.getByPlaceholder(/Search by name/)).first();
    const typed = performance.now();
    const wanted = `user-${100_000 + i * 7919}`;
    await box.fill(wanted);
    await page.locator("main").getByRole("link", { name: wanted, exact: true }).first().waitFor();
    search.push(performance.now() - typed);
  }
} finally {
  await browser.close();
  server.kill("SIGTERM");
  await server.status;
}

const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return {
    median_ms: Math.round(sorted[Math.floor(sorted.length / 2)]!),
    worst_ms: Math.round(sorted[sorted.length - 1]!),
    runs: xs.map(Math.round),
  };
};
// deno-lint-ignore no-console
console.log(JSON.stringify({ navigation: stats(navigation), search: stats(search) }));
