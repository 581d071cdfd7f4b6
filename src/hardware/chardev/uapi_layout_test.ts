/**
 * Proves uapi.ts against the C headers, for both targets: compiles a small
 * program including <linux/gpio.h> (and the libc headers), runs it, and
 * compares every size, offset, ioctl number and flag.
 *
 * - x86_64 (the machine's own): `cc`, run directly. Skipped when there is no
 *   compiler or no header (CI installs `gcc linux-libc-dev`).
 * - aarch64: `aarch64-linux-gnu-gcc`, run under `qemu-aarch64 -L
 *   /usr/aarch64-linux-gnu`. Skipped without them (Debian packages
 *   gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user), unless
 *   LEOSAC_REQUIRE_QEMU_USER=1 (set by .ci/run).
 */
import assert from "node:assert/strict";
import {
  GPIO_MAX_NAME_SIZE,
  GPIO_V2_LINE_NUM_ATTRS_MAX,
  GPIO_V2_LINES_MAX,
  IOCTL,
  LIBC,
  LINE_ATTR_ID,
  LINE_EVENT_ID,
  LINE_FLAG,
  OFFSET,
  SIZEOF,
} from "./uapi.ts";

/** A compiler for one target, and how to run what it builds. */
interface Toolchain {
  name: string;
  cc: string;
  header: string;
  /** The command line prefix that runs a program built for the target. */
  runner: string[];
}

const AARCH64_SYSROOT = "/usr/aarch64-linux-gnu";
const NATIVE: Toolchain = {
  name: `${Deno.build.arch} (cc)`,
  cc: "cc",
  header: "/usr/include/linux/gpio.h",
  runner: [],
};
const AARCH64: Toolchain = {
  name: "aarch64 (aarch64-linux-gnu-gcc, run under qemu-aarch64)",
  cc: "aarch64-linux-gnu-gcc",
  header: `${AARCH64_SYSROOT}/include/linux/gpio.h`,
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
    "LEOSAC_REQUIRE_QEMU_USER=1 but aarch64-linux-gnu-gcc, its headers or qemu-aarch64 are " +
      "missing (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)",
  );
}

/** C expressions for every value uapi.ts defines, keyed like the TS tables. */
function cExpressions(): Map<string, string> {
  const exprs = new Map<string, string>([
    ["GPIO_MAX_NAME_SIZE", "GPIO_MAX_NAME_SIZE"],
    ["GPIO_V2_LINES_MAX", "GPIO_V2_LINES_MAX"],
    ["GPIO_V2_LINE_NUM_ATTRS_MAX", "GPIO_V2_LINE_NUM_ATTRS_MAX"],
  ]);
  for (const struct of Object.keys(SIZEOF)) {
    exprs.set(`sizeof.${struct}`, `sizeof(struct ${struct})`);
  }
  for (const key of Object.keys(OFFSET)) {
    const [struct, field] = key.split(".");
    exprs.set(`offset.${key}`, `offsetof(struct ${struct}, ${field})`);
  }
  for (const table of [IOCTL, LINE_FLAG, LINE_ATTR_ID, LINE_EVENT_ID, LIBC]) {
    for (const name of Object.keys(table)) exprs.set(name, `(${name})`);
  }
  return exprs;
}

function tsValues(): Map<string, bigint> {
  const values = new Map<string, bigint>([
    ["GPIO_MAX_NAME_SIZE", BigInt(GPIO_MAX_NAME_SIZE)],
    ["GPIO_V2_LINES_MAX", BigInt(GPIO_V2_LINES_MAX)],
    ["GPIO_V2_LINE_NUM_ATTRS_MAX", BigInt(GPIO_V2_LINE_NUM_ATTRS_MAX)],
  ]);
  for (const [k, v] of Object.entries(SIZEOF)) values.set(`sizeof.${k}`, BigInt(v));
  for (const [k, v] of Object.entries(OFFSET)) values.set(`offset.${k}`, BigInt(v));
  for (const table of [IOCTL, LINE_FLAG, LINE_ATTR_ID, LINE_EVENT_ID, LIBC]) {
    for (const [k, v] of Object.entries(table)) values.set(k, BigInt(v));
  }
  return values;
}

function program(exprs: Map<string, string>): string {
  const lines = [...exprs].map(([key, expr]) =>
    `  printf("%s %llu\\n", "${key}", (unsigned long long)${expr});`
  );
  return [
    "#define _GNU_SOURCE",
    "#include <linux/gpio.h>",
    "#include <fcntl.h>",
    "#include <poll.h>",
    "#include <stddef.h>",
    "#include <stdio.h>",
    "#include <sys/eventfd.h>",
    "#include <time.h>",
    "int main(void) {",
    ...lines,
    "  return 0;",
    "}",
    "",
  ].join("\n");
}

async function compareWithC(toolchain: Toolchain): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "uapi_layout_" });
  try {
    const exprs = cExpressions();
    await Deno.writeTextFile(`${dir}/layout.c`, program(exprs));
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
    assert.equal(fromC.size, exprs.size);
    const mismatches = [...tsValues()]
      .filter(([key, value]) => fromC.get(key) !== value)
      .map(([key, value]) => `${key}: uapi.ts ${value}, C ${fromC.get(key)}`);
    assert.deepEqual(mismatches, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: `uapi.ts matches <linux/gpio.h> and the libc headers: ${NATIVE.name}`,
  ignore: !available(NATIVE),
  fn: () => compareWithC(NATIVE),
});

Deno.test({
  name: `uapi.ts matches <linux/gpio.h> and the libc headers: ${AARCH64.name}`,
  ignore: !aarch64Available || Deno.build.arch === "aarch64",
  fn: () => compareWithC(AARCH64),
});
