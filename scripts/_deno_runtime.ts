/**
 * The Deno runtime each build target ships, pinned: the npm package that
 * carries the `deno` binary for the platform (`@deno/linux-x64-glibc`,
 * `@deno/linux-arm64-glibc`), its version and the registry's sha512
 * integrity. {@linkcode fetchDenoRuntime} gets the package with `npm pack`
 * (once: the tarball is cached), checks the integrity and unpacks `deno`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";

/** The Deno version every target ships (the project's Deno). */
export const DENO_RUNTIME_VERSION = "2.9.6";

/** Where fetched runtime tarballs are kept between builds. */
export const DEFAULT_RUNTIME_CACHE = ".tmp/deno-runtime";

/** A build target: `dist/leosac-<name>`. */
export interface Target {
  /** `x86_64-linux` or `aarch64-linux`: the file name's suffix. */
  name: TargetName;
  /** The npm package holding this platform's `deno`. */
  npm: string;
  /** Its sha512 integrity in the registry (`npm view <pkg>@<version> dist.integrity`). */
  integrity: string;
  /** `deno compile --target` value. */
  denoTarget: string;
  /** `uname -m` values of machines that run it natively. */
  machines: readonly string[];
  /** The QEMU user-mode emulator that runs it elsewhere. */
  qemu: string;
  /** The environment variable naming a `denort` for this target. */
  denortVariable: string;
}

/** The target names, in build order. */
export const TARGET_NAMES = ["x86_64-linux", "aarch64-linux"] as const;
/** One of {@linkcode TARGET_NAMES}. */
export type TargetName = typeof TARGET_NAMES[number];

/** The pinned runtimes (Deno {@linkcode DENO_RUNTIME_VERSION}). */
export const TARGETS: Readonly<Record<TargetName, Target>> = {
  "x86_64-linux": {
    name: "x86_64-linux",
    npm: "@deno/linux-x64-glibc",
    integrity:
      "sha512-3md4TKLCuzsLDmfOoC5KN7NAZaxSVkMgm64vg6foD00JBADCpYS2/5QqXfzgnP5ZQz3iLP9vBQJtEgc116OAoQ==",
    denoTarget: "x86_64-unknown-linux-gnu",
    machines: ["x86_64", "amd64"],
    qemu: "qemu-x86_64",
    denortVariable: "DENORT_BIN_X86_64_LINUX",
  },
  "aarch64-linux": {
    name: "aarch64-linux",
    npm: "@deno/linux-arm64-glibc",
    integrity:
      "sha512-poqhoH9B3nYloigEMPT5t8HY+wBeiuea1An5Q7fqgJzP0SYmWsoS/oUnWO/pEiA4ofzIBy1Elt/in58xKtxEoQ==",
    denoTarget: "aarch64-unknown-linux-gnu",
    machines: ["aarch64", "arm64"],
    qemu: "qemu-aarch64",
    denortVariable: "DENORT_BIN_AARCH64_LINUX",
  },
};

/** The target this Deno runs on, or null (another OS or CPU). */
export function hostTarget(): TargetName | null {
  if (Deno.build.os !== "linux") return null;
  return TARGET_NAMES.find((name) => TARGETS[name].denoTarget.startsWith(Deno.build.arch)) ??
    null;
}

function sha512Integrity(bytes: Uint8Array): string {
  return `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
}

async function readIfExists(path: string): Promise<Uint8Array | null> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * Writes `target`'s pinned `deno` binary to `dest` (mode 0755).
 *
 * The package tarball comes from `cacheDir` when it is there and matches the
 * pinned integrity, otherwise from the npm registry through `npm pack`. A
 * tarball that does not match is refused (never unpacked). Returns where the
 * runtime came from, for the build log.
 */
export async function fetchDenoRuntime(
  target: Target,
  dest: string,
  options: {
    cacheDir?: string;
    say?: (line: string) => void;
    /** The npm command. @default "npm" */
    npm?: string;
  } = {},
): Promise<string> {
  const cacheDir = resolve(options.cacheDir ?? DEFAULT_RUNTIME_CACHE);
  const spec = `${target.npm}@${DENO_RUNTIME_VERSION}`;
  // npm pack names the file after the package: @deno/linux-x64-glibc → deno-linux-x64-glibc-2.9.6.tgz.
  const name = `${target.npm.replace(/^@/, "").replace("/", "-")}-${DENO_RUNTIME_VERSION}.tgz`;
  const tarball = join(cacheDir, name);
  let bytes = await readIfExists(tarball);
  let from = `${spec} (cached in ${cacheDir})`;
  if (bytes === null || sha512Integrity(bytes) !== target.integrity) {
    options.say?.(`fetching ${spec} from the npm registry…`);
    await Deno.mkdir(cacheDir, { recursive: true });
    // Fetched into a private directory and renamed into the cache once
    // checked: builds running at once never read a half-written tarball.
    const fetchDir = await Deno.makeTempDir({ dir: cacheDir, prefix: ".fetch-" });
    try {
      const pack = await new Deno.Command(options.npm ?? "npm", {
        args: ["pack", spec, "--pack-destination", fetchDir, "--loglevel", "error"],
        // Outside any project, so no package.json or .npmrc of ours applies.
        cwd: fetchDir,
        stdout: "piped",
        stderr: "piped",
      }).output().catch((error) => {
        throw new Error(`cannot run npm to fetch ${spec}: ${error}`);
      });
      if (!pack.success) {
        throw new Error(
          `npm pack ${spec} failed (exit code ${pack.code}): ${
            new TextDecoder().decode(pack.stderr).trim()
          }`,
        );
      }
      bytes = await Deno.readFile(join(fetchDir, name));
      const integrity = sha512Integrity(bytes);
      if (integrity !== target.integrity) {
        throw new Error(
          `${spec} from the registry has integrity ${integrity}, not the pinned ${target.integrity}`,
        );
      }
      await Deno.rename(join(fetchDir, name), tarball);
    } finally {
      await Deno.remove(fetchDir, { recursive: true });
    }
    from = `${spec} (from the npm registry)`;
  }
  const stage = await Deno.makeTempDir({ prefix: "leosac-runtime-" });
  try {
    // The very bytes whose integrity was checked are unpacked.
    await Deno.writeFile(join(stage, name), bytes);
    const untar = await new Deno.Command("tar", {
      args: ["-xzf", join(stage, name), "-C", stage, "package/deno"],
      stderr: "piped",
    }).output();
    if (!untar.success) {
      throw new Error(`tar could not unpack ${tarball}: ${new TextDecoder().decode(untar.stderr)}`);
    }
    await Deno.copyFile(join(stage, "package", "deno"), dest);
    await Deno.chmod(dest, 0o755);
  } finally {
    await Deno.remove(stage, { recursive: true });
  }
  return from;
}
