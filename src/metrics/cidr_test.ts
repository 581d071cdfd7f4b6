import assert from "node:assert/strict";
import { addressAllowed, cidrContains, LOOPBACK_CIDRS, parseAddress, parseCidr } from "./cidr.ts";

Deno.test("parseCidr() accepts IPv4 and IPv6 ranges and single addresses, normalised", () => {
  const cases: Array<[string, string]> = [
    ["10.0.0.0/8", "10.0.0.0/8"],
    ["192.168.1.7", "192.168.1.7/32"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["fd00::/8", "fd00::/8"],
    ["FD00:0:0:0:0:0:0:0/16", "fd00::/16"],
    ["::1", "::1/128"],
    ["::/0", "::/0"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1/128"],
    ["1:2:3:4:5:6:7:8/128", "1:2:3:4:5:6:7:8/128"],
    ["::ffff:10.0.0.0/104", "::ffff:a00:0/104"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221/128"],
  ];
  for (const [text, normal] of cases) assert.equal(parseCidr(text).text, normal, text);
});

Deno.test("parseCidr() refuses bad ranges with the reason", () => {
  const cases: Array<[string, RegExp]> = [
    ["10.0.0.1/8", /bits set after the prefix \(did you mean 10\.0\.0\.0\/8\?\)/],
    ["fd00::1/8", /did you mean fd00::\/8\?/],
    ["010.0.0.0/8", /leading zero in "010"/],
    ["10.0.0.256/32", /"256" is not a number from 0 to 255/],
    ["10.0.0/24", /four parts/],
    ["10.0.0.0/33", /from 0 to 32/],
    ["10.0.0.0/08", /from 0 to 32/],
    ["10.0.0.0/", /from 0 to 32/],
    ["::/129", /from 0 to 128/],
    ["10.0.0.0/8/8", /from 0 to 32/],
    ["1::2::3", /"::" appears twice/],
    ["1:2:3:4:5:6:7:8:9", /eight groups/],
    ["1:2:3:4:5:6:7::8", /at least one group/],
    ["12345::", /1 to 4 hex digits/],
    ["fe80::1%eth0", /zone ids/],
    ["1.2.3.4::", /1 to 4 hex digits/],
    ["office", /not an IPv4 or IPv6 address range/],
    ["", /not an IPv4 or IPv6 address range/],
    [" 10.0.0.0/8", /not a number/],
  ];
  for (const [text, reason] of cases) {
    assert.throws(() => parseCidr(text), (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, reason, text);
      assert.ok(error.message.startsWith(`"${text}": `), error.message);
      return true;
    });
  }
});

Deno.test("cidrContains() matches by prefix; IPv4 clients seen as IPv4-mapped IPv6 match too", () => {
  const lan = parseCidr("10.20.0.0/16");
  assert.equal(cidrContains(lan, parseAddress("10.20.255.1")!), true);
  assert.equal(cidrContains(lan, parseAddress("10.21.0.1")!), false);
  assert.equal(cidrContains(lan, parseAddress("::ffff:10.20.0.9")!), true);
  const odd = parseCidr("192.168.0.128/25");
  assert.equal(cidrContains(odd, parseAddress("192.168.0.127")!), false);
  assert.equal(cidrContains(odd, parseAddress("192.168.0.128")!), true);
  const v6 = parseCidr("fd00:1234::/32");
  assert.equal(cidrContains(v6, parseAddress("fd00:1234:ffff::1")!), true);
  assert.equal(cidrContains(v6, parseAddress("fd00:1235::1")!), false);
  assert.equal(cidrContains(v6, parseAddress("10.0.0.1")!), false);
  assert.equal(cidrContains(parseCidr("0.0.0.0/0"), parseAddress("::1")!), false);
  assert.equal(cidrContains(parseCidr("::/0"), parseAddress("10.0.0.1")!), true);
});

Deno.test("addressAllowed() with LOOPBACK_CIDRS: loopback only, never a non-address", () => {
  for (const address of ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"]) {
    assert.equal(addressAllowed(address, LOOPBACK_CIDRS), true, address);
  }
  for (const address of ["10.0.0.1", "::2", "0.0.0.0", "", "localhost", "fe80::1%lo"]) {
    assert.equal(addressAllowed(address, LOOPBACK_CIDRS), false, address);
  }
});
