import assert from "node:assert/strict";
import { UsageError } from "./args.ts";
import { parseImportLeosacFlags } from "./import_leosac.ts";

const env = (name: string) => name === "LEOSAC_PW" ? "secret-1" : undefined;
const parse = (...args: string[]) => parseImportLeosacFlags(args, "./data", env);
const FROM = [
  "--from",
  "wss://10.0.0.5:8443/websocket",
  "--user",
  "admin",
  "--password-env",
  "LEOSAC_PW",
];

Deno.test("parseImportLeosacFlags() reads --from with its login and trust options", () => {
  assert.deepEqual(parse(...FROM, "--dry-run"), {
    command: "import-leosac",
    kernel: null,
    from: "wss://10.0.0.5:8443/websocket",
    user: "admin",
    password: "secret-1",
    dataDir: "./data",
    dryRun: true,
  });
  const fp = "ab".repeat(32);
  assert.equal(
    (parse(...FROM, "--fingerprint", fp) as { fingerprint?: string }).fingerprint,
    "AB:".repeat(31) + "AB",
  );
  assert.equal((parse(...FROM, "--ca", "site.pem") as { caFile?: string }).caFile, "site.pem");
});

Deno.test("parseImportLeosacFlags() refuses contradictory or incomplete options", () => {
  const cases: [string[], RegExp][] = [
    [[], /give --kernel FILE or --from/],
    [["--kernel", "k.xml", ...FROM], /give --kernel FILE or --from/],
    [["--kernel", "k.xml", "--ca", "x.pem"], /go with --from/],
    [["--from", "http://x:1", "--user", "a", "--password-env", "LEOSAC_PW"], /expected ws:\/\//],
    [["--from", "ws://x:1", "--password-env", "LEOSAC_PW"], /needs --user/],
    [["--from", "ws://x:1", "--user", "a", "--password-env", "NOPE"], /NOPE .* is not set/],
    [
      ["--from", "ws://x:1", "--user", "a", "--password-env", "LEOSAC_PW", "--ca", "x.pem"],
      /needs a wss:\/\//,
    ],
    [[...FROM, "--ca", "x.pem", "--fingerprint", "ab".repeat(32)], /not both/],
    [[...FROM, "--fingerprint", "abcd"], /invalid value for --fingerprint/],
  ];
  for (const [args, error] of cases) {
    assert.throws(
      () => parse(...args),
      (e: unknown) => e instanceof UsageError && error.test(e.message),
    );
  }
});
