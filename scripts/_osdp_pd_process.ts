/**
 * Helper of `bench_osdp.ts`: emulated readers in their own process (so the
 * benchmark's CPU figure is the CP's alone). Opens a pty, answers as
 * `--readers` Secure Channel PDs (addresses 0…n-1, key 0x40…0x4F), prints
 * the slave path on stdout, and stops when stdin closes.
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { loadSerialLibc } from "../src/hardware/osdp/serial_libc.ts";
import { openPty } from "../src/hardware/osdp/serial_port.ts";
import { EmulatedPd, PdBusEmulator } from "../tests/_osdp_pd.ts";

const count = Number(Deno.args[0] ?? "4");
const key = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
const libc = loadSerialLibc();
const { master, slavePath } = openPty(libc);
const emulator = new PdBusEmulator(
  master,
  Array.from({ length: count }, (_, address) => new EmulatedPd({ address, scbk: key })),
);
console.log(slavePath);
for await (const _ of Deno.stdin.readable) {
  // Wait for the parent to close stdin.
}
await emulator.stop();
libc.close();
