/**
 * Start-up of the built single files (`deno task build` first): for each of
 * `dist/leosac-x86_64-linux` and `dist/leosac-aarch64-linux`, the file size,
 * the unpacked size, and the time of
 *
 * - `--version`, cold (an empty cache directory: the payload is checked and
 *   unpacked) and warm (already unpacked);
 * - `serve --hardware sim` until its `Listening on` line, cold and warm (a
 *   new data directory each time: the database is created and migrated, the
 *   first administrator's password hashed, the controller worker started).
 *
 * A file for another architecture runs under `qemu-<arch> -L
 * /usr/<arch>-linux-gnu` (through LEOSAC_EMULATOR), so its times are the
 * emulator's, not a board's.
 *
 * ```sh
 * deno task build && deno run -A scripts/bench_start.ts --runs 5
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { TARGET_NAMES, TARGETS } from "./_deno_runtime.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "dist-dir": { type: "string", default: "dist" },
    runs: { type: "string", default: "5" },
  },
});
const runs = Number(values.runs);
const decoder = new TextDecoder();

function say(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeVersion(file: string, env: Record<string, string>): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(file, {
    args: ["--version"],
    env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) throw new Error(`${file} --version failed: ${decoder.decode(out.stderr)}`);
  return performance.now() - start;
}

async function timeServe(file: string, env: Record<string, string>, data: string): Promise<number> {
  const start = performance.now();
  const child = new Deno.Command(file, {
    args: [
      "serve",
      "--listen",
      "127.0.0.1:0",
      "--data",
      data,
      "--hardware",
      "sim",
      "--admin-password",
      "bench-start-pw",
    ],
    env,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let output = "";
  let ready = NaN;
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    output += chunk;
    if (/Listening on /.test(output)) {
      ready = performance.now() - start;
      child.kill("SIGTERM");
    }
  }
  await child.status;
  if (Number.isNaN(ready)) throw new Error(`${file} serve printed no ready line: ${output}`);
  return ready;
}

async function duBytes(dir: string): Promise<number> {
  let total = 0;
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) total += await duBytes(path);
    else if (entry.isFile) total += (await Deno.stat(path)).size;
  }
  return total;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const ms = (x: number): string => x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`;

say(`| File | Size | Unpacked | --version cold | warm | serve → ready, cold | warm |`);
say(`| ---- | ---- | -------- | -------------- | ---- | ------------------- | ---- |`);
for (const name of TARGET_NAMES) {
  const file = join(values["dist-dir"]!, `leosac-${name}`);
  const target = TARGETS[name];
  const native = target.machines.includes(Deno.build.arch);
  const arch = name.split("-")[0];
  const env = native ? {} : { LEOSAC_EMULATOR: `${target.qemu} -L /usr/${arch}-linux-gnu` };
  const scratch = await Deno.makeTempDir({ prefix: "leosac-bench-start-" });
  try {
    const cold: number[] = [],
      warm: number[] = [],
      serveCold: number[] = [],
      serveWarm: number[] = [];
    let unpacked = 0;
    for (let i = 0; i < runs; i++) {
      const cache = join(scratch, `cache-${i}`);
      const e = { ...env, LEOSAC_CACHE_DIR: cache };
      cold.push(await timeVersion(file, e));
      warm.push(await timeVersion(file, e));
      const serveCache = join(scratch, `serve-cache-${i}`);
      const s = { ...env, LEOSAC_CACHE_DIR: serveCache };
      serveCold.push(await timeServe(file, s, join(scratch, `data-cold-${i}`)));
      serveWarm.push(await timeServe(file, s, join(scratch, `data-warm-${i}`)));
      for await (const entry of Deno.readDir(cache)) {
        if (entry.isDirectory && entry.name !== "deno-dir") {
          unpacked = await duBytes(join(cache, entry.name));
        }
      }
    }
    const size = (await Deno.stat(file)).size;
    say(
      `| leosac-${name}${native ? "" : ` (${env.LEOSAC_EMULATOR})`} | ${mib(size)} | ${
        mib(unpacked)
      } | ${ms(median(cold))} | ${ms(median(warm))} | ${ms(median(serveCold))} | ${
        ms(median(serveWarm))
      } |`,
    );
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}
say(`\nmedians of ${runs} runs; Deno ${Deno.version.deno} on ${Deno.build.arch}`);
