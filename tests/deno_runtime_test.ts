/**
 * fetchDenoRuntime() (scripts/_deno_runtime.ts) with a stand-in `npm`: the
 * tarball is fetched once and then taken from the cache, a cached tarball
 * that does not match the pinned integrity is fetched again, and one from
 * the registry that does not match is refused and never unpacked or cached.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fetchDenoRuntime, type Target, TARGETS } from "../scripts/_deno_runtime.ts";

/** A package tarball like npm's: package/deno holding `content`. */
async function packageTarball(dir: string, content: string): Promise<Uint8Array> {
  const stage = join(dir, `stage-${content}`);
  await Deno.mkdir(join(stage, "package"), { recursive: true });
  await Deno.writeTextFile(join(stage, "package", "deno"), content);
  const out = join(dir, `${content}.tgz`);
  const tar = await new Deno.Command("tar", { args: ["-czf", out, "-C", stage, "package"] })
    .output();
  assert.ok(tar.success);
  return await Deno.readFile(out);
}

Deno.test("fetchDenoRuntime() checks the pinned integrity of the cached and of the fetched tarball", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leosac-runtime-test-" });
  try {
    const good = await packageTarball(dir, "good-runtime");
    const evil = await packageTarball(dir, "evil-runtime");
    await Deno.writeFile(join(dir, "serve.tgz"), good);
    // The stand-in npm: `npm pack SPEC --pack-destination DIR …` copies serve.tgz there.
    const npm = join(dir, "npm");
    const calls = join(dir, "calls");
    await Deno.writeTextFile(
      npm,
      `#!/bin/sh\necho "$2" >> '${calls}'\ncp '${
        join(dir, "serve.tgz")
      }' "$4/deno-linux-arm64-glibc-2.9.6.tgz"\n`,
      { mode: 0o755 },
    );
    const target: Target = {
      ...TARGETS["aarch64-linux"],
      integrity: `sha512-${createHash("sha512").update(good).digest("base64")}`,
    };
    const cacheDir = join(dir, "cache");
    const dest = join(dir, "deno");
    const fetched = await fetchDenoRuntime(target, dest, { cacheDir, npm });
    assert.match(fetched, /@deno\/linux-arm64-glibc@2\.9\.6 \(from the npm registry\)/);
    assert.equal(await Deno.readTextFile(dest), "good-runtime");
    assert.equal((await Deno.stat(dest)).mode! & 0o777, 0o755);
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(cacheDir))).map((e) => e.name),
      ["deno-linux-arm64-glibc-2.9.6.tgz"],
      "only the checked tarball is kept",
    );

    // Cached: npm is not asked again.
    assert.match(await fetchDenoRuntime(target, dest, { cacheDir, npm }), /\(cached in /);
    assert.equal((await Deno.readTextFile(calls)).trim().split("\n").length, 1);

    // A cached tarball that was replaced is fetched again.
    await Deno.writeFile(join(cacheDir, "deno-linux-arm64-glibc-2.9.6.tgz"), evil);
    assert.match(await fetchDenoRuntime(target, dest, { cacheDir, npm }), /from the npm registry/);
    assert.equal(await Deno.readTextFile(dest), "good-runtime");

    // The registry serving something else: refused, nothing unpacked, nothing cached.
    await Deno.remove(join(cacheDir, "deno-linux-arm64-glibc-2.9.6.tgz"));
    await Deno.writeFile(join(dir, "serve.tgz"), evil);
    await Deno.remove(dest);
    await assert.rejects(
      fetchDenoRuntime(target, dest, { cacheDir, npm }),
      /from the registry has integrity sha512-.* not the pinned sha512-/,
    );
    await assert.rejects(Deno.stat(dest), Deno.errors.NotFound);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(cacheDir)), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
