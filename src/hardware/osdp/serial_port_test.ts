import assert from "node:assert/strict";
import { blockedInPoll } from "../chardev/testdata/in_poll.ts";
import { loadSerialLibc } from "./serial_libc.ts";
import { openPty, openSerialPort, SerialError } from "./serial_port.ts";

async function readAll(port: { read(ms: number): Promise<Uint8Array> }, count: number) {
  const out: number[] = [];
  while (out.length < count) {
    const chunk = await port.read(1000);
    assert.ok(chunk.length > 0, `timed out after ${out.length} of ${count} bytes`);
    out.push(...chunk);
  }
  return Uint8Array.from(out);
}

Deno.test("openSerialPort() passes every byte value unchanged both ways on a raw pty", async () => {
  const libc = loadSerialLibc();
  const { master, slavePath } = openPty(libc);
  const port = openSerialPort(slavePath, { baud: 115200, libc });
  try {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i); // CR, LF, XON/XOFF, ^C, 0xFF…
    await master.write(all);
    assert.deepEqual(await readAll(port, 256), all);
    await port.write(all);
    assert.deepEqual(await readAll(master, 256), all);
    // No echo came back to the sender.
    assert.equal((await master.read(30)).length, 0);
  } finally {
    await port.close();
    await master.close();
    libc.close();
  }
});

Deno.test("SerialPort.read() waits in poll, returns nothing at its timeout, and close() wakes it", async () => {
  const libc = loadSerialLibc();
  const { master, slavePath } = openPty(libc);
  const port = openSerialPort(slavePath, { baud: 9600, libc });
  try {
    const started = performance.now();
    assert.equal((await port.read(40)).length, 0);
    assert.ok(performance.now() - started >= 35);
    const pending = port.read(10_000);
    for (let i = 0; i < 200 && !blockedInPoll(port.fd); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.ok(blockedInPoll(port.fd), "the read waits in poll(2)");
    const closing = performance.now();
    await port.close();
    await assert.rejects(pending, (e) => e instanceof SerialError && e.code === "EBADF");
    assert.ok(performance.now() - closing < 1000);
  } finally {
    await port.close();
    await master.close();
    libc.close();
  }
});

Deno.test("openSerialPort() names the port and the errno, and refuses bad settings", () => {
  const libc = loadSerialLibc();
  try {
    assert.throws(
      () => openSerialPort("/dev/ttyNOPE9", { baud: 9600, libc }),
      (e) =>
        e instanceof SerialError && e.code === "ENOENT" &&
        e.message === 'Cannot open serial port "/dev/ttyNOPE9": ENOENT (errno 2)',
    );
    assert.throws(
      () => openSerialPort("/dev/null", { baud: 9600, libc }),
      (e) => e instanceof SerialError && e.code === "ENOTTY" && e.message.includes('"/dev/null"'),
    );
    assert.throws(() => openSerialPort("/dev/null", { baud: 4800, libc }), /4800 is not one of/);
  } finally {
    libc.close();
  }
});
