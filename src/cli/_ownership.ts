/**
 * Files a command run as root writes into a data directory must stay usable
 * by the service's user: they are given the directory's owner.
 *
 * @module
 */
import { resolve } from "node:path";

/**
 * When this process runs as root, gives each of `paths` (relative to `dir`;
 * directories with their entries) the owner and group of `dir`. Otherwise,
 * and for paths that do not exist, does nothing.
 */
export function chownToDirOwner(dir: string, paths: readonly string[]): void {
  if (Deno.uid() !== 0) return;
  const { uid, gid } = Deno.statSync(dir);
  if (uid === null || gid === null || uid === 0) return;
  for (const path of paths) chownTree(resolve(dir, path), uid, gid);
}

function chownTree(path: string, uid: number, gid: number): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch {
    return;
  }
  if (info.isSymlink) return;
  Deno.chownSync(path, uid, gid);
  if (info.isDirectory) {
    for (const entry of Deno.readDirSync(path)) chownTree(resolve(path, entry.name), uid, gid);
  }
}
