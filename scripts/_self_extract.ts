/**
 * The self-extracting single file: a POSIX shell stub followed by
 * `tar.gz(deno, main.js, worker.js, osdp_bus_worker.js)`. It needs only `sh`, `tail`, `tar`
 * (with gzip), `sha256sum`, `mktemp` and `id` on the controller (coreutils or
 * busybox); `flock` is used when present.
 *
 * On a start, the stub:
 *
 * 1. refuses a machine of another architecture with a clear message, unless
 *    `LEOSAC_EMULATOR` names an emulator (`qemu-aarch64 -L
 *    /usr/aarch64-linux-gnu`) or the kernel has a binfmt handler for it;
 * 2. picks a cache directory of its own: the first of `$LEOSAC_CACHE_DIR`
 *    (then no fallback), `$CACHE_DIRECTORY/runtime` (systemd
 *    `CacheDirectory=`), `$XDG_CACHE_HOME/leosac`, `$HOME/.cache/leosac`,
 *    `$STATE_DIRECTORY/.runtime` (systemd `StateDirectory=`),
 *    `$XDG_RUNTIME_DIR/leosac`, `/var/tmp/leosac-UID` and `/tmp/leosac-UID`
 *    that can be created, is not a symbolic link, is owned by this user and
 *    writable; it is made 0700. A directory another user made at a
 *    predictable path is not owned by us, so it is skipped;
 * 3. unless `<cache>/<version>-<target>-<sha256 prefix>/deno` exists: takes a
 *    lock (`flock` on `<cache>/.lock`, when it works), copies the payload to a private
 *    temporary directory, checks its SHA-256 against the one written in the
 *    stub (a damaged or altered file is refused before anything from it
 *    runs), unpacks it there and renames the directory into place, so a
 *    reader never sees a half-unpacked runtime. Without `flock`, two copies
 *    starting at once both unpack and the second rename is undone;
 * 4. runs `deno run -A --no-config --cached-only main.js "$@"` with
 *    `DENO_DIR` in the cache directory.
 *
 * @module
 */

/** What the stub needs to know about its payload. */
export interface StubOptions {
  /** Leosac's version, for the header and the cache directory's name. */
  version: string;
  /** The Deno runtime's version, for the header. */
  denoVersion: string;
  /** `x86_64-linux` or `aarch64-linux`. */
  target: string;
  /** `uname -m` values that run the payload natively. */
  machines: readonly string[];
  /** The binfmt_misc handler name that would run it otherwise (`qemu-aarch64`). */
  binfmt: string;
  /** Size of the payload in bytes. */
  payloadSize: number;
  /** SHA-256 of the payload, lowercase hex. */
  payloadSha256: string;
}

/** Name of the directory the payload unpacks to, inside the cache directory. */
export function unpackDirName(
  options: Pick<StubOptions, "version" | "target" | "payloadSha256">,
): string {
  return `${options.version}-${options.target}-${options.payloadSha256.slice(0, 16)}`;
}

/** The shell stub; the payload is appended right after it. */
export function selfExtractingStub(options: StubOptions): string {
  for (const [key, value] of Object.entries(options)) {
    // Everything below is pasted into shell code: allow only harmless characters.
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (!/^[A-Za-z0-9._-]+$/.test(String(v))) throw new Error(`unsafe stub value ${key}=${v}`);
    }
  }
  if (!/^[0-9a-f]{64}$/.test(options.payloadSha256)) {
    throw new Error("payloadSha256: 64 hex digits");
  }
  const machines = options.machines.join("|");
  return `#!/bin/sh
# Leosac for Deno ${options.version}, ${options.target}: a self-extracting executable.
# After this shell stub comes tar.gz(deno ${options.denoVersion}, main.js, worker.js, osdp_bus_worker.js):
# ${options.payloadSize} bytes with SHA-256 ${options.payloadSha256}.
# The first start checks that checksum, unpacks the payload into a cache
# directory owned by this user (LEOSAC_CACHE_DIR, or the first usable of
# $CACHE_DIRECTORY/runtime, $XDG_CACHE_HOME/leosac, $HOME/.cache/leosac,
# $STATE_DIRECTORY/.runtime, $XDG_RUNTIME_DIR/leosac, /var/tmp/leosac-UID,
# /tmp/leosac-UID); later starts run the unpacked copy at once.
set -eu
umask 077
size=${options.payloadSize}
sum=${options.payloadSha256}
name=${unpackDirName(options)}
die() { printf 'leosac: %s\\n' "$*" >&2; exit 1; }

emulator=
machine=$(uname -m)
case "$machine" in
  ${machines}) ;;
  *)
    if [ -n "\${LEOSAC_EMULATOR:-}" ]; then
      emulator=$LEOSAC_EMULATOR
    elif [ ! -e /proc/sys/fs/binfmt_misc/${options.binfmt} ]; then
      die "this file is for ${options.target} and this machine is $machine: use the leosac file built for $machine, or set LEOSAC_EMULATOR (for example \\"${options.binfmt} -L /usr/${
    options.target.split("-")[0]
  }-linux-gnu\\")"
    fi
    ;;
esac

# A directory of our own: created if missing, not a symbolic link, owned by
# this user, writable, and made 0700.
usable() {
  [ -n "$1" ] && mkdir -p "$1" 2>/dev/null && [ -d "$1" ] && [ ! -L "$1" ] && [ -O "$1" ] &&
    chmod 700 "$1" 2>/dev/null && [ -w "$1" ]
}

root=
if [ -n "\${LEOSAC_CACHE_DIR:-}" ]; then
  usable "$LEOSAC_CACHE_DIR" ||
    die "LEOSAC_CACHE_DIR=$LEOSAC_CACHE_DIR is not a writable directory owned by this user"
  root=$LEOSAC_CACHE_DIR
else
  uid=$(id -u)
  for candidate in \\
    "\${CACHE_DIRECTORY:+\${CACHE_DIRECTORY%%:*}/runtime}" \\
    "\${XDG_CACHE_HOME:+$XDG_CACHE_HOME/leosac}" \\
    "\${HOME:+$HOME/.cache/leosac}" \\
    "\${STATE_DIRECTORY:+\${STATE_DIRECTORY%%:*}/.runtime}" \\
    "\${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/leosac}" \\
    "/var/tmp/leosac-$uid" \\
    "/tmp/leosac-$uid"; do
    if usable "$candidate"; then
      root=$candidate
      break
    fi
  done
  [ -n "$root" ] ||
    die "no writable cache directory of this user to unpack into: set LEOSAC_CACHE_DIR"
fi
dir=$root/$name

if [ ! -x "$dir/deno" ]; then
  command -v sha256sum >/dev/null 2>&1 ||
    die "sha256sum (coreutils or busybox) is needed to check the payload before unpacking it"
  locked=
  if command -v flock >/dev/null 2>&1; then
    exec 9>>"$root/.lock"
    # A flock that does not work (a busybox without the applet) leaves the lockless path.
    if flock 9 2>/dev/null; then locked=1; else exec 9>&-; fi
  fi
  if [ ! -x "$dir/deno" ]; then
    if [ -n "$locked" ]; then
      # Under the lock, leftovers are from an unpack that was interrupted.
      rm -rf "$root"/.unpack.*
      [ ! -e "$dir" ] || rm -rf "$dir"
    fi
    tmp=$(mktemp -d "$root/.unpack.XXXXXX") || die "cannot create a directory in $root"
    trap 'rm -rf "$tmp"' EXIT
    trap 'exit 1' HUP INT TERM
    tail -c "$size" "$0" >"$tmp/payload.tgz" || die "cannot read $0"
    actual=$(sha256sum "$tmp/payload.tgz")
    actual=\${actual%% *}
    [ "$actual" = "$sum" ] ||
      die "$0 is damaged or was altered: its payload has SHA-256 $actual, expected $sum; copy the file again"
    tar -xzf "$tmp/payload.tgz" -C "$tmp" || die "cannot unpack into $tmp (disk full?)"
    rm -f "$tmp/payload.tgz"
    [ -x "$tmp/deno" ] || die "the payload has no deno"
    mv "$tmp" "$dir" 2>/dev/null || [ -x "$dir/deno" ] || die "cannot move $tmp to $dir"
    # Without the lock, a copy that lost the race has moved its directory into the winner's.
    rm -rf "$dir/\${tmp##*/}" "$tmp"
    trap - EXIT
  fi
  if [ -n "$locked" ]; then exec 9>&-; fi
  [ -x "$dir/deno" ] || die "$dir is incomplete: remove it and start again"
fi

export DENO_DIR="$root/deno-dir" DENO_NO_UPDATE_CHECK=1
# shellcheck disable=SC2086 # the emulator is a command line
exec $emulator "$dir/deno" run -A --no-config --cached-only "$dir/main.js" "$@"
`;
}
