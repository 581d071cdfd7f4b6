/**
 * Measures `leosac import people` as an operator runs it: a real process on
 * a CSV of N people (each with a name, an e-mail, two groups out of 50, an
 * H10301 card, a PIN, validity dates), into a fresh data directory, then the
 * same file again (nothing to change), then `leosac export people`. Reports
 * wall time and the process's peak resident memory (`/usr/bin/time`).
 *
 *     deno run -A scripts/bench_import.ts [--rows 100000] [--rows 1000000]
 *
 * Targets (issue 11): 100,000 rows in under 60 s; 1,000,000 in under 10
 * minutes with memory under 500 MB.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { openStore } from "../src/store/store.ts";
import { cardIdFromFields, H10301_LAYOUT } from "../src/shared/card_id.js";
import { printLine } from "../src/log.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function writeCsv(path: string, rows: number): Promise<void> {
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let chunk =
    "username,firstname,lastname,email,groups,card_hex,card_bits,pin,valid_from,valid_until,enabled\n";
  for (let i = 0; i < rows; i++) {
    // Distinct cards: facility and number from i (H10301 has 2^24 of them).
    const card = cardIdFromFields(H10301_LAYOUT, (i >> 16) & 0xff, i & 0xffff);
    chunk += `user${i},First${i},Last ${i},user${i}@example.com,staff;team${i % 50},${card},26,` +
      `${String(1000 + (i % 9000))},2025-01-01,2030-12-31T18:00:00Z,${
        i % 10 === 0 ? "false" : "true"
      }\n`;
    if (chunk.length > 1 << 20) {
      await writeAll(file, encoder.encode(chunk));
      chunk = "";
    }
  }
  await writeAll(file, encoder.encode(chunk));
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
}

interface Run {
  seconds: number;
  peakMb: number;
  output: string;
}

async function run(args: string[]): Promise<Run> {
  const output = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "TIME %e %M", Deno.execPath(), "run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  const stdout = new TextDecoder().decode(output.stdout);
  const match = /TIME ([\d.]+) (\d+)/.exec(stderr);
  if (!output.success || !match) {
    throw new Error(`leosac ${args.join(" ")} failed:\n${stdout}${stderr}`);
  }
  return {
    seconds: Number(match[1]),
    peakMb: Math.round(Number(match[2]) / 1024),
    output: stdout.trim(),
  };
}

async function bench(rows: number): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "leosac-bench-import-" });
  try {
    const csv = join(dir, "people.csv");
    const data = join(dir, "data");
    await writeCsv(csv, rows);
    openStore(data).close();
    const size = (await Deno.stat(csv)).size;
    const first = await run(["import", "people", csv, "--data", data]);
    const again = await run(["import", "people", csv, "--data", data]);
    const exported = await run(["export", "people", join(dir, "out.csv"), "--data", data]);
    const line = (name: string, r: Run): string =>
      `| ${rows.toLocaleString("en")} | ${name} | ${r.seconds.toFixed(1)} s | ` +
      `${Math.round(rows / r.seconds).toLocaleString("en")} rows/s | ${r.peakMb} MB |`;
    printLine(`# ${rows} rows, ${(size / 1e6).toFixed(1)} MB of CSV`);
    printLine(first.output);
    printLine(again.output);
    printLine(line("import into an empty database", first));
    printLine(line("same file again (nothing to change)", again));
    printLine(line("export", exported));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { rows: { type: "string", multiple: true } },
  });
  for (const rows of (values.rows ?? ["100000"]).map(Number)) await bench(rows);
}
