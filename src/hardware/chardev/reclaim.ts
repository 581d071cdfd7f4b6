/**
 * The safe-state routine for lines a dead Worker left open: the main thread
 * takes every fd recorded in a {@linkcode LineRegistry}, sets each output to
 * its safe value (`GPIO_V2_LINE_SET_VALUES_IOCTL`), wakes each event pump
 * still blocked in `poll` (a write to its eventfd), and closes every fd, so
 * the kernel releases the lines and a new worker can request them again.
 *
 * Before using an fd number it checks, through `/proc/self/fd/N`, that the
 * number still names what was recorded (`anon_inode:gpio-line`,
 * `anon_inode:[eventfd]`, or the chip's device path); otherwise it skips it,
 * so an fd closed meanwhile and reused by something else is never touched.
 *
 * @module
 */

import { type Libc, loadLibc } from "./libc.ts";
import {
  LineRegistry,
  type RegistryEntry,
  SLOT_KIND,
  SLOT_STATE,
  type SlotKind,
} from "./line_registry.ts";
import { encodeLineValues, IOCTL } from "./uapi.ts";

/** The system calls the routine makes (the libc symbols, or a fake in tests). */
export interface ReclaimSyscalls {
  ioctl(fd: number, request: bigint, arg: Uint8Array<ArrayBuffer>): number;
  write(fd: number, buffer: Uint8Array<ArrayBuffer>, count: bigint): number | bigint;
  close(fd: number): number;
  /** `errno` right after a failed call. */
  errno(): number;
}

/** Options of {@linkcode reclaimLines}. */
export interface ReclaimOptions {
  /** @default libc, loaded for the call and unloaded after */
  syscalls?: ReclaimSyscalls;
  /** Reads a symlink (`/proc/self/fd/N`). @default Deno.readLinkSync */
  readLink?: (path: string) => string;
  /**
   * How long to wait for slots the worker was writing or releasing when it
   * died before taking them too. @default 100
   */
  graceMs?: number;
  /**
   * After waking event pumps, how long to wait for their `poll` calls to
   * return (a blocked `poll` holds a reference to the line, which stays
   * requested until it returns). @default 10
   */
  settleMs?: number;
}

/** What {@linkcode reclaimLines} did. */
export interface ReclaimReport {
  /** Outputs set to their safe (logical) value. */
  driven: { chip: string; offset: number; level: boolean }[];
  /** Outputs whose safe value could not be set. */
  failed: { chip: string; offset: number; errno: number }[];
  /** Event pumps woken. */
  woken: number;
  /** fds closed. */
  closed: number[];
  /** fds left alone, and why. */
  skipped: { fd: number; reason: string }[];
}

const EXPECTED_LINK: Record<SlotKind, string | null> = {
  [SLOT_KIND.CHIP]: null,
  [SLOT_KIND.INPUT]: "anon_inode:gpio-line",
  [SLOT_KIND.OUTPUT]: "anon_inode:gpio-line",
};
const EVENTFD_LINK = "anon_inode:[eventfd]";

/**
 * Takes, drives to safe values, and closes every fd of `registry` that its
 * worker still held. The outputs are set synchronously, before the returned
 * promise is first awaited; the promise settles once the lines are released.
 * Call it only after the worker is terminated.
 *
 * @example
 * ```ts ignore
 * import { reclaimLines } from "./reclaim.ts";
 * worker.terminate();
 * const report = await reclaimLines(registryBuffer);
 * ```
 */
export async function reclaimLines(
  registry: SharedArrayBuffer | LineRegistry,
  options: ReclaimOptions = {},
): Promise<ReclaimReport> {
  const lines = registry instanceof LineRegistry ? registry : new LineRegistry(registry);
  const report: ReclaimReport = { driven: [], failed: [], woken: 0, closed: [], skipped: [] };
  const taken = lines.entries().filter((e) =>
    e.state === SLOT_STATE.LIVE &&
    lines.transition(e.index, e.seq, SLOT_STATE.LIVE, SLOT_STATE.RECLAIMING)
  );
  const busy = lines.entries().filter((e) =>
    e.state === SLOT_STATE.WRITING || e.state === SLOT_STATE.RELEASING
  );
  if (taken.length === 0 && busy.length === 0) return report;
  let libc: Libc | null = null;
  const syscalls = options.syscalls ?? (libc = loadLibc(), { ...libc.symbols, errno: libc.errno });
  const settle = (entries: RegistryEntry[]): void =>
    settleEntries(
      lines,
      entries,
      { syscalls, readLink: options.readLink ?? Deno.readLinkSync },
      report,
    );
  try {
    settle(taken);
    if (busy.length > 0) {
      await sleep(options.graceMs ?? 100);
      const handled = new Set(taken.map((e) => e.fd));
      const late = busy.map((e) => lines.entry(e.index)).filter((e, i) =>
        e.seq === busy[i]!.seq &&
        (e.state === SLOT_STATE.WRITING || e.state === SLOT_STATE.RELEASING) &&
        lines.transition(e.index, e.seq, e.state, SLOT_STATE.RECLAIMING)
      );
      for (const e of late.filter((e) => handled.has(e.fd))) {
        report.skipped.push({ fd: e.fd, reason: "the number now belongs to another live line" });
        lines.transition(e.index, e.seq, SLOT_STATE.RECLAIMING, SLOT_STATE.FREE);
      }
      settle(late.filter((e) => !handled.has(e.fd)));
    }
    if (report.woken > 0) await sleep(options.settleMs ?? 10);
  } finally {
    libc?.close();
  }
  return report;
}

interface SettleContext {
  syscalls: ReclaimSyscalls;
  readLink: (path: string) => string;
}

/** Drives outputs, wakes pumps, closes fds, frees the slots (all synchronous). */
function settleEntries(
  registry: LineRegistry,
  entries: readonly RegistryEntry[],
  context: SettleContext,
  report: ReclaimReport,
): void {
  const { syscalls } = context;
  const isExpected = (fd: number, expected: string | null, chip: string): boolean => {
    if (fd < 0) return false;
    let target: string;
    try {
      target = context.readLink(`/proc/self/fd/${fd}`);
    } catch {
      report.skipped.push({ fd, reason: "not open" });
      return false;
    }
    const ok = expected === null ? isChipLink(target, chip) : target === expected;
    if (!ok) report.skipped.push({ fd, reason: `now names "${target}"` });
    return ok;
  };
  const lineOk = new Map<number, boolean>();
  for (const e of entries) {
    lineOk.set(e.index, isExpected(e.fd, EXPECTED_LINK[e.kind], e.chip));
  }
  for (const e of entries) {
    if (e.kind !== SLOT_KIND.OUTPUT || lineOk.get(e.index) !== true) continue;
    const values = encodeLineValues(e.safeLevel ? 1n : 0n, 1n);
    if (syscalls.ioctl(e.fd, IOCTL.GPIO_V2_LINE_SET_VALUES_IOCTL, values) === 0) {
      report.driven.push({ chip: e.chip, offset: e.offset, level: e.safeLevel });
    } else {
      report.failed.push({ chip: e.chip, offset: e.offset, errno: syscalls.errno() });
    }
  }
  const wakeOk = new Map<number, boolean>();
  const one = new Uint8Array(8);
  one[0] = 1;
  for (const e of entries) {
    if (e.kind !== SLOT_KIND.INPUT || e.wakeFd < 0) continue;
    const ok = isExpected(e.wakeFd, EVENTFD_LINK, e.chip);
    wakeOk.set(e.index, ok);
    if (ok && Number(syscalls.write(e.wakeFd, one, 8n)) === 8) report.woken++;
  }
  for (const e of entries) {
    if (lineOk.get(e.index) === true && syscalls.close(e.fd) === 0) report.closed.push(e.fd);
    if (wakeOk.get(e.index) === true && syscalls.close(e.wakeFd) === 0) {
      report.closed.push(e.wakeFd);
    }
    registry.transition(e.index, e.seq, SLOT_STATE.RECLAIMING, SLOT_STATE.FREE);
  }
}

/** Whether a `/proc/self/fd` target is the recorded chip device. */
function isChipLink(target: string, chip: string): boolean {
  if (target === chip) return true;
  try {
    return target === Deno.realPathSync(chip);
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
