/**
 * The systemd unit of a controller, as text. `deploy/leosac.service` is this
 * text with the defaults (a test keeps the two equal), and
 * `leosac service install` writes it with the site's options.
 *
 * What the unit asks of systemd, and why:
 * - `DynamicUser=yes` (or a named `User=`): never root. `StateDirectory=leosac`
 *   is the data directory (`$STATE_DIRECTORY`, 0700), with the daily backups
 *   in its `backups/` (the newest 7 kept).
 * - `/dev/gpiochip*` through `DevicePolicy=closed` + `DeviceAllow=char-gpiochip
 *   rw` and the `gpio` supplementary group (the udev rule of
 *   {@linkcode renderUdevRule} gives the chips to that group).
 * - `CAP_NET_BIND_SERVICE` as the only (ambient) capability: port 443.
 * - Hardening V8 tolerates: no `MemoryDenyWriteExecute` (the JIT writes code),
 *   and `@pkey` beside `@system-service` (V8 uses memory protection keys);
 *   a filtered system call fails with EPERM instead of killing the process.
 * - `Restart=on-failure`; SIGTERM is the clean stop the controller handles.
 * - `CacheDirectory=` with `LEOSAC_CACHE_DIR`: where the self-extracting file
 *   unpacks (the dynamic user has no home).
 *
 * @module
 */

/** Where the unit expects the binary. */
export const DEFAULT_BIN = "/usr/local/bin/leosac";
/** The address the unit listens on. */
export const DEFAULT_SERVICE_LISTEN = "0.0.0.0:443";
/** The group that may open the GPIO chips. */
export const DEFAULT_GPIO_GROUP = "gpio";
/** Scheduled backups kept by the unit. */
export const DEFAULT_SERVICE_BACKUP_KEEP = 7;

/** What varies between sites. */
export interface UnitOptions {
  /** Absolute path of the leosac binary. @default DEFAULT_BIN */
  bin?: string;
  /** A named system user, or null for `DynamicUser=yes`. @default null */
  user?: string | null;
  /** @default DEFAULT_SERVICE_LISTEN */
  listen?: string;
  /** @default DEFAULT_GPIO_GROUP */
  gpioGroup?: string;
  /** @default "gpio" */
  hardware?: "gpio" | "sim";
}

/**
 * The unit file text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderUnit } from "./service_unit.ts";
 * assert.match(renderUnit({ user: "leosac" }), /^User=leosac$/m);
 * assert.doesNotMatch(renderUnit(), /^MemoryDenyWriteExecute=/m);
 * ```
 */
export function renderUnit(options: UnitOptions = {}): string {
  const bin = options.bin ?? DEFAULT_BIN;
  const user = options.user ?? null;
  const listen = options.listen ?? DEFAULT_SERVICE_LISTEN;
  const group = options.gpioGroup ?? DEFAULT_GPIO_GROUP;
  const account = user === null ? ["DynamicUser=yes"] : [`User=${user}`, `Group=${user}`];
  return `# Leosac for Deno: the access controller as a systemd service.
# Install with: leosac service install (or copy to /etc/systemd/system/), then
#   systemctl daemon-reload && systemctl enable --now leosac
# Each start prints the TLS certificate's fingerprint in: journalctl -u leosac
# The first administrator's password is written (not to the journal) to
#   /var/lib/leosac/initial-admin-password (0600): read it, log in, change it, delete it.
[Unit]
Description=Leosac access controller
After=network-online.target
Wants=network-online.target

[Service]
Type=exec
ExecStart=${bin} serve --data \${STATE_DIRECTORY} --listen ${listen} --tls self-signed --hardware ${
    options.hardware ?? "gpio"
  } --backup-dir \${STATE_DIRECTORY}/backups --backup-keep ${DEFAULT_SERVICE_BACKUP_KEEP} --log-format json
Restart=on-failure
RestartSec=2s
TimeoutStopSec=15s

# Never root: a dynamic (or dedicated) user, the data in /var/lib/leosac.
${account.join("\n")}
StateDirectory=leosac
StateDirectoryMode=0700
CacheDirectory=leosac
CacheDirectoryMode=0700
Environment=LEOSAC_CACHE_DIR=%C/leosac
UMask=0077

# The GPIO chips, through their group (see /etc/udev/rules.d/60-leosac-gpio.rules).
SupplementaryGroups=${group}
DevicePolicy=closed
DeviceAllow=char-gpiochip rw

# Port 443 without root.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE

# Hardening V8 tolerates: no MemoryDenyWriteExecute (the JIT writes code).
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
SystemCallArchitectures=native
SystemCallFilter=@system-service @pkey
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target
`;
}

/** The udev rule giving the GPIO chips to `group` (mode 0660). */
export function renderUdevRule(group: string = DEFAULT_GPIO_GROUP): string {
  return `# Leosac for Deno: the GPIO character devices belong to the "${group}" group,
# which the leosac service joins (SupplementaryGroups=${group}).
SUBSYSTEM=="gpio", KERNEL=="gpiochip[0-9]*", GROUP="${group}", MODE="0660"
`;
}
