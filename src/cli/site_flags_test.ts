import assert from "node:assert/strict";
import { parseSiteFlags } from "./site_flags.ts";
import { UsageError } from "./args.ts";

const env = (values: Record<string, string>) => (name: string) => values[name];

Deno.test("no --site: no site, and site options alone are refused", () => {
  assert.equal(parseSiteFlags({}, env({})), null);
  assert.throws(() => parseSiteFlags({ controller: "a" }, env({})), /--controller needs --site/);
});

Deno.test("a site: servers, controller, default site name, user with the password from the environment", () => {
  const setting = parseSiteFlags({
    site: "nats://n1:4222, nats://n2:4222",
    controller: "door-a",
    "site-user": "door-a",
    "site-password-env": "PW",
  }, env({ PW: "s3cret" }));
  assert.deepEqual(setting, {
    servers: ["nats://n1:4222", "nats://n2:4222"],
    controller: "door-a",
    siteName: "site",
    credsFile: null,
    user: { name: "door-a", password: "s3cret" },
    tlsCaFile: null,
  });
});

Deno.test("bad site flags get one clear line each", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ site: "nats://n1:4222" }, /--site needs --controller/],
    [{ site: "http://n1:4222", controller: "a" }, /expected nats:\/\/HOST:PORT/],
    [{ site: "nats://n1", controller: "a" }, /expected nats:\/\/HOST:PORT/],
    [{ site: "nats://u:p@n1:4222", controller: "a" }, /credentials do not belong in the URL/],
    [{ site: "nats://n1:4222", controller: "a b" }, /invalid value for --controller/],
    [{ site: "nats://n1:4222", controller: "a", "site-name": "h.q" }, /--site-name/],
    [{ site: "nats://n1:4222", controller: "a", "site-user": "a" }, /together/],
    [
      { site: "nats://n1:4222", controller: "a", "site-user": "a", "site-password-env": "NONE" },
      /NONE is not set/,
    ],
    [
      {
        site: "nats://n1:4222",
        controller: "a",
        "site-creds": "c",
        "site-user": "a",
        "site-password-env": "PW",
      },
      /not both/,
    ],
    [
      { site: "nats://10.0.0.1:4222", controller: "a", "site-tls-ca": "ca.pem" },
      /host names/,
    ],
    [{ site: "tls://[::1]:4222", controller: "a" }, /host names/],
  ];
  for (const [values, pattern] of cases) {
    assert.throws(() => parseSiteFlags(values, env({ PW: "x" })), (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.match(error.message, pattern);
      return true;
    });
  }
  // Plain nats:// by address is fine (no certificate to check).
  assert.ok(parseSiteFlags({ site: "nats://10.0.0.1:4222", controller: "a" }, env({})));
});
