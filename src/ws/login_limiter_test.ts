/**
 * The login limiter on a FakeClock: the documented bounds (pair back-off,
 * 10 guesses per account per hour, 100 failures per address per hour), under
 * concurrency and from many addresses, and the exemption of known addresses.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../clock.ts";
import { type LoginAccount, type LoginAttempt, LoginLimiter } from "./login_limiter.ts";

const ADMIN: LoginAccount = { userId: 1, username: "admin" };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function address(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

/** Starts `n` guesses at once (none finished), then fails every one that started. */
function burst(limiter: LoginLimiter, n: number, from: (i: number) => string): number {
  const started = Array.from({ length: n }, (_, i) => limiter.begin(ADMIN, from(i), "login"))
    .filter((a): a is LoginAttempt => a !== null);
  for (const attempt of started) attempt.fail();
  return started.length;
}

/** Guess times (fake ms) that were allowed; asserts no sliding hour holds more than `max`. */
function assertAtMostPerHour(times: number[], max: number): void {
  for (let i = 0; i < times.length; i++) {
    const inHour = times.filter((t) => t >= times[i]! && t < times[i]! + HOUR).length;
    assert.ok(inHour <= max, `${inHour} guesses in the hour from ${times[i]}`);
  }
}

Deno.test("200 concurrent guesses from one address: 5 are checked, the rest refused, a right password in the burst too", () => {
  const clock = new FakeClock();
  const limiter = new LoginLimiter({}, clock);
  const attempts = Array.from({ length: 200 }, () => limiter.begin(ADMIN, "10.0.0.1", "login"));
  assert.equal(attempts.filter((a) => a !== null).length, 5);
  for (const attempt of attempts) attempt?.fail();
  assert.equal(limiter.begin(ADMIN, "10.0.0.1", "login"), null, "the right password waits too");
  clock.advance(15_000);
  assert.notEqual(limiter.begin(ADMIN, "10.0.0.1", "login"), null, "after the 15 s back-off");
});

Deno.test("200 concurrent guesses from 200 addresses: 10 are checked", () => {
  const limiter = new LoginLimiter({}, new FakeClock());
  assert.equal(burst(limiter, 200, address), 10);
});

Deno.test("three hours of guessing every second, from one address or a new address each time: at most 10 per hour", () => {
  for (const fresh of [false, true]) {
    const clock = new FakeClock();
    const limiter = new LoginLimiter({}, clock);
    const allowed: number[] = [];
    for (let s = 0; s < 3 * 3600; s++) {
      const n = burst(limiter, 20, (i) => fresh ? address(s * 20 + i) : "10.0.0.1");
      for (let k = 0; k < n; k++) allowed.push(clock.monotonic());
      clock.advance(1000);
    }
    assertAtMostPerHour(allowed, 10);
    const lastHour = allowed.filter((t) => t >= 2 * HOUR).length;
    assert.ok(lastHour >= 3, `slowed, not locked for good (${lastHour} in the third hour)`);
  }
});

Deno.test("an administrator on an address that logged in before is never refused because of attacks elsewhere", () => {
  const clock = new FakeClock();
  const limiter = new LoginLimiter({}, clock);
  limiter.begin(ADMIN, "192.168.1.10", "login")!.succeed();
  for (let minute = 0; minute < 180; minute++) {
    burst(limiter, 200, (i) => address(minute * 200 + i));
    const own = limiter.begin(ADMIN, "192.168.1.10", "login");
    assert.notEqual(own, null, `refused at minute ${minute}`);
    own!.succeed();
    clock.advance(MINUTE);
  }
  // A fresh address is subject to the ceiling while the attack fills it.
  burst(limiter, 200, (i) => address(900_000 + i));
  assert.equal(limiter.begin(ADMIN, "192.168.1.77", "login"), null);
  // A token login makes an address known too.
  limiter.tokenLogin(1, "192.168.1.77");
  assert.notEqual(limiter.begin(ADMIN, "192.168.1.77", "login"), null);
});

Deno.test("a known address loses its exemption with its first failure, until its next success", () => {
  const clock = new FakeClock();
  const limiter = new LoginLimiter({}, clock);
  limiter.begin(ADMIN, "192.168.1.10", "login")!.succeed();
  burst(limiter, 200, address);
  limiter.begin(ADMIN, "192.168.1.10", "login")!.fail();
  assert.equal(limiter.begin(ADMIN, "192.168.1.10", "login"), null);
  // Two at once from the known address: the second waits for the first.
  clock.advance(HOUR);
  burst(limiter, 200, (i) => address(1000 + i));
  const first = limiter.begin(ADMIN, "192.168.1.10", "login");
  assert.notEqual(first, null, "exempt again once its failure is an hour old");
  assert.equal(limiter.begin(ADMIN, "192.168.1.10", "login"), null);
  first!.succeed();
  assert.notEqual(limiter.begin(ADMIN, "192.168.1.10", "login"), null);
});

Deno.test("other accounts from the same address are not refused by guessing on one account", () => {
  const limiter = new LoginLimiter({}, new FakeClock());
  burst(limiter, 200, () => "10.0.0.1");
  burst(limiter, 200, address);
  const bob = limiter.begin({ userId: 2, username: "bob" }, "10.0.0.1", "login");
  assert.notEqual(bob, null);
});

Deno.test("an address is refused after 100 failed logins in an hour, whatever the usernames; others are not", () => {
  const clock = new FakeClock();
  const limiter = new LoginLimiter({}, clock);
  const admin = limiter.begin(ADMIN, "10.0.0.1", "login")!;
  admin.succeed(); // 10.0.0.1 is known for admin
  for (let i = 0; i < 100; i++) {
    limiter.begin({ userId: null, username: `user${i}` }, "10.0.0.1", "login")!.fail();
  }
  assert.equal(limiter.begin({ userId: null, username: "new" }, "10.0.0.1", "login"), null);
  assert.equal(limiter.begin({ userId: 2, username: "bob" }, "10.0.0.1", "login"), null);
  assert.notEqual(limiter.begin(ADMIN, "10.0.0.1", "login"), null, "known for admin: exempt");
  assert.notEqual(limiter.begin({ userId: 2, username: "bob" }, "10.0.0.2", "login"), null);
  clock.advance(HOUR);
  assert.notEqual(limiter.begin({ userId: 2, username: "bob" }, "10.0.0.1", "login"), null);
});

Deno.test("wrong current passwords count on the account, never on the address", () => {
  const limiter = new LoginLimiter({}, new FakeClock());
  for (let user = 10; user < 40; user++) {
    for (let k = 0; k < 5; k++) {
      limiter.begin({ userId: user, username: `u${user}` }, "10.0.0.1", "password_change")!.fail();
    }
  }
  assert.equal(
    limiter.begin({ userId: 10, username: "u10" }, "10.0.0.1", "password_change"),
    null,
    "the pair backs off",
  );
  for (let k = 0; k < 5; k++) {
    limiter.begin({ userId: 10, username: "u10" }, `10.0.1.${k}`, "password_change")!.fail();
  }
  assert.equal(
    limiter.begin({ userId: 10, username: "u10" }, "10.0.2.1", "login"),
    null,
    "ten guesses on the account, counting both kinds",
  );
  assert.notEqual(limiter.begin(ADMIN, "10.0.0.1", "login"), null, "150 of them: address open");
});

Deno.test("unknown usernames are limited like known ones, case-insensitively", () => {
  const limiter = new LoginLimiter({}, new FakeClock());
  const ghost = (username: string): LoginAccount => ({ userId: null, username });
  const started = Array.from(
    { length: 200 },
    (_, i) => limiter.begin(ghost(i % 2 ? "Ghost" : "ghost"), address(i), "login"),
  ).filter((a) => a !== null);
  assert.equal(started.length, 10);
});

Deno.test("memory stays bounded under a spray, and the account ceiling of a real user holds", () => {
  const clock = new FakeClock();
  const limiter = new LoginLimiter({ maxKeys: 1000 }, clock);
  let allowed = burst(limiter, 10, address);
  for (let i = 0; i < 20_000; i++) {
    limiter.begin({ userId: null, username: `spray${i}` }, address(i), "login")?.fail();
    if (i % 1000 === 0) allowed += burst(limiter, 5, (k) => address(100_000 + i + k));
  }
  assert.equal(allowed, 10);
});
