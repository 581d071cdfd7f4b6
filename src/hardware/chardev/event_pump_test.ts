/**
 * Runs the event pump against a pipe fed with encoded gpio_v2_line_event
 * records, so poll/drain/stop are exercised without a GPIO chip.
 */
import assert from "node:assert/strict";
import { type EdgeEvent, GpioError } from "../types.ts";
import { EVENT_BATCH, EventPump } from "./event_pump.ts";
import { type Libc, loadLibc } from "./libc.ts";
import { LINE_EVENT_ID, OFFSET, SIZEOF } from "./uapi.ts";
import { untilBlockedInPoll } from "./testdata/in_poll.ts";

function withPipe(fn: (libc: Libc, readFd: number, writeFd: number) => Promise<void>) {
  return async () => {
    const libc = loadLibc();
    const extra = Deno.dlopen("libc.so.6", {
      pipe2: { parameters: ["buffer", "i32"], result: "i32" },
    });
    const fds = new Int32Array(2);
    assert.equal(extra.symbols.pipe2(fds, 0o2000000), 0);
    let writeOpen = true;
    try {
      await fn(libc, fds[0]!, fds[1]!);
      writeOpen = false;
    } finally {
      libc.symbols.close(fds[0]!);
      if (writeOpen) libc.symbols.close(fds[1]!);
      extra.close();
      libc.close();
    }
  };
}

function encodeEvents(first: number, count: number): Uint8Array<ArrayBuffer> {
  const size = SIZEOF.gpio_v2_line_event;
  const buffer = new Uint8Array(size * count);
  const dv = new DataView(buffer.buffer);
  for (let i = 0; i < count; i++) {
    const at = i * size;
    const seqno = first + i;
    dv.setBigUint64(at + OFFSET["gpio_v2_line_event.timestamp_ns"], BigInt(seqno) * 1000n, true);
    dv.setUint32(
      at + OFFSET["gpio_v2_line_event.id"],
      seqno % 2 === 0
        ? LINE_EVENT_ID.GPIO_V2_LINE_EVENT_RISING_EDGE
        : LINE_EVENT_ID.GPIO_V2_LINE_EVENT_FALLING_EDGE,
      true,
    );
    dv.setUint32(at + OFFSET["gpio_v2_line_event.offset"], 3, true);
    dv.setUint32(at + OFFSET["gpio_v2_line_event.seqno"], seqno, true);
  }
  return buffer;
}

const errorOf = (errno: number, what: string) =>
  new GpioError(errno, `Cannot ${what} 3 of chip "pipe"`, { chip: "pipe", offset: 3 });

Deno.test(
  "EventPump delivers events in batches larger than one read, in order",
  withPipe(async (libc, readFd, writeFd) => {
    const total = EVENT_BATCH * 2 + 5;
    const events: EdgeEvent[] = [];
    const errors: GpioError[] = [];
    const { promise: allDelivered, resolve: delivered } = Promise.withResolvers<void>();
    const pump = new EventPump({
      libc,
      fd: readFd,
      listeners: new Set([(e: EdgeEvent) => {
        events.push(e);
        if (events.length === total) delivered();
      }]),
      errorOf,
      onError: (e) => errors.push(e),
    });
    const bytes = encodeEvents(1, total);
    assert.equal(Number(libc.symbols.write(writeFd, bytes, BigInt(bytes.length))), bytes.length);
    await allDelivered;
    assert.deepEqual(events[0], { offset: 3, rising: false, timestampNs: 1000n, seqno: 1 });
    assert.deepEqual(events[1], { offset: 3, rising: true, timestampNs: 2000n, seqno: 2 });
    assert.ok(events.every((e, i) => e.seqno === i + 1));
    const more = encodeEvents(total + 1, 3);
    libc.symbols.write(writeFd, more, BigInt(more.length));
    assert.equal(pump.readPending(), 3, "delivered synchronously, before the pump wakes");
    assert.equal(events.length, total + 3);
    assert.equal(pump.readPending(), 0);
    await pump.stop();
    await pump.stop();
    assert.deepEqual(errors, []);
  }),
);

Deno.test(
  "EventPump stops promptly when idle",
  withPipe(async (libc, readFd) => {
    const pump = new EventPump({
      libc,
      fd: readFd,
      listeners: new Set(),
      errorOf,
      onError: () => {},
    });
    await untilBlockedInPoll(readFd);
    const t0 = performance.now();
    await pump.stop();
    assert.ok(performance.now() - t0 < 1000);
  }),
);

Deno.test(
  "EventPump reports a hang-up once and stops",
  withPipe(async (libc, readFd, writeFd) => {
    const errors: GpioError[] = [];
    const { promise: reported, resolve: report } = Promise.withResolvers<void>();
    const pump = new EventPump({
      libc,
      fd: readFd,
      listeners: new Set(),
      errorOf,
      onError: (e) => {
        errors.push(e);
        report();
      },
    });
    libc.symbols.close(writeFd);
    await reported;
    await pump.stop();
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.code, "EIO");
    assert.match(errors[0]!.message, /^Cannot poll line 3 of chip "pipe"/);
  }),
);
