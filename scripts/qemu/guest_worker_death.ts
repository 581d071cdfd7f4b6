/**
 * QEMU case for issue 4 on the real driver: a Worker requests output lines
 * (one at 1 with safe level 0, one at 0 with safe level 1) and an input with
 * a pump blocked in poll; the Worker is terminated; the main thread runs
 * `reclaimLines()`. Checks through gpio-sim sysfs that each output was at
 * its safe value while still requested (observed just before its fd is
 * closed, since gpio-sim resets a released line to its pull), that every
 * line is free afterwards, and that all three can be requested again (no
 * EBUSY).
 *
 * @module
 */
import assert from "node:assert/strict";
import { openChardevChip } from "../../src/hardware/chardev/chardev_chip.ts";
import { loadLibc } from "../../src/hardware/chardev/libc.ts";
import {
  createLineRegistryBuffer,
  LineRegistry,
  SLOT_KIND,
} from "../../src/hardware/chardev/line_registry.ts";
import { reclaimLines } from "../../src/hardware/chardev/reclaim.ts";
import type { LineWorkerInit } from "./guest_line_worker.ts";

/** Lines used: the contract's output and spare lines, and D0 as the input. */
export interface WorkerDeathLines {
  strike: number;
  failSafe: number;
  input: number;
}

/** Runs the case; `observe(offset)` reads gpio-sim's `sim_gpioN/value`. */
export async function runWorkerDeathCase(
  chipPath: string,
  lines: WorkerDeathLines,
  observe: (offset: number) => boolean,
): Promise<string> {
  const registryBuffer = createLineRegistryBuffer(16);
  const worker = new Worker(new URL("./guest_line_worker.js", import.meta.url), {
    type: "module",
  });
  const ready = new Promise<{ ok: boolean; error?: string }>((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      resolve({ ok: false, error: event.message });
    };
  });
  const init: LineWorkerInit = { chipPath, registry: registryBuffer, ...lines };
  worker.postMessage(init);
  const started = await ready;
  assert.ok(started.ok, `worker failed: ${started.error}`);
  assert.equal(observe(lines.strike), true, "strike driven to 1 by the worker");
  assert.equal(observe(lines.failSafe), false, "fail-safe strike driven to 0 by the worker");

  const entries = new LineRegistry(registryBuffer).entries();
  assert.equal(entries.length, 4, "chip + 3 lines recorded");
  const fdOf = (offset: number): number =>
    entries.find((e) => e.kind !== SLOT_KIND.CHIP && e.offset === offset)!.fd;
  const levelBeforeClose = new Map<number, boolean>();
  const watched = new Map([[fdOf(lines.strike), lines.strike], [
    fdOf(lines.failSafe),
    lines.failSafe,
  ]]);

  // Let the input's pump block in poll, then kill the worker.
  await new Promise((r) => setTimeout(r, 100));
  worker.terminate();
  const libc = loadLibc();
  const t0 = performance.now();
  const report = await reclaimLines(registryBuffer, {
    syscalls: {
      ioctl: (fd, request, arg) => libc.symbols.ioctl(fd, request, arg),
      write: (fd, buffer, count) => libc.symbols.write(fd, buffer, count),
      close(fd: number): number {
        const offset = watched.get(fd);
        if (offset !== undefined) levelBeforeClose.set(offset, observe(offset));
        return libc.symbols.close(fd);
      },
      errno: () => libc.errno(),
    },
  });
  const reclaimMs = performance.now() - t0;
  libc.close();

  assert.deepEqual(report.failed, []);
  assert.deepEqual(report.skipped, []);
  assert.equal(report.driven.length, 2);
  assert.equal(report.woken, 1, "the blocked pump was woken");
  assert.equal(report.closed.length, 5, "chip, 3 lines, 1 eventfd closed");
  assert.equal(levelBeforeClose.get(lines.strike), false, "strike at its safe value 0");
  assert.equal(levelBeforeClose.get(lines.failSafe), true, "fail-safe strike at its safe value 1");
  assert.equal(observe(lines.strike), false, "strike line at 0 after release");

  await using chip = openChardevChip(chipPath);
  for (const offset of [lines.strike, lines.failSafe, lines.input]) {
    assert.equal(chip.lineInfo(offset).used, false, `line ${offset} released by the kernel`);
  }
  const strike = chip.requestOutput(lines.strike, { consumer: "again", initial: false });
  chip.requestOutput(lines.failSafe, { consumer: "again", initial: false });
  const input = chip.requestInput(lines.input, { consumer: "again", edges: "both" });
  assert.equal(observe(lines.strike), false);
  strike.set(true);
  assert.equal(observe(lines.strike), true, "the re-requested line works");
  await input.close();
  return `reclaimed in ${reclaimMs.toFixed(1)} ms`;
}
