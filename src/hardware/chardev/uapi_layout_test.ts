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
import { assertLayoutMatchesC, available, toolchainsFor } from "../_c_layout.ts";
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

const { native, aarch64, aarch64Runs } = toolchainsFor("linux/gpio.h");
const INCLUDES = [
  "linux/gpio.h",
  "fcntl.h",
  "poll.h",
  "stddef.h",
  "stdio.h",
  "sys/eventfd.h",
  "time.h",
];

/** Every value uapi.ts defines: key → [its C expression, its value in uapi.ts]. */
function expected(): Map<string, [string, bigint]> {
  const out = new Map<string, [string, bigint]>([
    ["GPIO_MAX_NAME_SIZE", ["GPIO_MAX_NAME_SIZE", BigInt(GPIO_MAX_NAME_SIZE)]],
    ["GPIO_V2_LINES_MAX", ["GPIO_V2_LINES_MAX", BigInt(GPIO_V2_LINES_MAX)]],
    [
      "GPIO_V2_LINE_NUM_ATTRS_MAX",
      ["GPIO_V2_LINE_NUM_ATTRS_MAX", BigInt(GPIO_V2_LINE_NUM_ATTRS_MAX)],
    ],
  ]);
  for (const [struct, size] of Object.entries(SIZEOF)) {
    out.set(`sizeof.${struct}`, [`sizeof(struct ${struct})`, BigInt(size)]);
  }
  for (const [key, offset] of Object.entries(OFFSET)) {
    const [struct, field] = key.split(".");
    out.set(`offset.${key}`, [`offsetof(struct ${struct}, ${field})`, BigInt(offset)]);
  }
  for (const table of [IOCTL, LINE_FLAG, LINE_ATTR_ID, LINE_EVENT_ID, LIBC]) {
    for (const [name, value] of Object.entries(table)) out.set(name, [`(${name})`, BigInt(value)]);
  }
  return out;
}

Deno.test({
  name: `uapi.ts matches <linux/gpio.h> and the libc headers: ${native.name}`,
  ignore: !available(native),
  fn: () => assertLayoutMatchesC(native, INCLUDES, expected(), "uapi.ts"),
});

Deno.test({
  name: `uapi.ts matches <linux/gpio.h> and the libc headers: ${aarch64.name}`,
  ignore: !aarch64Runs,
  fn: () => assertLayoutMatchesC(aarch64, INCLUDES, expected(), "uapi.ts"),
});
