/**
 * `deno task build`: the single executable.
 *
 * 1. Bundles the app and the controller worker (two entry points, so the
 *    worker is included) into dist/app/{main.js,worker.js}.
 * 2. With `DENORT_BIN` set (or `--compile`, where dl.deno.land is
 *    reachable), runs `deno compile` on the bundle: dist/leosac.
 * 3. Otherwise writes a self-extracting single file that works offline: a
 *    shell stub followed by tar.gz(deno, main.js, worker.js). On first run it
 *    unpacks into a cache directory keyed by its own checksum, then runs
 *    `deno run -A --no-config --cached-only main.js "$@"`.
 *
 * The web UI files are imported as text (`src/web/ui_files.ts`) and the
 * migrations are TypeScript modules, so the bundle carries them (`deno
 * bundle` inlines text imports as strings); nothing else needs `--include`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    compile: { type: "boolean", default: false },
    out: { type: "string", default: "dist/leosac" },
    "app-dir": { type: "string", default: "dist/app" },
  },
});

function say(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  const { code } = await new Deno.Command(cmd, { args, env, stdout: "inherit", stderr: "inherit" })
    .output();
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed with exit code ${code}`);
}

const appDir = values["app-dir"]!;
await Deno.remove(appDir, { recursive: true }).catch(() => {});
await Deno.mkdir(appDir, { recursive: true });
say("bundling main.ts and the controller worker…");
await run(Deno.execPath(), [
  "bundle",
  "--platform",
  "deno",
  "--outdir",
  appDir,
  "main.ts",
  "src/controller/worker.ts",
]);
// The bundler keeps the entry's relative path; the app loads "./worker.js" beside main.js.
await Deno.rename(`${appDir}/src/controller/worker.js`, `${appDir}/worker.js`);
await Deno.remove(`${appDir}/src`, { recursive: true });
for (const file of ["main.js", "worker.js"]) await Deno.stat(`${appDir}/${file}`);

const out = values.out!;
const denort = Deno.env.get("DENORT_BIN");
if (values.compile || denort) {
  say(`deno compile${denort ? ` (DENORT_BIN=${denort})` : ""} → ${out}`);
  await run(Deno.execPath(), [
    "compile",
    "-A",
    "--no-config",
    "--include",
    `${appDir}/worker.js`,
    "-o",
    out,
    `${appDir}/main.js`,
  ]);
} else {
  say("no DENORT_BIN: writing a self-extracting single file (offline build)");
  const stage = await Deno.makeTempDir({ prefix: "leosac-build-" });
  try {
    await Deno.copyFile(Deno.execPath(), `${stage}/deno`);
    await Deno.copyFile(`${appDir}/main.js`, `${stage}/main.js`);
    await Deno.copyFile(`${appDir}/worker.js`, `${stage}/worker.js`);
    await run("tar", ["-czf", `${stage}/payload.tgz`, "-C", stage, "deno", "main.js", "worker.js"]);
    const payload = await Deno.readFile(`${stage}/payload.tgz`);
    const sum = createHash("sha256").update(payload).digest("hex").slice(0, 16);
    const stub = `#!/bin/sh
# Leosac for Deno: self-extracting executable (deno runtime + bundled app).
set -e
dir="\${LEOSAC_CACHE_DIR:-\${XDG_CACHE_HOME:-\${HOME:-/tmp}/.cache}/leosac}/${sum}"
if [ ! -x "$dir/deno" ]; then
  mkdir -p "$dir.tmp.$$"
  tail -c ${payload.length} "$0" | tar -xzf - -C "$dir.tmp.$$"
  rm -rf "$dir" && mv "$dir.tmp.$$" "$dir"
fi
exec "$dir/deno" run -A --no-config --cached-only "$dir/main.js" "$@"
`;
    const stubBytes = new TextEncoder().encode(stub);
    const file = new Uint8Array(stubBytes.length + payload.length);
    file.set(stubBytes, 0);
    file.set(payload, stubBytes.length);
    await Deno.writeFile(out, file, { mode: 0o755 });
    say(`wrote ${out} (${(file.length / 1024 / 1024).toFixed(1)} MiB)`);
  } finally {
    await Deno.remove(stage, { recursive: true });
  }
}
