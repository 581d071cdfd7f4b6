#!/bin/bash
# Runs the GPIO contract suite (src/hardware/contract.ts) against the real
# character-device driver (src/hardware/chardev/) on a real kernel: Debian's
# 6.1 kernel under QEMU (TCG), with gpio-sim built out of tree and a chip
# created through configfs (including a grant driving the strike line through
# the real Controller and a SQLite store, guest_access.ts). Exits 0 when the guest prints
# "GPIO CONTRACT: PASS", non-zero otherwise.
#
#   scripts/qemu/run.sh            # uses a cache in .tmp/qemu (kernel, sources, module)
#   FRESH=1 scripts/qemu/run.sh    # rebuild everything
#
# Environment: DENO_BIN (a real deno ELF binary, auto-detected), QEMU_WORK (cache
# dir), QEMU_TIMEOUT (seconds, default 600), QEMU_SMP (default 2), QEMU_MEM (MiB, 2048).
# Needs root (or sudo) for apt-get; installs qemu-system-x86 busybox-static
# linux-headers-$ABI gcc make when missing.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
W=${QEMU_WORK:-$REPO/.tmp/qemu}
TIMEOUT=${QEMU_TIMEOUT:-600}
SMP=${QEMU_SMP:-2}
MEM=${QEMU_MEM:-2048}
T_START=$(date +%s)

step() { echo "[qemu-gpio $(($(date +%s) - T_START))s] $*"; }
die() { echo "[qemu-gpio] ERROR: $*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

is_elf() { [ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

find_deno() {
  if [ -n "${DENO_BIN:-}" ]; then echo "$DENO_BIN"; return; fi
  local candidates=()
  if command -v npm >/dev/null 2>&1; then
    candidates+=("$(npm root -g 2>/dev/null)/deno/node_modules/@deno/linux-x64-glibc/deno")
  fi
  if command -v deno >/dev/null 2>&1; then candidates+=("$(readlink -f "$(command -v deno)")"); fi
  for c in "${candidates[@]}"; do
    if is_elf "$c"; then echo "$c"; return; fi
  done
  return 1
}

DENO_BIN=$(find_deno) || die "no deno ELF binary found; set DENO_BIN"
is_elf "$DENO_BIN" || die "DENO_BIN=$DENO_BIN is not an ELF binary (npm shim?)"

# 1. Host packages
ABI=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: linux-image-\(.*\)$/\1/p' | head -1)
if [ -z "$ABI" ]; then
  $SUDO apt-get update -qq
  ABI=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(.*\)$/\1/p' | head -1)
fi
[ -n "$ABI" ] || die "cannot find the kernel ABI of linux-image-amd64"
NEED=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || NEED+=(qemu-system-x86)
[ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q static || NEED+=(busybox-static)
[ -d "/usr/src/linux-headers-$ABI" ] || NEED+=("linux-headers-$ABI")
command -v gcc >/dev/null 2>&1 || NEED+=(gcc)
command -v make >/dev/null 2>&1 || NEED+=(make)
if [ ${#NEED[@]} -gt 0 ]; then
  step "apt-get install ${NEED[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq --no-install-recommends "${NEED[@]}" >/dev/null ||
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${NEED[@]}" >/dev/null; }
fi
step "kernel ABI $ABI, deno $DENO_BIN"

# 2. Kernel image and gpio-sim sources (cached)
if [ -n "${FRESH:-}" ]; then rm -rf "$W"; fi
mkdir -p "$W/debs"
if ! ls "$W/debs/linux-image-$ABI"_*.deb >/dev/null 2>&1 || ! ls "$W"/debs/linux-source-6.1_*.deb >/dev/null 2>&1; then
  step "apt-get download linux-image-$ABI linux-source-6.1"
  (cd "$W/debs" && apt-get download "linux-image-$ABI" linux-source-6.1 >/dev/null 2>&1) ||
    die "apt-get download failed"
fi
KIMG="$W/kimg"
if [ ! -f "$KIMG/boot/vmlinuz-$ABI" ]; then
  rm -rf "$KIMG" && dpkg-deb -x "$W/debs/linux-image-$ABI"_*.deb "$KIMG"
fi

# 3. gpio-sim out of tree (Debian does not enable CONFIG_GPIO_SIM)
OOT="$W/oot-$ABI"
if [ ! -f "$OOT/gpio-sim-oot.ko" ]; then
  step "building gpio-sim.ko out of tree"
  rm -rf "$OOT" "$W/src" && mkdir -p "$OOT" "$W/src"
  dpkg-deb --fsys-tarfile "$W"/debs/linux-source-6.1_*.deb |
    tar -xO ./usr/src/linux-source-6.1.tar.xz |
    tar -xJ --strip-components=1 -C "$W/src" --wildcards \
      'linux-source-6.1/drivers/gpio/gpio-sim.c' 'linux-source-6.1/drivers/gpio/gpiolib.h' \
      'linux-source-6.1/kernel/irq/irq_sim.c'
  cp "$W/src/drivers/gpio/gpio-sim.c" "$W/src/drivers/gpio/gpiolib.h" "$W/src/kernel/irq/irq_sim.c" "$OOT/"
  # irq_to_desc is not exported to modules
  sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$OOT/irq_sim.c"
  grep -q 'generic_handle_irq(irqnum);' "$OOT/irq_sim.c" || die "irq_sim.c patch did not apply"
  printf 'obj-m := gpio-sim-oot.o\ngpio-sim-oot-y := gpio-sim.o irq_sim.o\n' > "$OOT/Makefile"
  make -s -C "/usr/src/linux-headers-$ABI" M="$OOT" modules > "$OOT/build.log" 2>&1 ||
    { tail -30 "$OOT/build.log"; die "module build failed"; }
fi

# 4. The test, bundled into one file (the guest has no module cache)
step "bundling scripts/qemu/guest_contract.ts"
(cd "$REPO" && "$DENO_BIN" bundle --quiet --platform deno -o "$W/guest_contract.js" scripts/qemu/guest_contract.ts) ||
  die "deno bundle failed"
(cd "$REPO" && "$DENO_BIN" bundle --quiet --platform deno -o "$W/guest_line_worker.js" scripts/qemu/guest_line_worker.ts) ||
  die "deno bundle (worker) failed"

# 5. initramfs: busybox, deno and its libraries, modules, init, test
step "building the initramfs"
R="$W/rootfs"
rm -rf "$R" && mkdir -p "$R"/{bin,lib/x86_64-linux-gnu,lib64,proc,sys,dev,tmp}
cp /bin/busybox "$R/bin/busybox"
cp "$DENO_BIN" "$R/bin/deno"
for l in $(ldd "$DENO_BIN" | awk '/=> \//{print $3}'); do cp -L "$l" "$R/lib/x86_64-linux-gnu/"; done
cp -L /lib/x86_64-linux-gnu/libc.so.6 "$R/lib/x86_64-linux-gnu/"
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
cp "$KIMG/lib/modules/$ABI/kernel/fs/configfs/configfs.ko" "$OOT/gpio-sim-oot.ko" "$R/lib/"
cp "$HERE/guest-init" "$R/init" && chmod +x "$R/init"
cp "$W/guest_contract.js" "$R/guest_contract.js"
cp "$W/guest_line_worker.js" "$R/guest_line_worker.js"
(cd "$R" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$W/rootfs.cpio.gz")

# 6. Boot and run
step "booting QEMU (TCG, $SMP vCPU, ${MEM} MiB, timeout ${TIMEOUT}s)"
T_BOOT=$(date +%s)
set +e
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp "$SMP" -m "$MEM" -nographic -no-reboot \
  -kernel "$KIMG/boot/vmlinuz-$ABI" -initrd "$W/rootfs.cpio.gz" \
  -append "console=ttyS0 quiet panic=-1" > "$W/guest.log" 2>&1
QEMU_RC=$?
set -e
tr -d '\r' < "$W/guest.log" > "$W/guest.txt"
grep -aE 'GUEST (UP|DONE)|^(gpio-sim|ok |FAILED|GPIO CONTRACT|deno rc|       (reclaimed|last edge))|Error|error:|    at ' "$W/guest.txt" || true
step "QEMU exited rc=$QEMU_RC after $(($(date +%s) - T_BOOT))s; full log: $W/guest.txt"
if grep -q '^GPIO CONTRACT: PASS' "$W/guest.txt"; then
  step "PASS"
  exit 0
fi
[ "$QEMU_RC" = 124 ] && echo "[qemu-gpio] QEMU timed out after ${TIMEOUT}s" >&2
tail -40 "$W/guest.txt" >&2
step "FAIL"
exit 1
