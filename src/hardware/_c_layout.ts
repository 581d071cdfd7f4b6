/**
 * What the struct-layout tests share (`chardev/uapi_layout_test.ts` for
 * gpio.h, `osdp/termios_layout_test.ts` for termios): the two toolchains, and
 * a probe that compiles a C program printing every size, offset and constant,
 * runs it (aarch64 under `qemu-aarch64 -L /usr/aarch64-linux-gnu`), and
 * compares it with the TypeScript tables. Test-only.
 *
 * - x86_64 (the machine's own): `cc`, run directly.
 * - aarch64: `aarch64-linux-gnu-gcc` under `qemu-aarch64`. Missing tools skip
 *   those tests, unless LEOSAC_REQUIRE_QEMU_USER=1 (set by .ci/run): then
 *   {@linkcode toolchainsFor} throws.
 *
 * @module
 */
import assert from "node:assert/strict";

/** A compiler for one target, and how to run what it builds. */
export interface Toolchain {
  name: string;
  cc: string;
  header: string;
  /** The command line prefix that runs a program built for the target. */
  runner: string[];
}

const AARCH64_SYSROOT = "/usr/aarch64-linux-gnu";

function runs(command: string): boolean {
  try {
    return new Deno.Command(command, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Whether the toolchain's compiler, header and runner are here. */
export function available(toolchain: Toolchain): boolean {
  return runs(toolchain.cc) && isFile(toolchain.header) &&
    (toolchain.runner.length === 0 || runs(toolchain.runner[0]!));
}

/**
 * The native and aarch64 toolchains for a header (`linux/gpio.h`,
 * `termios.h`), and whether aarch64 can run here (false on an aarch64 host:
 * the native test covers it).
 */
export function toolchainsFor(header: string): {
  native: Toolchain;
  aarch64: Toolchain;
  aarch64Runs: boolean;
} {
  const native = {
    name: `${Deno.build.arch} (cc)`,
    cc: "cc",
    header: `/usr/include/${header}`,
    runner: [],
  };
  const aarch64 = {
    name: "aarch64 (aarch64-linux-gnu-gcc, run under qemu-aarch64)",
    cc: "aarch64-linux-gnu-gcc",
    header: `${AARCH64_SYSROOT}/include/${header}`,
    runner: ["qemu-aarch64", "-L", AARCH64_SYSROOT],
  };
  const aarch64Available = available(aarch64);
  if (!aarch64Available && Deno.env.get("LEOSAC_REQUIRE_QEMU_USER") === "1") {
    throw new Error(
      "LEOSAC_REQUIRE_QEMU_USER=1 but aarch64-linux-gnu-gcc, its headers or qemu-aarch64 are " +
        "missing (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)",
    );
  }
  return { native, aarch64, aarch64Runs: aarch64Available && Deno.build.arch !== "aarch64" };
}

/**
 * Compiles and runs a program that includes `includes` and prints each C
 * expression of `expected` (key → [expression, value in TypeScript]), then
 * asserts every value printed equals its TypeScript value; `source` names the
 * TypeScript module in the mismatch list.
 */
export async function assertLayoutMatchesC(
  toolchain: Toolchain,
  includes: readonly string[],
  expected: ReadonlyMap<string, readonly [string, bigint]>,
  source: string,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "c_layout_" });
  try {
    const program = [
      "#define _GNU_SOURCE",
      ...includes.map((header) => `#include <${header}>`),
      "int main(void) {",
      ...[...expected].map(([key, [expr]]) =>
        `  printf("%s %llu\\n", "${key}", (unsigned long long)${expr});`
      ),
      "  return 0;",
      "}",
      "",
    ].join("\n");
    await Deno.writeTextFile(`${dir}/layout.c`, program);
    const build = await new Deno.Command(toolchain.cc, {
      args: ["-Wall", "-o", `${dir}/layout`, `${dir}/layout.c`],
    }).output();
    assert.ok(build.success, new TextDecoder().decode(build.stderr));
    const [command, ...args] = [...toolchain.runner, `${dir}/layout`];
    const run = await new Deno.Command(command!, { args }).output();
    assert.ok(run.success, new TextDecoder().decode(run.stderr));
    const fromC = new Map<string, bigint>();
    for (const line of new TextDecoder().decode(run.stdout).trim().split("\n")) {
      const [key, value] = line.split(" ");
      fromC.set(key!, BigInt(value!));
    }
    assert.equal(fromC.size, expected.size);
    const mismatches = [...expected]
      .filter(([key, [, value]]) => fromC.get(key) !== value)
      .map(([key, [, value]]) => `${key}: ${source} ${value}, C ${fromC.get(key)}`);
    assert.deepEqual(mismatches, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
