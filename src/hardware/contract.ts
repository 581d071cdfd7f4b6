/**
 * The GPIO driver contract suite: one set of behavioural tests run against
 * every {@linkcode GpioChip} implementation (the simulator in
 * `sim/sim_contract_test.ts`, the character device on a real kernel with
 * gpio-sim in `scripts/qemu/guest_contract.ts`).
 *
 * A fixture gives the suite a fresh chip plus a way to act as the outside
 * world: drive an input's physical level and observe an output's.
 *
 * Size: over 300 lines because it is a test suite: one case per behaviour
 * every driver must share, kept in one file so both runs see the same list.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type EdgeEvent, type GpioChip, GpioError } from "./types.ts";
import type { WiegandFrame } from "./wiegand/assembler.ts";
import { decodeFrame, encodeCard, FORMAT_CATALOGUE, H10301 } from "./wiegand/formats.ts";
import { openWiegandReader } from "./wiegand/reader.ts";

/** What the suite needs from an implementation. */
export interface ContractFixture {
  /** A freshly opened chip with all of the lines below free; the suite closes it. */
  chip: GpioChip;
  /** Four distinct line offsets: two inputs the fixture can drive, one output it can observe, one spare. */
  lines: { d0: number; d1: number; output: number; spare: number };
  /** Puts a physical level on an input line, as the outside world would. */
  drive(offset: number, level: boolean): void | Promise<void>;
  /** Reads the physical level an output puts on its line. */
  observe(offset: number): boolean | Promise<boolean>;
  /** Extra cleanup after the chip is closed. */
  dispose?(): void | Promise<void>;
}

/** Creates a fixture; called once per case (and twice by cases that reopen the chip). */
export type FixtureFactory = () => ContractFixture | Promise<ContractFixture>;

/** One contract case. */
export interface ContractCase {
  name: string;
  fn(fixture: ContractFixture, makeFixture: FixtureFactory): Promise<void>;
}

/** Options of {@linkcode runGpioContract}. */
export interface RunContractOptions {
  /** Prefix of every test name, e.g. `"SimChip"`. */
  name: string;
  /** Registers one test. @default Deno.test */
  test?: (name: string, fn: () => Promise<void>) => void;
  /** Longest wait for an event or frame. @default 10000 */
  timeoutMs?: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let waitTimeoutMs = 10_000;

async function waitFor(what: string, check: () => boolean): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > waitTimeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await sleep(2);
  }
}

function isGpioError(code: string): (error: unknown) => boolean {
  return (error: unknown) => error instanceof GpioError && error.code === code;
}

/** Drives `level` and waits until the line reads it back (the kernel applies pulls asynchronously on some drivers). */
async function settle(f: ContractFixture, offset: number, level: boolean): Promise<void> {
  await f.drive(offset, level);
  await sleep(1);
}

/** The cases, in order. */
export const GPIO_CONTRACT: readonly ContractCase[] = [
  {
    name: "info() and lineInfo() describe the chip and its free lines",
    async fn(f) {
      const info = f.chip.info();
      assert.ok(info.name.length > 0);
      assert.ok(info.lines >= 4, `needs 4 lines, chip has ${info.lines}`);
      const line = f.chip.lineInfo(f.lines.spare);
      assert.equal(line.offset, f.lines.spare);
      assert.equal(line.used, false);
      assert.equal(line.consumer, "");
      assert.equal(typeof f.chip.nowNs(), "bigint");
      await Promise.resolve();
    },
  },
  {
    name: "requestOutput() drives the line and set()/get() read it back",
    async fn(f) {
      const { output } = f.lines;
      const line = f.chip.requestOutput(output, { consumer: "contract-out", initial: false });
      assert.equal(await f.observe(output), false);
      assert.equal(line.get(), false);
      line.set(true);
      assert.equal(await f.observe(output), true);
      assert.equal(line.get(), true);
      line.set(false);
      assert.equal(await f.observe(output), false);
      const info = f.chip.lineInfo(output);
      assert.deepEqual([info.used, info.consumer, info.direction], [
        true,
        "contract-out",
        "output",
      ]);
      await line.close();
    },
  },
  {
    name: "requestOutput() with activeLow inverts the physical level",
    async fn(f) {
      const { output } = f.lines;
      const line = f.chip.requestOutput(output, {
        consumer: "contract-al",
        initial: true,
        activeLow: true,
      });
      assert.equal(await f.observe(output), false);
      line.set(false);
      assert.equal(await f.observe(output), true);
      assert.equal(line.get(), false);
      assert.equal(f.chip.lineInfo(output).activeLow, true);
      await line.close();
    },
  },
  {
    name: "a second request of a used line fails with EBUSY naming the consumer",
    async fn(f) {
      const { output } = f.lines;
      const name = f.chip.info().name;
      const line = f.chip.requestOutput(output, { consumer: "contract-busy", initial: false });
      assert.throws(
        () => f.chip.requestInput(output, { consumer: "intruder", edges: "none" }),
        (e) => {
          assert.ok(e instanceof GpioError);
          assert.equal(e.errno, 16);
          assert.equal(e.code, "EBUSY");
          assert.equal(e.chip, name);
          assert.equal(e.offset, output);
          assert.equal(
            e.message,
            `line ${output} of chip "${name}" is used by consumer "contract-busy"`,
          );
          return true;
        },
      );
      await line.close();
    },
  },
  {
    name: "close() releases a line so it can be requested again",
    async fn(f) {
      const { spare } = f.lines;
      const first = f.chip.requestOutput(spare, { consumer: "contract-first", initial: false });
      await first.close();
      await first.close();
      assert.equal(f.chip.lineInfo(spare).used, false);
      assert.throws(() => first.set(true), GpioError);
      const second = f.chip.requestInput(spare, { consumer: "contract-second", edges: "both" });
      assert.equal(f.chip.lineInfo(spare).consumer, "contract-second");
      await second.close();
      const third = f.chip.requestInput(spare, { consumer: "contract-third", edges: "both" });
      await third.close();
    },
  },
  {
    name: "requestInput() get() follows the driven level, inverted with activeLow",
    async fn(f) {
      const { d0, d1 } = f.lines;
      await settle(f, d0, true);
      await settle(f, d1, true);
      const plain = f.chip.requestInput(d0, { consumer: "contract-in", edges: "none" });
      const inverted = f.chip.requestInput(d1, {
        consumer: "contract-inv",
        edges: "none",
        activeLow: true,
      });
      assert.equal(plain.get(), true);
      assert.equal(inverted.get(), false);
      await settle(f, d0, false);
      await settle(f, d1, false);
      assert.equal(plain.get(), false);
      assert.equal(inverted.get(), true);
      assert.equal(f.chip.lineInfo(d0).direction, "input");
      await plain.close();
      await inverted.close();
    },
  },
  {
    name: "edges carry timestamps in the chip clock, increasing seqnos and their direction",
    async fn(f) {
      const { d0 } = f.lines;
      await settle(f, d0, true);
      const line = f.chip.requestInput(d0, { consumer: "contract-edges", edges: "both" });
      const events: EdgeEvent[] = [];
      line.onEdge((e) => events.push(e));
      const before = f.chip.nowNs();
      for (const level of [false, true, false, true]) await settle(f, d0, level);
      await waitFor("4 edges", () => events.length >= 4);
      const after = f.chip.nowNs();
      assert.deepEqual(events.map((e) => e.rising), [false, true, false, true]);
      assert.ok(events.every((e) => e.offset === d0));
      events.forEach((e, i) => {
        assert.ok(
          e.timestampNs >= before && e.timestampNs <= after,
          `event ${i} in the chip clock`,
        );
        const previous = events[i - 1];
        if (previous === undefined) return;
        assert.equal(e.seqno, previous.seqno + 1);
        assert.ok(e.timestampNs >= previous.timestampNs);
      });
      await line.close();
    },
  },
  {
    name: "edges: 'falling' reports only falling edges and unsubscribing stops delivery",
    async fn(f) {
      const { d1 } = f.lines;
      await settle(f, d1, true);
      const line = f.chip.requestInput(d1, { consumer: "contract-falling", edges: "falling" });
      const events: EdgeEvent[] = [];
      const off = line.onEdge((e) => events.push(e));
      for (let i = 0; i < 3; i++) {
        await settle(f, d1, false);
        await settle(f, d1, true);
      }
      await waitFor("3 falling edges", () => events.length >= 3);
      await sleep(20);
      assert.equal(events.length, 3);
      assert.ok(events.every((e) => !e.rising));
      off();
      await settle(f, d1, false);
      await sleep(20);
      assert.equal(events.length, 3);
      await line.close();
    },
  },
  {
    name: "requestInput() with debounceUs still reports a steady change",
    async fn(f) {
      const { d1 } = f.lines;
      await settle(f, d1, true);
      const line = f.chip.requestInput(d1, {
        consumer: "contract-debounce",
        edges: "both",
        debounceUs: 1000,
      });
      const events: EdgeEvent[] = [];
      line.onEdge((e) => events.push(e));
      await settle(f, d1, false);
      await waitFor("a debounced edge", () => events.length >= 1);
      await sleep(20);
      assert.deepEqual(events.map((e) => e.rising), [false]);
      assert.equal(line.get(), false);
      await line.close();
    },
  },
  {
    name: "readPendingEvents() delivers queued events synchronously",
    async fn(f) {
      const { d0 } = f.lines;
      await settle(f, d0, true);
      const line = f.chip.requestInput(d0, { consumer: "contract-pending", edges: "both" });
      const events: EdgeEvent[] = [];
      line.onEdge((e) => events.push(e));
      const driven = f.drive(d0, false);
      if (driven instanceof Promise) await driven;
      // No await from here on: only readPendingEvents() (or a synchronous chip) can deliver.
      const deadline = Date.now() + 5000;
      let delivered = 0;
      while (events.length === 0 && Date.now() < deadline) delivered += line.readPendingEvents();
      assert.equal(events.length, 1);
      assert.ok(delivered === 0 || delivered === 1);
      assert.equal(events[0]?.rising, false);
      await line.close();
      assert.equal(line.readPendingEvents(), 0);
    },
  },
  {
    name: "a Wiegand pulse train on D0/D1 decodes to H10301 facility 123 card 45678",
    async fn(f) {
      const { d0, d1 } = f.lines;
      await settle(f, d0, true);
      await settle(f, d1, true);
      const frames: WiegandFrame[] = [];
      const reader = openWiegandReader(f.chip, {
        d0,
        d1,
        consumer: "contract-wiegand",
        // The fixture, not a reader, paces the bits here; under an emulator a pause
        // of tens of ms between two bits is possible, so allow a long silence.
        silenceMs: 500,
        onFrame: (frame) => frames.push(frame),
      });
      const sent = encodeCard(H10301, 123, 45678);
      for (let i = sent.nbBits - 1; i >= 0; i--) {
        const offset = (sent.bits >> BigInt(i)) & 1n ? d1 : d0;
        await f.drive(offset, false);
        await f.drive(offset, true);
        await sleep(2);
      }
      await waitFor("a Wiegand frame", () => frames.length > 0);
      await reader.close();
      const frame = frames[0]!;
      assert.equal(frame.fault, null);
      assert.equal(frame.nbBits, 26);
      const read = decodeFrame(frame.bits, frame.nbBits, FORMAT_CATALOGUE);
      assert.deepEqual(
        read.kind === "card" && [read.format, read.facility, read.number, read.cardIdHex],
        ["H10301", 123, 45678n, "bd:d9:37:40"],
      );
      assert.equal(frames.length, 1);
    },
  },
  {
    name: "close() of the chip releases every line",
    async fn(f, makeFixture) {
      const { d0, output } = f.lines;
      f.chip.requestInput(d0, { consumer: "contract-held", edges: "both" });
      f.chip.requestOutput(output, { consumer: "contract-held", initial: false });
      await f.chip.close();
      assert.throws(() => f.chip.lineInfo(d0), GpioError);
      const again = await makeFixture();
      try {
        assert.equal(again.chip.lineInfo(d0).used, false);
        assert.equal(again.chip.lineInfo(output).used, false);
        const line = again.chip.requestOutput(output, {
          consumer: "contract-again",
          initial: true,
        });
        await line.close();
      } finally {
        await again.chip.close();
        await again.dispose?.();
      }
    },
  },
  {
    name: "offsets outside the chip are rejected with EINVAL",
    async fn(f) {
      const lines = f.chip.info().lines;
      assert.throws(() => f.chip.lineInfo(lines), isGpioError("EINVAL"));
      assert.throws(
        () => f.chip.requestInput(lines + 3, { consumer: "x", edges: "none" }),
        isGpioError("EINVAL"),
      );
      assert.throws(
        () => f.chip.requestOutput(-1, { consumer: "x", initial: false }),
        isGpioError("EINVAL"),
      );
      await Promise.resolve();
    },
  },
];

/**
 * Registers the contract suite for one implementation.
 *
 * @example
 * ```ts ignore
 * import { runGpioContract } from "./contract.ts";
 * import { SimChip } from "./sim/sim_chip.ts";
 * runGpioContract(() => {
 *   const chip = new SimChip({ lines: 4 });
 *   return {
 *     chip,
 *     lines: { d0: 0, d1: 1, output: 2, spare: 3 },
 *     drive: (offset, level) => chip.drive(offset, level),
 *     observe: (offset) => chip.level(offset),
 *   };
 * }, { name: "SimChip" });
 * ```
 */
export function runGpioContract(makeFixture: FixtureFactory, options: RunContractOptions): void {
  const register = options.test ?? ((name, fn) => Deno.test(name, fn));
  for (const c of GPIO_CONTRACT) {
    register(`${options.name} contract: ${c.name}`, async () => {
      waitTimeoutMs = options.timeoutMs ?? 10_000;
      const fixture = await makeFixture();
      try {
        await c.fn(fixture, makeFixture);
      } finally {
        await fixture.chip.close();
        await fixture.dispose?.();
      }
    });
  }
}
