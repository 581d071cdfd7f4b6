/**
 * Test helper: a real, tiny filesystem (tmpfs mounted in a temporary
 * directory) that a test can fill to the last byte and free again, to see what
 * the store does on a full disk.
 *
 * Mounting needs root (or CAP_SYS_ADMIN) on Linux. {@linkcode TINY_FS_UNAVAILABLE}
 * says why it cannot be done here; tests that need it are then registered with
 * `ignore` and the reason is printed, never passed silently.
 *
 * @module
 */
import { join } from "node:path";
import { statfsSync } from "node:fs";

/** A mounted tmpfs that unmounts and removes itself when disposed. */
export interface TinyFs extends Disposable {
  /** The mount point (an empty directory at first). */
  readonly dir: string;
  /** Fills the filesystem to the last byte with a ballast file; returns the bytes written. */
  fill(): number;
  /** Removes the ballast file. */
  free(): void;
  /** Bytes available to an unprivileged writer. */
  freeBytes(): number;
}

function mount(dir: string, sizeKiB: number): string | null {
  try {
    const out = new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", `size=${sizeKiB}k,mode=0700`, "tmpfs", dir],
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    return out.success ? null : new TextDecoder().decode(out.stderr).trim() || `exit ${out.code}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function unmount(dir: string): void {
  new Deno.Command("umount", { args: [dir], stdout: "null", stderr: "null" }).outputSync();
}

function probe(): string | null {
  if (Deno.build.os !== "linux") return `tmpfs mounts need Linux (this is ${Deno.build.os})`;
  const dir = Deno.makeTempDirSync({ prefix: "leosac-tinyfs-probe-" });
  try {
    const failure = mount(dir, 64);
    if (failure !== null) return `cannot mount a tmpfs (needs root): ${failure}`;
    unmount(dir);
    return null;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Why a tiny filesystem cannot be mounted here, or null when it can. */
export const TINY_FS_UNAVAILABLE: string | null = probe();

/** Registers `fn` as a test, or as an ignored one (reason printed) where no tmpfs can be mounted. */
export function tinyFsTest(name: string, fn: () => Promise<void> | void): void {
  if (TINY_FS_UNAVAILABLE !== null) {
    // deno-lint-ignore no-console
    console.warn(`ignored "${name}": ${TINY_FS_UNAVAILABLE}`);
  }
  Deno.test({ name, ignore: TINY_FS_UNAVAILABLE !== null, fn });
}

/** Mounts a tmpfs of `sizeKiB` KiB in a new temporary directory. */
export function mountTinyFs(sizeKiB: number): TinyFs {
  const dir = Deno.makeTempDirSync({ prefix: "leosac-tinyfs-" });
  const failure = mount(dir, sizeKiB);
  if (failure !== null) {
    Deno.removeSync(dir, { recursive: true });
    throw new Error(`Cannot mount a tmpfs on ${dir}: ${failure}`);
  }
  const ballast = join(dir, "ballast");
  return {
    dir,
    fill(): number {
      const file = Deno.openSync(ballast, { write: true, create: true, append: true });
      const chunk = new Uint8Array(4096);
      let written = 0;
      try {
        for (;;) written += file.writeSync(chunk);
      } catch (error) {
        if (!String(error).includes("No space left")) throw error;
      } finally {
        file.close();
      }
      return written;
    },
    free(): void {
      Deno.removeSync(ballast);
    },
    freeBytes(): number {
      const stats = statfsSync(dir);
      return stats.bavail * stats.bsize;
    },
    [Symbol.dispose](): void {
      unmount(dir);
      Deno.removeSync(dir, { recursive: true });
    },
  };
}
