import assert from "node:assert/strict";
import { join } from "node:path";
import {
  parseServiceFlags,
  runServiceInstall,
  type ServiceInstallCommand,
  UDEV_RULE_NAME,
  UNIT_NAME,
} from "./service.ts";
import { renderUnit } from "./service_unit.ts";
import { UsageError } from "./args.ts";

const DEPLOYED_UNIT = new URL("../../deploy/leosac.service", import.meta.url);

function hasSystemdAnalyze(): boolean {
  try {
    new Deno.Command("systemd-analyze", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    return true;
  } catch {
    return false;
  }
}

Deno.test("deploy/leosac.service is the unit renderUnit() writes with the defaults", () => {
  assert.equal(Deno.readTextFileSync(DEPLOYED_UNIT), renderUnit());
});

Deno.test("the unit runs unprivileged with GPIO access, port 443 and no MemoryDenyWriteExecute", () => {
  const unit = renderUnit();
  const lines = new Set(unit.split("\n"));
  for (
    const line of [
      "DynamicUser=yes",
      "StateDirectory=leosac",
      "SupplementaryGroups=gpio",
      "DevicePolicy=closed",
      "DeviceAllow=char-gpiochip rw",
      "AmbientCapabilities=CAP_NET_BIND_SERVICE",
      "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
      "NoNewPrivileges=yes",
      "Restart=on-failure",
    ]
  ) assert.ok(lines.has(line), line);
  assert.doesNotMatch(unit, /^MemoryDenyWriteExecute/m);
  assert.doesNotMatch(unit, /^PrivateDevices/m, "PrivateDevices would hide /dev/gpiochip*");
  assert.doesNotMatch(unit, /^User=root/m);
  assert.match(unit, /^ExecStart=\/usr\/local\/bin\/leosac serve --data \$\{STATE_DIRECTORY\} /m);
  assert.match(renderUnit({ user: "leosac" }), /^User=leosac\nGroup=leosac$/m);
  assert.doesNotMatch(renderUnit({ user: "leosac" }), /DynamicUser/);
});

Deno.test({
  name: "systemd-analyze verify accepts the unit",
  ignore: !hasSystemdAnalyze(),
  fn() {
    const dir = Deno.makeTempDirSync({ prefix: "leosac-unit-test-" });
    try {
      // verify checks that ExecStart's binary exists and is executable.
      const bin = join(dir, "leosac");
      Deno.writeTextFileSync(bin, "#!/bin/sh\n", { mode: 0o755 });
      const deployed = Deno.readTextFileSync(DEPLOYED_UNIT);
      const unit = join(dir, "leosac.service");
      Deno.writeTextFileSync(
        unit,
        deployed.replace("ExecStart=/usr/local/bin/leosac ", `ExecStart=${bin} `),
      );
      const out = new Deno.Command("systemd-analyze", {
        args: ["verify", unit],
        stdout: "piped",
        stderr: "piped",
      })
        .outputSync();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, text);
      assert.doesNotMatch(text, /leosac\.service/, `no warning about the unit: ${text}`);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
Deno.test({
  name: "systemd-analyze verify accepts deploy/nats-server.service, the site's NATS node",
  ignore: !hasSystemdAnalyze(),
  fn() {
    const dir = Deno.makeTempDirSync({ prefix: "leosac-unit-test-" });
    try {
      const bin = join(dir, "nats-server");
      Deno.writeTextFileSync(bin, "#!/bin/sh\n", { mode: 0o755 });
      const deployed = Deno.readTextFileSync(
        new URL("../../deploy/nats-server.service", import.meta.url),
      );
      assert.match(deployed, /^ExecStart=\/usr\/sbin\/nats-server -c /m);
      for (
        const line of [
          "User=nats",
          "NoNewPrivileges=yes",
          "ProtectSystem=strict",
          "CapabilityBoundingSet=",
        ]
      ) {
        assert.ok(deployed.split("\n").includes(line), line);
      }
      const unit = join(dir, "nats-server.service");
      Deno.writeTextFileSync(
        unit,
        deployed.replace("ExecStart=/usr/sbin/nats-server ", `ExecStart=${bin} `),
      );
      const out = new Deno.Command("systemd-analyze", {
        args: ["verify", unit],
        stdout: "piped",
        stderr: "piped",
      })
        .outputSync();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, text);
      assert.doesNotMatch(text, /nats-server\.service/, `no warning about the unit: ${text}`);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
if (!hasSystemdAnalyze()) {
  Deno.stderr.writeSync(
    new TextEncoder().encode(
      "systemd-analyze is not installed (Debian package systemd): the unit is not verified\n",
    ),
  );
}

function install(root: string, extra: string[] = []): ServiceInstallCommand {
  const command = parseServiceFlags(["install", "--root", root, ...extra]);
  assert.equal(command.command, "service-install");
  return command as ServiceInstallCommand;
}

Deno.test("runServiceInstall() writes the unit and the udev rule once, then is up to date", async () => {
  const root = await Deno.makeTempDir({ prefix: "leosac-install-test-" });
  try {
    await Deno.mkdir(join(root, "etc"));
    await Deno.writeTextFile(join(root, "etc/group"), "root:x:0:\n");
    const ran: string[] = [];
    const lines: string[] = [];
    const io = {
      print: (l: string) => lines.push(l),
      error: (l: string) => lines.push(`ERR ${l}`),
      run: (cmd: string) => {
        ran.push(cmd);
        return Promise.resolve(0);
      },
    };
    assert.equal(await runServiceInstall(install(root, ["--bin", "/opt/leosac/leosac"]), io), 0);
    const unitPath = join(root, "etc/systemd/system", UNIT_NAME);
    const rulePath = join(root, "etc/udev/rules.d", UDEV_RULE_NAME);
    assert.equal(await Deno.readTextFile(unitPath), renderUnit({ bin: "/opt/leosac/leosac" }));
    assert.match(
      await Deno.readTextFile(rulePath),
      /KERNEL=="gpiochip\[0-9\]\*", GROUP="gpio", MODE="0660"/,
    );
    assert.equal((await Deno.stat(unitPath)).mode! & 0o777, 0o644);
    assert.ok(lines.includes(`Wrote ${unitPath}`), lines.join("\n"));
    assert.ok(lines.includes(`Created directory ${join(root, "etc/systemd/system")}`));
    assert.ok(
      lines.some((l) =>
        /group "gpio" is not in .*: on the target run: groupadd --system gpio/.test(l)
      ),
    );
    assert.ok(lines.some((l) => /\/opt\/leosac\/leosac does not exist yet/.test(l)));
    assert.deepEqual(ran, [], "--root runs no command");

    const mtime = (await Deno.stat(unitPath)).mtime;
    lines.length = 0;
    assert.equal(await runServiceInstall(install(root, ["--bin", "/opt/leosac/leosac"]), io), 0);
    assert.ok(lines.includes("The installation is up to date: nothing changed."), lines.join("\n"));
    assert.ok(lines.includes(`Up to date: ${unitPath}`));
    assert.deepEqual((await Deno.stat(unitPath)).mtime, mtime);

    // A changed option updates the unit.
    lines.length = 0;
    assert.equal(await runServiceInstall(install(root, ["--user", "leosac"]), io), 0);
    assert.ok(lines.includes(`Updated ${unitPath}`), lines.join("\n"));
    assert.match(await Deno.readTextFile(unitPath), /^User=leosac$/m);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("runServiceInstall() on the system creates a missing group with groupadd", async () => {
  // --root / with a fake command runner, and the files written to a temp --unit-dir/--udev-dir.
  const dir = await Deno.makeTempDir({ prefix: "leosac-install-test-" });
  try {
    const ran: string[][] = [];
    const lines: string[] = [];
    const command = parseServiceFlags([
      "install",
      "--unit-dir",
      join(dir, "units"),
      "--udev-dir",
      join(dir, "rules"),
      "--gpio-group",
      "leosac-gpio-test-missing",
    ]) as ServiceInstallCommand;
    const status = await runServiceInstall(command, {
      print: (l) => lines.push(l),
      error: (l) => lines.push(`ERR ${l}`),
      run: (cmd, args) => {
        ran.push([cmd, ...args]);
        return Promise.resolve(0);
      },
    });
    assert.equal(status, 0, lines.join("\n"));
    assert.deepEqual(ran[0], ["groupadd", "--system", "leosac-gpio-test-missing"]);
    assert.ok(lines.includes("Ran: groupadd --system leosac-gpio-test-missing"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseServiceFlags() refuses relative paths, odd names and unknown subcommands", () => {
  for (
    const args of [
      [],
      ["uninstall"],
      ["install", "--bin", "leosac"],
      ["install", "--bin", "/usr/bin/leo sac"],
      ["install", "--unit-dir", "etc/systemd"],
      ["install", "--user", "Root;rm"],
      ["install", "--listen", "nowhere"],
      ["install", "--hardware", "fpga"],
      ["install", "extra"],
    ]
  ) assert.throws(() => parseServiceFlags(args), UsageError, JSON.stringify(args));
  assert.deepEqual(parseServiceFlags(["--help"]), { command: "help" });
});
