/**
 * Test helper: waits until a thread of this process (the main thread's or a
 * Worker's blocking pool) is blocked in `poll(2)` on a given fd, read from
 * `/proc/self/task/<tid>/syscall` and the `pollfd` array in `/proc/self/mem`.
 * Linux only.
 *
 * @module
 */

/** `poll` and `ppoll` on x86-64; `ppoll` on aarch64 (where libc's poll uses it). */
const POLL_SYSCALLS = new Set(Deno.build.arch === "aarch64" ? ["73"] : ["7", "271"]);
const SIZEOF_POLLFD = 8;

function readMemory(address: bigint, length: number): Uint8Array<ArrayBuffer> | null {
  try {
    using mem = Deno.openSync("/proc/self/mem");
    mem.seekSync(address, Deno.SeekMode.Start);
    const bytes = new Uint8Array(length);
    return mem.readSync(bytes) === length ? bytes : null;
  } catch {
    return null;
  }
}

/** True when some thread is in `poll`/`ppoll` with `fd` among its pollfds. */
export function blockedInPoll(fd: number): boolean {
  for (const task of Deno.readDirSync("/proc/self/task")) {
    let fields: string[];
    try {
      fields = Deno.readTextFileSync(`/proc/self/task/${task.name}/syscall`).trim().split(" ");
    } catch {
      continue; // the thread ended meanwhile
    }
    if (!POLL_SYSCALLS.has(fields[0]!) || fields.length < 3) continue;
    const count = Number(BigInt(fields[2]!));
    if (count < 1 || count > 64) continue;
    const bytes = readMemory(BigInt(fields[1]!), count * SIZEOF_POLLFD);
    if (bytes === null) continue;
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < count; i++) {
      if (view.getInt32(i * SIZEOF_POLLFD, true) === fd) return true;
    }
  }
  return false;
}

/**
 * Resolves once a thread is blocked in `poll` on `fd`; rejects after
 * `timeoutMs`. There is no event for "a thread entered a system call", so
 * this looks again every millisecond: it waits for the state the test needs,
 * not for a guessed time.
 */
export async function untilBlockedInPoll(fd: number, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!blockedInPoll(fd)) {
    if (performance.now() > deadline) throw new Error(`no thread blocked in poll on fd ${fd}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}
