/**
 * `deno task build`: one executable file per architecture,
 * `dist/leosac-x86_64-linux` and `dist/leosac-aarch64-linux`.
 *
 * 1. Bundles the app, the controller worker and the OSDP bus thread (three
 *    entry points, so the workers are included) into
 *    dist/app/{main.js,worker.js,osdp_bus_worker.js}. The bundle is
 *    JavaScript, the same for every target.
 * 2. For each target (`--target x86_64-linux,aarch64-linux`, the default):
 *    - with a `denort` for it (`DENORT_BIN_X86_64_LINUX`,
 *      `DENORT_BIN_AARCH64_LINUX`, or `DENORT_BIN` for the target of the
 *      machine building), or with `--compile` (where dl.deno.land is
 *      reachable), runs `deno compile --target …` on the bundle;
 *    - otherwise writes the offline self-extracting file
 *      (`scripts/_self_extract.ts`): a shell stub followed by
 *      tar.gz(deno, main.js, worker.js, osdp_bus_worker.js), with the
 *      target's Deno runtime
 *      from the npm registry, pinned by version and integrity
 *      (`scripts/_deno_runtime.ts`, cached in .tmp/deno-runtime).
 * 3. Prints each file's size and SHA-256, and writes them to
 *    `dist/SHA256SUMS` (`sha256sum -c SHA256SUMS` checks a copy).
 *
 * The web UI files are imported as text (`src/web/ui_files.ts`) and the
 * migrations are TypeScript modules, so the bundle carries them (`deno
 * bundle` inlines text imports as strings); nothing else needs `--include`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { VERSION } from "../src/version.ts";
import {
  DEFAULT_RUNTIME_CACHE,
  DENO_RUNTIME_VERSION,
  fetchDenoRuntime,
  hostTarget,
  type Target,
  TARGET_NAMES,
  type TargetName,
  TARGETS,
} from "./_deno_runtime.ts";
import { selfExtractingStub } from "./_self_extract.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    compile: { type: "boolean", default: false },
    "out-dir": { type: "string", default: "dist" },
    target: { type: "string", default: TARGET_NAMES.join(",") },
    "app-dir": { type: "string", default: "dist/app" },
    "runtime-cache": { type: "string", default: DEFAULT_RUNTIME_CACHE },
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

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const targets: Target[] = values.target!.split(",").map((name) => {
  if (!(TARGET_NAMES as readonly string[]).includes(name)) {
    say(`unknown --target ${name}: use ${TARGET_NAMES.join(", ")}`);
    Deno.exit(2);
  }
  return TARGETS[name as TargetName];
});

const appDir = values["app-dir"]!;
await Deno.remove(appDir, { recursive: true }).catch(() => {});
await Deno.mkdir(appDir, { recursive: true });
say("bundling main.ts, the controller worker and the OSDP bus thread…");
await run(Deno.execPath(), [
  "bundle",
  "--platform",
  "deno",
  "--outdir",
  appDir,
  "main.ts",
  "src/controller/worker.ts",
  "src/hardware/osdp/bus_worker.ts",
]);
// The bundler keeps the entry's relative path; the app loads "./worker.js" beside main.js,
// and the controller worker "./osdp_bus_worker.js" beside itself.
await Deno.rename(`${appDir}/src/controller/worker.js`, `${appDir}/worker.js`);
await Deno.rename(`${appDir}/src/hardware/osdp/bus_worker.js`, `${appDir}/osdp_bus_worker.js`);
await Deno.remove(`${appDir}/src`, { recursive: true });
const APP_FILES = ["main.js", "worker.js", "osdp_bus_worker.js"];
for (const file of APP_FILES) await Deno.stat(`${appDir}/${file}`);

/** The `denort` for `target`, if one is given. */
function denortFor(target: Target): string | undefined {
  const own = Deno.env.get(target.denortVariable);
  if (own) return own;
  const shared = Deno.env.get("DENORT_BIN");
  return shared && hostTarget() === target.name ? shared : undefined;
}

async function compile(target: Target, out: string, denort: string | undefined): Promise<void> {
  say(`${target.name}: deno compile${denort ? ` with denort ${denort}` : ""} → ${out}`);
  await run(Deno.execPath(), [
    "compile",
    "-A",
    "--no-config",
    "--target",
    target.denoTarget,
    "--include",
    `${appDir}/worker.js`,
    "--include",
    `${appDir}/osdp_bus_worker.js`,
    "-o",
    out,
    `${appDir}/main.js`,
  ], denort ? { DENORT_BIN: denort } : {});
}

async function selfExtracting(target: Target, out: string): Promise<void> {
  const stage = await Deno.makeTempDir({ prefix: "leosac-build-" });
  try {
    const from = await fetchDenoRuntime(target, `${stage}/deno`, {
      cacheDir: values["runtime-cache"]!,
      say,
    });
    say(`${target.name}: self-extracting file with deno ${from} → ${out}`);
    for (const file of APP_FILES) await Deno.copyFile(`${appDir}/${file}`, `${stage}/${file}`);
    await run("tar", [
      "-czf",
      `${stage}/payload.tgz`,
      "--owner=0",
      "--group=0",
      "-C",
      stage,
      "deno",
      ...APP_FILES,
    ]);
    const payload = await Deno.readFile(`${stage}/payload.tgz`);
    const stub = new TextEncoder().encode(selfExtractingStub({
      version: VERSION,
      denoVersion: DENO_RUNTIME_VERSION,
      target: target.name,
      machines: target.machines,
      binfmt: target.qemu,
      payloadSize: payload.length,
      payloadSha256: sha256(payload),
    }));
    const file = new Uint8Array(stub.length + payload.length);
    file.set(stub, 0);
    file.set(payload, stub.length);
    // Written beside, then renamed: a copy being read is never half-written.
    await Deno.writeFile(`${out}.partial`, file, { mode: 0o755 });
    await Deno.chmod(`${out}.partial`, 0o755);
    await Deno.rename(`${out}.partial`, out);
  } finally {
    await Deno.remove(stage, { recursive: true });
  }
}

const outDir = values["out-dir"]!;
await Deno.mkdir(outDir, { recursive: true });
const sums: string[] = [];
for (const target of targets) {
  const out = join(outDir, `leosac-${target.name}`);
  const denort = denortFor(target);
  if (values.compile || denort) await compile(target, out, denort);
  else await selfExtracting(target, out);
  const bytes = await Deno.readFile(out);
  const sum = sha256(bytes);
  sums.push(`${sum}  ${basename(out)}\n`);
  say(
    `${out}: ${bytes.length} bytes (${
      (bytes.length / 1024 / 1024).toFixed(1)
    } MiB), SHA-256 ${sum}`,
  );
}
await Deno.writeTextFile(join(outDir, "SHA256SUMS"), sums.join(""));
