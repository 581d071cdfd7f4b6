/**
 * The line registry and the main-thread safe-state routine: with fake system
 * calls (what is driven, woken, closed or skipped), and with real libc on a
 * pipe standing in for a line, polled by an event pump in a Worker that is
 * then terminated (no deadlock, no crash, the fds really close).
 */
import assert from "node:assert/strict";
import { createLineRegistryBuffer, LineRegistry, SLOT_KIND, SLOT_STATE } from "./line_registry.ts";
import { reclaimLines, type ReclaimSyscalls } from "./reclaim.ts";
import { decodeLineValues, IOCTL, OFFSET } from "./uapi.ts";
import { untilBlockedInPoll } from "./testdata/in_poll.ts";

interface FakeFd {
  link: string;
  value?: bigint;
  wakes?: number;
}

function fakeSystem(fds: Record<number, FakeFd>) {
  const calls: string[] = [];
  const syscalls: ReclaimSyscalls = {
    ioctl(fd, request, arg): number {
      calls.push(`ioctl ${fd}`);
      const entry = fds[fd];
      if (entry === undefined || request !== IOCTL.GPIO_V2_LINE_SET_VALUES_IOCTL) return -1;
      const mask = new DataView(arg.buffer).getBigUint64(OFFSET["gpio_v2_line_values.mask"], true);
      assert.equal(mask, 1n);
      entry.value = decodeLineValues(arg);
      return 0;
    },
    write(fd, _buffer, count): number {
      calls.push(`write ${fd}`);
      const entry = fds[fd];
      if (entry === undefined) return -1;
      entry.wakes = (entry.wakes ?? 0) + 1;
      return Number(count);
    },
    close(fd): number {
      calls.push(`close ${fd}`);
      if (fds[fd] === undefined) return -1;
      delete fds[fd];
      return 0;
    },
    errno: () => 9,
  };
  const readLink = (path: string): string => {
    const fd = Number(path.slice("/proc/self/fd/".length));
    const entry = fds[fd];
    if (entry === undefined) throw new Deno.errors.NotFound(path);
    return entry.link;
  };
  return { calls, syscalls, readLink };
}

const LINE = "anon_inode:gpio-line";
const EVENTFD = "anon_inode:[eventfd]";
const CHIP = "/dev/gpiochip0";

Deno.test("LineRegistry records, releases and reuses slots", () => {
  const registry = new LineRegistry(createLineRegistryBuffer(2));
  const chip = registry.register({ kind: SLOT_KIND.CHIP, fd: 5, chip: CHIP });
  const out = registry.register({
    kind: SLOT_KIND.OUTPUT,
    fd: 6,
    chip: CHIP,
    offset: 2,
    activeLow: true,
    safeLevel: true,
  });
  assert.throws(
    () => registry.register({ kind: SLOT_KIND.INPUT, fd: 7, chip: CHIP, offset: 0 }),
    RangeError,
  );
  const [c, o] = registry.entries();
  assert.deepEqual([c?.kind, c?.fd, c?.chip, c?.offset], [SLOT_KIND.CHIP, 5, CHIP, -1]);
  assert.deepEqual(
    [o?.kind, o?.fd, o?.offset, o?.activeLow, o?.safeLevel, o?.state],
    [SLOT_KIND.OUTPUT, 6, 2, true, true, SLOT_STATE.LIVE],
  );
  assert.ok(out.owned());
  assert.ok(out.beginRelease());
  assert.ok(out.owned());
  out.free();
  assert.ok(!out.owned());
  const input = registry.register({ kind: SLOT_KIND.INPUT, fd: 8, chip: CHIP, offset: 0 });
  assert.ok(input.owned());
  assert.ok(!out.owned(), "an old handle does not own the reused slot");
  assert.ok(!out.beginRelease());
  assert.equal(registry.entries().length, 2);
  assert.ok(chip.owned());
});

Deno.test("reclaimLines() drives outputs to their safe value, wakes pumps, closes every fd", async () => {
  const buffer = createLineRegistryBuffer(8);
  const registry = new LineRegistry(buffer);
  const fds: Record<number, FakeFd> = {
    10: { link: CHIP },
    11: { link: LINE }, // strike, fail-secure: safe = 0
    12: { link: LINE }, // strike of a fail-safe door: safe = 1
    13: { link: LINE }, // LED
    14: { link: LINE }, // contact input
    15: { link: EVENTFD }, // its pump's eventfd
  };
  registry.register({ kind: SLOT_KIND.CHIP, fd: 10, chip: CHIP });
  registry.register({ kind: SLOT_KIND.OUTPUT, fd: 11, chip: CHIP, offset: 2 });
  registry.register({ kind: SLOT_KIND.OUTPUT, fd: 12, chip: CHIP, offset: 3, safeLevel: true });
  registry.register({ kind: SLOT_KIND.OUTPUT, fd: 13, chip: CHIP, offset: 4, activeLow: true });
  const input = registry.register({ kind: SLOT_KIND.INPUT, fd: 14, chip: CHIP, offset: 0 });
  input.setWakeFd(15);
  const sys = fakeSystem(fds);
  const values = { 11: fds[11]!, 12: fds[12]!, 13: fds[13]!, 15: fds[15]! };

  const report = await reclaimLines(buffer, { syscalls: sys.syscalls, readLink: sys.readLink });

  assert.deepEqual(report.driven, [
    { chip: CHIP, offset: 2, level: false },
    { chip: CHIP, offset: 3, level: true },
    { chip: CHIP, offset: 4, level: false },
  ]);
  assert.deepEqual([values[11].value, values[12].value, values[13].value], [0n, 1n, 0n]);
  assert.equal(values[15].wakes, 1);
  assert.equal(report.woken, 1);
  assert.deepEqual(report.closed.sort(), [10, 11, 12, 13, 14, 15]);
  assert.deepEqual(Object.keys(fds), [], "every fd is closed");
  assert.deepEqual(report.skipped, []);
  assert.equal(registry.entries().length, 0, "the slots are free");
  // Outputs are driven before any pump is woken or any fd closed.
  const firstOther = sys.calls.findIndex((c) => !c.startsWith("ioctl"));
  assert.equal(sys.calls.slice(0, firstOther).length, 3);
  assert.ok(!input.owned(), "the worker's handle lost the fds");
  assert.ok(!input.beginRelease(), "a late release by the worker does not close them again");

  const again = await reclaimLines(buffer, { syscalls: sys.syscalls, readLink: sys.readLink });
  assert.deepEqual(again.closed, [], "a second run finds nothing");
});

Deno.test("reclaimLines() skips fd numbers that no longer name what was recorded", async () => {
  const buffer = createLineRegistryBuffer(8);
  const registry = new LineRegistry(buffer);
  const fds: Record<number, FakeFd> = {
    20: { link: "socket:[1234]" }, // a line fd closed and reused by a socket
    22: { link: "/dev/gpiochip1" }, // another chip than recorded
    23: { link: "pipe:[99]" }, // an eventfd number reused by a pipe
    24: { link: LINE },
  };
  registry.register({ kind: SLOT_KIND.OUTPUT, fd: 20, chip: CHIP, offset: 2 });
  registry.register({ kind: SLOT_KIND.OUTPUT, fd: 21, chip: CHIP, offset: 3 }); // closed
  registry.register({ kind: SLOT_KIND.CHIP, fd: 22, chip: CHIP });
  registry.register({ kind: SLOT_KIND.INPUT, fd: 24, chip: CHIP, offset: 0 }).setWakeFd(23);
  const sys = fakeSystem(fds);

  const report = await reclaimLines(buffer, { syscalls: sys.syscalls, readLink: sys.readLink });

  assert.deepEqual(report.driven, []);
  assert.equal(report.woken, 0);
  assert.deepEqual(report.closed, [24]);
  assert.deepEqual(report.skipped.map((s) => s.fd).sort(), [20, 21, 22, 23]);
  assert.deepEqual(Object.keys(fds).sort(), ["20", "22", "23"], "foreign fds stay open");
  assert.ok(!sys.calls.includes("ioctl 20"));
  assert.equal(registry.entries().length, 0);
});

Deno.test("reclaimLines() takes slots the worker was releasing once the grace period is over", async () => {
  const buffer = createLineRegistryBuffer(8);
  const registry = new LineRegistry(buffer);
  const fds: Record<number, FakeFd> = { 30: { link: LINE }, 31: { link: LINE } };
  // Died in the middle of a release: slot RELEASING, fd still open.
  const releasing = registry.register({ kind: SLOT_KIND.OUTPUT, fd: 30, chip: CHIP, offset: 2 });
  assert.ok(releasing.beginRelease());
  // Released an fd whose number a new live line then got.
  const stale = registry.register({ kind: SLOT_KIND.INPUT, fd: 31, chip: CHIP, offset: 5 });
  assert.ok(stale.beginRelease());
  registry.register({ kind: SLOT_KIND.OUTPUT, fd: 31, chip: CHIP, offset: 6 });
  const sys = fakeSystem(fds);

  const report = await reclaimLines(buffer, {
    syscalls: sys.syscalls,
    readLink: sys.readLink,
    graceMs: 5,
  });

  assert.deepEqual(report.driven.map((d) => d.offset), [6, 2]);
  assert.deepEqual(report.closed, [31, 30]);
  assert.deepEqual(report.skipped, [{
    fd: 31,
    reason: "the number now belongs to another live line",
  }]);
  assert.equal(registry.entries().length, 0);
});

Deno.test({
  name: "reclaimLines() after terminating a Worker whose event pump is blocked in poll",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const buffer = createLineRegistryBuffer(8);
    const worker = new Worker(new URL("./testdata/pump_worker.ts", import.meta.url), {
      type: "module",
    });
    const ready = new Promise<{ readFd: number; writeFd: number }>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message));
      };
    });
    worker.postMessage(buffer);
    const { readFd, writeFd } = await ready;
    const registry = new LineRegistry(buffer);
    const [entry] = registry.entries();
    assert.ok(entry !== undefined && entry.wakeFd >= 0, "the pump recorded its eventfd");
    const wakeFd = entry.wakeFd;
    // What the two numbers point at now: after the reclaim they must not (the
    // numbers themselves may be reused at once by another test in this process).
    const before = {
      read: await Deno.readLink(`/proc/self/fd/${readFd}`),
      wake: await Deno.readLink(`/proc/self/fd/${wakeFd}`),
    };
    const stillOpen = (fd: number, target: string): boolean => {
      try {
        return Deno.readLinkSync(`/proc/self/fd/${fd}`) === target;
      } catch {
        return false;
      }
    };
    // Wait until the pump is blocked in poll on the blocking pool, then kill the worker.
    await untilBlockedInPoll(readFd);
    worker.terminate();

    const readLink = (path: string): string => {
      const target = Deno.readLinkSync(path);
      return target.startsWith("pipe:") ? LINE : target;
    };
    const report = await reclaimLines(buffer, { readLink });

    assert.equal(report.woken, 1);
    assert.deepEqual(report.closed.sort((a, b) => a - b), [readFd, wakeFd].sort((a, b) => a - b));
    assert.ok(!stillOpen(readFd, before.read), "the line fd is closed");
    assert.ok(!stillOpen(wakeFd, before.wake), "the eventfd is closed");
    assert.equal(registry.entries().length, 0);
    // The pipe's write end is not registered: close it here.
    const libc = Deno.dlopen("libc.so.6", { close: { parameters: ["i32"], result: "i32" } });
    assert.equal(libc.symbols.close(writeFd), 0);
    libc.close();
    // The process still runs timers and FFI after the poll thread returned.
    await new Promise((r) => setTimeout(r, 20));
  },
});
