import assert from "node:assert/strict";
import { join } from "node:path";

Deno.test({
  name: "deno task build produces a single file that runs offline with the worker inside",
  // The bundler's esbuild comes from the npm registry on first use.
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "leosac-build-test-" });
    try {
      const out = join(dir, "leosac");
      const build = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "scripts/build.ts", "--out", out, "--app-dir", join(dir, "app")],
        env: { NO_COLOR: "1", DENORT_BIN: "" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
      const version = await new Deno.Command(out, {
        args: ["--version"],
        env: { LEOSAC_CACHE_DIR: join(dir, "cache") },
      }).output();
      assert.equal(version.code, 0, new TextDecoder().decode(version.stderr));
      assert.match(new TextDecoder().decode(version.stdout), /^leosac \d+\.\d+\.\d+/);
      const entries = await Array.fromAsync(Deno.readDir(join(dir, "cache")));
      const unpacked = entries[0]!.name;
      for (const file of ["deno", "main.js", "worker.js"]) {
        assert.ok((await Deno.stat(join(dir, "cache", unpacked, file))).isFile, file);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
