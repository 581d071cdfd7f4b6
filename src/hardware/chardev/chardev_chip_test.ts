/**
 * Error paths of the character-device chip that need no GPIO hardware. The
 * behaviour against a real chip is the contract suite, run under QEMU by
 * scripts/qemu/run.sh.
 */
import assert from "node:assert/strict";
import { GpioError } from "../types.ts";
import { listChips, openChardevChip } from "./chardev_chip.ts";

Deno.test("openChardevChip() reports a missing device as ENOENT", () => {
  assert.throws(() => openChardevChip("/dev/gpiochip-does-not-exist"), (e: unknown) => {
    assert.ok(e instanceof GpioError);
    assert.equal(e.code, "ENOENT");
    assert.equal(e.chip, "/dev/gpiochip-does-not-exist");
    assert.equal(e.message, 'Cannot open GPIO chip "/dev/gpiochip-does-not-exist": ENOENT');
    return true;
  });
});

Deno.test("openChardevChip() refuses a device that is not a GPIO chip", () => {
  assert.throws(() => openChardevChip("/dev/null"), (e: unknown) => {
    assert.ok(e instanceof GpioError);
    assert.equal(e.code, "ENOTTY");
    assert.match(e.message, /"\/dev\/null" is not a GPIO chip: ENOTTY/);
    return true;
  });
});

Deno.test("listChips() lists only gpiochip devices it can open", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/gpiochip0`, "not a device");
    await Deno.writeTextFile(`${dir}/ttyS0`, "");
    assert.deepEqual(listChips({ dir }), []);
    const real = listChips();
    assert.ok(real.every((c) => c.path.startsWith("/dev/gpiochip") && c.lines > 0));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
