import assert from "node:assert/strict";
import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  hashPin,
  hashToken,
  newInstallationSecret,
  randomPassword,
  verifyPassword,
} from "./secrets.ts";

Deno.test("hashPassword() stores Leosac's N:r:p:SALT:HASH format and verifies", async () => {
  const stored = await hashPassword("correct horse");
  assert.match(stored, /^16384:8:1:[0-9A-F]{32}:[0-9A-F]{128}$/);
  assert.equal(await verifyPassword("correct horse", stored), true);
  assert.equal(await verifyPassword("wrong horse", stored), false);
  assert.notEqual(await hashPassword("correct horse"), stored, "salted");
});

Deno.test("verifyPassword() accepts a hash made by Leosac's libscrypt parameters", async () => {
  // Same parameters, lower-case hex: Leosac prints upper-case, imports may not.
  const stored = (await hashPassword("admin")).toLowerCase();
  assert.equal(await verifyPassword("admin", stored), true);
});

Deno.test("verifyPassword() never matches malformed or absurd stored values", async () => {
  for (
    const stored of [
      null,
      "",
      "garbage",
      "16384:8:1:zz:00",
      `${2 ** 30}:8:1:00:00`,
      DUMMY_PASSWORD_HASH,
    ]
  ) {
    assert.equal(await verifyPassword("", stored), false);
  }
});

Deno.test("hashPassword() does not block the event loop", async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  await hashPassword("x");
  clearInterval(timer);
  assert.ok(ticks >= 2, `timer ticked ${ticks} times during hashing`);
});

Deno.test("hashPin() is keyed by the installation secret and never the PIN itself", () => {
  const a = newInstallationSecret(), b = newInstallationSecret();
  assert.equal(hashPin(a, "1234"), hashPin(a, "1234"));
  assert.notEqual(hashPin(a, "1234"), hashPin(b, "1234"));
  assert.notEqual(hashPin(a, "1234"), hashPin(a, "1235"));
  assert.match(hashPin(a, "1234"), /^[0-9a-f]{64}$/);
  assert.ok(!hashPin(a, "1234").includes("1234"));
});

Deno.test("hashToken() and randomPassword() give the expected shapes", () => {
  assert.match(hashToken("t"), /^[0-9a-f]{64}$/);
  const pw = randomPassword();
  assert.equal(pw.length, 20);
  assert.match(pw, /^[A-HJ-NP-Za-km-z2-9]+$/);
  assert.notEqual(randomPassword(), pw);
});
