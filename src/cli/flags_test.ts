import assert from "node:assert/strict";
import { DEFAULT_DATA_DIR, parseFlags, parseListen, UsageError } from "./flags.ts";

Deno.test("parseFlags() defaults to serve on 127.0.0.1:8888 with sim hardware", () => {
  const command = parseFlags([]);
  assert.equal(command.command, "serve");
  if (command.command !== "serve") return;
  assert.equal(command.hostname, "127.0.0.1");
  assert.equal(command.port, 8888);
  assert.equal(command.dataDir, DEFAULT_DATA_DIR);
  assert.equal(command.hardware, "sim");
  assert.equal(command.adminPassword, undefined);
  assert.equal(command.allowNewDatabase, false);
  assert.equal(command.logLevel, "info");
  assert.equal(command.logFormat, "pretty");
});

Deno.test("parseFlags() reads every serve option", () => {
  const command = parseFlags([
    "serve",
    "--listen",
    "[::1]:0",
    "--data",
    "/var/lib/leosac",
    "--hardware",
    "gpio",
    "--admin-password",
    "long-enough",
    "--allow-origin",
    "https://ui.example:8443/path",
    "--durable",
    "--allow-new-database",
    "--log-level",
    "debug",
    "--log-format",
    "json",
  ]);
  assert.equal(command.command, "serve");
  if (command.command !== "serve") return;
  assert.equal(command.hostname, "::1");
  assert.equal(command.port, 0);
  assert.equal(command.dataDir, "/var/lib/leosac");
  assert.equal(command.hardware, "gpio");
  assert.equal(command.adminPassword, "long-enough");
  assert.deepEqual(command.allowedOrigins, ["https://ui.example:8443"]);
  assert.equal(command.durableSync, true);
  assert.equal(command.allowNewDatabase, true);
  assert.equal(command.logLevel, "debug");
  assert.equal(command.logFormat, "json");
});

Deno.test("parseFlags() takes the admin password from the environment, the flag winning", () => {
  const fromEnv = parseFlags([], { LEOSAC_ADMIN_PASSWORD: "from-the-env" });
  assert.equal(fromEnv.command === "serve" && fromEnv.adminPassword, "from-the-env");
  const fromFlag = parseFlags(["--admin-password", "from-the-flag"], {
    LEOSAC_ADMIN_PASSWORD: "from-the-env",
  });
  assert.equal(fromFlag.command === "serve" && fromFlag.adminPassword, "from-the-flag");
});

Deno.test("parseFlags() takes --admin-password-file instead of a password, never both", () => {
  const command = parseFlags(["--admin-password-file", "/run/secrets/pw"], {
    LEOSAC_ADMIN_PASSWORD: "from-the-env",
  });
  assert.equal(command.command, "serve");
  if (command.command !== "serve") return;
  assert.equal(command.adminPasswordFile, "/run/secrets/pw");
  assert.equal(command.adminPassword, undefined, "the file wins over the environment");
  assert.throws(
    () => parseFlags(["--admin-password-file", "/f", "--admin-password", "long-enough"]),
    /not both/,
  );
  assert.throws(() => parseFlags(["--admin-password-file", ""]), /empty path/);
});

Deno.test("parseFlags() rejects bad flags and values with a UsageError", () => {
  const bad: string[][] = [
    ["--nope"],
    ["--listen", "8888"],
    ["--listen", "host:70000"],
    ["--listen"],
    ["--hardware", "usb"],
    ["--log-level", "loud"],
    ["--log-format", "xml"],
    ["--admin-password", "short"],
    ["--allow-origin", "not a url"],
    ["frobnicate"],
    ["serve", "extra"],
    ["--data", ""],
  ];
  for (const args of bad) {
    assert.throws(() => parseFlags(args), UsageError, JSON.stringify(args));
  }
});

Deno.test("parseFlags() answers --help and --version", () => {
  assert.deepEqual(parseFlags(["--help"]), { command: "help" });
  assert.deepEqual(parseFlags(["-V"]), { command: "version" });
});

Deno.test("parseListen() accepts host names, IPv4 and bracketed IPv6", () => {
  assert.deepEqual(parseListen("localhost:80"), { hostname: "localhost", port: 80 });
  assert.deepEqual(parseListen("0.0.0.0:0"), { hostname: "0.0.0.0", port: 0 });
  assert.deepEqual(parseListen("[::]:8888"), { hostname: "::", port: 8888 });
});

Deno.test("parseFlags() reads --disk-reserve-mb (default 32, 0 turns it off) and refuses bad values", () => {
  const reserve = (args: string[]): number => {
    const command = parseFlags(args);
    assert.equal(command.command, "serve");
    return command.command === "serve" ? command.diskReserveMb : NaN;
  };
  assert.equal(reserve([]), 32);
  assert.equal(reserve(["--disk-reserve-mb", "0"]), 0);
  assert.equal(reserve(["--disk-reserve-mb", "512"]), 512);
  for (const bad of ["-1", "1.5", "", "x", "65537", "99999999"]) {
    assert.throws(
      () => parseFlags(["--disk-reserve-mb", bad]),
      (error: unknown) => error instanceof UsageError && /--disk-reserve-mb/.test(error.message),
      bad,
    );
  }
});

Deno.test("parseFlags() reads --metrics-allow ranges (repeatable) and refuses a bad one in one line", () => {
  const command = parseFlags(["--metrics-allow", "10.0.0.0/8", "--metrics-allow", "fd00::/8"]);
  assert.equal(command.command, "serve");
  if (command.command !== "serve") return;
  assert.deepEqual(command.metricsAllow.map((cidr) => cidr.text), ["10.0.0.0/8", "fd00::/8"]);
  assert.deepEqual((parseFlags([]) as { metricsAllow: unknown[] }).metricsAllow, []);
  assert.throws(
    () => parseFlags(["--metrics-allow", "10.0.0.1/8"]),
    (error: unknown) =>
      error instanceof UsageError &&
      error.message ===
        'invalid value for --metrics-allow: "10.0.0.1/8": bits set after the prefix (did you mean 10.0.0.0/8?)',
  );
  for (const bad of ["office", "10.0.0.0/33", "300.0.0.0/8", "fe80::1%eth0", ""]) {
    assert.throws(
      () => parseFlags(["--metrics-allow", bad]),
      (error: unknown) =>
        error instanceof UsageError && /^invalid value for --metrics-allow: /.test(error.message) &&
        !error.message.includes("\n"),
      bad,
    );
  }
});
