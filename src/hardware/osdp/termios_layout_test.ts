/**
 * Proves termios.ts against the C headers (`<termios.h>`, `<fcntl.h>`,
 * `<poll.h>`, `<sys/eventfd.h>`) as `chardev/uapi_layout_test.ts` does for
 * gpio.h: compiles a program printing every size, offset and constant, runs
 * it, and compares. x86_64 with `cc`; aarch64 with `aarch64-linux-gnu-gcc`
 * under `qemu-aarch64` (skipped without them unless LEOSAC_REQUIRE_QEMU_USER=1).
 */
import assert from "node:assert/strict";
import { TERMIOS, TERMIOS_OFFSET, TERMIOS_SIZEOF } from "./termios.ts";

interface Toolchain {
  name: string;
  cc: string;
  header: string;
  runner: string[];
}

const AARCH64_SYSROOT = "/usr/aarch64-linux-gnu";
const NATIVE: Toolchain = {
  name: `${Deno.build.arch} (cc)`,
  cc: "cc",
  header: "/usr/include/termios.h",
  runner: [],
};
const AARCH64: Toolchain = {
  name: "aarch64 (aarch64-linux-gnu-gcc, run under qemu-aarch64)",
  cc: "aarch64-linux-gnu-gcc",
  header: `${AARCH64_SYSROOT}/include/termios.h`,
  runner: ["qemu-aarch64", "-L", AARCH64_SYSROOT],
};

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

function available(toolchain: Toolchain): boolean {
  return runs(toolchain.cc) && isFile(toolchain.header) &&
    (toolchain.runner.length === 0 || runs(toolchain.runner[0]!));
}

const aarch64Available = available(AARCH64);
if (!aarch64Available && Deno.env.get("LEOSAC_REQUIRE_QEMU_USER") === "1") {
  throw new Error(
    "LEOSAC_REQUIRE_QEMU_USER=1 but aarch64-linux-gnu-gcc, its headers or qemu-aarch64 are missing",
  );
}

function expected(): Map<string, [string, bigint]> {
  const out = new Map<string, [string, bigint]>();
  for (const [struct, size] of Object.entries(TERMIOS_SIZEOF)) {
    out.set(`sizeof.${struct}`, [`sizeof(struct ${struct})`, BigInt(size)]);
  }
  for (const [key, offset] of Object.entries(TERMIOS_OFFSET)) {
    const [struct, field] = key.split(".");
    out.set(`offset.${key}`, [`offsetof(struct ${struct}, ${field})`, BigInt(offset)]);
  }
  for (const [name, value] of Object.entries(TERMIOS)) out.set(name, [`(${name})`, BigInt(value)]);
  return out;
}

function program(values: Map<string, [string, bigint]>): string {
  return [
    "#define _GNU_SOURCE",
    "#include <fcntl.h>",
    "#include <poll.h>",
    "#include <stddef.h>",
    "#include <stdio.h>",
    "#include <sys/eventfd.h>",
    "#include <termios.h>",
    "int main(void) {",
    ...[...values].map(([key, [expr]]) =>
      `  printf("%s %llu\\n", "${key}", (unsigned long long)${expr});`
    ),
    "  return 0;",
    "}",
    "",
  ].join("\n");
}

async function compareWithC(toolchain: Toolchain): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "termios_layout_" });
  try {
    const values = expected();
    await Deno.writeTextFile(`${dir}/layout.c`, program(values));
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
    assert.equal(fromC.size, values.size);
    const mismatches = [...values]
      .filter(([key, [, value]]) => fromC.get(key) !== value)
      .map(([key, [, value]]) => `${key}: termios.ts ${value}, C ${fromC.get(key)}`);
    assert.deepEqual(mismatches, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: `termios.ts matches <termios.h> and the libc headers: ${NATIVE.name}`,
  ignore: !available(NATIVE),
  fn: () => compareWithC(NATIVE),
});

Deno.test({
  name: `termios.ts matches <termios.h> and the libc headers: ${AARCH64.name}`,
  ignore: !aarch64Available || Deno.build.arch === "aarch64",
  fn: () => compareWithC(AARCH64),
});
