/**
 * Proves termios.ts against the C headers (`<termios.h>`, `<fcntl.h>`,
 * `<poll.h>`, `<sys/eventfd.h>`) as `chardev/uapi_layout_test.ts` does for
 * gpio.h: compiles a program printing every size, offset and constant, runs
 * it, and compares. x86_64 with `cc`; aarch64 with `aarch64-linux-gnu-gcc`
 * under `qemu-aarch64` (skipped without them unless LEOSAC_REQUIRE_QEMU_USER=1).
 */
import { assertLayoutMatchesC, available, toolchainsFor } from "../_c_layout.ts";
import { TERMIOS, TERMIOS_OFFSET, TERMIOS_SIZEOF } from "./termios.ts";

const { native, aarch64, aarch64Runs } = toolchainsFor("termios.h");
const INCLUDES = [
  "fcntl.h",
  "poll.h",
  "stddef.h",
  "stdio.h",
  "sys/eventfd.h",
  "termios.h",
];

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

Deno.test({
  name: `termios.ts matches <termios.h> and the libc headers: ${native.name}`,
  ignore: !available(native),
  fn: () => assertLayoutMatchesC(native, INCLUDES, expected(), "termios.ts"),
});

Deno.test({
  name: `termios.ts matches <termios.h> and the libc headers: ${aarch64.name}`,
  ignore: !aarch64Runs,
  fn: () => assertLayoutMatchesC(aarch64, INCLUDES, expected(), "termios.ts"),
});
