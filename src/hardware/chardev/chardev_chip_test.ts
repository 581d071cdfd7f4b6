/**
 * Error paths of the character-device chip and chip discovery, without GPIO
 * hardware (a fake libc stands in for the kernel). The test that lists this
 * machine's chips is reported as ignored where there is none. The behaviour
 * against a real chip is the contract suite, run under QEMU by
 * scripts/qemu/run.sh.
 */
import assert from "node:assert/strict";
import { GpioError } from "../types.ts";
import { listChips, openChardevChip } from "./chardev_chip.ts";
import type { Libc } from "./libc.ts";
import { IOCTL, OFFSET } from "./uapi.ts";

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

Deno.test("listChips() skips files named like chips that are not GPIO chips (real libc)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/gpiochip0`, "not a device");
    await Deno.writeTextFile(`${dir}/ttyS0`, "");
    assert.deepEqual(listChips({ dir }), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A libc whose `open` accepts any path and whose chip-info ioctl answers for
 * every path except `notChip` (ENOTTY); it records which fds are still open.
 */
function fakeLibc(notChip: string): { libc: Libc; openFds: Set<number> } {
  const paths = new Map<number, string>();
  const openFds = new Set<number>();
  let errno = 0;
  let nextFd = 10;
  const symbols = {
    open(path: Uint8Array): number {
      const fd = nextFd++;
      paths.set(fd, new TextDecoder().decode(path.subarray(0, path.indexOf(0))));
      openFds.add(fd);
      return fd;
    },
    close(fd: number): number {
      openFds.delete(fd);
      return 0;
    },
    ioctl(fd: number, request: bigint, buffer: Uint8Array): number {
      const path = paths.get(fd)!;
      if (request !== IOCTL.GPIO_GET_CHIPINFO_IOCTL || path.endsWith(`/${notChip}`)) {
        errno = 25; // ENOTTY
        return -1;
      }
      const name = path.slice(path.lastIndexOf("/") + 1);
      buffer.set(new TextEncoder().encode(name), OFFSET["gpiochip_info.name"]);
      buffer.set(new TextEncoder().encode("fake"), OFFSET["gpiochip_info.label"]);
      const lines = 8 + Number(name.slice("gpiochip".length));
      new DataView(buffer.buffer).setUint32(OFFSET["gpiochip_info.lines"], lines, true);
      return 0;
    },
  };
  const libc = { symbols, errno: () => errno, close() {} } as unknown as Libc;
  return { libc, openFds };
}

Deno.test("listChips() keeps the gpiochipN names whose chip-info ioctl answers, in number order, and closes every fd", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const name of ["gpiochip10", "gpiochip2", "gpiochip0", "gpiochip3", "gpiochipX", "ttyS0"]
    ) {
      await Deno.writeTextFile(`${dir}/${name}`, "");
    }
    const { libc, openFds } = fakeLibc("gpiochip3");
    assert.deepEqual(listChips({ dir, libc }), [
      { path: `${dir}/gpiochip0`, name: "gpiochip0", label: "fake", lines: 8 },
      { path: `${dir}/gpiochip2`, name: "gpiochip2", label: "fake", lines: 10 },
      { path: `${dir}/gpiochip10`, name: "gpiochip10", label: "fake", lines: 18 },
    ]);
    assert.deepEqual([...openFds], [], "no fd left open");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The `/dev/gpiochipN` devices this process may open read-write. */
function openableDevChips(): string[] {
  let names: string[];
  try {
    names = [...Deno.readDirSync("/dev")].map((e) => e.name).filter((n) => /^gpiochip\d+$/.test(n));
  } catch {
    return [];
  }
  return names
    .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))
    .map((n) => `/dev/${n}`)
    .filter((path) => {
      try {
        Deno.openSync(path, { read: true, write: true }).close();
        return true;
      } catch {
        return false;
      }
    });
}

const DEV_CHIPS = openableDevChips();

Deno.test({
  name: "listChips() lists every /dev/gpiochipN this process can open (ignored: needs a GPIO chip)",
  ignore: DEV_CHIPS.length === 0,
  fn() {
    const chips = listChips();
    assert.deepEqual(chips.map((c) => c.path), DEV_CHIPS);
    for (const chip of chips) {
      assert.equal(`/dev/${chip.name}`, chip.path);
      assert.ok(chip.lines > 0, JSON.stringify(chip));
    }
  },
});
