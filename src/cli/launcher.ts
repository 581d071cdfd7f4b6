/**
 * `serve --stop-with-launcher`: the controller stops when a process that
 * launched it dies.
 *
 * `npx … task start` runs the controller three processes down (npm, the
 * `deno task` runner, `deno run`). A SIGTERM to npm ends npm alone; the
 * controller was then left running with PID 1 as its new ancestor, holding
 * its port and its data directory. With this flag the controller records its
 * ancestors at start (up to, not including, PID 1) and checks them every
 * second: when one is gone, or its PID now names another process (start
 * time differs), it stops as on SIGTERM. The `start` task passes the flag;
 * services run the binary or the systemd unit, which need no such watch.
 *
 * Linux only (`/proc`); elsewhere the watch has nothing to read and stays
 * off.
 *
 * @module
 */

/** One ancestor: its PID and its start time (clock ticks since boot, `/proc/PID/stat` field 22). */
export interface Ancestor {
  pid: number;
  startTime: string;
}

/** Reads `/proc/PID/stat` (null when the process is gone). Injectable for tests. */
export type ReadStat = (pid: number) => string | null;

/** The real `/proc` reader. */
export const procStat: ReadStat = (pid: number): string | null => {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
};

/** State (field 3), parent PID (field 4) and start time (field 22) of a stat line. */
export function parseStat(
  stat: string,
): { state: string; ppid: number; startTime: string } | null {
  // The command name (field 2) is in parentheses and may hold spaces or ')'.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ppid = Number(rest[1]);
  const startTime = rest[19];
  if (!Number.isInteger(ppid) || startTime === undefined) return null;
  return { state: rest[0] ?? "", ppid, startTime };
}

/** The ancestors of `pid`, nearest first, up to (not including) PID 1. */
export function ancestorsOf(pid: number, read: ReadStat = procStat): Ancestor[] {
  const out: Ancestor[] = [];
  let current = pid;
  for (let depth = 0; depth < 64; depth++) {
    const own = read(current);
    const parsed = own === null ? null : parseStat(own);
    if (parsed === null || parsed.ppid <= 1) break;
    const parentStat = read(parsed.ppid);
    const parent = parentStat === null ? null : parseStat(parentStat);
    if (parent === null) break;
    out.push({ pid: parsed.ppid, startTime: parent.startTime });
    current = parsed.ppid;
  }
  return out;
}

/** The first recorded ancestor that is gone (dead, a zombie, or its PID reused), or null. */
export function goneAncestor(
  ancestors: readonly Ancestor[],
  read: ReadStat = procStat,
): Ancestor | null {
  for (const ancestor of ancestors) {
    const stat = read(ancestor.pid);
    const parsed = stat === null ? null : parseStat(stat);
    if (parsed === null || parsed.state === "Z" || parsed.startTime !== ancestor.startTime) {
      return ancestor;
    }
  }
  return null;
}

/**
 * Watches this process's ancestors; `onGone` runs once when one dies.
 * Returns the function that stops the watch.
 */
export function watchLauncher(
  onGone: (ancestor: Ancestor) => void,
  options: { intervalMs?: number; read?: ReadStat; pid?: number } = {},
): () => void {
  const read = options.read ?? procStat;
  const ancestors = ancestorsOf(options.pid ?? Deno.pid, read);
  if (ancestors.length === 0) return () => {};
  const timer = setInterval(() => {
    const gone = goneAncestor(ancestors, read);
    if (gone === null) return;
    clearInterval(timer);
    onGone(gone);
  }, options.intervalMs ?? 1000);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
