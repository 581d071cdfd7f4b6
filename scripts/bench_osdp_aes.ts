/**
 * Micro-benchmark behind `src/hardware/osdp/aes128.ts` (issue 13): the cost
 * of one AES-128 block, and of the Secure Channel work of one osdp_LED
 * command (CBC of its 14 data bytes, one block, and the CBC-MAC of the
 * 30-byte packet, two blocks), three ways:
 *
 * 1. `node:crypto`, a cipher object created per call (`createCipheriv`), as
 *    `secure_channel.ts` did before;
 * 2. `node:crypto`, one ECB cipher object per key kept open and fed one block
 *    per `update()` (CBC and MAC chaining done by hand);
 * 3. the TypeScript AES of `aes128.ts`, key schedule expanded once, blocks
 *    encrypted in place.
 *
 * Each way runs in its own process (so one way's JIT and garbage do not
 * slow the next) and prints a checksum of its results; the three must agree.
 *
 * Run: `deno run -A scripts/bench_osdp_aes.ts`
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { type Cipheriv, createCipheriv } from "node:crypto";
import { Aes128 } from "../src/hardware/osdp/aes128.ts";

/** Encrypts the block at `at` of `buf` in place under key `k` (0 S-ENC, 1 S-MAC1, 2 S-MAC2). */
type EcbInPlace = (k: number, buf: Uint8Array, at: number) => void;

const KEYS = [0x10, 0x20, 0x30].map((base) => Uint8Array.from({ length: 16 }, (_, i) => base + i));

const WAYS: Record<string, { name: string; make: () => EcbInPlace }> = {
  "per-call": {
    name: "node:crypto, cipher created per call",
    make: () => (k, buf, at) => {
      const c = createCipheriv("aes-128-ecb", KEYS[k]!, null).setAutoPadding(false);
      buf.set(c.update(buf.subarray(at, at + 16)), at);
    },
  },
  "kept": {
    name: "node:crypto, cipher object kept per key",
    make: () => {
      const ciphers: Cipheriv[] = KEYS.map((key) =>
        createCipheriv("aes-128-ecb", key, null).setAutoPadding(false)
      );
      return (k, buf, at) => buf.set(ciphers[k]!.update(buf.subarray(at, at + 16)), at);
    },
  },
  "typescript": {
    name: "TypeScript (aes128.ts), key schedule kept",
    make: () => {
      const aes = KEYS.map((key) => new Aes128(key));
      return (k, buf, at) => aes[k]!.encryptBlock(buf, at);
    },
  },
};

/** The Secure Channel work of one LED command: CBC of one block, then a 2-block CBC-MAC. */
function ledCommand(ecb: EcbInPlace, iv: Uint8Array, out: Uint8Array): void {
  const message = new Uint8Array(32);
  message.set([0x53, 1, 0x24, 0, 0x0e, 2, 0x17, 0x69]);
  const data = message.subarray(8, 24);
  data[14] = 0x80;
  for (let i = 0; i < 16; i++) data[i]! ^= ~iv[i]! & 0xff;
  ecb(0, message, 8);
  message[24] = 0x80;
  for (let i = 0; i < 16; i++) message[i]! ^= iv[i]!;
  ecb(1, message, 0);
  for (let i = 0; i < 16; i++) message[16 + i]! ^= message[i]!;
  ecb(2, message, 16);
  out.set(message.subarray(16));
}

function time(n: number, fn: () => void): number {
  for (let i = 0; i < 5000; i++) fn(); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return (performance.now() - t0) / n * 1000;
}

function runOne(way: string): void {
  const ecb = WAYS[way]!.make();
  const block = Uint8Array.from({ length: 16 }, (_, i) => i * 0x11);
  const iv = Uint8Array.from({ length: 16 }, (_, i) => 0xf0 - i);
  const mac = new Uint8Array(16);
  // The checksum: a chain of 1000 blocks and of 1000 LED commands.
  const check = block.slice();
  for (let i = 0; i < 1000; i++) ecb(0, check, 0);
  for (let i = 0; i < 1000; i++) ledCommand(ecb, i === 0 ? iv : mac, mac);
  const perBlock = time(200_000, () => ecb(0, block, 0));
  const perLed = time(100_000, () => ledCommand(ecb, iv, mac));
  console.log(JSON.stringify({ check: [...check, ...mac].join(), perBlock, perLed }));
}

if (Deno.args[0] !== undefined) {
  runOne(Deno.args[0]);
} else {
  console.log("| AES-128 | one block | one LED command's Secure Channel work (3 blocks) |");
  console.log("| --- | --- | --- |");
  const checks = new Set<string>();
  for (const [way, { name }] of Object.entries(WAYS)) {
    const { stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, way],
    }).output();
    const result = JSON.parse(new TextDecoder().decode(stdout));
    checks.add(result.check);
    console.log(
      `| ${name} | ${result.perBlock.toFixed(2)} µs | ${result.perLed.toFixed(2)} µs |`,
    );
  }
  if (checks.size !== 1) throw new Error("the AES implementations disagree");
  console.log("\nAll three give the same blocks and MACs.");
}
