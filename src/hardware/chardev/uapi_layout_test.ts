/**
 * Proves uapi.ts against the C headers: compiles a small program including
 * <linux/gpio.h> (and the libc headers) with `cc`, runs it, and compares every
 * size, offset, ioctl number and flag. Skipped when there is no compiler or no
 * header (CI installs `gcc linux-libc-dev`).
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

const HEADER = "/usr/include/linux/gpio.h";

function hasCompiler(): boolean {
  try {
    return new Deno.Command("cc", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

function hasHeader(): boolean {
  try {
    return Deno.statSync(HEADER).isFile;
  } catch {
    return false;
  }
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

Deno.test({
  name: "uapi.ts matches <linux/gpio.h> and the libc headers",
  ignore: !hasCompiler() || !hasHeader(),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "uapi_layout_" });
    try {
      const exprs = cExpressions();
      await Deno.writeTextFile(`${dir}/layout.c`, program(exprs));
      const build = await new Deno.Command("cc", {
        args: ["-Wall", "-o", `${dir}/layout`, `${dir}/layout.c`],
      }).output();
      assert.ok(build.success, new TextDecoder().decode(build.stderr));
      const run = await new Deno.Command(`${dir}/layout`).output();
      assert.ok(run.success);
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
  },
});
